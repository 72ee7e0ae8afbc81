package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// offParams disables every stage, so a test can switch on just one.
func offParams() Params {
	p := DefaultParams()
	p.TopK, p.TopP, p.MinP, p.TypicalP = 0, 1, 0, 1
	p.Seed = 1
	return p
}

func mustNew(t *testing.T, p Params, vocab int) *Sampler {
	t.Helper()
	s, err := New(p, vocab)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(c []cand) []int32 {
	out := make([]int32, len(c))
	for i, x := range c {
		out[i] = x.id
	}
	return out
}

func sortedIDs(c []cand) []int32 {
	out := ids(c)
	slices.Sort(out)
	return out
}

// logitsOf returns log(p): logits whose softmax is p.
func logitsOf(p ...float64) []float32 {
	out := make([]float32, len(p))
	for i, v := range p {
		out[i] = float32(math.Log(v))
	}
	return out
}

func TestTopKKeepsExactlyKWithDeterministicTies(t *testing.T) {
	p := offParams()
	s := mustNew(t, p, 7)
	logits := []float32{1, 5, 3, 5, 2, 5, 0}
	s.modify(logits)
	for k, want := range map[int][]int32{1: {1}, 2: {1, 3}, 3: {1, 3, 5}, 4: {1, 3, 5, 2}, 7: {1, 3, 5, 2, 4, 0, 6}} {
		if got := ids(s.collect(logits, k)); !slices.Equal(got, want) {
			t.Errorf("top-%d = %v, want %v", k, got, want)
		}
	}
}

// TestTopKMatchesBruteForce checks the heap selection with bias and
// penalties against sorting the fully modified logits.
func TestTopKMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const vocab = 300
	for trial := 0; trial < 200; trial++ {
		p := offParams()
		p.RepeatLastN = 16
		p.RepeatPenalty = 1.3
		p.FrequencyPenalty = 0.2
		p.PresencePenalty = 0.1
		p.LogitBias = map[int32]float32{}
		for i := 0; i < r.IntN(5); i++ {
			d := float32(r.IntN(7) - 3)
			if r.IntN(4) == 0 {
				d = float32(math.Inf(-1))
			}
			p.LogitBias[int32(r.IntN(vocab))] = d
		}
		s := mustNew(t, p, vocab)
		for i := 0; i < r.IntN(30); i++ {
			s.Accept(int32(r.IntN(vocab)))
		}
		logits := make([]float32, vocab)
		for i := range logits {
			logits[i] = float32(r.IntN(9)) - 4 // many ties
		}
		logits[r.IntN(vocab)] = float32(math.NaN())
		// Brute force: modified array, total order, cut.
		mod := slices.Clone(logits)
		for i := range mod {
			mod[i] = sanitize(mod[i])
		}
		for tok, d := range p.LogitBias {
			mod[tok] += d
		}
		counts := map[int32]int{}
		for _, tok := range s.Window() {
			counts[tok]++
		}
		for tok, n := range counts {
			v := mod[tok]
			if v <= 0 {
				v *= p.RepeatPenalty
			} else {
				v /= p.RepeatPenalty
			}
			v -= float32(float32(n)*p.FrequencyPenalty) + p.PresencePenalty
			mod[tok] = v
		}
		all := make([]cand, vocab)
		for i, v := range mod {
			all[i] = cand{id: int32(i), logit: v}
		}
		slices.SortFunc(all, byBetter)
		k := 1 + r.IntN(60)
		s.modify(logits)
		got := s.collect(logits, k)
		if !slices.Equal(ids(got), ids(all[:k])) {
			t.Fatalf("trial %d k=%d: got %v, want %v", trial, k, ids(got), ids(all[:k]))
		}
		for i := range got {
			if got[i].logit != all[i].logit {
				t.Fatalf("trial %d: logit of %d = %v, want %v", trial, got[i].id, got[i].logit, all[i].logit)
			}
		}
	}
}

func TestTopPSmallestPrefixWithMinKeep(t *testing.T) {
	probs := []float64{0.05, 0.5, 0.15, 0.3} // sorted: 1 (.5), 3 (.3), 2 (.15), 0 (.05)
	logits := logitsOf(probs...)
	cases := []struct {
		topP    float32
		minKeep int
		want    []int32
	}{
		{0.4, 0, []int32{1}},
		{0.75, 0, []int32{1, 3}},
		{0.85, 0, []int32{1, 3, 2}},
		{0.99, 0, []int32{1, 3, 2, 0}},
		{0.1, 3, []int32{1, 3, 2}},
		{0, 0, []int32{1}},
	}
	for _, tc := range cases {
		for _, k := range []int{0, 4} { // unsorted and sorted input
			p := offParams()
			p.TopP, p.MinKeep = tc.topP, tc.minKeep
			s := mustNew(t, p, 4)
			s.modify(logits)
			c, sorted := s.topP(s.collect(logits, k), k > 0)
			if got := ids(c); !sorted || !slices.Equal(got, tc.want) {
				t.Errorf("top-p %v min_keep %d (k=%d): %v sorted=%v, want %v", tc.topP, tc.minKeep, k, got, sorted, tc.want)
			}
		}
	}
}

func TestMinPKeepsProbAtLeastPTimesMax(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const vocab = 50
	for trial := 0; trial < 300; trial++ {
		logits := make([]float32, vocab)
		for i := range logits {
			logits[i] = float32(r.NormFloat64() * 2)
		}
		minP := float32(r.Float64())
		// Expected in float64: p_i >= minP·p_max  ⇔  l_i - l_max >= log(minP).
		maxL := slices.Max(logits)
		var want []int32
		nearBoundary := false
		for i, l := range logits {
			d := float64(l-maxL) - math.Log(float64(minP))
			if math.Abs(d) < 1e-5 {
				nearBoundary = true
			}
			if d >= 0 {
				want = append(want, int32(i))
			}
		}
		if nearBoundary {
			continue
		}
		for _, k := range []int{0, vocab} {
			p := offParams()
			p.MinP = minP
			s := mustNew(t, p, vocab)
			s.modify(logits)
			c, _ := s.minP(s.collect(logits, k), k > 0)
			if got := sortedIDs(c); !slices.Equal(got, want) {
				t.Fatalf("trial %d min-p %v k=%d: %v, want %v", trial, minP, k, got, want)
			}
		}
	}
	// min_keep wins over the threshold.
	p := offParams()
	p.MinP, p.MinKeep = 0.9, 3
	s := mustNew(t, p, 4)
	logits := logitsOf(0.7, 0.1, 0.15, 0.05)
	s.modify(logits)
	if c, _ := s.minP(s.collect(logits, 0), false); !slices.Equal(ids(c), []int32{0, 2, 1}) {
		t.Errorf("min-p with min_keep 3: %v, want [0 2 1]", ids(c))
	}
}

func TestTypicalFollowsEntropyFormula(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const vocab = 12
	checked := 0
	for trial := 0; trial < 200; trial++ {
		logits := make([]float32, vocab)
		for i := range logits {
			logits[i] = float32(r.NormFloat64() * 1.5)
		}
		typP := float32(0.2 + 0.7*r.Float64())
		// Reference in float64: H = -Σ p log p; order by |−log p − H|;
		// keep the shortest prefix whose mass exceeds typP.
		probs := make([]float64, vocab)
		maxL := float64(slices.Max(logits))
		var z float64
		for i, l := range logits {
			probs[i] = math.Exp(float64(l) - maxL)
			z += probs[i]
		}
		var h float64
		for i := range probs {
			probs[i] /= z
			h -= probs[i] * math.Log(probs[i])
		}
		order := make([]int, vocab)
		for i := range order {
			order[i] = i
		}
		score := func(i int) float64 { return math.Abs(-math.Log(probs[i]) - h) }
		slices.SortFunc(order, func(a, b int) int {
			if score(a) < score(b) {
				return -1
			}
			return 1
		})
		var cum float64
		var want []int32
		ambiguous := false
		for _, i := range order {
			cum += probs[i]
			want = append(want, int32(i))
			if math.Abs(cum-float64(typP)) < 1e-5 {
				ambiguous = true
			}
			if cum > float64(typP) {
				break
			}
		}
		if ambiguous {
			continue
		}
		p := offParams()
		p.TypicalP = typP
		s := mustNew(t, p, vocab)
		s.modify(logits)
		c, _ := s.typical(s.collect(logits, 0), false)
		if got := ids(c); !slices.Equal(got, want) {
			t.Fatalf("trial %d typical %v: %v, want %v", trial, typP, got, want)
		}
		checked++
	}
	if checked < 150 {
		t.Fatalf("only %d cases checked", checked)
	}
}

func TestPenaltiesAsLlamaCpp(t *testing.T) {
	p := offParams()
	p.RepeatLastN = 4
	p.RepeatPenalty = 2
	p.FrequencyPenalty = 0.5
	p.PresencePenalty = 0.25
	p.LogitBias = map[int32]float32{5: 1, 1: 3}
	s := mustNew(t, p, 6)
	logits := []float32{2, -1, 0.5, -1.5, -2, 1}
	for _, tok := range []int32{2, 3, 0, 1, 0} { // window of 4 drops the 2
		s.Accept(tok)
	}
	if got := s.Window(); !slices.Equal(got, []int32{3, 0, 1, 0}) {
		t.Fatalf("window %v, want [3 0 1 0]", got)
	}
	s.modify(logits)
	want := map[int32]float32{
		0: 2/2.0 - (2*0.5 + 0.25),      // positive: divided; count 2
		1: (-1+3)/2.0 - (1*0.5 + 0.25), // bias first (−1+3 = 2 > 0), then divided; count 1
		3: -1.5*2 - (1*0.5 + 0.25),     // negative: multiplied; count 1
		5: 1 + 1,                       // bias only
	}
	if len(s.mods) != len(want) {
		t.Fatalf("modified %v, want %v", s.mods, want)
	}
	for _, m := range s.mods {
		if w, ok := want[m.id]; !ok || m.logit != w {
			t.Errorf("token %d: %v, want %v", m.id, m.logit, w)
		}
	}
	// Counts are intact after the sign trick.
	if s.counts[0] != 2 || s.counts[1] != 1 || s.counts[3] != 1 || s.counts[2] != 0 {
		t.Errorf("counts %v", s.counts)
	}
}

func TestMathAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		x := (r.Float64() - 0.9) * 100
		if got, want := expDet(x), math.Exp(x); math.Abs(got-want) > 2e-15*want {
			t.Fatalf("exp(%v) = %v, want %v", x, got, want)
		}
		y := math.Exp((r.Float64() - 0.5) * 80)
		if got, want := logDet(y), math.Log(y); math.Abs(got-want) > 2e-15*math.Max(1, math.Abs(want)) {
			t.Fatalf("log(%v) = %v, want %v", y, got, want)
		}
	}
	if expDet(-800) != 0 || !math.IsInf(expDet(800), 1) || !math.IsInf(logDet(0), -1) || !math.IsNaN(logDet(-1)) {
		t.Error("special cases wrong")
	}
}

// TestTopPLargeUnsorted checks the 256-best shortcut for unsorted input
// (top-k off) against sorting everything, on peaked and flat distributions.
func TestTopPLargeUnsorted(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const vocab = 5000
	shortcut := 0
	for trial := 0; trial < 40; trial++ {
		scale := []float64{0.3, 3, 8}[trial%3]
		logits := make([]float32, vocab)
		for i := range logits {
			logits[i] = float32(r.NormFloat64() * scale)
		}
		p := offParams()
		p.TopP = float32(0.5 + 0.49*r.Float64())
		s := mustNew(t, p, vocab)
		s.modify(logits)
		got, sorted := s.topP(s.collect(logits, 0), false)
		if !sorted {
			t.Fatal("top-p result not sorted")
		}
		gotIDs := ids(got)
		if len(gotIDs) <= 256 {
			shortcut++
		}
		ref := s.collect(logits, 0)
		slices.SortFunc(ref, byBetter)
		want, _ := s.topP(ref, true)
		if !slices.Equal(gotIDs, ids(want)) {
			t.Fatalf("trial %d (scale %v, p %v): %d tokens, want %d", trial, scale, p.TopP, len(gotIDs), len(want))
		}
	}
	if shortcut == 0 || shortcut == 40 {
		t.Errorf("shortcut taken %d/40 times; both paths should be exercised", shortcut)
	}
}
