package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gollama/gollama"
)

type completionRequest struct {
	Prompt       json.RawMessage `json:"prompt"`
	Stream       bool            `json:"stream"`
	ReturnTokens bool            `json:"return_tokens"`
	samplingFields
}

// timings is llama-server's timings object.
func timings(res *result) map[string]any {
	pms := float64(res.promptDur.Microseconds()) / 1e3
	gms := float64(res.predictDur.Microseconds()) / 1e3
	per := func(ms float64, n int) (perTok, perSec float64) {
		if n > 0 && ms > 0 {
			return ms / float64(n), float64(n) / ms * 1e3
		}
		return 0, 0
	}
	ppt, pps := per(pms, res.promptN)
	gpt, gps := per(gms, len(res.tokens))
	return map[string]any{
		"prompt_n": res.promptN, "prompt_ms": pms, "prompt_per_token_ms": ppt, "prompt_per_second": pps,
		"predicted_n": len(res.tokens), "predicted_ms": gms, "predicted_per_token_ms": gpt, "predicted_per_second": gps,
	}
}

// stopType is llama-server's stop_type.
func stopType(reason string) string {
	switch reason {
	case gollama.StopEOS:
		return "eos"
	case gollama.StopString:
		return "word"
	case gollama.StopLength, gollama.StopContext:
		return "limit"
	}
	return "none"
}

func (s *Server) handleCompletion(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if !decode(w, r, &req) {
		return
	}
	prompt, err := s.promptTokens(req.Prompt)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "prompt: "+err.Error())
		return
	}
	p, err := req.params(s.m.Internal().Vocab, -1)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	slotID := -1
	if req.IDSlot != nil {
		slotID = *req.IDSlot
	}
	cache := req.CachePrompt == nil || *req.CachePrompt
	info := infoFrom(r.Context())
	info.promptTokens = len(prompt)
	if err := s.checkJob(prompt, slotID); err != nil {
		writeGenError(w, err)
		return
	}
	var out *sse
	var onText func(string) error
	if req.Stream {
		out = startSSE(w)
		onText = func(t string) error { return out.send(map[string]any{"content": t, "stop": false}) }
	}
	res, err := s.generate(r.Context(), prompt, p, cache, slotID, onText)
	if err != nil {
		if req.Stream {
			out.send(map[string]any{"error": map[string]any{"code": 500, "message": err.Error(), "type": "server_error"}})
			return
		}
		writeGenError(w, err)
		return
	}
	info.completionTokens = len(res.tokens)
	final := map[string]any{
		"content": res.text, "id_slot": res.slot, "stop": true, "model": s.opts.ModelAlias,
		"tokens_predicted": len(res.tokens), "tokens_evaluated": res.promptTotal, "tokens_cached": res.cachedN + res.promptN + len(res.tokens),
		"stop_type": stopType(res.stopReason), "stopped_eos": res.stopReason == gollama.StopEOS,
		"stopped_word": res.stopReason == gollama.StopString, "stopped_limit": stopType(res.stopReason) == "limit",
		"stopping_word": res.stopWord, "truncated": false, "timings": timings(res),
		"generation_settings": s.settings(p),
	}
	if req.ReturnTokens {
		final["tokens"] = res.tokens
	}
	if req.Stream {
		final["content"] = ""
		out.send(final)
		return
	}
	writeJSON(w, http.StatusOK, final)
}

// settings reports generation parameters as llama-server names them.
func (s *Server) settings(p gollama.Params) map[string]any {
	return map[string]any{
		"n_ctx": s.opts.CtxSize, "n_predict": p.MaxTokens, "temperature": p.Temperature, "top_k": p.TopK, "top_p": p.TopP,
		"min_p": p.MinP, "typical_p": p.TypicalP, "repeat_last_n": p.RepeatLastN, "repeat_penalty": p.RepeatPenalty,
		"presence_penalty": p.PresencePenalty, "frequency_penalty": p.FrequencyPenalty, "mirostat": p.Mirostat,
		"mirostat_tau": p.MirostatTau, "mirostat_eta": p.MirostatEta, "seed": p.Seed, "stop": p.Stop, "ignore_eos": p.IgnoreEOS,
	}
}

func (s *Server) handleTokenize(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Content      string `json:"content"`
		AddSpecial   bool   `json:"add_special"`
		ParseSpecial *bool  `json:"parse_special"`
		WithPieces   bool   `json:"with_pieces"`
	}
	if !decode(w, r, &req) {
		return
	}
	parse := req.ParseSpecial == nil || *req.ParseSpecial
	toks, err := s.m.Tokenize(req.Content, req.AddSpecial, parse)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	if !req.WithPieces {
		writeJSON(w, http.StatusOK, map[string]any{"tokens": toks})
		return
	}
	type piece struct {
		ID    int32 `json:"id"`
		Piece any   `json:"piece"` // a string, or its bytes when not valid UTF-8
	}
	out := make([]piece, len(toks))
	for i, t := range toks {
		p := s.m.Tokenizer().Piece(t, true)
		if utf8.ValidString(p) {
			out[i] = piece{t, p}
		} else {
			b := make([]int, len(p))
			for k := range p {
				b[k] = int(p[k])
			}
			out[i] = piece{t, b}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (s *Server) handleDetokenize(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Tokens []int32 `json:"tokens"`
	}
	if !decode(w, r, &req) {
		return
	}
	vocab := s.m.Internal().Vocab
	var b []byte
	for i, t := range req.Tokens {
		if t < 0 || int(t) >= vocab {
			writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("tokens[%d] = %d: not in [0, %d)", i, t, vocab))
			return
		}
		b = append(b, s.m.Tokenizer().Piece(t, true)...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"content": string(b)})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) handleProps(w http.ResponseWriter, r *http.Request) {
	tok := s.m.Tokenizer()
	piece := func(id int32) string {
		if id < 0 {
			return ""
		}
		return tok.Piece(id, true)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"default_generation_settings": map[string]any{"n_ctx": s.opts.CtxSize, "params": s.settings(gollama.DefaultParams())},
		"total_slots":                 s.opts.Parallel, "model_path": s.opts.ModelPath, "model_alias": s.opts.ModelAlias,
		"chat_template": s.m.ChatTemplate(), "bos_token": piece(tok.BOS()), "eos_token": piece(tok.EOS()),
		"build_info": "gollama",
	})
}

func (s *Server) handleSlots(w http.ResponseWriter, r *http.Request) {
	s.sched.mu.Lock()
	out := make([]map[string]any, len(s.sched.slots))
	for i, sl := range s.sched.slots {
		out[i] = map[string]any{"id": sl.id, "id_task": sl.taskID, "n_ctx": s.opts.CtxSize, "is_processing": sl.job != nil}
	}
	s.sched.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleSlotAction(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 0 || id >= s.opts.Parallel {
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("slot %q: want an id in [0, %d)", r.PathValue("id"), s.opts.Parallel))
		return
	}
	switch action := r.URL.Query().Get("action"); action {
	case "erase":
		var n int
		var busy bool
		if err := s.sched.do(func() {
			sl := s.sched.slots[id]
			if busy = sl.active(); !busy {
				n = len(sl.tokens())
				sl.conv.Session().Reset()
				s.sched.updateCacheMetrics()
			}
		}); err != nil {
			writeGenError(w, err)
			return
		}
		if busy {
			writeError(w, http.StatusConflict, "invalid_request_error", fmt.Sprintf("slot %d is processing a request", id))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id_slot": id, "n_erased": n})
	case "save", "restore":
		s.slotFile(w, r, id, action)
	default:
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("action %q: want save, restore or erase", action))
	}
}
