package hub

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	commit := strings.Repeat("0123456789", 4)
	ok := []struct {
		in              string
		repo, rev, file string
		path            string
	}{
		{"hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf", "bartowski/Llama-3.2-1B-Instruct-GGUF", "main", "Llama-3.2-1B-Instruct-Q4_K_M.gguf", ""},
		{"hf:a/b/HEAD/x.gguf", "a/b", "main", "x.gguf", ""},
		{"hf:a/b/main/x.gguf", "a/b", "main", "x.gguf", ""},
		{"hf:a/b/" + commit + "/d/x.gguf", "a/b", commit, "d/x.gguf", ""},
		{"hf:ggml-org/models/tinyllamas/stories260K.gguf", "ggml-org/models", "main", "tinyllamas/stories260K.gguf", ""},
		{"hf:a/b@v1.0/x.gguf", "a/b", "v1.0", "x.gguf", ""},
		{"hf:a/b@dev/sub/x.GGUF", "a/b", "dev", "sub/x.GGUF", ""},
		{"./m.gguf", "", "", "", "./m.gguf"},
		{"/abs/m.bin", "", "", "", "/abs/m.bin"},
		{"m.gguf", "", "", "", "m.gguf"},
		{"  qwen2.5:0.5b ", "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "main", "qwen2.5-0.5b-instruct-q4_k_m.gguf", ""},
		{"TinyStories", "ggml-org/models", "main", "tinyllamas/stories15M-q4_0.gguf", ""},
	}
	for _, c := range ok {
		r, err := ParseRef(c.in)
		if err != nil {
			t.Errorf("ParseRef(%q): %v", c.in, err)
			continue
		}
		if r.Repo != c.repo || r.Revision != c.rev || r.File != c.file || r.Path != c.path {
			t.Errorf("ParseRef(%q) = %+v", c.in, r)
		}
		if !r.IsLocal() {
			back, err := ParseRef(r.String())
			if err != nil || back.Repo != r.Repo || back.Revision != r.Revision || back.File != r.File {
				t.Errorf("round trip of %q via %q: %+v, %v", c.in, r.String(), back, err)
			}
		}
	}
	bad := map[string]string{
		"":                        "empty",
		"hf:a/b":                  "want hf:author/repo",
		"hf:a/b/x.bin":            "not a .gguf",
		"hf:a/b/../x.gguf":        "'..'",
		"hf:a/b//x.gguf":          "empty",
		"hf:a--c/b/x.gguf":        "invalid repository",
		"hf:a/b c/x.gguf":         "invalid repository",
		"hf:a/b@/x.gguf":          "empty revision",
		"hf:a/b@bad..rev/x.gguf":  "invalid revision",
		"https://huggingface.co/": "URLs are not accepted",
		"llama9:70b":              "not a known model name",
	}
	for in, want := range bad {
		_, err := ParseRef(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRef(%q) error %v, want one containing %q", in, err, want)
		}
	}
}

func TestKnownModels(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Known() {
		for _, n := range k.Names {
			if seen[strings.ToLower(n)] {
				t.Errorf("name %q used twice", n)
			}
			seen[strings.ToLower(n)] = true
		}
		r := k.Ref()
		if _, err := ParseRef(r.String()); err != nil {
			t.Errorf("%s: its reference %q does not parse: %v", k.Names[0], r, err)
		}
		if k.SHA256 != "" && !sha256HexRE.MatchString(k.SHA256) {
			t.Errorf("%s: bad sha256 %q", k.Names[0], k.SHA256)
		}
	}
	for _, n := range []string{"llama3.2:1b-q4_k_m", "qwen2.5:0.5b", "smollm2:135m", "tinyllama:1.1b", "stories260k", "tinystories"} {
		if _, ok := LookupKnown(n); !ok {
			t.Errorf("known name %q missing", n)
		}
	}
}

func TestCacheDirFromEnv(t *testing.T) {
	env := map[string]string{}
	o := Options{Getenv: func(k string) string { return env[k] }}
	env["XDG_CACHE_HOME"] = "/x"
	if got := o.Cache(); got != "/x/huggingface/hub" {
		t.Errorf("XDG: %s", got)
	}
	env["HF_HOME"] = "/h"
	if got := o.Cache(); got != "/h/hub" {
		t.Errorf("HF_HOME: %s", got)
	}
	env["HF_HUB_CACHE"] = "/c"
	if got := o.Cache(); got != "/c" {
		t.Errorf("HF_HUB_CACHE: %s", got)
	}
	if o.endpoint() != DefaultEndpoint {
		t.Errorf("endpoint %s", o.endpoint())
	}
	env["HF_ENDPOINT"] = "http://mirror/"
	if o.endpoint() != "http://mirror" {
		t.Errorf("HF_ENDPOINT: %s", o.endpoint())
	}
	r := Ref{Repo: "a/b", Revision: "refs/pr/1", File: "d/x y.gguf"}
	if got := r.URL("http://h"); got != "http://h/a/b/resolve/refs/pr/1/d/x%20y.gguf" {
		t.Errorf("URL: %s", got)
	}
}
