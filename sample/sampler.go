package sample

import (
	"maps"
	"math/rand/v2"
	"slices"
)

// seedMix derives PCG's second seed word from the user's seed.
const seedMix = 0x9e3779b97f4a7c15

// cand is one candidate token: llama.cpp's llama_token_data.
type cand struct {
	id    int32
	logit float32
	p     float32
}

// Sampler picks the next token from a row of logits. It is not safe for
// concurrent use; give each sequence its own Sampler.
type Sampler struct {
	p     Params
	vocab int
	seed  uint64 // concrete seed (RandomSeed resolved)
	rng   rand.PCG
	mu    float32 // mirostat's surprise bound

	bias []cand // logit bias as (id, delta in logit), sorted by id

	// Penalty window: ring of the last RepeatLastN accepted tokens and the
	// per-token count of their occurrences in it.
	window      []int32
	windowStart int
	windowLen   int
	counts      []int32

	// Scratch reused across calls so Sample does not allocate after warm-up.
	cands   []cand
	mods    []cand // tokens whose logit bias/penalties changed, sorted by id
	scratch []cand
	order   []int32
	keys    []uint64
	scores  []float32
}

// New validates p and returns a Sampler for a vocabulary of vocabSize tokens.
func New(p Params, vocabSize int) (*Sampler, error) {
	if err := p.validate(vocabSize); err != nil {
		return nil, err
	}
	s := &Sampler{p: p, vocab: vocabSize}
	if len(p.LogitBias) > 0 {
		s.p.LogitBias = make(map[int32]float32, len(p.LogitBias)) // private copy: caller may mutate theirs
		for tok, d := range p.LogitBias {
			s.p.LogitBias[tok] = d
			s.bias = append(s.bias, cand{id: tok, logit: d})
		}
		slices.SortFunc(s.bias, func(a, b cand) int { return int(a.id) - int(b.id) })
	}
	if p.penaltiesActive() {
		s.window = make([]int32, p.RepeatLastN)
		s.counts = make([]int32, vocabSize)
	}
	s.seed = p.Seed
	for s.seed == RandomSeed {
		s.seed = rand.Uint64()
	}
	s.Reset()
	return s, nil
}

// Params returns the parameters the Sampler was created with.
func (s *Sampler) Params() Params {
	p := s.p
	p.LogitBias = maps.Clone(s.p.LogitBias)
	return p
}

// Seed returns the concrete seed in use: Params.Seed, or the random seed
// chosen for RandomSeed. New with this seed replays the same tokens.
func (s *Sampler) Seed() uint64 { return s.seed }

// VocabSize returns the vocabulary size given to New.
func (s *Sampler) VocabSize() int { return s.vocab }

// Reset forgets accepted tokens, resets mirostat's mu to 2·tau and re-seeds
// the generator with Seed(). Unlike llama.cpp, a RandomSeed sampler is not
// given a new random seed, so a reset run repeats the first one.
func (s *Sampler) Reset() {
	s.rng.Seed(s.seed, s.seed^seedMix)
	s.mu = 2 * s.p.MirostatTau
	s.windowStart, s.windowLen = 0, 0
	clear(s.counts)
}

// Accept records a token as generated (or as part of the prompt, which is
// what llama.cpp's tools do) for the repetition penalties. Tokens outside the
// vocabulary are ignored. Mirostat's mu is updated by Sample itself, as in
// llama.cpp.
func (s *Sampler) Accept(tok int32) {
	if s.window == nil || tok < 0 || int(tok) >= s.vocab {
		return
	}
	n := len(s.window)
	if s.windowLen == n {
		old := s.window[s.windowStart]
		s.counts[old]--
		s.window[s.windowStart] = tok
		s.windowStart = (s.windowStart + 1) % n
	} else {
		s.window[(s.windowStart+s.windowLen)%n] = tok
		s.windowLen++
	}
	s.counts[tok]++
}

// Window returns the accepted tokens the penalties currently look at,
// oldest first (empty when penalties are off).
func (s *Sampler) Window() []int32 {
	out := make([]int32, s.windowLen)
	for i := range out {
		out[i] = s.window[(s.windowStart+i)%len(s.window)]
	}
	return out
}

// Mu returns mirostat's current surprise bound.
func (s *Sampler) Mu() float32 { return s.mu }

// Sample returns the next token for logits, which must hold VocabSize
// values; logits is only read. It returns -1 when len(logits) is wrong or
// when no token is possible (every logit -Inf or NaN after the logit bias).
//
// The stages follow llama.cpp's common sampler: logit bias → penalties →
// top-k → typical → top-p → min-p → temperature → draw; with Mirostat set:
// logit bias → temperature → mirostat. NaN logits count as -Inf.
func (s *Sampler) Sample(logits []float32) int32 {
	if len(logits) != s.vocab {
		return -1
	}
	s.modify(logits)
	if s.p.Mirostat != 0 {
		return s.sampleMirostat(logits)
	}
	greedy := s.p.Temperature <= 0
	if greedy && s.p.TypicalP >= 1 {
		// top-k, top-p and min-p always keep the best token, so greedy is
		// just the maximum of the modified logits.
		c := s.collect(logits, 1)
		if len(c) == 0 || isNegInf(c[0].logit) {
			return -1
		}
		return c[0].id
	}
	cur := s.collect(logits, s.p.TopK)
	sorted := s.p.TopK > 0
	best := bestIndex(cur)
	if isNegInf(cur[best].logit) {
		return -1
	}
	if isPosInf(cur[best].logit) {
		return cur[best].id // softmax is undefined; the infinite one wins
	}
	cur, sorted = s.typical(cur, sorted)
	cur, sorted = s.topP(cur, sorted)
	cur, sorted = s.minP(cur, sorted)
	if greedy {
		return cur[bestIndex(cur)].id
	}
	for i := range cur {
		cur[i].logit /= s.p.Temperature
	}
	return cur[s.dist(cur, sorted)].id
}

// modify fills s.mods with the tokens whose logits the bias and penalty
// stages change, with their new values, sorted by id. Mirostat skips
// penalties like llama.cpp's common sampler does.
func (s *Sampler) modify(logits []float32) {
	s.mods = s.mods[:0]
	for _, b := range s.bias {
		s.mods = append(s.mods, cand{id: b.id, logit: sanitize(logits[b.id]) + b.logit})
	}
	if s.windowLen == 0 || s.p.Mirostat != 0 {
		return
	}
	nb := len(s.mods)
	rep, freq, pres := s.p.RepeatPenalty, s.p.FrequencyPenalty, s.p.PresencePenalty
	n := len(s.window)
	for i := 0; i < s.windowLen; i++ {
		tok := s.window[(s.windowStart+i)%n]
		count := s.counts[tok]
		if count <= 0 {
			continue // already handled: its count is negated below
		}
		s.counts[tok] = -count
		j, found := slices.BinarySearchFunc(s.mods[:nb], tok, func(c cand, t int32) int { return int(c.id) - int(t) })
		if !found {
			j = len(s.mods)
			s.mods = append(s.mods, cand{id: tok, logit: sanitize(logits[tok])})
		}
		v := s.mods[j].logit
		// Dividing a negative logit would make it more likely, hence the
		// multiplication (llama.cpp's convention).
		if v <= 0 {
			v *= rep
		} else {
			v /= rep
		}
		v -= float32(float32(count)*freq) + pres // explicit conversion: no FMA
		s.mods[j].logit = v
	}
	for i := 0; i < s.windowLen; i++ {
		tok := s.window[(s.windowStart+i)%n]
		if s.counts[tok] < 0 {
			s.counts[tok] = -s.counts[tok]
		}
	}
	if len(s.mods) > nb {
		slices.SortFunc(s.mods, func(a, b cand) int { return int(a.id) - int(b.id) })
	}
}
