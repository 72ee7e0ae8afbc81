package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/tensor"
)

func TestSynthCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.gguf")
	var stdout, stderr bytes.Buffer
	if err := runSynth([]string{"--dims", "64,2,4,2,96,300", "--type", "q4_k", "-o", out, "--seed", "3"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// 300 < the built-in vocabulary, so it is not padded down.
	if n, _ := f.Uint32("llama.vocab_size"); n != 354 || !strings.Contains(stderr.String(), "vocabulary size 354") {
		t.Errorf("vocab_size %d; stderr %q", n, stderr.String())
	}
	ti, ok := f.TensorInfo("blk.1.ffn_down.weight")
	if !ok || ti.Type != tensor.Q5_0 || ti.Shape[0] != 96 { // rows of 96 fall back from q4_K
		t.Errorf("ffn_down: %+v", ti)
	}
	for _, args := range [][]string{
		{"-o", out}, // no shape
		{"--shape", "tiny", "--dims", "64,1,4,2,96", "-o", out}, // both
		{"--shape", "tiny"}, // no output
	} {
		if err := runSynth(args, &stdout, &stderr); err != errUsage {
			t.Errorf("%v: err = %v, want usage", args, err)
		}
	}
	for _, dims := range []string{"64,1,4,2", "64,1,3,1,96", "64,x,4,2,96"} {
		if _, err := parseDims(dims); err == nil {
			t.Errorf("--dims %s accepted", dims)
		}
	}
	if err := runSynth([]string{"--shape", "tiny", "--type", "q8_K", "-o", out}, &stdout, &stderr); err == nil {
		t.Error("q8_K weights accepted")
	}
}
