package gollama

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gollama/gollama/model"
)

var embedTexts = []string{
	"Once upon a time there was a little girl named Lily.",
	"The cat sat on the mat.",
	"Tom and his dog went to the park to play with a big red ball, and they had a lot of fun all day long.",
	"Hi",
}

// tokenRows evaluates toks in one batch on a fresh context and returns
// every token's final normed hidden state.
func tokenRows(t *testing.T, m *Model, toks []int32) [][]float32 {
	t.Helper()
	mc, err := m.Internal().NewContext(model.Options{MaxBatch: len(toks), MaxOutputs: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	batch := make([]model.Entry, len(toks))
	for i, tok := range toks {
		batch[i] = model.Entry{Token: tok, Pos: int32(i), Logits: true}
	}
	rows, err := mc.ForwardEmbeddings(batch)
	if err != nil {
		t.Fatal(err)
	}
	e := m.Internal().Embd
	out := make([][]float32, len(toks))
	for i := range out {
		out[i] = slices.Clone(rows[i*e : (i+1)*e])
	}
	return out
}

func embed(t *testing.T, m *Model, texts []string, opts EmbedOptions) [][]float32 {
	t.Helper()
	v, err := m.Embed(context.Background(), texts, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(v), len(texts))
	}
	return v
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// Mean pooling is the mean of the per-token rows (computed here from one
// whole-text batch, while Embed evaluates in batches of 8 tokens shared
// between texts); CLS and last pooling pick a row.
func TestEmbedPooling(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{BatchSize: 8, Threads: 2})
	got := embed(t, m, embedTexts, EmbedOptions{Normalize: NormNone})
	first := embed(t, m, embedTexts, EmbedOptions{Normalize: NormNone, Pooling: PoolCLS})
	last := embed(t, m, embedTexts, EmbedOptions{Normalize: NormNone, Pooling: PoolLast})
	for i, text := range embedTexts {
		toks, err := m.Tokenize(text, true, false)
		if err != nil {
			t.Fatal(err)
		}
		rows := tokenRows(t, m, toks)
		want := make([]float32, len(rows[0]))
		for d := range want {
			var s float64
			for _, r := range rows {
				s += float64(r[d])
			}
			want[d] = float32(s / float64(len(rows)))
		}
		if !sameBits(got[i], want) {
			t.Errorf("text %d: mean pooling differs from the mean of the token rows", i)
		}
		if !sameBits(first[i], rows[0]) || !sameBits(last[i], rows[len(rows)-1]) {
			t.Errorf("text %d: cls/last pooling differ from the first/last row", i)
		}
	}
}

func TestEmbedNormalize(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	raw := embed(t, m, embedTexts, EmbedOptions{Normalize: NormNone})
	l2 := embed(t, m, embedTexts, EmbedOptions{})
	taxi := embed(t, m, embedTexts, EmbedOptions{Normalize: NormTaxicab})
	maxAbs := embed(t, m, embedTexts, EmbedOptions{Normalize: NormMaxAbs})
	for i := range embedTexts {
		var n2, n1, mx float64
		for d := range l2[i] {
			n2 += float64(l2[i][d]) * float64(l2[i][d])
			n1 += math.Abs(float64(taxi[i][d]))
			mx = max(mx, math.Abs(float64(maxAbs[i][d])))
		}
		if math.Abs(math.Sqrt(n2)-1) > 1e-5 || math.Abs(n1-1) > 1e-5 || math.Abs(mx-32760) > 0.01 {
			t.Errorf("text %d: L2 norm %v, taxicab norm %v, max |x| %v", i, math.Sqrt(n2), n1, mx)
		}
		// Normalising only scales: same direction as the raw mean.
		var dot, rr float64
		for d := range raw[i] {
			dot += float64(raw[i][d]) * float64(l2[i][d])
			rr += float64(raw[i][d]) * float64(raw[i][d])
		}
		if math.Abs(dot/math.Sqrt(rr)-1) > 1e-5 {
			t.Errorf("text %d: L2-normalised vector is not the raw one scaled", i)
		}
	}
}

// Each text's vector is its own: the same text twice gives the same bits,
// a batch equals each text alone, different texts differ.
func TestEmbedDeterministicAndIndependent(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{BatchSize: 16, Threads: 2})
	twice := append(slices.Clone(embedTexts), embedTexts...)
	all := embed(t, m, twice, EmbedOptions{})
	n := len(embedTexts)
	for i, text := range embedTexts {
		alone := embed(t, m, []string{text}, EmbedOptions{})[0]
		if !sameBits(all[i], alone) || !sameBits(all[i+n], alone) {
			t.Errorf("text %d: in a batch %v…, alone %v…", i, all[i][:3], alone[:3])
		}
		for k := range i {
			if slices.Equal(all[i], all[k]) {
				t.Errorf("texts %d and %d have the same embedding", k, i)
			}
		}
	}
	// Token input with the same ids gives the same vector.
	toks, _ := m.Tokenize(embedTexts[0], true, false)
	v, err := m.EmbedTokens(context.Background(), [][]int32{toks}, EmbedOptions{})
	if err != nil || !sameBits(v[0], all[0]) {
		t.Errorf("EmbedTokens: %v", err)
	}
}

func TestEmbedErrors(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{ContextLength: 64})
	ctx := context.Background()
	long := strings.Repeat("the cat sat on the mat. ", 40)
	for _, c := range []struct {
		name   string
		texts  []string
		opts   EmbedOptions
		want   string
		target error
	}{
		{name: "none", want: "no input"},
		{name: "empty text", texts: []string{"a", ""}, want: "input 1 is empty"},
		{name: "too long", texts: []string{"a", long}, want: "input 1 is", target: ErrContextFull},
		{name: "MaxTokens", texts: []string{"Once upon a time"}, opts: EmbedOptions{MaxTokens: 2}, want: "context holds 2", target: ErrContextFull},
		{name: "pooling", texts: []string{"a"}, opts: EmbedOptions{Pooling: 9}, want: "pooling"},
	} {
		_, err := m.Embed(ctx, c.texts, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) || c.target != nil && !errors.Is(err, c.target) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := m.EmbedTokens(ctx, [][]int32{{1, 2}, {}}, EmbedOptions{}); err == nil || !strings.Contains(err.Error(), "input 1 is empty") {
		t.Errorf("empty token input: %v", err)
	}
	if _, err := m.EmbedTokens(ctx, [][]int32{{1, -3}}, EmbedOptions{}); err == nil || !strings.Contains(err.Error(), "token -3") {
		t.Errorf("bad token: %v", err)
	}
}

func TestEmbedCancel(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{BatchSize: 4})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Embed(ctx, embedTexts, EmbedOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
	// Cancelled after the first pass: no further pass runs.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	passes := 0
	_, err := m.Embed(ctx, embedTexts, EmbedOptions{Exec: func(pass func()) error {
		passes++
		pass()
		cancel()
		return nil
	}})
	if !errors.Is(err, context.Canceled) || passes != 1 {
		t.Errorf("cancelled during: %v after %d passes", err, passes)
	}
	// An Exec error aborts.
	boom := errors.New("boom")
	if _, err := m.Embed(context.Background(), embedTexts, EmbedOptions{Exec: func(func()) error { return boom }}); !errors.Is(err, boom) {
		t.Errorf("exec error: %v", err)
	}
}

func TestEmbedClosed(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	m.Close()
	if _, err := m.Embed(context.Background(), []string{"a"}, EmbedOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("closed model: %v", err)
	}
}
