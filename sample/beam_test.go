package sample

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

const (
	tokEOS = 0
	tokA   = 1
	tokB   = 2
	tokC   = 3
)

// markov is a tiny hand-made "model": the next-token distribution depends on
// the last token and the length. Greedy takes A (0.6) then B (0.35): 0.21;
// the best sequence is B (0.4) then C (0.9): 0.36.
func markov(seq []int32) []float64 {
	p := make([]float64, 4)
	switch {
	case len(seq) == 0:
		p[tokA], p[tokB] = 0.6, 0.4
	case len(seq) >= 2:
		p[tokEOS] = 1
	case seq[0] == tokA:
		p[tokA], p[tokB], p[tokC] = 0.32, 0.35, 0.33
	default:
		p[tokA], p[tokB], p[tokC] = 0.05, 0.05, 0.9
	}
	return p
}

func markovStep(t *testing.T, model func([]int32) []float64) StepFunc {
	var prev [][]int32
	return func(ctx context.Context, beams [][]int32, parents []int) ([][]float32, error) {
		if len(beams) != len(parents) {
			t.Fatalf("%d beams, %d parents", len(beams), len(parents))
		}
		rows := make([][]float32, len(beams))
		for i, b := range beams {
			if prev == nil {
				if parents[i] != -1 || len(b) != 0 {
					t.Fatalf("first step: beam %v parent %d", b, parents[i])
				}
			} else if !slices.Equal(b[:len(b)-1], prev[parents[i]]) {
				t.Fatalf("beam %v does not extend parent %d = %v", b, parents[i], prev[parents[i]])
			}
			p := model(b)
			rows[i] = make([]float32, len(p))
			for j, q := range p {
				rows[i][j] = float32(math.Log(q)) // log 0 = -Inf: impossible token
			}
		}
		prev = slices.Clone(beams)
		return rows, nil
	}
}

func isEOS(tok int32) bool { return tok == tokEOS }

func TestBeamSearchBeatsGreedy(t *testing.T) {
	// Greedy on the same model.
	var greedy []int32
	for {
		p := markov(greedy)
		tok := int32(slices.Index(p, slices.Max(p)))
		greedy = append(greedy, tok)
		if tok == tokEOS {
			break
		}
	}
	if !slices.Equal(greedy, []int32{tokA, tokB, tokEOS}) {
		t.Fatalf("greedy %v; the model no longer tests anything", greedy)
	}
	for _, early := range []bool{false, true} {
		beams, err := BeamSearch(context.Background(), 2, 10, 1.0, early, markovStep(t, markov), isEOS)
		if err != nil {
			t.Fatal(err)
		}
		if len(beams) != 2 {
			t.Fatalf("%d beams, want 2", len(beams))
		}
		best := beams[0]
		if !slices.Equal(best.Tokens, []int32{tokB, tokC, tokEOS}) || !best.Finished {
			t.Errorf("early=%v: best %+v, want B C EOS", early, best)
		}
		if want := math.Log(0.4 * 0.9); math.Abs(best.LogProb-want) > 1e-6 {
			t.Errorf("log prob %v, want %v", best.LogProb, want)
		}
		for _, b := range beams {
			if want := b.LogProb / float64(len(b.Tokens)); math.Abs(b.Score-want) > 1e-12 {
				t.Errorf("score %v, want %v", b.Score, want)
			}
		}
		if beams[1].Score > beams[0].Score {
			t.Error("beams not sorted best first")
		}
	}
	// Width 1 is greedy.
	beams, err := BeamSearch(context.Background(), 1, 10, 1.0, true, markovStep(t, markov), isEOS)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(beams[0].Tokens, greedy) {
		t.Errorf("width 1: %v, want greedy %v", beams[0].Tokens, greedy)
	}
}

func TestBeamSearchMaxTokensAndLengthPenalty(t *testing.T) {
	// No end token ever: the running beams are returned at maxTokens.
	never := func(seq []int32) []float64 { return []float64{0, 0.5, 0.3, 0.2} }
	beams, err := BeamSearch(context.Background(), 3, 4, 1.0, false, markovStep(t, never), isEOS)
	if err != nil {
		t.Fatal(err)
	}
	if len(beams) != 3 || !slices.Equal(beams[0].Tokens, []int32{1, 1, 1, 1}) || beams[0].Finished {
		t.Fatalf("beams %+v", beams)
	}
	// Ending now (p=0.3) vs continuing three more tokens at p=0.7 each:
	// sums log .3 = -1.20 (len 1) vs log(.7·.7·.7·1) = -1.07 (len 4).
	// Continuing wins on raw sums; a negative length penalty favours the
	// short one, a positive one the long one even more.
	model := func(seq []int32) []float64 {
		if len(seq) >= 3 {
			return []float64{1, 0, 0, 0}
		}
		return []float64{0.3, 0.7, 0, 0}
	}
	for _, tc := range []struct {
		lp   float64
		want int
	}{{0, 4}, {1, 4}, {-2, 1}} {
		beams, err := BeamSearch(context.Background(), 2, 10, tc.lp, false, markovStep(t, model), isEOS)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(beams[0].Tokens); got != tc.want {
			t.Errorf("length penalty %v: best %v, want length %d", tc.lp, beams[0].Tokens, tc.want)
		}
	}
}

func TestBeamSearchErrors(t *testing.T) {
	ctx := context.Background()
	step := markovStep(t, markov)
	if _, err := BeamSearch(ctx, 0, 5, 1, false, step, isEOS); err == nil {
		t.Error("width 0 accepted")
	}
	if _, err := BeamSearch(ctx, 2, 0, 1, false, step, isEOS); err == nil {
		t.Error("maxTokens 0 accepted")
	}
	boom := errors.New("boom")
	failing := func(context.Context, [][]int32, []int) ([][]float32, error) { return nil, boom }
	if _, err := BeamSearch(ctx, 2, 5, 1, false, failing, isEOS); !errors.Is(err, boom) {
		t.Errorf("step error not returned: %v", err)
	}
	short := func(_ context.Context, b [][]int32, _ []int) ([][]float32, error) {
		return [][]float32{{0, 1}, {0}}, nil
	}
	if _, err := BeamSearch(ctx, 2, 5, 1, false, short, isEOS); err == nil {
		t.Error("mismatched rows accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := BeamSearch(cancelled, 2, 5, 1, false, step, isEOS); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}
