package hub

import (
	"path"
	"strings"
	"testing"
)

// FuzzParseRef: any string parses or fails without panicking, and a Hub
// reference can never name a file or repository outside its cache folder.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"hf:a/b/c.gguf", "hf:a/b/tree/main/x/y.gguf", "hf:a/b@v1/c.gguf", "stories260k",
		"hf:a/../../etc/passwd", "hf:a/b/../../x.gguf", "hf:a/b/c/%2e%2e/x.gguf", "./x.gguf", "hf:", "hf:a", "hf:a/b",
		"hf:a/b/tree/../../x.gguf", "qwen2.5:0.5b", "hf:a/b/\x00.gguf", "hf:a/b/C:\\x.gguf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil || r.IsLocal() {
			return
		}
		for _, part := range append(strings.Split(r.Repo, "/"), strings.Split(r.File, "/")...) {
			if part == "" || part == "." || part == ".." || strings.ContainsAny(part, "\\\x00") {
				t.Fatalf("%q: parsed to repo %q file %q", s, r.Repo, r.File)
			}
		}
		if strings.Contains(r.Revision, "..") || strings.ContainsAny(r.Revision, "\\\x00") || path.IsAbs(r.File) {
			t.Fatalf("%q: revision %q file %q", s, r.Revision, r.File)
		}
		_ = r.String()
		_ = r.URL("https://huggingface.co")
	})
}
