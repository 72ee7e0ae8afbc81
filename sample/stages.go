package sample

import (
	"math"
	"slices"
)

func isNegInf(f float32) bool { return math.IsInf(float64(f), -1) }
func isPosInf(f float32) bool { return math.IsInf(float64(f), 1) }

var negInf = float32(math.Inf(-1))

// sanitize maps NaN to -Inf so NaN logits can never be chosen and every
// comparison below is a total order.
func sanitize(f float32) float32 {
	if f != f {
		return negInf
	}
	return f
}

// better is the candidate order used everywhere: higher logit first, lower
// token id first among equal logits. It makes every cut deterministic.
func better(a, b cand) bool {
	return a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
}

func byBetter(a, b cand) int {
	if better(a, b) {
		return -1
	}
	if better(b, a) {
		return 1
	}
	return 0
}

// bestIndex returns the index of the best candidate in c (len(c) > 0).
func bestIndex(c []cand) int {
	best := 0
	for i := 1; i < len(c); i++ {
		if better(c[i], c[best]) {
			best = i
		}
	}
	return best
}

func (s *Sampler) buf(n int) []cand {
	if cap(s.cands) < n {
		s.cands = make([]cand, n)
	}
	return s.cands[:n]
}

// collect returns the candidates after logit bias, penalties and top-k (the
// modified logits in s.mods replace the originals). With k > 0 the result is
// the k best in `better` order; with k <= 0 it is the whole vocabulary in id
// order.
func (s *Sampler) collect(logits []float32, k int) []cand {
	m := len(s.mods)
	if k <= 0 || k >= s.vocab-m {
		c := s.buf(s.vocab)
		for i, v := range logits {
			c[i] = cand{id: int32(i), logit: sanitize(v)}
		}
		for _, mod := range s.mods {
			c[mod.id].logit = mod.logit
		}
		if k <= 0 {
			return c
		}
		s.sortCands(c)
		return c[:min(k, len(c))]
	}
	// The k best of the modified logits are among the k+m best original
	// logits of unmodified tokens plus the m modified tokens, so select
	// k+m by the original values, swap in the modified ones, and cut.
	h := s.topHeap(logits, k+m)
	if m > 0 {
		w := 0
		for _, c := range h {
			if _, found := slices.BinarySearchFunc(s.mods, c.id, func(c cand, t int32) int { return int(c.id) - int(t) }); !found {
				h[w] = c
				w++
			}
		}
		h = append(h[:w], s.mods...)
	}
	slices.SortFunc(h, byBetter)
	return h[:k]
}

// topHeap selects the n best logits (n < len(logits)) with a min-heap whose
// root is the worst kept candidate. Ids are scanned in increasing order, so
// a later token only displaces the root with a strictly higher logit, which
// realises the lower-id-wins tie rule.
func (s *Sampler) topHeap(logits []float32, n int) []cand {
	h := s.buf(n + len(s.mods))[:n]
	for i := 0; i < n; i++ {
		h[i] = cand{id: int32(i), logit: sanitize(logits[i])}
	}
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	thr := h[0].logit
	for i := n; i < len(logits); i++ {
		v := logits[i]
		if v > thr { // false for NaN
			h[0] = cand{id: int32(i), logit: v}
			siftDown(h, 0)
			thr = h[0].logit
		}
	}
	return h
}

// siftDown restores the heap property (parent worse than children) below i.
func siftDown(h []cand, i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		w := l
		if r := l + 1; r < n && better(h[l], h[r]) {
			w = r
		}
		if !better(h[i], h[w]) {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// softmax sets c[i].p as llama.cpp does: expf(logit - max) normalised by a
// float32 sum accumulated in candidate order.
func softmax(c []cand, sorted bool) {
	maxL := c[0].logit
	if !sorted {
		maxL = c[bestIndex(c)].logit
	}
	var sum float32
	for i := range c {
		p := exp32(c[i].logit - maxL)
		c[i].p = p
		sum += p
	}
	for i := range c {
		c[i].p /= sum
	}
}

// typical is locally typical sampling (llama.cpp's llama_sampler_typical):
// keep the tokens whose surprise -log p is closest to the entropy H until
// their mass exceeds TypicalP. Zero probabilities are left out of H (llama.cpp
// would get NaN from 0·log 0).
func (s *Sampler) typical(c []cand, sorted bool) ([]cand, bool) {
	if s.p.TypicalP >= 1 {
		return c, sorted
	}
	if !sorted {
		s.sortCands(c)
	}
	softmax(c, true)
	var entropy float32
	for _, x := range c {
		if x.p > 0 {
			entropy -= float32(x.p * log32(x.p))
		}
	}
	if cap(s.order) < len(c) {
		s.order = make([]int32, len(c))
		s.scores = make([]float32, len(c))
	}
	order, scores := s.order[:len(c)], s.scores[:len(c)]
	for i, x := range c {
		order[i] = int32(i)
		scores[i] = float32(math.Abs(float64(-log32(x.p) - entropy)))
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return int(a) - int(b)
	})
	keep := len(c)
	var cum float32
	minKeep := s.p.MinKeep
	for i, idx := range order {
		cum += c[idx].p
		if cum > s.p.TypicalP && (minKeep == 0 || i >= minKeep-1) {
			keep = i + 1
			break
		}
	}
	if cap(s.scratch) < keep {
		s.scratch = make([]cand, len(c))
	}
	tmp := s.scratch[:keep]
	for i := range tmp {
		tmp[i] = c[order[i]]
	}
	c = c[:keep]
	copy(c, tmp)
	return c, false
}

// topP keeps the smallest prefix, by decreasing probability, whose
// cumulative probability reaches TopP, and at least MinKeep tokens.
func (s *Sampler) topP(c []cand, sorted bool) ([]cand, bool) {
	if s.p.TopP >= 1 {
		return c, sorted
	}
	if !sorted && len(c) > 1024 {
		// Like llama.cpp, first try the 256 best: usually they hold the mass,
		// which avoids sorting the whole vocabulary.
		softmax(c, false)
		if cap(s.scratch) < 256 {
			s.scratch = make([]cand, 256, max(256, len(c)))
		}
		top := selectBest(s.scratch[:256], c)
		if n := s.topPCut(top); n > 0 {
			copy(c, top[:n])
			return c[:n], true
		}
	}
	if !sorted {
		s.sortCands(c)
	}
	softmax(c, true)
	if n := s.topPCut(c); n > 0 {
		return c[:n], true
	}
	return c, true
}

// topPCut returns the length of the shortest prefix of c (sorted, with
// probabilities) reaching TopP with at least MinKeep tokens, or 0.
func (s *Sampler) topPCut(c []cand) int {
	var cum float32
	for i := range c {
		cum += c[i].p
		if cum >= s.p.TopP && i+1 >= s.p.MinKeep {
			return i + 1
		}
	}
	return 0
}

// selectBest fills dst with the len(dst) best candidates of src (len(src) >
// len(dst)), best first.
func selectBest(dst, src []cand) []cand {
	n := len(dst)
	copy(dst, src[:n])
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(dst, i)
	}
	for _, x := range src[n:] {
		if better(x, dst[0]) {
			dst[0] = x
			siftDown(dst, 0)
		}
	}
	slices.SortFunc(dst, byBetter)
	return dst
}

// minP keeps the tokens whose probability is at least MinP times the
// largest, i.e. whose logit is at least max + log(MinP), and at least
// MinKeep tokens.
func (s *Sampler) minP(c []cand, sorted bool) ([]cand, bool) {
	if s.p.MinP <= 0 || len(c) == 0 {
		return c, sorted
	}
	lp := log32(s.p.MinP)
	if !sorted {
		minLogit := c[bestIndex(c)].logit + lp
		n := 0
		for _, x := range c {
			if x.logit >= minLogit {
				n++
			}
		}
		if n > 0 && n >= s.p.MinKeep {
			w := 0
			for _, x := range c {
				if x.logit >= minLogit {
					c[w] = x
					w++
				}
			}
			return c[:w], false
		}
		s.sortCands(c)
	}
	minLogit := c[0].logit + lp
	i := 1
	for ; i < len(c); i++ {
		if c[i].logit < minLogit && i >= s.p.MinKeep {
			break
		}
	}
	return c[:i], true
}

// uniform returns a float64 in [0, 1) from the top 53 bits of the generator.
func (s *Sampler) uniform() float64 {
	return float64(s.rng.Uint64()>>11) * 0x1p-53
}

// dist draws an index of c with probability softmax(logit), like llama.cpp's
// dist sampler: probabilities expf(logit-max), a float64 total, one uniform
// draw u, and the first index whose running float64 sum reaches u·total,
// scanning c in its (deterministic) order.
func (s *Sampler) dist(c []cand, sorted bool) int {
	if len(c) == 1 {
		return 0
	}
	maxL := c[0].logit
	if !sorted {
		maxL = c[bestIndex(c)].logit
	}
	var total float64
	for i := range c {
		p := exp32(c[i].logit - maxL)
		c[i].p = p
		total += float64(p)
	}
	target := float64(total * s.uniform())
	var run float64
	for i := range c {
		run += float64(c[i].p)
		if run >= target {
			return i
		}
	}
	return len(c) - 1
}

// sortCands sorts c in `better` order. Large slices are sorted as packed
// uint64 keys, several times faster than a comparison function.
func (s *Sampler) sortCands(c []cand) {
	if len(c) <= 1024 {
		slices.SortFunc(c, byBetter)
		return
	}
	if cap(s.keys) < len(c) {
		s.keys = make([]uint64, len(c))
	}
	keys := s.keys[:len(c)]
	for i, x := range c {
		keys[i] = uint64(descendingBits(x.logit))<<32 | uint64(uint32(x.id))
	}
	slices.Sort(keys)
	for i, k := range keys {
		c[i] = cand{id: int32(uint32(k)), logit: logitFromDescending(uint32(k >> 32))}
	}
}

// descendingBits maps a non-NaN float32 to a uint32 whose ascending order is
// the float's descending order (-0 treated as +0, as comparisons do).
func descendingBits(f float32) uint32 {
	if f == 0 {
		f = 0
	}
	u := math.Float32bits(f)
	if u&0x80000000 != 0 {
		u = ^u
	} else {
		u |= 0x80000000
	}
	return ^u
}

func logitFromDescending(u uint32) float32 {
	u = ^u
	if u&0x80000000 != 0 {
		u &^= 0x80000000
	} else {
		u = ^u
	}
	return math.Float32frombits(u)
}
