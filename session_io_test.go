package gollama

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/session"
)

// The helper process: loads a session file, generates n more greedy
// tokens and prints them. Run by TestSessionSurvivesProcess.
func TestSessionHelperProcess(t *testing.T) {
	if os.Getenv("GOLLAMA_SESSION_HELPER") != "1" {
		t.Skip("helper process for TestSessionSurvivesProcess")
	}
	f32 := os.Getenv("GOLLAMA_SESSION_F32") == "1"
	m, err := Load(os.Getenv("GOLLAMA_SESSION_MODEL"), Options{KVCacheF32: f32})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.LoadSessionFile(os.Getenv("GOLLAMA_SESSION_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Generate(context.Background(), "", greedy(8), nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("TOKENS %v\n", res.Tokens)
}

// Generate 8 tokens, save, load in a new process, generate 8 more: the
// same 16 tokens as in one go, for F16 and F32 caches.
func TestSessionSurvivesProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, name := range []string{"stories260K-F32", "tinystories656k-F16"} {
		for _, f32 := range []bool{false, true} {
			path := testdata.Path(t, "models/"+name+".gguf")
			m := loadModel(t, name, Options{KVCacheF32: f32})
			ref := loadRef(t, name, "p1")
			whole := newSession(t, m)
			want, err := whole.Generate(context.Background(), ref.Prompt, greedy(16), nil)
			if err != nil {
				t.Fatal(err)
			}
			s := newSession(t, m)
			first, err := s.Generate(context.Background(), ref.Prompt, greedy(8), nil)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "s.session")
			if err := s.Save(file); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestSessionHelperProcess$", "-test.v")
			cmd.Env = append(os.Environ(), "GOLLAMA_SESSION_HELPER=1", "GOLLAMA_SESSION_MODEL="+path,
				"GOLLAMA_SESSION_FILE="+file, "GOLLAMA_SESSION_F32="+map[bool]string{true: "1"}[f32])
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			var rest []int32
			i := bytes.Index(out, []byte("TOKENS ["))
			if i < 0 {
				t.Fatalf("helper printed no tokens:\n%s", out)
			}
			line := string(out[i+len("TOKENS ["):])
			line = line[:strings.IndexByte(line, ']')]
			for _, f := range strings.Fields(line) {
				v, _ := strconv.Atoi(f)
				rest = append(rest, int32(v))
			}
			got := append(first.Tokens, rest...)
			if !slices.Equal(got, want.Tokens) {
				t.Errorf("%s f32=%v: 8 + new process + 8 = %v, in one go %v", name, f32, got, want.Tokens)
			}
		}
	}
}

// In-process round trip through memory, with a sampler that draws: the
// resumed sampler continues the same random stream.
func TestSessionResumeSampler(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	p := DefaultParams()
	p.Seed = 7
	p.MaxTokens = 16
	whole := newSession(t, m)
	want, err := whole.Generate(context.Background(), "Once upon a time", p, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(t, m)
	p.MaxTokens = 8
	first, err := s.Generate(context.Background(), "Once upon a time", p, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	l, err := m.LoadSession(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p.ResumeSampler = true
	rest, err := l.Generate(context.Background(), "", p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := append(first.Tokens, rest.Tokens...); !slices.Equal(got, want.Tokens) {
		t.Errorf("8 + resume + 8 = %v, one go %v", got, want.Tokens)
	}
}

func TestLoadSessionOtherModel(t *testing.T) {
	a := loadModel(t, "stories260K-F32", Options{})
	b := loadModel(t, "tinystories656k-F16", Options{})
	s := newSession(t, a)
	if _, err := s.Generate(context.Background(), "Once", greedy(2), nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := b.LoadSession(&buf)
	if !errors.Is(err, session.ErrOtherModel) || !strings.Contains(err.Error(), "different model") {
		t.Errorf("loading into another model: %v", err)
	}
}

// With ContextShift a generation runs past the context's end.
func TestGenerateContextShift(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{ContextLength: 64})
	s := newSession(t, m)
	p := greedy(100)
	p.IgnoreEOS = true
	if _, err := s.Generate(context.Background(), "Once upon a time", p, nil); !errors.Is(err, ErrContextFull) {
		t.Fatalf("without shift: %v", err)
	}
	s.Reset()
	p.ContextShift = true
	p.KeepTokens = 4
	res, err := s.Generate(context.Background(), "Once upon a time", p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tokens) != 100 || s.Internal().Len() > 64 {
		t.Errorf("generated %d, session holds %d", len(res.Tokens), s.Internal().Len())
	}
	prompt, _ := m.Tokenize("Once upon a time", true, false)
	if !slices.Equal(s.Tokens()[:5], prompt[:5]) {
		t.Errorf("kept %v, prompt %v", s.Tokens()[:5], prompt)
	}
}
