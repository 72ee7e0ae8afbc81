package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

func init() {
	register(&command{name: "synth", summary: "write a random-weight llama model of a real shape (for benchmarks)", run: runSynth})
}

func runSynth(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("synth", stderr)
	shapeName := fs.String("shape", "", "named model shape: "+strings.Join(synth.ShapeNames(), ", "))
	dims := fs.String("dims", "", "custom llama shape `EMBD,LAYERS,HEADS,KV_HEADS,FF[,VOCAB]` instead of --shape")
	typeName := fs.String("type", "q8_0", "weight `TYPE` (f32, f16, bf16, q4_0, q4_K, ...); 1-D tensors stay f32")
	out := fs.String("o", "", "output GGUF `file`")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same file)")
	vocab := fs.String("vocab", "", "copy the tokenizer from this GGUF `file`; its token count sets the vocabulary size")
	threads := fs.Int("t", 0, "goroutines generating weights (0: all cores)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama synth (--shape NAME | --dims E,L,H,KV,FF[,V]) [--type TYPE] -o OUT.gguf [--seed N] [--vocab FILE.gguf]")
		fmt.Fprintln(stderr, "Weights are N(0, 1/fan_in), norms 1. Without --vocab a built-in byte-level SentencePiece")
		fmt.Fprintf(stderr, "vocabulary (%d tokens) is padded with unused tokens to the shape's vocabulary size.\n", synth.MinBuiltinVocab)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *out == "" || (*shapeName == "") == (*dims == "") {
		fs.Usage()
		return errUsage
	}
	var shape synth.Shape
	if *shapeName != "" {
		if shape, err = synth.LookupShape(*shapeName); err != nil {
			return err
		}
	} else if shape, err = parseDims(*dims); err != nil {
		return err
	}
	typ, err := tensor.ParseType(*typeName)
	if err != nil {
		return err
	}
	opt := synth.Options{Shape: shape, Type: typ, Seed: *seed, Threads: *threads}
	if *vocab != "" {
		vf, err := gguf.Open(*vocab)
		if err != nil {
			return err
		}
		defer vf.Close()
		opt.Vocab = vf
	}
	start := time.Now()
	w, nVocab, err := synth.Build(opt)
	if err != nil {
		return err
	}
	if nVocab != shape.Vocab {
		fmt.Fprintf(stderr, "vocabulary size %d (the %s shape has %d)\n", nVocab, shape.Name, shape.Vocab)
	}
	if err := w.WriteFile(*out); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: %s shape, %s weights, %.1f MiB in %.1fs\n", *out, shape.Name, typ,
		float64(st.Size())/(1<<20), time.Since(start).Seconds())
	return nil
}

func parseDims(s string) (synth.Shape, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 5 && len(parts) != 6 {
		return synth.Shape{}, fmt.Errorf("--dims %q: want EMBD,LAYERS,HEADS,KV_HEADS,FF[,VOCAB]", s)
	}
	n := make([]int, 6)
	n[5] = synth.MinBuiltinVocab
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v <= 0 {
			return synth.Shape{}, fmt.Errorf("--dims %q: %q is not a positive integer", s, p)
		}
		n[i] = v
	}
	sh := synth.Shape{Name: "custom", Arch: "llama", Embd: n[0], Layers: n[1], Heads: n[2], KVHeads: n[3], FF: n[4],
		Vocab: n[5], Context: 2048, RopeTheta: 10000, RMSEps: 1e-5}
	return sh, sh.Validate()
}
