package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/internal/testdata"
)

func TestEmbedCommand(t *testing.T) {
	model := testdata.Path(t, "models/stories260K-F32.gguf")
	texts := []string{"Once upon a time", "The cat sat."}
	m, err := gollama.Load(model, gollama.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want, err := m.Embed(context.Background(), texts, gollama.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := runEmbed(append([]string{"-m", model}, texts...), &stdout, &stderr); err != nil {
		t.Fatalf("%v (%s)", err, stderr.String())
	}
	var list struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &list); err != nil || len(list.Data) != 2 {
		t.Fatalf("output %.200s: %v", stdout.String(), err)
	}
	for i, d := range list.Data {
		if d.Index != i || !slices.Equal(d.Embedding, want[i]) {
			t.Errorf("text %d differs from Model.Embed", i)
		}
	}

	// --file, one text per line; --array prints bare vectors.
	f := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(f, []byte(strings.Join(texts, "\n")+"\n\n"), 0o644)
	stdout.Reset()
	if err := runEmbed([]string{"-m", model, "--file", f, "--array"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var arr [][]float32
	if err := json.Unmarshal(stdout.Bytes(), &arr); err != nil || len(arr) != 2 || !slices.Equal(arr[1], want[1]) {
		t.Errorf("--file --array: %.100s %v", stdout.String(), err)
	}

	for _, args := range [][]string{{"-m", model}, {"-m", model, "--pooling", "max", "x"}, {"-m", model, "--embd-normalize", "5", "x"}} {
		if err := runEmbed(args, &stdout, &stderr); err != errUsage {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if err := runEmbed([]string{"-m", model, ""}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty text: %v", err)
	}
}
