package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := runMain(args, &out, &errOut); code != 0 {
		t.Fatalf("gollama %v: exit %d: %s", args, code, errOut.String())
	}
	return out.String()
}

// run --session: 8 tokens, then 8 more from the saved file, print what
// 16 in one go print, for F16 and F32 caches.
func TestRunSessionContinues(t *testing.T) {
	for _, name := range []string{"stories260K-F32", "tinystories656k-F16"} {
		model := testdata.Path(t, "models/"+name+".gguf")
		for _, kv := range [][]string{nil, {"--kv-f32"}} {
			common := append([]string{"run", "-m", model, "--temp", "0", "-t", "2", "--quiet"}, kv...)
			want := runOK(t, append(common, "-p", "Once upon a time", "-n", "16")...)
			file := filepath.Join(t.TempDir(), "story.session")
			first := runOK(t, append(common, "-p", "Once upon a time", "-n", "8", "--session", file)...)
			second := runOK(t, append(common, "-n", "8", "--session", file)...)
			if got := strings.TrimSuffix(first, "\n") + second; got != want {
				t.Errorf("%s %v: %q + %q, want %q", name, kv, first, second, want)
			}
		}
	}
}

// A corrupt session file or one of another model is an error and the
// file is left as it was.
func TestRunSessionBadFile(t *testing.T) {
	a := testdata.Path(t, "models/stories260K-F32.gguf")
	b := testdata.Path(t, "models/tinystories656k-F16.gguf")
	file := filepath.Join(t.TempDir(), "s.session")
	runOK(t, "run", "-m", a, "-p", "Once", "-n", "2", "--temp", "0", "--quiet", "--session", file)
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := runMain([]string{"run", "-m", b, "-n", "2", "--session", file}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "different model") {
		t.Errorf("other model: exit %d: %s", code, errOut.String())
	}
	if now, _ := os.ReadFile(file); !bytes.Equal(now, saved) {
		t.Error("loading into another model changed the file")
	}
	corrupt := bytes.Clone(saved)
	corrupt[len(corrupt)/2] ^= 1
	if err := os.WriteFile(file, corrupt, 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := runMain([]string{"run", "-m", a, "-n", "2", "--session", file}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "corrupt") {
		t.Errorf("corrupt file: exit %d: %s", code, errOut.String())
	}
	if now, _ := os.ReadFile(file); !bytes.Equal(now, corrupt) {
		t.Error("the corrupt file was changed")
	}
}
