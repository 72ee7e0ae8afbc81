package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

// With no -m, no $GOLLAMA_MODEL and no way to download, run falls back to
// a synthesized random-weight model and says so.
func TestRunDefaultModelOffline(t *testing.T) {
	home := t.TempDir()
	t.Setenv("GOLLAMA_MODEL", "")
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", home)
	t.Setenv("HF_HOME", home+"/hf")
	t.Setenv("HF_HUB_OFFLINE", "1")
	var out, errOut bytes.Buffer
	if code := runMain([]string{"run", "-n", "4", "--seed", "1"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "RANDOM-WEIGHT") || !strings.Contains(errOut.String(), "generated 4 tokens") {
		t.Errorf("stderr: %s", errOut.String())
	}
}

// $GOLLAMA_MODEL names the default model.
func TestRunDefaultModelFromEnv(t *testing.T) {
	t.Setenv("GOLLAMA_MODEL", testdata.Path(t, "models/stories260K-F32.gguf"))
	t.Setenv("HF_HUB_OFFLINE", "1")
	var out, errOut bytes.Buffer
	if code := runMain([]string{"run", "-n", "8", "--temp", "0", "-p", "Once upon a time"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "GOLLAMA_MODEL") || strings.Contains(errOut.String(), "RANDOM") || out.Len() < 10 {
		t.Errorf("stdout %q, stderr %s", out.String(), errOut.String())
	}
}
