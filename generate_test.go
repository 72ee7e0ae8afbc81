package gollama

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

type reference struct {
	Prompt string  `json:"prompt"`
	Tokens []int32 `json:"tokens"`
	Greedy []int32 `json:"greedy"`
}

func loadRef(t *testing.T, model, p string) reference {
	t.Helper()
	b, err := os.ReadFile(testdata.Path(t, filepath.Join("reference", model, p+".json")))
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func loadModel(t *testing.T, name string, opts Options) *Model {
	t.Helper()
	m, err := Load(testdata.Path(t, "models/"+name+".gguf"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newSession(t *testing.T, m *Model) *Session {
	t.Helper()
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func greedy(n int) Params {
	p := DefaultParams()
	p.Temperature = 0
	p.MaxTokens = n
	return p
}

// Greedy generation from the prompt text reproduces llama.cpp's greedy
// tokens on the real (float) models, with one thread and with two.
func TestGreedyMatchesLlamaCpp(t *testing.T) {
	for _, name := range []string{"stories260K-F32", "tinystories656k-F16"} {
		for _, threads := range []int{1, 2} {
			m := loadModel(t, name, Options{Threads: threads})
			for _, p := range []string{"p1", "p2", "p3"} {
				ref := loadRef(t, name, p)
				s := newSession(t, m)
				res, err := s.Generate(context.Background(), ref.Prompt, greedy(16), nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := s.Tokens()[:len(ref.Tokens)]; !slices.Equal(got, ref.Tokens) {
					t.Errorf("%s %s: prompt tokens %v, want %v", name, p, got, ref.Tokens)
				}
				if !slices.Equal(res.Tokens, ref.Greedy[:16]) {
					t.Errorf("%s %s threads %d: greedy %v, want %v", name, p, threads, res.Tokens, ref.Greedy[:16])
				}
				if res.StopReason != StopLength || res.Metrics.PromptTokens != len(ref.Tokens) || res.Metrics.GeneratedTokens != 16 {
					t.Errorf("%s %s: stop %q, metrics %+v", name, p, res.StopReason, res.Metrics)
				}
			}
		}
	}
}

// A session continued with an empty prompt equals one long generation.
func TestSessionContinues(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	ref := loadRef(t, "stories260K-F32", "p2")
	s := newSession(t, m)
	a, err := s.Generate(context.Background(), ref.Prompt, greedy(8), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Generate(context.Background(), "", greedy(8), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := append(a.Tokens, b.Tokens...); !slices.Equal(got, ref.Greedy[:16]) {
		t.Errorf("8+8 tokens %v, want %v", got, ref.Greedy[:16])
	}
}

// Sampling with a seed is reproducible, whatever the thread count.
func TestSeededSamplingReproducible(t *testing.T) {
	var runs [][]int32
	for _, threads := range []int{1, 2, 1} {
		m := loadModel(t, "stories260K-F32", Options{Threads: threads})
		p := DefaultParams()
		p.Seed, p.MaxTokens = 1234, 24
		res, err := newSession(t, m).Generate(context.Background(), "Once upon a time", p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Seed != 1234 {
			t.Errorf("seed %d", res.Seed)
		}
		runs = append(runs, res.Tokens)
	}
	if !slices.Equal(runs[0], runs[1]) || !slices.Equal(runs[0], runs[2]) {
		t.Errorf("seeded runs differ: %v", runs)
	}
}

// A stop string that straddles two tokens is caught; neither it nor
// anything after it is emitted.
func TestStopStringAcrossTokens(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	ref := loadRef(t, "stories260K-F32", "p1")
	full, err := newSession(t, m).Generate(context.Background(), ref.Prompt, greedy(24), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Find a token boundary inside the text with characters on both sides.
	var pieces []string
	for _, id := range full.Tokens {
		pieces = append(pieces, m.Tokenizer().Piece(id, false))
	}
	at := 0
	for i := 3; i < len(pieces); i++ {
		if len(strings.TrimSpace(pieces[i])) >= 2 && len(pieces[i-1]) >= 2 {
			at = i
			break
		}
	}
	if at == 0 {
		t.Fatalf("no boundary found in %q", pieces)
	}
	before := strings.Join(pieces[:at], "")
	stop := before[len(before)-2:] + pieces[at][:2]
	want := full.Text[:strings.Index(full.Text, stop)]

	p := greedy(24)
	p.Stop = []string{"never appears ☃", stop}
	var streamed strings.Builder
	res, err := newSession(t, m).Generate(context.Background(), ref.Prompt, p, func(tk Token) error {
		streamed.WriteString(tk.Text)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason != StopString || res.Text != want || streamed.String() != want {
		t.Errorf("stop %q: reason %s, text %q, streamed %q, want %q", stop, res.StopReason, res.Text, streamed.String(), want)
	}
}

// Cancelling the context stops generation within one token.
func TestCancelStopsWithinOneToken(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	p := greedy(100)
	p.IgnoreEOS = true
	res, err := newSession(t, m).Generate(ctx, "Once upon a time", p, func(Token) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || res == nil || res.StopReason != StopCancelled || len(res.Tokens) != 5 {
		t.Fatalf("err %v, result %+v", err, res)
	}
}

func TestContextFull(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{ContextLength: 32})
	s := newSession(t, m)
	p := greedy(100)
	p.IgnoreEOS = true
	res, err := s.Generate(context.Background(), "Once upon a time, there was a little girl", p, nil)
	if !errors.Is(err, ErrContextFull) || res == nil || res.StopReason != StopContext {
		t.Fatalf("generating past the context: err %v, result %+v", err, res)
	}
	if got := len(s.Tokens()); got != 32+1 && got != 32 {
		t.Errorf("session holds %d tokens", got)
	}
	long := strings.Repeat("Once upon a time ", 20)
	if _, err := newSession(t, m).Generate(context.Background(), long, p, nil); !errors.Is(err, ErrContextFull) || !strings.Contains(err.Error(), "prompt is") {
		t.Errorf("prompt past the context: %v", err)
	}
}

func TestStreamBreak(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	s := newSession(t, m)
	var ids []int32
	for tk, err := range s.Stream(context.Background(), "Once upon a time", greedy(50)) {
		if err != nil {
			t.Fatal(err)
		}
		if ids = append(ids, tk.ID); len(ids) == 4 {
			break
		}
	}
	if len(ids) != 4 {
		t.Errorf("got %d tokens", len(ids))
	}
}

func TestBadParams(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	p := DefaultParams()
	p.TopP = 2
	if _, err := newSession(t, m).Generate(context.Background(), "x", p, nil); err == nil {
		t.Error("top-p 2 accepted")
	}
	if _, err := newSession(t, m).Generate(context.Background(), "", p, nil); err == nil {
		t.Error("empty prompt on an empty session accepted")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.gguf"), Options{}); err == nil {
		t.Error("missing file loaded")
	}
}

func TestEverythingBanned(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	p := greedy(4)
	p.LogitBias = map[int32]float32{}
	for id := int32(0); id < int32(m.Internal().Vocab); id++ {
		p.LogitBias[id] = float32(math.Inf(-1))
	}
	if _, err := newSession(t, m).Generate(context.Background(), "Once", p, nil); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Errorf("all tokens banned: %v", err)
	}
}
