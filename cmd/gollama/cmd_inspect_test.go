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

func TestInspect(t *testing.T) {
	path := testdata.Path(t, "models/llama-spm32k-Q4_K_M.gguf")
	var out, errOut bytes.Buffer
	if code := runMain([]string{"inspect", path}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	text := out.String()
	for _, want := range []string{"architecture llama", "file type Q4_K_M", "tokenizer.ggml.tokens", "[32000 strings]", "q6_K", "blk.1.ffn_down.weight", "bits per weight"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	out.Reset()
	if code := runMain([]string{"inspect", path, "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("--json exit %d: %s", code, errOut.String())
	}
	var rep inspectReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Tensors) != 21 || rep.Parameters == 0 || rep.BitsPerWeight < 4 || rep.BitsPerWeight > 7 {
		t.Errorf("report: %d tensors, %d params, %.2f bpw", len(rep.Tensors), rep.Parameters, rep.BitsPerWeight)
	}
}

func TestInspectBadFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.gguf")
	os.WriteFile(bad, []byte("GGUF\x03\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"), 0o644)
	var out, errOut bytes.Buffer
	code := runMain([]string{"inspect", bad}, &out, &errOut)
	msg := errOut.String()
	if code != 1 || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "tensor count") {
		t.Errorf("exit %d, stderr %q", code, msg)
	}
	if code := runMain([]string{"inspect"}, &out, &errOut); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
}
