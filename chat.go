package gollama

import (
	"context"
	"strings"

	"github.com/gollama/gollama/chat"
)

// ChatOptions are the chat-template variables besides the messages.
type ChatOptions = chat.Options

// RenderChat renders messages with the model's chat template (or, for a
// model without one, chatml, as llama.cpp does), ending with the
// assistant's turn opened. The BOS text is left out where tokenizing adds
// BOS anyway, as llama.cpp does.
func (m *Model) RenderChat(msgs []chat.Message, opts chat.Options) (string, error) {
	bos, eos := m.tok.BOS(), m.tok.EOS()
	if opts.BOS == "" && bos >= 0 {
		opts.BOS = m.tok.Piece(bos, true)
	}
	if opts.EOS == "" && eos >= 0 {
		opts.EOS = m.tok.Piece(eos, true)
	}
	opts.AddGenerationPrompt = true
	// The model's Jinja template; without one (or one that does not parse),
	// the native format llama.cpp detects, chatml by default.
	out, err := chat.Apply(m.template, msgs, opts)
	if err != nil {
		return "", err
	}
	if m.tok.AddBOS() && opts.BOS != "" {
		out = strings.TrimPrefix(out, opts.BOS)
	}
	return out, nil
}

// Chat renders the whole conversation and generates the assistant's reply.
// The session keeps its KV cache between calls: the part of the rendered
// conversation it already holds (the common token prefix) is not
// evaluated again.
func (s *Session) Chat(ctx context.Context, msgs []chat.Message, opts chat.Options, p Params, fn func(Token) error) (*Result, error) {
	if s.ctx == nil {
		return nil, ErrClosed
	}
	text, err := s.m.RenderChat(msgs, opts)
	if err != nil {
		return nil, err
	}
	toks, err := s.m.tok.Encode(text, true, true)
	if err != nil {
		return nil, err
	}
	return s.GenerateTokens(ctx, s.reusePrefix(toks), p, fn)
}

// reusePrefix drops the session's tokens after the longest prefix it
// shares with toks and returns what remains to evaluate (at least one
// token, so there are fresh logits to sample from).
func (s *Session) reusePrefix(toks []int32) []int32 {
	have := s.Tokens()
	n := 0
	for n < len(have) && n < len(toks) && have[n] == toks[n] {
		n++
	}
	if n == len(toks) {
		n-- // re-evaluate the last token for its logits
	}
	evaluated := s.s.Len()
	if n <= evaluated {
		s.pending = s.pending[:0]
		if n < evaluated {
			s.s.Truncate(n)
		}
	} else {
		s.pending = s.pending[:n-evaluated]
	}
	return toks[n:]
}
