package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

// TestTokenizeVectors runs llama.cpp's tokenizer test vectors through the
// tokenize command, each text passed byte for byte with --file.
func TestTokenizeVectors(t *testing.T) {
	for _, model := range testdata.Glob(t, "vocab/*.gguf") {
		inp, err := os.ReadFile(model + ".inp")
		if err != nil {
			continue // a vocabulary without vectors
		}
		t.Run(filepath.Base(model), func(t *testing.T) {
			t.Parallel()
			tokenizeVectors(t, model, inp)
		})
	}
}

func tokenizeVectors(t *testing.T, model string, inp []byte) {
	dir := t.TempDir()
	{
		out, err := os.ReadFile(model + ".out")
		if err != nil {
			t.Fatal(err)
		}
		texts := strings.Split(strings.TrimSuffix(string(inp), "\n__ggml_vocab_test__\n"), "\n__ggml_vocab_test__\n")
		want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(texts) != len(want) {
			t.Fatalf("%s: %d inputs, %d outputs", model, len(texts), len(want))
		}
		if testing.Short() {
			texts, want = texts[:8], want[:8]
		}
		for i, text := range texts {
			in := filepath.Join(dir, "in.txt")
			if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			err := runTokenize([]string{"-m", model, "--add-special=false", "--file", in}, &stdout, &stderr)
			if err != nil {
				t.Fatalf("%s case %d: %v (%s)", filepath.Base(model), i, err, stderr.String())
			}
			got := strings.TrimSuffix(stdout.String(), "\n")
			if got != strings.TrimSpace(want[i]) {
				t.Errorf("%s case %d %q:\n got %s\nwant %s", filepath.Base(model), i, text, got, want[i])
			}
		}
	}
}

func TestTokenizeCommand(t *testing.T) {
	model := testdata.Path(t, "models/tinystories656k-F16.gguf")
	var stdout, stderr bytes.Buffer
	if err := runTokenize([]string{"-m", model, "Once upon a time"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	if got := stdout.String(); got != "1 80 147 201 282 57\n" {
		t.Errorf("got %q", got)
	}

	stdout.Reset()
	if err := runTokenize([]string{"-m", model, "--json", "--parse-special", "<|start_story|>Once"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	var toks []struct {
		ID    int32  `json:"id"`
		Piece string `json:"piece"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &toks); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	// BOS, then the special token parsed from the text, then " Once"
	if len(toks) < 3 || toks[0].ID != 1 || toks[1].ID != 1 || toks[1].Piece != "<|start_story|>" {
		t.Errorf("got %+v", toks)
	}

	for _, args := range [][]string{
		{"Once"},                          // no model
		{"-m", model},                     // no text
		{"-m", model, "a", "b"},           // two texts
		{"-m", model, "--file", "x", "a"}, // both
	} {
		if err := runTokenize(args, &stdout, &stderr); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if err := runTokenize([]string{"-m", filepath.Join(t.TempDir(), "missing.gguf"), "a"}, &stdout, &stderr); err == nil {
		t.Error("missing model: no error")
	}
}
