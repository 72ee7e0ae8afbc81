package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/tensor"
)

func init() {
	register(&command{name: "inspect", summary: "show a GGUF file's metadata and tensors", run: runInspect})
}

func runInspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	all := fs.Bool("all", false, "print long arrays in full")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama inspect FILE.gguf [--json] [--all]")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	f, err := gguf.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	rep := newInspectReport(f, *all)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.writeText(stdout)
	return nil
}

type inspectReport struct {
	File          string          `json:"-"`
	Version       uint32          `json:"version"`
	Architecture  string          `json:"architecture"`
	Name          string          `json:"name,omitempty"`
	FileType      string          `json:"file_type,omitempty"`
	Alignment     int64           `json:"alignment"`
	Metadata      []inspectKV     `json:"metadata"`
	Tensors       []inspectTensor `json:"tensors"`
	TypeCounts    map[string]int  `json:"type_counts"`
	Parameters    int64           `json:"parameters"`
	TensorBytes   int64           `json:"tensor_bytes"`
	FileBytes     int64           `json:"file_bytes"`
	BitsPerWeight float64         `json:"bits_per_weight"`
}

type inspectKV struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type inspectTensor struct {
	Name  string  `json:"name"`
	Type  string  `json:"type"`
	Shape []int64 `json:"shape"`
	Bytes int64   `json:"bytes"`
}

// longArray is where metadata arrays are summarised instead of listed.
const longArray = 16

func newInspectReport(f *gguf.File, all bool) *inspectReport {
	rep := &inspectReport{Version: f.Version, Architecture: f.Architecture(), Alignment: f.Alignment,
		FileBytes: f.Size(), TypeCounts: map[string]int{}}
	rep.Name, _ = f.String("general.name")
	for _, kv := range f.KV {
		var v any = kv.Value.Any()
		typ := kv.Value.TypeString()
		switch {
		case kv.Value.Type != gguf.TypeArray:
		case kv.Value.Elem == gguf.TypeArray || kv.Value.Len() > longArray && !all:
			v, typ = fmt.Sprintf("[%d %ss]", kv.Value.Len(), kv.Value.Elem), "array"
		}
		if kv.Key == "general.file_type" {
			if n, ok := kv.Value.Int(); ok {
				rep.FileType = tensor.FileType(n).String()
			}
		}
		rep.Metadata = append(rep.Metadata, inspectKV{kv.Key, typ, v})
	}
	for _, ti := range f.Tensors {
		rep.Tensors = append(rep.Tensors, inspectTensor{ti.Name, ti.Type.String(), ti.Shape, ti.Size})
		rep.TypeCounts[ti.Type.String()]++
		rep.Parameters += ti.NumElements()
		rep.TensorBytes += ti.Size
	}
	if rep.Parameters > 0 {
		rep.BitsPerWeight = float64(rep.TensorBytes) * 8 / float64(rep.Parameters)
	}
	return rep
}

func (r *inspectReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "GGUF v%d  architecture %s", r.Version, r.Architecture)
	if r.Name != "" {
		fmt.Fprintf(w, "  name %q", r.Name)
	}
	if r.FileType != "" {
		fmt.Fprintf(w, "  file type %s", r.FileType)
	}
	fmt.Fprintf(w, "\n\nmetadata (%d):\n", len(r.Metadata))
	for _, kv := range r.Metadata {
		v := kv.Value
		if s, ok := v.(string); ok && !strings.HasPrefix(s, "[") {
			v = fmt.Sprintf("%q", shorten(s, 120))
		}
		fmt.Fprintf(w, "  %-44s %-10s %v\n", kv.Key, kv.Type, v)
	}
	fmt.Fprintf(w, "\ntensors (%d):\n", len(r.Tensors))
	fmt.Fprintf(w, "  %-36s %-8s %-22s %12s\n", "name", "type", "shape", "bytes")
	for _, t := range r.Tensors {
		fmt.Fprintf(w, "  %-36s %-8s %-22s %12d\n", t.Name, t.Type, fmt.Sprint(t.Shape), t.Bytes)
	}
	types := make([]string, 0, len(r.TypeCounts))
	for t := range r.TypeCounts {
		types = append(types, fmt.Sprintf("%s×%d", t, r.TypeCounts[t]))
	}
	sort.Strings(types)
	fmt.Fprintf(w, "\ntotals: %s parameters, %s of tensors (%.2f bits per weight), file %s; types %s\n",
		humanCount(r.Parameters), humanBytes(r.TensorBytes), r.BitsPerWeight, humanBytes(r.FileBytes), strings.Join(types, " "))
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("… (%d bytes)", len(s))
}

func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
