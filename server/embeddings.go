package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"github.com/gollama/gollama"
)

// embeddingRequest is both APIs' request: OpenAI's input (a string, an
// array of strings, token ids, or arrays of token ids) or llama-server's
// content (the same shapes).
type embeddingRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	Content        json.RawMessage `json:"content"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     *int            `json:"dimensions"`
	EmbdNormalize  *int            `json:"embd_normalize"` // llama-server: -1 none, 0 max-abs, 1 taxicab, 2 L2 (default)
}

// embedNorms maps llama-server's embd_normalize to gollama's.
var embedNorms = map[int]gollama.EmbedNorm{-1: gollama.NormNone, 0: gollama.NormMaxAbs, 1: gollama.NormTaxicab, 2: gollama.NormL2}

// handleEmbeddings is OpenAI's POST /v1/embeddings.
func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	s.embeddings(w, r, true)
}

// handleEmbeddingsLlama is llama-server's POST /embedding and /embeddings:
// an array of {index, embedding: [[…]]}, one per input.
func (s *Server) handleEmbeddingsLlama(w http.ResponseWriter, r *http.Request) {
	s.embeddings(w, r, false)
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request, oai bool) {
	var req embeddingRequest
	if !decode(w, r, &req) {
		return
	}
	bad := func(format string, a ...any) {
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf(format, a...))
	}
	raw, field := req.Input, "input"
	if isNull(raw) {
		raw, field = req.Content, "content"
	}
	if isNull(raw) {
		bad(`"input" or "content" must be provided`)
		return
	}
	b64 := false
	switch req.EncodingFormat {
	case "", "float":
	case "base64":
		b64 = true
	default:
		bad("encoding_format %q: want float or base64", req.EncodingFormat)
		return
	}
	embd := s.m.Internal().Embd
	if req.Dimensions != nil && *req.Dimensions != embd {
		bad("dimensions %d: this model's embeddings have %d (no truncation)", *req.Dimensions, embd)
		return
	}
	norm := gollama.NormL2
	if req.EmbdNormalize != nil {
		var ok bool
		if norm, ok = embedNorms[*req.EmbdNormalize]; !ok {
			bad("embd_normalize %d: want -1 (none), 0 (max absolute), 1 (taxicab) or 2 (Euclidean)", *req.EmbdNormalize)
			return
		}
	}
	inputs, err := s.embedInputs(raw)
	if err != nil {
		bad("%s: %v", field, err)
		return
	}
	total := 0
	for _, in := range inputs {
		if len(in) > s.opts.CtxSize {
			writeGenError(w, &errContext{prompt: len(in), ctx: s.opts.CtxSize})
			return
		}
		total += len(in)
	}
	infoFrom(r.Context()).promptTokens = total
	vecs, err := s.embed(r.Context(), inputs, norm)
	if err != nil {
		writeGenError(w, err)
		return
	}
	if !oai {
		out := make([]map[string]any, len(vecs))
		for i, v := range vecs {
			out[i] = map[string]any{"index": i, "embedding": [][]float32{v}}
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	data := make([]map[string]any, len(vecs))
	for i, v := range vecs {
		d := map[string]any{"object": "embedding", "index": i, "embedding": v}
		if b64 {
			d["embedding"] = encodeBase64(v)
		}
		data[i] = d
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": s.opts.ModelAlias,
		"usage": map[string]any{"prompt_tokens": total, "total_tokens": total}})
}

// embed runs the inputs' forward passes on the scheduler's goroutine,
// between its decode steps, so they never compete with the slots (nor
// touch the model beside them). One request embeds at a time: more would
// only hold more scratch memory, the passes being serial anyway.
func (s *Server) embed(ctx context.Context, inputs [][]int32, norm gollama.EmbedNorm) ([][]float32, error) {
	select {
	case s.embedSem <- struct{}{}:
		defer func() { <-s.embedSem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.sched.done:
		return nil, errShuttingDown
	}
	return s.m.EmbedTokens(ctx, inputs, gollama.EmbedOptions{
		Normalize: norm, MaxTokens: s.opts.CtxSize, BatchSize: s.opts.BatchSize, Exec: s.sched.do,
	})
}

// embedInputs reads the inputs as llama-server does: a string, token ids,
// or a mix of both is one input; an array of those is several. Strings
// are tokenized with BOS/EOS as the model asks.
func (s *Server) embedInputs(raw json.RawMessage) ([][]int32, error) {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		in, err := s.embedInput(raw)
		return [][]int32{in}, err
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, fmt.Errorf("want a string, an array of strings, or token ids")
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty array")
	}
	if hasNumber(parts) {
		in, err := s.embedInput(raw) // token ids, or llama-server's mix of ids and strings
		return [][]int32{in}, err
	}
	out := make([][]int32, len(parts))
	for i, p := range parts {
		in, err := s.embedInput(p)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %v", i, err)
		}
		out[i] = in
	}
	return out, nil
}

// embedInput is one input: a string, or an array of token ids and strings.
func (s *Server) embedInput(raw json.RawMessage) ([]int32, error) {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		if str == "" {
			return nil, fmt.Errorf("empty text")
		}
		return s.m.Tokenize(str, true, true)
	}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return nil, fmt.Errorf("want a string or an array of token ids")
	}
	if len(parts) > 1 && isAllStrings(parts) {
		return nil, fmt.Errorf("an array of strings inside the array: want a string or token ids")
	}
	toks, err := s.promptTokens(raw)
	if err == nil && len(toks) == 0 {
		err = fmt.Errorf("empty token array")
	}
	return toks, err
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// hasNumber reports whether an element is a number (a token id).
func hasNumber(parts []json.RawMessage) bool {
	for _, p := range parts {
		if p = bytes.TrimSpace(p); len(p) > 0 && (p[0] == '-' || p[0] >= '0' && p[0] <= '9') {
			return true
		}
	}
	return false
}

// encodeBase64 is OpenAI's base64 encoding: the little-endian float32s.
func encodeBase64(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}
