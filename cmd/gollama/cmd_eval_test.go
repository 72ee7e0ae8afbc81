package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

// TestEvalMatchesReference runs the eval command on the small trained model
// and compares its JSON with llama.cpp's reference file.
func TestEvalMatchesReference(t *testing.T) {
	modelPath := testdata.Path(t, "models/stories260K-F32.gguf")
	raw, err := os.ReadFile(testdata.Path(t, "reference/stories260K-F32/p1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want evalResult
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = runEval([]string{"-m", modelPath, "-p", want.Prompt, "--top", "10", "-n", "16", "-t", "1"}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v (stderr: %s)", err, errOut.String())
	}
	var got evalResult
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if !slices.Equal(got.Tokens, want.Tokens) {
		t.Fatalf("tokens %v, want %v", got.Tokens, want.Tokens)
	}
	if got.NVocab != want.NVocab || len(got.Top) != len(want.Top) {
		t.Fatalf("n_vocab %d with %d top rows, want %d with %d", got.NVocab, len(got.Top), want.NVocab, len(want.Top))
	}
	for i := range got.Top {
		if got.Top[i][0][0] != want.Top[i][0][0] || math.Abs(got.Top[i][0][1]-want.Top[i][0][1]) > 1e-3 {
			t.Errorf("position %d: top %v, want %v", i, got.Top[i][0], want.Top[i][0])
		}
	}
	if !slices.Equal(got.Greedy, want.Greedy[:16]) {
		t.Errorf("greedy %v, want %v", got.Greedy, want.Greedy[:16])
	}
	if !strings.HasPrefix(want.GreedyText, got.GreedyText) {
		t.Errorf("greedy text %q is not a prefix of %q", got.GreedyText, want.GreedyText)
	}
}

func TestEvalUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-p", "x"},                            // no model
		{"-m", "m.gguf"},                       // no prompt
		{"-m", "m.gguf", "-p", "x", "-f", "y"}, // two prompts
	} {
		var out, errOut bytes.Buffer
		if err := runEval(args, &out, &errOut); err != errUsage {
			t.Errorf("%v: error %v, want usage error", args, err)
		}
	}
	var out, errOut bytes.Buffer
	if err := runEval([]string{"-m", "/nonexistent.gguf", "--tokens", "1,2"}, &out, &errOut); err == nil {
		t.Error("missing model file: no error")
	}
	if _, err := parseIDs("1, 2,x"); err == nil {
		t.Error(`parseIDs("1, 2,x") accepted "x"`)
	}
}
