// Package session holds the state of one conversation with a model: its
// tokens, its sequence in a model context's KV cache, and the logits after
// its last token. Generation samples from those logits and feeds tokens
// back with Eval.
//
// A session can be forked (a second sequence sharing its KV pages, copy on
// write), cloned (a deep copy), edited (Remove a token range, Shift
// positions with the keys re-rotated, ContextShift when the context is
// full), and saved and loaded (WriteTo, SaveFile, Load, LoadFile). An
// Executor decodes many conversations in shared batches; a Memory keeps
// conversations by user and channel with eviction by count and age.
//
// # File format
//
// Version 1; every integer little-endian:
//
//	offset size
//	0      8   magic "GOLLSESS"
//	8      4   format version (1)
//	12     32  model fingerprint (model.Model.Fingerprint)
//	44     16  architecture name, NUL-padded (for error messages)
//	60     4   layers
//	64     4   key elements per token and layer (n_head_kv × head_dim_k)
//	68     4   value elements per token and layer
//	72     4   vocabulary size
//	76     4   KV type: tensor type id, 0 = f32, 1 = f16
//	80     4   n: tokens (one KV cell each)
//	84     4   logits saved: 0 or the vocabulary size
//	88     4   pending tokens (sampled, not yet evaluated)
//	92     4   sampler state bytes
//	96     4   CRC-32C of bytes 0…95
//	100        tokens        n × i32
//	           positions     n × i32 (rope positions of the cells)
//	           KV data       per layer: keys n × key elements, then values
//	                         n × value elements, in the KV type
//	           logits        f32 each
//	           pending       i32 each
//	           sampler state (sample.Sampler.MarshalBinary), opaque here
//	           CRC-32C (Castagnoli) of everything before it, u32
//
// The header has its own checksum so that a damaged header is reported as
// damage rather than as, say, a different model. The format does not
// depend on the cache's page size, and a file of either KV type loads into
// a context of the other (converted).
package session

import (
	"errors"
	"fmt"

	"github.com/gollama/gollama/model"
)

// ErrContextFull is returned (wrapped, with the counts) when tokens do not
// fit in the context's KV cache.
var ErrContextFull = errors.New("context full")

// Session is one sequence of a model.Context. It is not safe for
// concurrent use, and sessions sharing a Context must not Eval
// concurrently.
type Session struct {
	ctx    *model.Context
	seq    int
	tokens []int32
	logits []float32 // after the last token; nil when unknown
	batch  []model.Entry

	// Saved with the session but not used by it: tokens a generation
	// sampled but did not evaluate yet, and its sampler's state.
	pending []int32
	sampler []byte
}

// New returns an empty session on sequence seq of ctx.
func New(ctx *model.Context, seq int) (*Session, error) {
	if seq < 0 || seq >= ctx.Options().MaxSeqs {
		return nil, fmt.Errorf("session: sequence %d out of range [0, %d)", seq, ctx.Options().MaxSeqs)
	}
	if n := ctx.Cache().Len(seq); n != 0 {
		return nil, fmt.Errorf("session: sequence %d already holds %d tokens", seq, n)
	}
	return &Session{ctx: ctx, seq: seq, batch: make([]model.Entry, 0, ctx.Options().MaxBatch)}, nil
}

// Context is the model context the session lives in.
func (s *Session) Context() *model.Context { return s.ctx }

// Seq is the session's sequence id in its context.
func (s *Session) Seq() int { return s.seq }

// Tokens are the tokens evaluated so far. The slice is the session's own.
func (s *Session) Tokens() []int32 { return s.tokens }

// Len is the number of tokens evaluated.
func (s *Session) Len() int { return len(s.tokens) }

// Logits are the logits after the last token (Vocab floats), or nil before
// the first Eval. The slice is the session's own; it changes with Eval.
func (s *Session) Logits() []float32 { return s.logits }

// Room is how many more tokens fit in the KV cache for this session,
// counting the cells other sequences of the context hold.
func (s *Session) Room() int {
	c := s.ctx.Cache()
	ps := c.PageSize()
	room := c.FreePages() * ps
	if r := len(s.tokens) % ps; r != 0 && c.PagesNeeded(s.seq, ps-r) == 0 {
		room += ps - r // the rest of our own last page
	}
	return room
}

// Eval appends tokens, evaluating them in batches of the context's
// MaxBatch, and keeps the logits after the last one. On error the session
// is as it was before the call.
func (s *Session) Eval(tokens []int32) error {
	if len(tokens) == 0 {
		return nil
	}
	if room := s.Room(); len(tokens) > room {
		return fmt.Errorf("session: %d tokens do not fit: %d in the session, room for %d more: %w", len(tokens), len(s.tokens), room, ErrContextFull)
	}
	start := len(s.tokens)
	maxBatch := s.ctx.Options().MaxBatch
	for done := 0; done < len(tokens); {
		n := min(maxBatch, len(tokens)-done)
		next := s.NextPos()
		s.batch = s.batch[:0]
		for i, t := range tokens[done : done+n] {
			last := done+i == len(tokens)-1
			s.batch = append(s.batch, model.Entry{Token: t, Pos: next + int32(i), Seq: s.seq, Logits: last})
		}
		logits, err := s.ctx.Forward(s.batch)
		if err != nil {
			s.truncate(start)
			return fmt.Errorf("session: %w", err)
		}
		s.tokens = append(s.tokens, tokens[done:done+n]...)
		if len(logits) > 0 {
			s.logits = append(s.logits[:0], logits...)
		}
		done += n
	}
	return nil
}

// NextPos is the rope position the next token gets: one past the last
// cell's (equal to Len unless a range was removed or shifted).
func (s *Session) NextPos() int32 {
	pos := s.ctx.Cache().Positions(s.seq)
	if len(pos) == 0 {
		return 0
	}
	return pos[len(pos)-1] + 1
}

// Truncate keeps the first n tokens. The logits are unknown afterwards
// until the next Eval (see Rewind).
func (s *Session) Truncate(n int) error {
	if n < 0 || n > len(s.tokens) {
		return fmt.Errorf("session: truncate to %d of %d tokens", n, len(s.tokens))
	}
	s.truncate(n)
	return nil
}

func (s *Session) truncate(n int) {
	if err := s.ctx.Cache().Truncate(s.seq, n); err != nil {
		panic(err) // n is within the sequence: the cache cannot refuse
	}
	if n < len(s.tokens) {
		s.logits = s.logits[:0]
	}
	s.tokens = s.tokens[:n]
}

// Rewind keeps the first n tokens (n ≥ 1) and recomputes the logits after
// the n-th by evaluating it again: the state a generation can continue
// from, e.g. to reuse a cached prompt prefix.
func (s *Session) Rewind(n int) error {
	if n < 1 || n > len(s.tokens) {
		return fmt.Errorf("session: rewind to %d of %d tokens", n, len(s.tokens))
	}
	if n == len(s.tokens) && len(s.logits) > 0 {
		return nil
	}
	last := s.tokens[n-1]
	s.truncate(n - 1)
	return s.Eval([]int32{last})
}

// Reset empties the session (pending tokens and sampler state included).
func (s *Session) Reset() {
	s.truncate(0)
	s.pending, s.sampler = nil, nil
}
