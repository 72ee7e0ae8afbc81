package gollama

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/sample"
	"github.com/gollama/gollama/session"
)

// Params control one generation. Start from DefaultParams.
type Params struct {
	// Sampling: temperature, top-k/p, min-p, typical, penalties, logit bias,
	// mirostat and seed, with llama.cpp's semantics (see sample.Params).
	// RepeatLastN -1 means the whole context, as in llama.cpp.
	sample.Params
	// MaxTokens is the most tokens to generate (llama.cpp's n_predict,
	// default 128); -1 generates until an end-of-generation token, a stop
	// string, or the context is full.
	MaxTokens int
	// Stop strings end generation; the text before one is returned, the stop
	// string itself never is. They match across token boundaries.
	Stop []string
	// IgnoreEOS keeps generating past end-of-generation tokens.
	IgnoreEOS bool
	// ParseSpecial lets special-token text in the prompt ("<|im_start|>")
	// become its token. Off by default: user text stays text.
	ParseSpecial bool
	// PromptProgress, if set, is called after each batch of the prompt with
	// the tokens evaluated so far and the total (for a progress bar).
	PromptProgress func(done, total int)
	// ContextShift makes room when the context fills, as llama.cpp's
	// --context-shift does: keep the first KeepTokens tokens (plus BOS),
	// drop half of the rest, shift the remainder's positions down.
	ContextShift bool
	KeepTokens   int
	// ResumeSampler continues the sampler state (generator, penalty
	// window) the session kept from its last generation, e.g. after
	// loading it from a file, instead of starting afresh.
	ResumeSampler bool
}

// DefaultParams are llama.cpp's defaults: temperature 0.8, top-k 40, top-p
// 0.95, min-p 0.05, 128 tokens.
func DefaultParams() Params {
	return Params{Params: sample.DefaultParams(), MaxTokens: 128}
}

// Token is one generated token as it streams out.
type Token struct {
	ID int32
	// Text is what this token adds to the output. It can be empty: bytes of
	// a character split across tokens, or text held back because it may be
	// the start of a stop string, come out with a later token. Text still
	// held back when generation ends comes last, with ID -1.
	Text string
}

// Stop reasons.
const (
	StopEOS       = "eos"       // an end-of-generation token
	StopString    = "stop"      // a stop string matched
	StopLength    = "length"    // MaxTokens reached
	StopCancelled = "cancelled" // the context.Context was done
	StopContext   = "context"   // the session's context filled up
)

// Result is what a generation produced.
type Result struct {
	Text       string  // the generated text (stop string excluded)
	Tokens     []int32 // the generated token ids
	StopReason string
	Seed       uint64 // the sampler's seed (the one drawn, if random)
	Metrics    Metrics
}

// Metrics measure one generation.
type Metrics struct {
	PromptTokens          int // tokens evaluated for the prompt (reused prefix excluded)
	PromptDuration        time.Duration
	PromptTokensPerSecond float64
	GeneratedTokens       int
	GenDuration           time.Duration // from the first generated token to the last
	GenTokensPerSecond    float64
	TimeToFirstToken      time.Duration
	KVCacheTokens         int // tokens the session holds afterwards
	KVCacheSize           int // tokens it can hold
}

// Session is a conversation with a model: its tokens and KV cache. Use one
// goroutine per session.
type Session struct {
	m   *Model
	ctx *model.Context
	s   *session.Session
	// pending tokens were sampled but not yet evaluated: the next call
	// evaluates them first, so a continued session equals one long run.
	pending []int32
}

// NewSession starts an empty session with its own KV cache.
func (m *Model) NewSession() (*Session, error) {
	if m.file == nil {
		return nil, ErrClosed
	}
	ctx, err := m.model.NewContext(model.Options{
		MaxBatch: min(m.opts.BatchSize, m.opts.ContextLength), MaxOutputs: 1, MaxSeqs: 1,
		Cells: m.opts.ContextLength, CacheF32: m.opts.KVCacheF32, Pool: m.pool,
	})
	if err != nil {
		return nil, err
	}
	s, err := session.New(ctx, 0)
	if err != nil {
		ctx.Close()
		return nil, err
	}
	return &Session{m: m, ctx: ctx, s: s}, nil
}

// Close releases the session.
func (s *Session) Close() {
	if s.ctx != nil {
		s.ctx.Close()
		s.ctx = nil
	}
}

// Tokens are the session's tokens: evaluated, then sampled but not yet
// evaluated.
func (s *Session) Tokens() []int32 {
	return append(append([]int32(nil), s.s.Tokens()...), s.pending...)
}

// Reset empties the session.
func (s *Session) Reset() {
	s.s.Reset()
	s.pending = s.pending[:0]
}

// Internal is the underlying session state (for save/restore and forks).
func (s *Session) Internal() *session.Session { return s.s }

// Generate appends prompt to the session (with BOS if the session is empty
// and the model wants one) and generates a continuation, calling fn with
// each token as it is sampled. An error from fn stops generation and is
// returned. An empty prompt continues from the session's state.
func (s *Session) Generate(ctx context.Context, prompt string, p Params, fn func(Token) error) (*Result, error) {
	if s.ctx == nil {
		return nil, ErrClosed
	}
	var toks []int32
	if prompt != "" {
		var err error
		toks, err = s.m.tok.Encode(prompt, len(s.Tokens()) == 0, p.ParseSpecial)
		if err != nil {
			return nil, err
		}
	}
	return s.GenerateTokens(ctx, toks, p, fn)
}

// Stream is Generate as an iterator: each step yields a token, or an error
// (last). Breaking out of the loop stops generation.
func (s *Session) Stream(ctx context.Context, prompt string, p Params) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		stopped := errors.New("stopped by the caller")
		_, err := s.Generate(ctx, prompt, p, func(t Token) error {
			if !yield(t, nil) {
				return stopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, stopped) {
			yield(Token{}, err)
		}
	}
}

// GenerateTokens is Generate from token ids.
func (s *Session) GenerateTokens(ctx context.Context, prompt []int32, p Params, fn func(Token) error) (*Result, error) {
	if s.ctx == nil {
		return nil, ErrClosed
	}
	if p.RepeatLastN < 0 {
		p.RepeatLastN = s.m.opts.ContextLength // llama.cpp's -1: the whole context
	}
	smp, err := sample.New(p.Params, s.m.model.Vocab)
	if err != nil {
		return nil, err
	}
	stops, err := sample.NewStopMatcher(p.Stop...)
	if err != nil {
		return nil, err
	}
	resumed, err := s.resumeSampler(smp, p)
	if err != nil {
		return nil, err
	}
	defer s.keepSampler(smp)
	res := &Result{Seed: smp.Seed()}
	start := time.Now()

	// The prompt: pending tokens first, then the new ones.
	input := append(append([]int32(nil), s.pending...), prompt...)
	if len(input) == 0 && len(s.s.Logits()) == 0 {
		if s.s.Len() == 0 {
			return nil, errors.New("gollama: empty prompt and empty session: nothing to continue from")
		}
		if err := s.s.Rewind(s.s.Len()); err != nil {
			return nil, err
		}
	}
	if err := s.shiftFor(len(input), p); err != nil {
		return nil, err
	}
	if room := s.s.Room(); len(input) > room {
		return nil, fmt.Errorf("%w: the prompt is %d tokens, the session holds %d of %d", ErrContextFull, len(input), s.s.Len(), s.m.opts.ContextLength)
	}
	if err := s.evalChunked(ctx, input, p.PromptProgress); err != nil {
		return nil, err
	}
	s.pending = s.pending[:0]
	res.Metrics.PromptTokens = len(input)
	res.Metrics.PromptDuration = time.Since(start)
	accept := s.s.Tokens()
	if resumed {
		accept = prompt // the saved window holds the rest
	}
	for _, t := range accept {
		smp.Accept(t) // prompt tokens count for the repetition penalties, as in llama.cpp
	}

	dec := s.m.tok.NewStreamDecoder(false)
	var text []byte
	emit := func(id int32, piece string) error {
		text = append(text, piece...)
		if fn != nil {
			return fn(Token{ID: id, Text: piece})
		}
		return nil
	}
	var genStart time.Time
	for {
		if p.MaxTokens >= 0 && len(res.Tokens) >= p.MaxTokens {
			res.StopReason = StopLength
			break
		}
		if err := ctx.Err(); err != nil {
			res.StopReason = StopCancelled
			s.finish(res, start, genStart, text)
			return res, err
		}
		tok := smp.Sample(s.s.Logits())
		if tok < 0 {
			s.finish(res, start, genStart, text)
			if nonFinite(s.s.Logits()) {
				// Not the caller's parameters: the model itself computed garbage
				// (a NaN rope base or norm epsilon, broken weights).
				return res, errors.New("gollama: the model produced non-finite logits: its hyperparameters or weights are broken")
			}
			return res, errors.New("gollama: no token can be sampled: logit bias or penalties ruled out every token")
		}
		smp.Accept(tok)
		if genStart.IsZero() {
			genStart = time.Now()
			res.Metrics.TimeToFirstToken = genStart.Sub(start)
		}
		res.Tokens = append(res.Tokens, tok)
		if s.m.tok.IsEOG(tok) && !p.IgnoreEOS {
			s.pending = append(s.pending, tok)
			res.StopReason = StopEOS
			break
		}
		out, stopped := stops.Feed(dec.Add(tok))
		if err := emit(tok, out); err != nil {
			s.pending = append(s.pending, tok)
			s.finish(res, start, genStart, text)
			return res, err
		}
		if stopped {
			s.pending = append(s.pending, tok)
			res.StopReason = StopString
			break
		}
		last := p.MaxTokens >= 0 && len(res.Tokens) >= p.MaxTokens
		if last {
			s.pending = append(s.pending, tok)
			continue
		}
		if err := s.shiftFor(1, p); err != nil {
			return res, err
		}
		if s.s.Room() < 1 {
			s.pending = append(s.pending, tok)
			res.StopReason = StopContext
			s.finish(res, start, genStart, text)
			return res, fmt.Errorf("%w after %d generated tokens (%d tokens)", ErrContextFull, len(res.Tokens), s.m.opts.ContextLength)
		}
		if err := s.s.Eval([]int32{tok}); err != nil {
			return res, err
		}
	}
	if res.StopReason != StopString {
		// Text held back for a stop string or an unfinished character.
		rest, stopped := stops.Feed(dec.Flush())
		if stopped {
			res.StopReason = StopString
		} else {
			rest += stops.Flush()
		}
		if rest != "" {
			if err := emit(-1, rest); err != nil {
				return res, err
			}
		}
	}
	s.finish(res, start, genStart, text)
	return res, nil
}

// evalChunked evaluates tokens a batch at a time, checking ctx between
// batches so a long prompt can be cancelled.
func (s *Session) evalChunked(ctx context.Context, toks []int32, progress func(done, total int)) error {
	step := s.ctx.Options().MaxBatch
	for i := 0; i < len(toks); i += step {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(i+step, len(toks))
		if err := s.s.Eval(toks[i:end]); err != nil {
			if errors.Is(err, session.ErrContextFull) {
				return fmt.Errorf("%w: %v", ErrContextFull, err)
			}
			return err
		}
		if progress != nil {
			progress(end, len(toks))
		}
	}
	return nil
}

func (s *Session) finish(res *Result, start, genStart time.Time, text []byte) {
	res.Text = string(text)
	m := &res.Metrics
	m.GeneratedTokens = len(res.Tokens)
	if !genStart.IsZero() {
		m.GenDuration = time.Since(genStart)
	}
	if m.PromptDuration > 0 {
		m.PromptTokensPerSecond = float64(m.PromptTokens) / m.PromptDuration.Seconds()
	}
	// The first token's sampling ends the prompt; rate the others.
	if m.GenDuration > 0 && m.GeneratedTokens > 1 {
		m.GenTokensPerSecond = float64(m.GeneratedTokens-1) / m.GenDuration.Seconds()
	}
	m.KVCacheTokens = s.s.Len()
	m.KVCacheSize = s.m.opts.ContextLength
}

// nonFinite reports whether any logit is NaN or +Inf.
func nonFinite(logits []float32) bool {
	for _, v := range logits {
		if v != v || v > math.MaxFloat32 {
			return true
		}
	}
	return false
}
