package sample

// sampleMirostat runs llama.cpp's mirostat chain: logit bias → temperature →
// mirostat v1 or v2, and updates mu ← mu − eta·(surprise − tau) where
// surprise = −log2 p of the drawn token under the truncated distribution.
func (s *Sampler) sampleMirostat(logits []float32) int32 {
	temp := s.p.Temperature
	if temp <= 0 {
		// llama.cpp's temperature stage leaves only the best token finite,
		// so mirostat draws it with p = 1 and surprise 0.
		c := s.collect(logits, 1)
		if isNegInf(c[0].logit) {
			return -1
		}
		s.updateMu(0)
		return c[0].id
	}
	all := s.collect(logits, 0)
	best := bestIndex(all)
	if isNegInf(all[best].logit) {
		return -1
	}
	if isPosInf(all[best].logit) {
		return all[best].id
	}
	for i := range all {
		all[i].logit /= temp
	}
	if s.p.Mirostat == 1 {
		return s.mirostatV1(all)
	}
	return s.mirostatV2(all)
}

func (s *Sampler) updateMu(surprise float32) {
	s.mu -= float32(s.p.MirostatEta * (surprise - s.p.MirostatTau))
}

// mirostatV2 keeps the tokens whose surprise −log2 p is at most mu (at least
// the best one), renormalises and draws.
func (s *Sampler) mirostatV2(all []cand) int32 {
	softmax(all, false)
	// The kept tokens are a prefix of the sorted order (p falls as surprise
	// rises), so filtering before sorting gives the same set more cheaply.
	// −log2 p ≤ mu ⇔ p ≥ 2^−mu: one exp instead of a log per token.
	best := all[bestIndex(all)]
	minP := float32(expDet(float64(-s.mu) * ln2))
	w := 0
	for _, x := range all {
		if x.p >= minP {
			all[w] = x
			w++
		}
	}
	c := all[:w]
	if w == 0 {
		all[0] = best
		c = all[:1]
	}
	s.sortCands(c)
	softmax(c, true)
	i := s.dist(c, true)
	s.updateMu(-log2_32(probOf(c, i)))
	return c[i].id
}

// probOf returns the normalised probability of c[i] after dist, which left
// unnormalised exp values in p.
func probOf(c []cand, i int) float32 {
	var sum float32
	for _, x := range c {
		sum += x.p
	}
	return c[i].p / sum
}

// mirostatV1 estimates the Zipf exponent s from the top mirostatM tokens,
// derives the top-k that gives the target surprise, and draws from it.
func (s *Sampler) mirostatV1(all []cand) int32 {
	s.sortCands(all)
	softmax(all, true)
	var sumTB, sumTT float32
	for i := 0; i < mirostatM-1 && i < len(all)-1; i++ {
		t := log32(float32(i+2) / float32(i+1))
		b := log32(all[i].p / all[i+1].p)
		sumTB += float32(t * b)
		sumTT += float32(t * t)
	}
	sHat := sumTB / sumTT
	eps := sHat - 1
	num := float32(eps * pow32(2, s.mu))
	k := pow32(num/(1-pow32(float32(s.vocab), -eps)), 1/sHat)
	kk := 1
	if k == k && k >= 1 { // NaN or tiny k: llama.cpp clamps to 1
		if k >= float32(len(all)) {
			kk = len(all)
		} else {
			kk = int(k)
		}
	}
	c := all[:kk]
	softmax(c, true)
	i := s.dist(c, true)
	s.updateMu(-log2_32(probOf(c, i)))
	return c[i].id
}
