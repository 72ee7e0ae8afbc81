package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/hub"
	"github.com/gollama/gollama/tensor"
)

func init() {
	register(&command{name: "list", summary: "list the models in the Hugging Face cache", run: runList})
}

func runList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", stderr)
	paths := fs.Bool("paths", false, "also print each model's local path")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "gollama list: takes no arguments (got %q)\n", pos)
		return errUsage
	}
	opts := hub.Options{}
	models, err := hub.List(opts)
	if err != nil {
		return fmt.Errorf("reading the cache %s: %w", opts.Cache(), err)
	}
	if len(models) == 0 {
		fmt.Fprintf(stderr, "no models in %s (try: gollama pull %s)\n", opts.Cache(), hub.DefaultTinyModel)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	header := "REF\tNAME\tSIZE\tQUANT\tARCH"
	if *paths {
		header += "\tPATH"
	}
	fmt.Fprintln(tw, header)
	for _, m := range models {
		quant, arch := describeGGUF(m.Path)
		name := m.Name
		if name == "" {
			name = "-"
		}
		size := humanSize(m.Size)
		if len(m.Parts) > 1 {
			size += fmt.Sprintf(" (%d parts)", len(m.Parts))
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", m.Ref, name, size, quant, arch)
		if *paths {
			line += "\t" + m.Path
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// describeGGUF reads the quantization and architecture from a GGUF header,
// "?" for what cannot be read.
func describeGGUF(path string) (quant, arch string) {
	f, err := gguf.Open(path)
	if err != nil {
		return "?", "?"
	}
	defer f.Close()
	arch = f.Architecture()
	if arch == "" {
		arch = "?"
	}
	if ft, err := f.Uint32("general.file_type"); err == nil {
		if name, ok := ftypeNames[ft]; ok {
			return name, arch
		}
	}
	return dominantType(f), arch
}

// dominantType names the tensor type holding most matrix weights, for files
// without a known general.file_type.
func dominantType(f *gguf.File) string {
	count := map[tensor.Type]int64{}
	for _, ti := range f.Tensors {
		if len(ti.Shape) >= 2 {
			count[ti.Type] += ti.NumElements()
		}
	}
	if len(count) == 0 {
		return "?"
	}
	types := make([]tensor.Type, 0, len(count))
	for t := range count {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return count[types[i]] > count[types[j]] })
	return strings.ToUpper(types[0].String())
}

// ftypeNames are llama.cpp's llama_ftype values (general.file_type) as
// llama.cpp names the mixtures.
var ftypeNames = map[uint32]string{
	0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
	10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
	16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
	22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
	28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
	38: "MXFP4_MOE",
}

func humanSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
