package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gollama/gollama"
)

func init() {
	register(&command{name: "embed", summary: "print the embeddings of texts as JSON (mean-pooled, L2-normalised)", run: runEmbed})
}

func runEmbed(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("embed", stderr)
	model := fs.String("m", "", "model: a .gguf path, hf:author/repo/file.gguf, or a known name (default: $GOLLAMA_MODEL, else a tiny TinyStories model)")
	var threads, ctxSize, batch nonNegative
	batch = 512
	fs.Var(&threads, "t", "threads (default: all cores)")
	fs.Var(&ctxSize, "c", "longest text in tokens (default: the model's context, at most 4096)")
	fs.Var(&batch, "b", "most tokens per forward pass")
	noMmap := fs.Bool("no-mmap", false, "read the model into memory instead of mapping it")
	pooling := fs.String("pooling", "", "mean, cls or last (default: the model's pooling_type, else mean)")
	norm := fs.Int("embd-normalize", 2, "-1 none, 0 max absolute (int16 range), 1 taxicab, 2 Euclidean")
	parseSpecial := fs.Bool("parse-special", false, "turn special-token text such as <s> into those tokens")
	file := fs.String("file", "", "read the texts from `F`, one per non-empty line, instead of the arguments")
	array := fs.Bool("array", false, "print a bare JSON array of vectors instead of an OpenAI-style list")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama embed -m MODEL [--pooling mean|cls|last] [--embd-normalize N] [--array] (--file F | TEXT...)")
		fs.PrintDefaults()
	}
	texts, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	opts := gollama.EmbedOptions{ParseSpecial: *parseSpecial}
	switch *pooling {
	case "":
	case "mean":
		opts.Pooling = gollama.PoolMean
	case "cls":
		opts.Pooling = gollama.PoolCLS
	case "last":
		opts.Pooling = gollama.PoolLast
	default:
		fmt.Fprintf(stderr, "gollama embed: --pooling %q: want mean, cls or last\n", *pooling)
		return errUsage
	}
	norms := map[int]gollama.EmbedNorm{-1: gollama.NormNone, 0: gollama.NormMaxAbs, 1: gollama.NormTaxicab, 2: gollama.NormL2}
	var ok bool
	if opts.Normalize, ok = norms[*norm]; !ok {
		fmt.Fprintf(stderr, "gollama embed: --embd-normalize %d: want -1, 0, 1 or 2\n", *norm)
		return errUsage
	}
	switch {
	case *file != "" && len(texts) > 0:
		fmt.Fprintln(stderr, "gollama embed: give either --file or TEXT arguments, not both")
		return errUsage
	case *file != "":
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSuffix(line, "\r"); line != "" {
				texts = append(texts, line)
			}
		}
		if len(texts) == 0 {
			return fmt.Errorf("%s: no text in it", *file)
		}
	case len(texts) == 0:
		fmt.Fprintln(stderr, "gollama embed: no TEXT (or --file) given")
		return errUsage
	}

	ctx := context.Background()
	path, err := findModel(ctx, *model, true, stderr)
	if err != nil {
		return err
	}
	m, err := gollama.Load(path, gollama.Options{Threads: int(threads), ContextLength: int(ctxSize), BatchSize: int(batch), NoMmap: *noMmap})
	if err != nil {
		return err
	}
	defer m.Close()
	vecs, err := m.Embed(ctx, texts, opts)
	if err != nil {
		return err
	}
	var out any = vecs
	if !*array {
		data := make([]map[string]any, len(vecs))
		for i, v := range vecs {
			data[i] = map[string]any{"object": "embedding", "index": i, "embedding": v}
		}
		out = map[string]any{"object": "list", "data": data}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(b, '\n'))
	return err
}
