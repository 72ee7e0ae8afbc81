package gollama

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gollama/gollama/kvcache"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/sample"
)

// BeamParams configure beam search, as Hugging Face's generate does.
type BeamParams struct {
	Width         int     // beams kept (num_beams), at least 1
	MaxTokens     int     // most tokens generated
	LengthPenalty float64 // score = sum log p / len^LengthPenalty (HF's default 1.0)
	EarlyStopping bool    // stop as soon as Width hypotheses are finished
}

// Beam is one finished beam-search hypothesis.
type Beam struct {
	Text     string
	Tokens   []int32
	LogProb  float64 // sum of the tokens' log-probabilities
	Score    float64
	Finished bool // ended by an end-of-generation token
}

// BeamSearch finds the most probable continuations of prompt. All beams run
// in one batched forward pass per step; a beam that continues another
// shares its parent's KV cache pages (copy on write).
func (m *Model) BeamSearch(ctx context.Context, prompt string, p BeamParams) ([]Beam, error) {
	if m.file == nil {
		return nil, ErrClosed
	}
	if p.Width < 1 || p.MaxTokens < 1 || p.Width > maxForkSeqs/2 {
		return nil, fmt.Errorf("gollama: beam search needs Width in 1..%d and MaxTokens >= 1 (got %d, %d)", maxForkSeqs/2, p.Width, p.MaxTokens)
	}
	toks, err := m.tok.Encode(prompt, true, false)
	if err != nil {
		return nil, err
	}
	mc, err := m.forkContext(len(toks), 2*p.Width, p.Width, p.MaxTokens)
	if err != nil {
		return nil, err
	}
	defer mc.Close()
	cache := mc.Cache()
	// Beams live in one half of the sequences while the next step's forks
	// are made in the other.
	seqOf := []int{0}
	batch := make([]model.Entry, 0, p.Width)
	rows := make([][]float32, 0, p.Width)
	vocab := m.model.Vocab
	step := func(ctx context.Context, beams [][]int32, parents []int) ([][]float32, error) {
		rows = rows[:0]
		if parents[0] < 0 {
			last, err := evalPrompt(ctx, mc, 0, toks)
			if err != nil {
				return nil, err
			}
			rows = append(rows, last)
			return rows, nil
		}
		half := p.Width
		if seqOf[0] >= p.Width {
			half = 0
		}
		next := make([]int, len(beams))
		for i, parent := range parents {
			next[i] = half + i
			if err := cache.Fork(next[i], seqOf[parent]); err != nil {
				return nil, err
			}
		}
		for _, s := range seqOf {
			cache.Clear(s)
		}
		seqOf = next
		batch = batch[:0]
		for i, b := range beams {
			pos := int32(len(toks) + len(b) - 1)
			batch = append(batch, model.Entry{Token: b[len(b)-1], Pos: pos, Seq: seqOf[i], Logits: true})
		}
		logits, err := mc.Forward(batch)
		if err != nil {
			return nil, err
		}
		for i := range beams {
			rows = append(rows, logits[i*vocab:(i+1)*vocab])
		}
		return rows, nil
	}
	found, err := sample.BeamSearch(ctx, p.Width, p.MaxTokens, p.LengthPenalty, p.EarlyStopping, step, m.tok.IsEOG)
	if err != nil {
		return nil, err
	}
	out := make([]Beam, len(found))
	for i, b := range found {
		text := b.Tokens
		if b.Finished && len(text) > 0 {
			text = text[:len(text)-1] // the end-of-generation token is not text
		}
		out[i] = Beam{Text: m.continuation(text), Tokens: b.Tokens, LogProb: b.LogProb, Score: b.Score, Finished: b.Finished}
	}
	return out, nil
}

// GenerateN samples n independent continuations of prompt (OpenAI's n):
// the prompt is evaluated once and its KV pages shared by every sequence;
// the n sequences then decode together, one batched forward pass per
// token. Sequence i samples with seed p.Seed+i (a random seed when
// p.Seed is sample.RandomSeed).
func (m *Model) GenerateN(ctx context.Context, prompt string, n int, p Params) ([]*Result, error) {
	if m.file == nil {
		return nil, ErrClosed
	}
	if n < 1 || n > maxForkSeqs {
		return nil, fmt.Errorf("gollama: n = %d, want 1 to %d", n, maxForkSeqs)
	}
	if p.MaxTokens < 0 {
		return nil, errors.New("gollama: GenerateN needs MaxTokens >= 0")
	}
	toks, err := m.tok.Encode(prompt, true, p.ParseSpecial)
	if err != nil {
		return nil, err
	}
	mc, err := m.forkContext(len(toks), n, n, p.MaxTokens)
	if err != nil {
		return nil, err
	}
	defer mc.Close()
	start := time.Now()
	last, err := evalPrompt(ctx, mc, 0, toks)
	if err != nil {
		return nil, err
	}
	promptTime := time.Since(start)
	first := append([]float32(nil), last...)
	type seqState struct {
		smp   *sample.Sampler
		stops *sample.StopMatcher
		res   *Result
		text  []byte
		done  bool
	}
	seqs := make([]*seqState, n)
	for i := range seqs {
		sp := p.Params
		if sp.Seed != sample.RandomSeed {
			sp.Seed += uint64(i)
		}
		smp, err := sample.New(sp, m.model.Vocab)
		if err != nil {
			return nil, err
		}
		stops, err := sample.NewStopMatcher(p.Stop...)
		if err != nil {
			return nil, err
		}
		for _, t := range toks {
			smp.Accept(t)
		}
		if i > 0 {
			if err := mc.Cache().Fork(i, 0); err != nil {
				return nil, err
			}
		}
		seqs[i] = &seqState{smp: smp, stops: stops, res: &Result{Seed: smp.Seed()}}
	}
	vocab := m.model.Vocab
	batch := make([]model.Entry, 0, n)
	logitsOf := make([][]float32, n)
	for i := range logitsOf {
		logitsOf[i] = first
	}
	for step := 0; ; step++ {
		batch = batch[:0]
		for i, s := range seqs {
			if s.done {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if step >= p.MaxTokens {
				s.res.StopReason, s.done = StopLength, true
				continue
			}
			tok := s.smp.Sample(logitsOf[i])
			if tok < 0 {
				return nil, errors.New("gollama: no token can be sampled: logit bias or penalties ruled out every token")
			}
			s.smp.Accept(tok)
			s.res.Tokens = append(s.res.Tokens, tok)
			if m.tok.IsEOG(tok) && !p.IgnoreEOS {
				s.res.StopReason, s.done = StopEOS, true
				continue
			}
			out, stopped := s.stops.Feed(m.tok.Piece(tok, false))
			s.text = append(s.text, out...)
			if stopped {
				s.res.StopReason, s.done = StopString, true
				continue
			}
			batch = append(batch, model.Entry{Token: tok, Pos: int32(len(toks) + step), Seq: i, Logits: true})
		}
		if len(batch) == 0 {
			break
		}
		logits, err := mc.Forward(batch)
		if err != nil {
			return nil, err
		}
		for k, e := range batch {
			logitsOf[e.Seq] = logits[k*vocab : (k+1)*vocab]
		}
	}
	out := make([]*Result, n)
	for i, s := range seqs {
		if s.res.StopReason != StopString {
			s.text = append(s.text, s.stops.Flush()...)
		}
		s.res.Text = string(s.text)
		s.res.Metrics = Metrics{PromptTokens: len(toks), PromptDuration: promptTime, GeneratedTokens: len(s.res.Tokens),
			KVCacheTokens: mc.Cache().Len(i), KVCacheSize: m.opts.ContextLength}
		out[i] = s.res
	}
	return out, nil
}

// maxForkSeqs bounds the sequences GenerateN and BeamSearch run at once
// (OpenAI's n goes to 128): each needs its own KV cache room.
const maxForkSeqs = 128

// forkContext makes a context for seqs sequences that share a prompt of
// promptLen tokens and each add up to maxNew tokens.
func (m *Model) forkContext(promptLen, seqs, outputs, maxNew int) (*model.Context, error) {
	if seqs < 1 || seqs > maxForkSeqs {
		return nil, fmt.Errorf("gollama: %d parallel sequences, want 1 to %d", seqs, maxForkSeqs)
	}
	// Written so that a huge maxNew cannot overflow past the check.
	if maxNew < 0 || promptLen > m.opts.ContextLength || maxNew > m.opts.ContextLength-promptLen {
		return nil, fmt.Errorf("%w: prompt of %d tokens + %d to generate exceeds the context of %d", ErrContextFull, promptLen, maxNew, m.opts.ContextLength)
	}
	// The prompt's pages are shared; each sequence copies at most its last
	// partial page and adds its own tokens.
	ps := kvcache.DefaultPageSize
	cells := promptLen + seqs*(maxNew+2*ps) + ps
	return m.model.NewContext(model.Options{
		MaxBatch: min(m.opts.BatchSize, max(promptLen, seqs)), MaxOutputs: max(outputs, 1), MaxSeqs: seqs,
		Cells: cells, CacheF32: m.opts.KVCacheF32, Pool: m.pool,
	})
}

// evalPrompt evaluates toks into seq of mc, a batch at a time, and returns
// the last token's logits (mc's own, valid until its next Forward).
func evalPrompt(ctx context.Context, mc *model.Context, seq int, toks []int32) ([]float32, error) {
	if len(toks) == 0 {
		return nil, errors.New("gollama: empty prompt")
	}
	var logits []float32
	step := mc.Options().MaxBatch
	batch := make([]model.Entry, 0, step)
	for i := 0; i < len(toks); i += step {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch = batch[:0]
		end := min(i+step, len(toks))
		for j := i; j < end; j++ {
			batch = append(batch, model.Entry{Token: toks[j], Pos: int32(j), Seq: seq, Logits: j == len(toks)-1})
		}
		var err error
		if logits, err = mc.Forward(batch); err != nil {
			return nil, err
		}
	}
	return logits, nil
}

// continuation is the text of generated tokens as it streams (the leading
// space of the first piece kept).
func (m *Model) continuation(ids []int32) string {
	var b []byte
	for _, id := range ids {
		b = append(b, m.tok.Piece(id, false)...)
	}
	return string(b)
}
