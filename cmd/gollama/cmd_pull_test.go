package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/tensor"
)

// tinyGGUF returns a small valid GGUF file: a llama header and one Q8_0
// matrix, with general.file_type Q8_0.
func tinyGGUF(t *testing.T) []byte {
	t.Helper()
	w := gguf.NewWriter()
	w.Set("general.architecture", "llama")
	w.Set("general.file_type", uint32(7))
	w.AddTensor("blk.0.attn_q.weight", tensor.Q8_0, []int64{32, 2}, make([]byte, 2*34))
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPullListRm pulls a file from a minimal Hub (a small, non-LFS file
// served directly), lists it with its GGUF header fields and removes it.
func TestPullListRm(t *testing.T) {
	data := tinyGGUF(t)
	commit := strings.Repeat("5", 40)
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	etag := hex.EncodeToString(h.Sum(nil))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/acme/tiny/resolve/main/tiny-Q8_0.gguf" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("X-Repo-Commit", commit)
		w.Header().Set("ETag", `"`+etag+`"`)
		w.Write(data)
	}))
	defer srv.Close()
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("HF_TOKEN", "")

	var stdout, stderr bytes.Buffer
	if code := runMain([]string{"pull", "hf:acme/tiny/tiny-Q8_0.gguf", "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("pull exit %d: %s", code, stderr.String())
	}
	want := filepath.Join(cache, "models--acme--tiny", "snapshots", commit, "tiny-Q8_0.gguf")
	if got := strings.TrimSpace(stdout.String()); got != want {
		t.Errorf("pull printed %q, want %q", got, want)
	}
	if got, _ := os.ReadFile(want); !bytes.Equal(got, data) {
		t.Error("pulled bytes differ")
	}

	stdout.Reset()
	if code := runMain([]string{"list"}, &stdout, &stderr); code != 0 {
		t.Fatalf("list exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("list output:\n%s", stdout.String())
	}
	f := strings.Fields(lines[1])
	if len(f) < 6 || f[0] != "hf:acme/tiny/tiny-Q8_0.gguf" || f[4] != "Q8_0" || f[5] != "llama" {
		t.Errorf("list line %q, want ref, name, size, Q8_0, llama", lines[1])
	}

	// An unreadable file shows '?'.
	bad := filepath.Join(cache, "models--acme--tiny", "snapshots", commit, "junk.gguf")
	os.WriteFile(bad, []byte("not gguf"), 0o644)
	stdout.Reset()
	runMain([]string{"list"}, &stdout, &stderr)
	if !strings.Contains(stdout.String(), "junk.gguf") || !strings.Contains(stdout.String(), "?") {
		t.Errorf("list with a junk file:\n%s", stdout.String())
	}
	os.Remove(bad)

	stdout.Reset()
	if code := runMain([]string{"rm", "hf:acme/tiny/tiny-Q8_0.gguf"}, &stdout, &stderr); code != 0 {
		t.Fatalf("rm exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(cache, "models--acme--tiny")); !os.IsNotExist(err) {
		t.Error("rm left the repository folder")
	}
	stderr.Reset()
	if code := runMain([]string{"rm", "hf:acme/tiny/tiny-Q8_0.gguf"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "not in the cache") {
		t.Errorf("second rm: exit %d, %s", code, stderr.String())
	}
	stderr.Reset()
	if code := runMain([]string{"pull", "hf:acme/tiny/missing.gguf", "--quiet"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "404") {
		t.Errorf("pull of a missing file: exit %d, %s", code, stderr.String())
	}
}
