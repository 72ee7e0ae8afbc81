package session

import (
	"errors"
	"fmt"
)

// Pending are tokens a generation sampled but has not evaluated yet; the
// session only stores them (and saves them with WriteTo) for its owner.
func (s *Session) Pending() []int32 { return s.pending }

// SetPending replaces the pending tokens (the slice is copied).
func (s *Session) SetPending(toks []int32) { s.pending = append(s.pending[:0], toks...) }

// SamplerState is the saved sampler state (sample.Sampler.MarshalBinary),
// nil if none.
func (s *Session) SamplerState() []byte { return s.sampler }

// SetSamplerState stores a sampler state to save with the session (the
// slice is copied; nil clears it).
func (s *Session) SetSamplerState(b []byte) {
	if b == nil {
		s.sampler = nil
		return
	}
	s.sampler = append(s.sampler[:0], b...)
}

// Usage is a session's share of its context's KV cache.
type Usage struct {
	Tokens      int
	Pages       int // pages the session refers to
	SharedPages int // of those, pages another sequence refers to as well
	Bytes       int // Pages × page bytes
	SharedBytes int // SharedPages × page bytes
}

// Usage reports the pages the session holds and how many it shares with
// forks (or the session it was forked from).
func (s *Session) Usage() Usage {
	c := s.ctx.Cache()
	pages, shared := c.SeqPages(s.seq)
	pb := c.PageBytes()
	return Usage{Tokens: len(s.tokens), Pages: len(pages), SharedPages: shared, Bytes: len(pages) * pb, SharedBytes: shared * pb}
}

// Fork returns a new session on sequence dst (which must be empty) with
// this session's state. The two share the KV pages they have in common
// (copy on write), so forking costs O(pages) whatever the layers and
// tokens; the first write into a shared partly filled last page copies
// that one page.
func (s *Session) Fork(dst int) (*Session, error) {
	f, err := New(s.ctx, dst)
	if err != nil {
		return nil, err
	}
	if err := s.ctx.Cache().Fork(dst, s.seq); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	f.tokens = append(f.tokens, s.tokens...)
	f.logits = append(f.logits, s.logits...)
	f.pending = append(f.pending, s.pending...)
	if s.sampler != nil {
		f.sampler = append([]byte(nil), s.sampler...)
	}
	return f, nil
}

// Clone is Fork followed by copying every shared page: a deep copy on
// sequence dst that shares nothing with s. It fails, leaving dst empty,
// when the cache has no room for the copy.
func (s *Session) Clone(dst int) (*Session, error) {
	f, err := s.Fork(dst)
	if err != nil {
		return nil, err
	}
	if err := s.ctx.Cache().Own(dst, 0, len(f.tokens)); err != nil {
		f.Reset()
		return nil, fmt.Errorf("session: clone: %w", err)
	}
	return f, nil
}

// Close empties the session, returning its pages to the context (shared
// ones stay with the sessions still using them).
func (s *Session) Close() { s.Reset() }

// Remove drops tokens [a, b) and their cache cells. The tokens after b
// keep their rope positions, leaving a gap; Shift them by a-b to close it
// (ContextShift does both). The logits stay those after the last token
// unless it was removed.
func (s *Session) Remove(a, b int) error {
	if a < 0 || b > len(s.tokens) || a > b {
		return fmt.Errorf("session: remove tokens [%d, %d) of %d", a, b, len(s.tokens))
	}
	if b == len(s.tokens) {
		s.truncate(a)
		return nil
	}
	if err := s.ctx.Cache().Remove(s.seq, a, b); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	s.tokens = append(s.tokens[:a], s.tokens[b:]...)
	return nil
}

// Shift adds delta to the positions of tokens [a, b), re-rotating their
// cached keys (llama.cpp's llama_memory_seq_add).
func (s *Session) Shift(a, b int, delta int32) error {
	if a < 0 || b > len(s.tokens) || a > b {
		return fmt.Errorf("session: shift tokens [%d, %d) of %d", a, b, len(s.tokens))
	}
	if err := s.ctx.ShiftPositions(s.seq, a, b, delta); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// ErrNothingToDiscard: ContextShift could not free any token.
var ErrNothingToDiscard = errors.New("session: context shift: nothing to discard after the kept tokens")

// ContextShift makes room when the context is full the way llama.cpp's
// examples do: it keeps the first keep tokens, discards half of the rest
// (n_discard = (n_past - n_keep) / 2, the oldest ones), and moves the
// remaining tokens' positions down by that much. It returns how many
// tokens were discarded.
func (s *Session) ContextShift(keep int) (int, error) {
	n := len(s.tokens)
	keep = max(0, min(keep, n))
	discard := (n - keep) / 2
	if discard == 0 {
		return 0, ErrNothingToDiscard
	}
	if err := s.Remove(keep, keep+discard); err != nil {
		return 0, err
	}
	if err := s.Shift(keep, n-discard, -int32(discard)); err != nil {
		return discard, err
	}
	return discard, nil
}
