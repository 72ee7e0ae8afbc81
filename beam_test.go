package gollama

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
)

// Beam search with width 1 is greedy decoding; wider beams return distinct
// hypotheses, best score first, each with the log-probability the model
// assigns to its tokens. (Beating greedy is not guaranteed: the greedy
// prefix can be pruned on the way.)
func TestBeamSearch(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	ref := loadRef(t, "stories260K-F32", "p1")
	ctx := context.Background()
	one, err := m.BeamSearch(ctx, ref.Prompt, BeamParams{Width: 1, MaxTokens: 12, LengthPenalty: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || !slices.Equal(one[0].Tokens, ref.Greedy[:12]) {
		t.Fatalf("width 1: %v, want greedy %v", one, ref.Greedy[:12])
	}
	four, err := m.BeamSearch(ctx, ref.Prompt, BeamParams{Width: 4, MaxTokens: 12, LengthPenalty: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(four) != 4 {
		t.Fatalf("width 4 returned %d beams", len(four))
	}
	seen := map[string]bool{}
	for i, b := range four {
		if i > 0 && b.Score > four[i-1].Score {
			t.Errorf("beam %d scores %v above beam %d's %v", i, b.Score, i-1, four[i-1].Score)
		}
		if key := fmt.Sprint(b.Tokens); seen[key] {
			t.Errorf("beam %v returned twice", b.Tokens)
		} else {
			seen[key] = true
		}
		// Batched and single-sequence passes may round differently.
		if got := scoreTokens(t, m, ref.Tokens, b.Tokens); math.Abs(got-b.LogProb) > 1e-2 {
			t.Errorf("beam %v: log p %v, rescored %v", b.Tokens, b.LogProb, got)
		}
	}
	if _, err := m.BeamSearch(ctx, ref.Prompt, BeamParams{Width: 0, MaxTokens: 4}); err == nil {
		t.Error("width 0 accepted")
	}
}

// scoreTokens is the sum of log-softmax probabilities the model gives toks
// after prompt, computed one token at a time in a plain session.
func scoreTokens(t *testing.T, m *Model, prompt, toks []int32) float64 {
	s := newSession(t, m)
	if err := s.s.Eval(prompt); err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, tok := range toks {
		l := s.s.Logits()
		mx := math.Inf(-1)
		for _, v := range l {
			mx = math.Max(mx, float64(v))
		}
		z := 0.0
		for _, v := range l {
			z += math.Exp(float64(v) - mx)
		}
		sum += float64(l[tok]) - mx - math.Log(z)
		if err := s.s.Eval([]int32{tok}); err != nil {
			t.Fatal(err)
		}
	}
	return sum
}

// n sequences decoded together equal each run alone with its seed.
func TestGenerateN(t *testing.T) {
	m := loadModel(t, "stories260K-F32", Options{})
	p := DefaultParams()
	p.Seed, p.MaxTokens, p.Temperature = 7, 12, 1.5
	res, err := m.GenerateN(context.Background(), "Once upon a time", 3, p)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for i, r := range res {
		alone := p
		alone.Seed = 7 + uint64(i)
		want, err := newSession(t, m).Generate(context.Background(), "Once upon a time", alone, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Tokens, want.Tokens) || r.Text != want.Text {
			t.Errorf("sequence %d: %v %q, alone %v %q", i, r.Tokens, r.Text, want.Tokens, want.Text)
		}
		distinct[r.Text] = true
	}
	if len(distinct) < 2 {
		t.Errorf("3 seeds gave %d distinct texts", len(distinct))
	}
}
