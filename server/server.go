// Package server is gollama's HTTP server: the OpenAI API
// (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models) and
// llama-server's (/completion, /embedding, /tokenize, /detokenize, /health,
// /props, /slots, /metrics), so OpenAI SDKs, curl, and programs written for
// llama-server work against it. Requests share the model through continuous batching: N slots, each a
// sequence of one model context; every step runs the next token of every
// active slot in one batched forward pass, and new requests join between
// steps. An idle slot keeps its KV cache, so a request whose prompt shares
// a prefix with it (cache_prompt) skips evaluating that prefix.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gollama/gollama"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure a Server. Zero values take the defaults noted.
type Options struct {
	Parallel     int    // slots (default 4)
	CtxSize      int    // context per slot in tokens (default: the model's, at most 4096)
	BatchSize    int    // most tokens per forward pass (default 512)
	QueueSize    int    // requests that may wait for a slot before 429 (default 64)
	KVCacheF32   bool   // float32 KV cache instead of float16
	APIKey       string // if set, required as "Authorization: Bearer KEY"
	SlotSavePath string // directory for /slots save and restore; empty disables them
	MaxBodyBytes int64  // request body limit (default 8 MiB)
	ModelAlias   string // the model id reported by /v1/models (default: file name)
	ModelPath    string // reported by /props
	Logger       *slog.Logger
}

// Limits on Options (far beyond what one machine serves).
const (
	maxParallel   = 1024
	maxQueue      = 1 << 20
	maxCtxPerSlot = 1 << 24
)

// Server serves one model.
type Server struct {
	m        *gollama.Model
	opts     Options
	sched    *scheduler
	metrics  *metrics
	mux      *http.ServeMux
	log      *slog.Logger
	created  int64
	draining atomic.Bool
	embedSem chan struct{} // one embeddings request at a time (embeddings.go)
}

// New starts the slots' scheduler; Close stops it.
func New(m *gollama.Model, opts Options) (*Server, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.CtxSize <= 0 {
		opts.CtxSize = m.ContextLength()
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 512
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 64
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 8 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ModelAlias == "" {
		opts.ModelAlias = m.Name()
		if opts.ModelAlias == "" {
			opts.ModelAlias = "gollama"
		}
	}
	// Each slot and queued request costs memory up front (KV cells, a
	// channel buffer): absurd values are an error, not an out-of-memory crash.
	switch {
	case opts.Parallel > maxParallel:
		return nil, fmt.Errorf("server: %d slots, want at most %d", opts.Parallel, maxParallel)
	case opts.QueueSize > maxQueue:
		return nil, fmt.Errorf("server: queue of %d, want at most %d", opts.QueueSize, maxQueue)
	case opts.CtxSize > maxCtxPerSlot:
		return nil, fmt.Errorf("server: context of %d tokens per slot, want at most %d", opts.CtxSize, maxCtxPerSlot)
	}
	// As llama.cpp: no pass is larger than all the slots' cells (scratch
	// buffers are sized by it).
	opts.BatchSize = min(opts.BatchSize, opts.Parallel*opts.CtxSize)
	s := &Server{m: m, opts: opts, metrics: newMetrics(), log: opts.Logger, created: time.Now().Unix(), embedSem: make(chan struct{}, 1)}
	sched, err := newScheduler(m, opts.Parallel, opts.CtxSize, opts.QueueSize, opts.BatchSize, opts.KVCacheF32, s.metrics)
	if err != nil {
		return nil, err
	}
	s.sched = sched
	s.routes()
	return s, nil
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.middleware(s.mux) }

// BeginShutdown makes new requests fail with 503 while running ones finish.
func (s *Server) BeginShutdown() { s.draining.Store(true) }

// Close stops the scheduler, failing any request still running.
func (s *Server) Close() { s.sched.close() }

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handleChatCompletions)
	mux.HandleFunc("POST /chat/completions", s.handleChatCompletions)
	mux.HandleFunc("POST /v1/completions", s.handleCompletionsOAI)
	mux.HandleFunc("GET /v1/models", s.handleModels)
	mux.HandleFunc("GET /models", s.handleModels)
	mux.HandleFunc("POST /v1/embeddings", s.handleEmbeddings)
	mux.HandleFunc("POST /embeddings", s.handleEmbeddingsLlama)
	mux.HandleFunc("POST /embedding", s.handleEmbeddingsLlama)
	mux.HandleFunc("POST /completion", s.handleCompletion)
	mux.HandleFunc("POST /completions", s.handleCompletion)
	mux.HandleFunc("POST /tokenize", s.handleTokenize)
	mux.HandleFunc("POST /detokenize", s.handleDetokenize)
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("GET /v1/health", s.handleHealth)
	mux.HandleFunc("GET /props", s.handleProps)
	mux.HandleFunc("GET /slots", s.handleSlots)
	mux.HandleFunc("POST /slots/{id}", s.handleSlotAction)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found_error", fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
	s.mux = mux
}

// publicPaths need no API key, as in llama-server.
var publicPaths = map[string]bool{"/health": true, "/v1/health": true, "/models": true, "/v1/models": true}

// requestInfo collects what the access log line reports.
type requestInfo struct {
	promptTokens, completionTokens int
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		ri := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, ri))
		defer func() {
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"ms", time.Since(start).Milliseconds(), "prompt_tokens", ri.promptTokens, "completion_tokens", ri.completionTokens)
		}()
		switch {
		case s.draining.Load():
			writeError(sw, http.StatusServiceUnavailable, "unavailable_error", "server is shutting down")
			return
		case s.opts.APIKey != "" && !publicPaths[r.URL.Path] && !s.authorized(r):
			writeError(sw, http.StatusUnauthorized, "authentication_error", "invalid API key")
			return
		}
		r.Body = http.MaxBytesReader(sw, r.Body, s.opts.MaxBodyBytes)
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		key = r.Header.Get("X-Api-Key")
	}
	return key == s.opts.APIKey
}

// apiError is the OpenAI error shape llama-server also uses.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Type    string `json:"type"`
	// For exceed_context_size_error, as llama-server reports them.
	NPromptTokens int `json:"n_prompt_tokens,omitempty"`
	NCtx          int `json:"n_ctx,omitempty"`
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeAPIError(w, apiError{Code: status, Message: msg, Type: typ})
}

func writeAPIError(w http.ResponseWriter, e apiError) {
	writeJSON(w, e.Code, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v, writing a 400 (or 413) on failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", fmt.Sprintf("request body over %d bytes", tooBig.Limit))
			return false
		}
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid JSON: "+err.Error())
		return false
	}
	return true
}

// sse writes server-sent events.
type sse struct {
	w http.ResponseWriter
}

func startSSE(w http.ResponseWriter) *sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	return &sse{w: w}
}

func (e *sse) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(e.w, "data: %s\n\n", b); err != nil {
		return err
	}
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

func (e *sse) done() {
	fmt.Fprint(e.w, "data: [DONE]\n\n")
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
}

// errContext reports a prompt that cannot fit in a slot.
type errContext struct{ prompt, ctx int }

func (e *errContext) Error() string {
	return fmt.Sprintf("the request exceeds the available context size: the prompt is %d tokens, a slot holds %d", e.prompt, e.ctx)
}

// generate runs one request through a slot, calling onText for each piece
// of text as it is generated; an error from onText (the client went away)
// cancels the request and frees its slot.
func (s *Server) generate(ctx context.Context, prompt []int32, p gollama.Params, cachePrompt bool, slotID int, onText func(string) error) (*result, error) {
	if err := s.checkJob(prompt, slotID); err != nil {
		return nil, err
	}
	if p.RepeatLastN < 0 {
		p.RepeatLastN = s.opts.CtxSize
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	j := &job{ctx: ctx, prompt: prompt, params: p, cachePrompt: cachePrompt, slotID: slotID, out: newOutbox(), queued: time.Now()}
	if err := s.sched.submit(j); err != nil {
		return nil, err
	}
	var buf []event
	for {
		buf = j.out.drain(buf)
		for _, e := range buf {
			if e.done != nil {
				return e.done, e.done.err
			}
			if onText != nil {
				if err := onText(e.text); err != nil {
					cancel() // the scheduler frees the slot at its next step
					onText = nil
				}
			}
		}
	}
}

// errBadRequest is a request the client must change (a 400).
type errBadRequest struct{ msg string }

func (e *errBadRequest) Error() string { return e.msg }

// checkJob refuses what no slot could run. Handlers call it before they
// start a stream, so such a request is a 4xx and never a 200 stream that
// carries an error.
func (s *Server) checkJob(prompt []int32, slotID int) error {
	if len(prompt) == 0 {
		return &errBadRequest{"empty prompt"}
	}
	if len(prompt) >= s.opts.CtxSize {
		return &errContext{prompt: len(prompt), ctx: s.opts.CtxSize}
	}
	if slotID >= s.opts.Parallel {
		return &errBadRequest{fmt.Sprintf("id_slot %d: the server has %d slots", slotID, s.opts.Parallel)}
	}
	return nil
}

// writeGenError maps a generation error to its HTTP status.
func writeGenError(w http.ResponseWriter, err error) {
	var ec *errContext
	var bad *errBadRequest
	switch {
	case errors.As(err, &ec):
		writeAPIError(w, apiError{Code: http.StatusBadRequest, Type: "exceed_context_size_error", Message: ec.Error(), NPromptTokens: ec.prompt, NCtx: ec.ctx})
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
	case errors.Is(err, errQueueFull):
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", err.Error())
	case errors.Is(err, errShuttingDown):
		writeError(w, http.StatusServiceUnavailable, "unavailable_error", err.Error())
	case errors.Is(err, context.Canceled):
		writeError(w, 499, "cancelled", "request cancelled")
	default:
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
	}
}
