package sample

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Beam is one finished hypothesis of BeamSearch.
type Beam struct {
	Tokens   []int32 // generated tokens; ends with the end-of-generation token when Finished
	LogProb  float64 // sum of the tokens' log-probabilities
	Score    float64 // LogProb / len(Tokens)^lengthPenalty
	Finished bool    // ended by an end-of-generation token rather than maxTokens
}

// StepFunc runs one batched forward pass. beams[i] is the full generated
// sequence of beam i (the prompt is the caller's business); parents[i] is the
// index, in the previous call's beams, of the beam that beams[i] extends by
// its last token (-1 on the first call, where beams is one empty sequence),
// so KV caches can be forked or reordered. It returns one row of raw logits
// per beam, all of the same vocabulary size.
type StepFunc func(ctx context.Context, beams [][]int32, parents []int) ([][]float32, error)

// BeamSearch is Hugging Face's beam search (BeamSearchScorer) over a model
// driven by step, independent of how the model runs:
//
//   - every step, each running beam's logits go through log-softmax and the
//     2·width best (beam score + log p) continuations over all beams are
//     ranked (ties: lower beam index, then lower token id);
//   - walking that ranking, an end-of-generation token (isEOG) among the first
//     width candidates ends a hypothesis with score
//     sum log p / len^lengthPenalty, len counting the EOG token; other tokens
//     become the next beams until width of them are found;
//   - the finished list keeps the width best hypotheses. The search is done
//     once it holds width of them and either earlyStopping is true, or (false)
//     its worst score is at least best running sum log p / (len+1)^lengthPenalty
//     (HF's heuristic; the "never" mode is not provided);
//   - after maxTokens steps, unless done, the running beams join the finished
//     list with their own scores.
//
// It returns the finished hypotheses, best first (at most width). With
// lengthPenalty > 0 longer sequences are favoured (log probabilities are
// negative), < 0 shorter ones.
func BeamSearch(ctx context.Context, width, maxTokens int, lengthPenalty float64, earlyStopping bool,
	step StepFunc, isEOG func(int32) bool) ([]Beam, error) {
	if width < 1 {
		return nil, fmt.Errorf("sample: beam width %d, want >= 1", width)
	}
	if maxTokens < 1 {
		return nil, fmt.Errorf("sample: beam search maxTokens %d, want >= 1", maxTokens)
	}
	if math.IsNaN(lengthPenalty) || math.IsInf(lengthPenalty, 0) {
		return nil, fmt.Errorf("sample: beam search length penalty %v, want a finite value", lengthPenalty)
	}
	if step == nil || isEOG == nil {
		return nil, errors.New("sample: beam search needs a step and an isEOG function")
	}
	hyps := beamHyps{width: width, lengthPenalty: lengthPenalty, worst: 1e9}
	seqs := [][]int32{{}}
	parents := []int{-1}
	scores := []float64{0}
	done := false
	var logp []float64
	for cur := 0; cur < maxTokens && !done; cur++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows, err := step(ctx, seqs, parents)
		if err != nil {
			return nil, err
		}
		if len(rows) != len(seqs) {
			return nil, fmt.Errorf("sample: beam step %d returned %d logit rows for %d beams", cur, len(rows), len(seqs))
		}
		vocab := len(rows[0])
		if vocab == 0 {
			return nil, fmt.Errorf("sample: beam step %d returned empty logits", cur)
		}
		logp = slices.Grow(logp[:0], len(rows)*vocab)[:len(rows)*vocab]
		for b, row := range rows {
			if len(row) != vocab {
				return nil, fmt.Errorf("sample: beam step %d: beam %d has %d logits, beam 0 has %d", cur, b, len(row), vocab)
			}
			logSoftmax(row, logp[b*vocab:(b+1)*vocab], scores[b])
		}
		var ranked, next, ended []beamCand
		for t := 2 * width; ; t *= 2 {
			ranked = topBeamCands(logp, vocab, t)
			next, ended = next[:0], ended[:0]
			for rank, c := range ranked {
				if !isEOG(c.tok) {
					next = append(next, c)
					if len(next) == width {
						break
					}
				} else if rank < width {
					ended = append(ended, c)
				}
			}
			// HF takes 2·width candidates; take more only when end tokens
			// crowd out the continuations.
			if len(next) == width || len(ranked) == len(logp) {
				break
			}
		}
		for _, c := range ended {
			hyps.add(appendTok(seqs[c.beam], c.tok), c.score, true)
		}
		if len(next) == 0 || hyps.isDone(ranked[0].score, cur+1, earlyStopping) {
			done = true
			break
		}
		newSeqs := make([][]int32, len(next))
		newParents := make([]int, len(next))
		newScores := make([]float64, len(next))
		for i, c := range next {
			newSeqs[i] = appendTok(seqs[c.beam], c.tok)
			newParents[i] = c.beam
			newScores[i] = c.score
		}
		seqs, parents, scores = newSeqs, newParents, newScores
	}
	if !done {
		for i, s := range seqs {
			hyps.add(s, scores[i], false)
		}
	}
	out := hyps.beams
	slices.SortStableFunc(out, func(a, b Beam) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return out, nil
}

func appendTok(seq []int32, tok int32) []int32 {
	out := make([]int32, len(seq)+1)
	copy(out, seq)
	out[len(seq)] = tok
	return out
}

// logSoftmax writes base + log softmax(row) into dst.
func logSoftmax(row []float32, dst []float64, base float64) {
	maxL := math.Inf(-1)
	for _, v := range row {
		if f := float64(v); f > maxL {
			maxL = f
		}
	}
	if math.IsInf(maxL, 0) {
		// All -Inf (nothing possible) or some +Inf (certain): degenerate rows.
		for i, v := range row {
			dst[i] = math.Inf(-1)
			if float64(v) == maxL && maxL > 0 {
				dst[i] = base
			}
		}
		return
	}
	var sum float64
	for _, v := range row {
		if v == v {
			sum += expDet(float64(v) - maxL)
		}
	}
	norm := maxL + logDet(sum)
	for i, v := range row {
		f := float64(v)
		if f != f {
			f = math.Inf(-1)
		}
		dst[i] = base + (f - norm)
	}
}

type beamCand struct {
	score float64
	beam  int
	tok   int32
}

func beamBetter(a, b beamCand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.beam != b.beam {
		return a.beam < b.beam
	}
	return a.tok < b.tok
}

// topBeamCands returns the n best (beam, token) pairs of the flattened
// scores, best first.
func topBeamCands(scores []float64, vocab, n int) []beamCand {
	n = min(n, len(scores))
	h := make([]beamCand, 0, n)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			w := l
			if r := l + 1; r < len(h) && beamBetter(h[l], h[r]) {
				w = r
			}
			if !beamBetter(h[i], h[w]) {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for i, sc := range scores {
		c := beamCand{score: sc, beam: i / vocab, tok: int32(i % vocab)}
		if len(h) < n {
			h = append(h, c)
			for j := len(h) - 1; j > 0; { // sift up: root is the worst
				p := (j - 1) / 2
				if !beamBetter(h[p], h[j]) {
					break
				}
				h[p], h[j] = h[j], h[p]
				j = p
			}
			continue
		}
		if beamBetter(c, h[0]) {
			h[0] = c
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b beamCand) int {
		if beamBetter(a, b) {
			return -1
		}
		if beamBetter(b, a) {
			return 1
		}
		return 0
	})
	return h
}

// beamHyps is HF's BeamHypotheses: the width best finished hypotheses.
type beamHyps struct {
	width         int
	lengthPenalty float64
	beams         []Beam
	worst         float64
}

func (h *beamHyps) add(tokens []int32, sumLogProb float64, finished bool) {
	score := sumLogProb / math.Pow(float64(len(tokens)), h.lengthPenalty)
	if len(h.beams) >= h.width && score <= h.worst {
		return
	}
	h.beams = append(h.beams, Beam{Tokens: tokens, LogProb: sumLogProb, Score: score, Finished: finished})
	if len(h.beams) > h.width {
		wi := 0
		for i, b := range h.beams {
			if b.Score < h.beams[wi].Score {
				wi = i
			}
		}
		h.beams = slices.Delete(h.beams, wi, wi+1)
		h.worst = math.Inf(1)
		for _, b := range h.beams {
			h.worst = min(h.worst, b.Score)
		}
	} else {
		h.worst = min(h.worst, score)
	}
}

func (h *beamHyps) isDone(bestSumLogProb float64, curLen int, earlyStopping bool) bool {
	if len(h.beams) < h.width {
		return false
	}
	if earlyStopping {
		return true
	}
	return h.worst >= bestSumLogProb/math.Pow(float64(curLen), h.lengthPenalty)
}
