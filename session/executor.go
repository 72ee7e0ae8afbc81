package session

import (
	"errors"
	"fmt"
	"io"

	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/sample"
)

// Executor runs many conversations on one model context, evaluating the
// tokens all of them have queued in shared batches (like LLamaSharp's
// BatchedExecutor): every conversation is a sequence of the context, so
// one Forward call reads the weights once for all of them. Decoding is
// bound by reading the weights, so N conversations decode in not much
// more time than one.
//
//	exec := session.NewExecutor(ctx) // ctx made with MaxSeqs ≥ conversations
//	a, _ := exec.Create()
//	a.Prompt(tokens...)
//	for {
//		exec.Infer()
//		tok, _ := a.Sample(smp)
//		a.Prompt(tok)
//	}
//
// An Executor and its conversations are not safe for concurrent use.
type Executor struct {
	ctx   *model.Context
	convs []*Conversation // by sequence id; nil = free
	batch []model.Entry
	parts []part
}

// part is one conversation's share of a batch.
type part struct {
	c    *Conversation
	n    int
	last bool // the batch holds its last queued token (and its logits)
}

// Conversation is one sequence of an Executor's context.
type Conversation struct {
	e      *Executor
	s      *Session
	queued []int32
}

// ErrDisposed: the conversation was disposed.
var ErrDisposed = errors.New("session: conversation disposed")

// ErrNeedsInference: the conversation has queued tokens; call Infer first.
var ErrNeedsInference = errors.New("session: conversation has tokens waiting for Infer")

// NewExecutor returns an executor over ctx's sequences. Sequences holding
// tokens already are left alone (not used for new conversations).
func NewExecutor(ctx *model.Context) *Executor {
	return &Executor{ctx: ctx, convs: make([]*Conversation, ctx.Options().MaxSeqs), batch: make([]model.Entry, 0, ctx.Options().MaxBatch)}
}

// Context is the executor's model context.
func (e *Executor) Context() *model.Context { return e.ctx }

// Conversations is the number of live conversations.
func (e *Executor) Conversations() int {
	n := 0
	for _, c := range e.convs {
		if c != nil {
			n++
		}
	}
	return n
}

func (e *Executor) freeSeq() (int, error) {
	for seq, c := range e.convs {
		if c == nil && e.ctx.Cache().Len(seq) == 0 {
			return seq, nil
		}
	}
	return 0, fmt.Errorf("session: all %d sequences of the context are in use", len(e.convs))
}

func (e *Executor) adopt(s *Session) *Conversation {
	c := &Conversation{e: e, s: s}
	e.convs[s.seq] = c
	return c
}

// Create starts an empty conversation on a free sequence.
func (e *Executor) Create() (*Conversation, error) {
	seq, err := e.freeSeq()
	if err != nil {
		return nil, err
	}
	s, err := New(e.ctx, seq)
	if err != nil {
		return nil, err
	}
	return e.adopt(s), nil
}

// Load restores a conversation saved by Conversation.Save (or any session
// file of the same model) onto a free sequence; its pending tokens come
// back queued.
func (e *Executor) Load(r io.Reader) (*Conversation, error) {
	seq, err := e.freeSeq()
	if err != nil {
		return nil, err
	}
	s, err := Load(e.ctx, seq, r)
	if err != nil {
		return nil, err
	}
	c := e.adopt(s)
	c.queued, s.pending = s.pending, nil
	return c, nil
}

// Infer evaluates every conversation's queued tokens, as few Forward
// calls as MaxBatch and MaxOutputs allow: with one token queued per
// conversation (decoding), a single call. Each conversation then has the
// logits after its last token. On error, the conversations whose tokens
// were not evaluated keep them queued.
func (e *Executor) Infer() error {
	opt := e.ctx.Options()
	for {
		e.batch, e.parts = e.batch[:0], e.parts[:0]
		outputs := 0
		for seq, c := range e.convs {
			if c == nil || len(c.queued) == 0 {
				continue
			}
			k := min(opt.MaxBatch-len(e.batch), len(c.queued))
			if k == 0 {
				break
			}
			last := k == len(c.queued)
			if last && outputs == opt.MaxOutputs {
				// No room for its logits in this call: leave its last token
				// for the next.
				if k--; k == 0 {
					continue
				}
				last = false
			}
			next := c.s.NextPos()
			for i, t := range c.queued[:k] {
				e.batch = append(e.batch, model.Entry{Token: t, Pos: next + int32(i), Seq: seq, Logits: last && i == k-1})
			}
			if last {
				outputs++
			}
			e.parts = append(e.parts, part{c: c, n: k, last: last})
		}
		if len(e.batch) == 0 {
			return nil
		}
		logits, err := e.ctx.Forward(e.batch)
		if err != nil {
			return fmt.Errorf("session: infer: %w", err)
		}
		vocab := e.ctx.Model().Vocab
		j := 0
		for _, p := range e.parts {
			s := p.c.s
			s.tokens = append(s.tokens, p.c.queued[:p.n]...)
			p.c.queued = p.c.queued[p.n:]
			if p.last {
				s.logits = append(s.logits[:0], logits[j*vocab:(j+1)*vocab]...)
				j++
			}
		}
	}
}

// Session is the conversation's state (tokens evaluated, KV, logits).
func (c *Conversation) Session() *Session { return c.s }

// Seq is the conversation's sequence id.
func (c *Conversation) Seq() int { return c.s.seq }

// Queued are the tokens waiting for the next Infer.
func (c *Conversation) Queued() []int32 { return c.queued }

// RequiresInference reports whether tokens wait for Infer.
func (c *Conversation) RequiresInference() bool { return len(c.queued) > 0 }

// Prompt queues tokens for the next Infer.
func (c *Conversation) Prompt(tokens ...int32) error {
	if c.s == nil {
		return ErrDisposed
	}
	vocab := c.e.ctx.Model().Vocab
	for i, t := range tokens {
		if t < 0 || int(t) >= vocab {
			return fmt.Errorf("session: prompt token %d at index %d out of range [0, %d)", t, i, vocab)
		}
	}
	c.queued = append(c.queued, tokens...)
	return nil
}

// Logits are the logits after the conversation's last evaluated token, or
// nil while tokens are queued (or before any Infer).
func (c *Conversation) Logits() []float32 {
	if c.s == nil || len(c.queued) > 0 || len(c.s.logits) == 0 {
		return nil
	}
	return c.s.logits
}

// Sample draws the next token from the logits with smp and accepts it
// into smp's penalty window. It does not queue the token: Prompt it.
func (c *Conversation) Sample(smp *sample.Sampler) (int32, error) {
	if c.s == nil {
		return -1, ErrDisposed
	}
	if len(c.queued) > 0 {
		return -1, ErrNeedsInference
	}
	if len(c.s.logits) == 0 {
		return -1, errors.New("session: conversation has no logits yet: prompt it and Infer")
	}
	tok := smp.Sample(c.s.logits)
	if tok < 0 {
		return -1, errors.New("session: no token can be sampled: logit bias or penalties ruled out every token")
	}
	smp.Accept(tok)
	return tok, nil
}

// Fork starts a conversation with this one's state on a free sequence,
// sharing its KV pages copy-on-write. Queued tokens are copied too (each
// conversation evaluates its own).
func (c *Conversation) Fork() (*Conversation, error) {
	if c.s == nil {
		return nil, ErrDisposed
	}
	seq, err := c.e.freeSeq()
	if err != nil {
		return nil, err
	}
	s, err := c.s.Fork(seq)
	if err != nil {
		return nil, err
	}
	f := c.e.adopt(s)
	f.queued = append([]int32(nil), c.queued...)
	return f, nil
}

// Save writes the conversation as a session file; queued tokens are saved
// as pending and come back queued from Executor.Load.
func (c *Conversation) Save(w io.Writer) error {
	if c.s == nil {
		return ErrDisposed
	}
	saved := c.s.pending
	c.s.pending = c.queued
	_, err := c.s.WriteTo(w)
	c.s.pending = saved
	return err
}

// SaveFile is Save to path, atomically.
func (c *Conversation) SaveFile(path string) error {
	return WriteFileAtomic(path, c.Save)
}

// Dispose ends the conversation and frees its sequence (pages it shares
// with forks stay with them).
func (c *Conversation) Dispose() {
	if c.s == nil {
		return
	}
	c.s.Reset()
	c.e.convs[c.s.seq] = nil
	c.s, c.queued = nil, nil
}
