package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/chat"
)

// oaiMessage is a chat message as the OpenAI API sends it: content may be
// a string, null, or an array of parts of which the text ones are used.
type oaiMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name,omitempty"`
	ToolCalls  []chat.ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

func (m oaiMessage) toChat() (chat.Message, error) {
	msg := chat.Message{Role: m.Role, Name: m.Name, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID}
	c := bytes.TrimSpace(m.Content)
	switch {
	case len(c) == 0 || bytes.Equal(c, []byte("null")):
	case c[0] == '"':
		if err := json.Unmarshal(c, &msg.Content); err != nil {
			return msg, err
		}
	case c[0] == '[':
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(c, &parts); err != nil {
			return msg, fmt.Errorf("message content: %w", err)
		}
		var texts []string
		for _, p := range parts {
			if p.Type != "text" {
				return msg, fmt.Errorf("message content part of type %q is not supported (text only)", p.Type)
			}
			texts = append(texts, p.Text)
		}
		msg.Content = strings.Join(texts, "\n")
	default:
		return msg, fmt.Errorf("message content must be a string or an array of parts")
	}
	if msg.Role == "" {
		return msg, fmt.Errorf("message without a role")
	}
	return msg, nil
}

type chatRequest struct {
	Model         string            `json:"model"`
	Messages      []oaiMessage      `json:"messages"`
	Stream        bool              `json:"stream"`
	StreamOptions *streamOptions    `json:"stream_options"`
	Tools         []json.RawMessage `json:"tools"`
	TemplateVars  map[string]any    `json:"chat_template_kwargs"`
	samplingFields
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func newID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// finishReason maps a stop reason to OpenAI's.
func finishReason(reason string) string {
	switch reason {
	case gollama.StopLength, gollama.StopContext:
		return "length"
	}
	return "stop"
}

func (s *Server) handleChatCompletions(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if !decode(w, r, &req) {
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "messages: at least one message is required")
		return
	}
	msgs := make([]chat.Message, len(req.Messages))
	for i, m := range req.Messages {
		var err error
		if msgs[i], err = m.toChat(); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("messages[%d]: %v", i, err))
			return
		}
	}
	text, err := s.m.RenderChat(msgs, chat.Options{Tools: req.Tools, Vars: req.TemplateVars})
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "chat template: "+err.Error())
		return
	}
	prompt, err := s.m.Tokenize(text, true, true)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	s.completeOAI(w, r, &req.samplingFields, prompt, req.Stream, req.StreamOptions, true)
}

type completionRequestOAI struct {
	Model         string          `json:"model"`
	Prompt        json.RawMessage `json:"prompt"`
	Stream        bool            `json:"stream"`
	StreamOptions *streamOptions  `json:"stream_options"`
	samplingFields
}

func (s *Server) handleCompletionsOAI(w http.ResponseWriter, r *http.Request) {
	var req completionRequestOAI
	if !decode(w, r, &req) {
		return
	}
	prompt, err := s.promptTokens(req.Prompt)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "prompt: "+err.Error())
		return
	}
	s.completeOAI(w, r, &req.samplingFields, prompt, req.Stream, req.StreamOptions, false)
}

// completeOAI runs n choices of one prompt and answers in the chat or
// text completion shape, streamed or not.
func (s *Server) completeOAI(w http.ResponseWriter, r *http.Request, f *samplingFields, prompt []int32, stream bool, so *streamOptions, isChat bool) {
	p, err := f.params(s.m.Internal().Vocab, -1)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	n := 1
	if f.N != nil {
		n = *f.N
	}
	if n < 1 || n > s.opts.Parallel*4 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("n = %d: want 1 to %d", n, s.opts.Parallel*4))
		return
	}
	if err := s.checkJob(prompt, -1); err != nil {
		writeGenError(w, err)
		return
	}
	cache := f.CachePrompt == nil || *f.CachePrompt
	id, created := newID("chatcmpl-"), time.Now().Unix()
	object := "chat.completion"
	if !isChat {
		id, object = newID("cmpl-"), "text_completion"
	}
	info := infoFrom(r.Context())
	info.promptTokens = len(prompt)

	var out *sse
	var outMu sync.Mutex
	chunk := func(i int, text string, finish *string) map[string]any {
		choice := map[string]any{"index": i, "finish_reason": finish}
		if isChat {
			delta := map[string]any{}
			if text != "" || finish == nil {
				delta["content"] = text
			}
			choice["delta"] = delta
		} else {
			choice["text"], choice["logprobs"] = text, nil
		}
		return map[string]any{"id": id, "object": object + ".chunk", "created": created, "model": s.opts.ModelAlias, "choices": []any{choice}}
	}
	if !isChat {
		chunk = func(i int, text string, finish *string) map[string]any {
			return map[string]any{"id": id, "object": object, "created": created, "model": s.opts.ModelAlias,
				"choices": []any{map[string]any{"index": i, "text": text, "logprobs": nil, "finish_reason": finish}}}
		}
	}
	if stream {
		out = startSSE(w)
		if isChat {
			for i := 0; i < n; i++ {
				c := chunk(i, "", nil)
				c["choices"].([]any)[0].(map[string]any)["delta"] = map[string]any{"role": "assistant", "content": ""}
				out.send(c)
			}
		}
	}
	send := func(v any) error {
		outMu.Lock()
		defer outMu.Unlock()
		return out.send(v)
	}

	results := make([]*result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	for i := 0; i < n; i++ {
		pi := p
		if pi.Seed != ^uint64(0) {
			pi.Seed += uint64(i)
		}
		var onText func(string) error
		if stream {
			onText = func(t string) error { return send(chunk(i, t, nil)) }
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.generate(ctx, prompt, pi, cache, -1, onText)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	total := usage{PromptTokens: len(prompt)}
	for i, err := range errs {
		if err != nil {
			if stream {
				send(map[string]any{"error": map[string]any{"code": 500, "message": err.Error(), "type": "server_error"}})
				return
			}
			writeGenError(w, err)
			return
		}
		total.CompletionTokens += len(results[i].tokens)
	}
	total.TotalTokens = total.PromptTokens + total.CompletionTokens
	info.completionTokens = total.CompletionTokens
	if stream {
		for i, res := range results {
			fr := finishReason(res.stopReason)
			send(chunk(i, "", &fr))
		}
		if so != nil && so.IncludeUsage {
			send(map[string]any{"id": id, "object": object + ".chunk", "created": created, "model": s.opts.ModelAlias, "choices": []any{}, "usage": total})
		}
		out.done()
		return
	}
	choices := make([]any, n)
	for i, res := range results {
		c := map[string]any{"index": i, "finish_reason": finishReason(res.stopReason)}
		if isChat {
			c["message"] = map[string]any{"role": "assistant", "content": res.text}
		} else {
			c["text"], c["logprobs"] = res.text, nil
		}
		choices[i] = c
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "object": object, "created": created, "model": s.opts.ModelAlias,
		"choices": choices, "usage": total, "timings": timings(results[0])})
}

// promptTokens accepts a prompt as a string, an array with one string,
// an array of token ids, or llama-server's mix of strings and ids.
func (s *Server) promptTokens(raw json.RawMessage) ([]int32, error) {
	if isNull(raw) {
		return nil, fmt.Errorf("required")
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return s.m.Tokenize(str, true, true)
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, fmt.Errorf("want a string, or an array of strings and token ids")
	}
	var toks []int32
	vocab := s.m.Internal().Vocab
	for i, part := range parts {
		if json.Unmarshal(part, &str) == nil {
			if len(parts) > 1 && isAllStrings(parts) {
				return nil, fmt.Errorf("several prompts in one request are not supported")
			}
			t, err := s.m.Tokenize(str, i == 0, true)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t...)
			continue
		}
		var id int64
		if err := json.Unmarshal(part, &id); err != nil || id < 0 || id >= int64(vocab) {
			return nil, fmt.Errorf("element %d is neither a string nor a token id in [0, %d)", i, vocab)
		}
		toks = append(toks, int32(id))
	}
	return toks, nil
}

func isAllStrings(parts []json.RawMessage) bool {
	for _, p := range parts {
		if len(p) == 0 || p[0] != '"' {
			return false
		}
	}
	return true
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	m := s.m.Internal()
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{map[string]any{
		"id": s.opts.ModelAlias, "object": "model", "created": s.created, "owned_by": "gollama",
		"meta": map[string]any{"n_vocab": m.Vocab, "n_ctx_train": m.ContextLength, "n_embd": m.Embd, "size": s.m.File().Size()},
	}}})
}
