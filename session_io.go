package gollama

import (
	"errors"
	"fmt"
	"io"

	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/sample"
	"github.com/gollama/gollama/session"
)

// Saving and restoring sessions: the file holds the tokens, the KV cache,
// the last logits, the tokens sampled but not yet evaluated and the
// sampler state of the last generation (format: package session). A
// session saved after generating n tokens and loaded, in this process or
// another, continues exactly as if it had never stopped.

// WriteTo writes the session's state.
func (s *Session) WriteTo(w io.Writer) (int64, error) {
	if s.ctx == nil {
		return 0, ErrClosed
	}
	s.s.SetPending(s.pending)
	return s.s.WriteTo(w)
}

// Save writes the session's state to path atomically (a synced temporary
// file renamed over it): a failed save leaves an existing file as it was.
func (s *Session) Save(path string) error {
	if s.ctx == nil {
		return ErrClosed
	}
	return session.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := s.WriteTo(w)
		return err
	})
}

// LoadSession reads a session saved by WriteTo or Save. It fails for a
// session of another model (wrapping session.ErrOtherModel), a truncated
// or corrupted file, or one larger than the model's context length.
func (m *Model) LoadSession(r io.Reader) (*Session, error) {
	s, err := m.newContextSession(func(ctx *model.Context) (*session.Session, error) {
		return session.Load(ctx, 0, r)
	})
	if err != nil {
		return nil, fmt.Errorf("gollama: %w", err)
	}
	return s, nil
}

// LoadSessionFile is LoadSession from a file.
func (m *Model) LoadSessionFile(path string) (*Session, error) {
	s, err := m.newContextSession(func(ctx *model.Context) (*session.Session, error) {
		return session.LoadFile(ctx, 0, path)
	})
	if err != nil {
		return nil, fmt.Errorf("gollama: %w", err)
	}
	return s, nil
}

func (m *Model) newContextSession(load func(*model.Context) (*session.Session, error)) (*Session, error) {
	fresh, err := m.NewSession()
	if err != nil {
		return nil, err
	}
	ss, err := load(fresh.ctx)
	if err != nil {
		fresh.Close()
		return nil, err
	}
	fresh.s = ss
	fresh.pending = append(fresh.pending[:0], ss.Pending()...)
	ss.SetPending(nil)
	return fresh, nil
}

// resumeSampler restores the state kept from the last generation into smp
// when p asks for it; it reports whether it did.
func (s *Session) resumeSampler(smp *sample.Sampler, p Params) (bool, error) {
	st := s.s.SamplerState()
	if !p.ResumeSampler || st == nil {
		return false, nil
	}
	if err := smp.UnmarshalBinary(st); err != nil {
		return false, fmt.Errorf("gollama: resuming the saved sampler: %w", err)
	}
	return true, nil
}

// keepSampler stores smp's state in the session (and so in its file).
func (s *Session) keepSampler(smp *sample.Sampler) {
	if st, err := smp.MarshalBinary(); err == nil {
		s.s.SetSamplerState(st)
	}
}

// shiftFor makes room for n more tokens by context shifts when p allows.
func (s *Session) shiftFor(n int, p Params) error {
	if !p.ContextShift {
		return nil
	}
	keep := max(p.KeepTokens, 0)
	if s.m.tok.AddBOS() {
		keep++ // llama.cpp always keeps the BOS token
	}
	for s.s.Room() < n {
		if _, err := s.s.ContextShift(keep); err != nil {
			if errors.Is(err, session.ErrNothingToDiscard) {
				return nil // the caller reports the full context
			}
			return err
		}
	}
	return nil
}
