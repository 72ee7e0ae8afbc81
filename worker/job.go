package worker

import (
	"context"
	"encoding/json"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

type jobKey struct{}

// JobID is the id of the job a hook's context belongs to.
func JobID(ctx context.Context) string {
	id, _ := ctx.Value(jobKey{}).(string)
	return id
}

// startJob takes a slot for a predict request and runs it in a goroutine,
// or answers at once when the worker cannot take it.
func (w *Worker) startJob(msg *nats.Msg, req *protocol.WorkerRequest) {
	fail := func(e *protocol.Error) { w.reply(msg.Reply, &protocol.WorkerResponse{Job: req.Job, Error: e}) }
	w.mu.Lock()
	switch {
	case w.draining:
		w.mu.Unlock()
		fail(protocol.Errorf(protocol.CodeShutdown, "the worker is shutting down"))
		return
	case w.jobs[req.Job] != nil:
		w.mu.Unlock()
		fail(protocol.Errorf(protocol.CodeInvalid, "job %q is already running on this worker", req.Job))
		return
	}
	var sl *slot
	select {
	case sl = <-w.slots:
	default:
		w.mu.Unlock()
		fail(protocol.Errorf(protocol.CodeBusy, "all %d sessions are busy", w.cfg.Parallel))
		return
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), jobKey{}, req.Job))
	j := &job{id: req.Job, cancel: cancel, done: make(chan struct{})}
	w.jobs[j.id] = j
	w.active++
	w.mu.Unlock()

	go func() {
		resp := w.runJob(ctx, j, sl, req)
		cancel()
		w.served.Add(1)
		// Free the session before replying, so the client's next request
		// does not find this worker busy.
		w.mu.Lock()
		delete(w.jobs, j.id)
		w.mu.Unlock()
		w.slots <- sl
		w.reply(msg.Reply, resp)
		close(j.done) // after the reply: an interrupt is confirmed after the job's own answer
		w.done()
	}()
}

// runJob runs one prediction and returns its reply. Panics become code 0
// errors (and the session is discarded) so one bad request cannot take the
// worker down.
func (w *Worker) runJob(ctx context.Context, j *job, sl *slot, wreq *protocol.WorkerRequest) (resp *protocol.WorkerResponse) {
	resp = &protocol.WorkerResponse{Job: j.id}
	stage := "hook"
	defer func() {
		if r := recover(); r != nil {
			w.cfg.Logf("worker: job %s: panic in %s: %v\n%s", j.id, stage, r, debug.Stack())
			code := protocol.CodeUnknown
			if stage == "hook" {
				code = protocol.CodeHookFailed
			}
			resp = &protocol.WorkerResponse{Job: j.id, Error: protocol.Errorf(code, "internal error in %s: %v", stage, r)}
			if sl.s != nil {
				sl.s.Close()
				sl.s = nil
			}
		}
	}()
	fail := func(e *protocol.Error) *protocol.WorkerResponse {
		resp.Error = e
		return resp
	}

	// Interrupts for this job reach this worker on the job's subject.
	jsub, err := w.nc.Subscribe(protocol.JobSubject(w.cfg.Subject, j.id), func(m *nats.Msg) {
		var ir protocol.WorkerRequest
		_ = json.Unmarshal(m.Data, &ir) // only for the requester's job id
		go func() { w.reply(m.Reply, w.stopJob(j, ir.Job)) }()
	})
	if err != nil {
		return fail(protocol.Errorf(protocol.CodeUnknown, "subscribing for interrupts: %v", err))
	}
	defer jsub.Unsubscribe()
	// Make sure the server knows the job subject before the client hears
	// the job started, so an interrupt sent then finds it.
	_ = w.nc.FlushTimeout(time.Second)

	req := wreq.Predict
	stream := newStreamer(w, j.id, req.Stream)
	defer stream.stop()
	stream.send("") // accepted: the first heartbeat

	for _, hook := range w.cfg.Hooks {
		if err := hook(ctx, req); err != nil {
			if pe, ok := errors.AsType[*protocol.Error](err); ok {
				return fail(pe)
			}
			if e := j.stopError(); e != nil && ctx.Err() != nil {
				return fail(e) // the hook gave up because the job was stopped
			}
			return fail(protocol.Errorf(protocol.CodeHookFailed, "%v", err))
		}
	}
	if e := j.stopError(); e != nil && ctx.Err() != nil {
		// Stopped while the hooks ran (and they did not notice): a job
		// left behind by Shutdown must not touch a model that may be
		// closed by now.
		return fail(e)
	}
	stage = "validation"
	if req.Model != "" && req.Model != w.cfg.Model {
		return fail(protocol.Errorf(protocol.CodeBadModel, "this worker serves %q, not %q", w.cfg.Model, req.Model))
	}
	if req.Stream != stream.subject {
		stream.stop()
		stream = newStreamer(w, j.id, req.Stream) // a hook changed it
	}
	if req.Stream != "" && !validSubject(req.Stream) {
		return fail(protocol.Errorf(protocol.CodeInvalid, "stream: %q is not a valid subject to publish to", req.Stream))
	}
	params, err := w.params(req.Options)
	if err != nil {
		return fail(protocol.Errorf(protocol.CodeInvalid, "%v", err))
	}
	if req.System == "" && len(req.Input) == 0 {
		return fail(protocol.Errorf(protocol.CodeInvalid, "nothing to predict from: system and input are both empty"))
	}
	ctxLen := w.m.ContextLength()
	toks, dropped, err := fitPrompt(func(s string) ([]int32, error) { return w.m.Tokenize(s, true, false) },
		req.System, req.Input, reserve(params.MaxTokens, ctxLen), ctxLen)
	if err != nil {
		return fail(protocol.Errorf(protocol.CodeInvalid, "%v", err))
	}

	stage = "prediction"
	if sl.s == nil {
		if sl.s, err = w.m.NewSession(); err != nil {
			return fail(protocol.Errorf(protocol.CodeFailed, "opening a session: %v", err))
		}
	}
	sl.s.Reset()
	res, err := sl.s.GenerateTokens(ctx, toks, params, func(t gollama.Token) error {
		if t.Text != "" {
			stream.send(t.Text)
		}
		return nil
	})
	stream.stop() // every chunk goes out before the final reply
	if res != nil {
		resp.Predict = &protocol.PredictResponse{Output: res.Text, StopType: res.StopReason,
			TokensEvaluated: res.Metrics.PromptTokens, TokensPredicted: res.Metrics.GeneratedTokens, InputDropped: dropped}
	}
	switch {
	case err == nil:
	case errors.Is(err, gollama.ErrContextFull) && params.MaxTokens < 0 && res != nil:
		// Generating "until the end" ended at the context's end.
	case j.stopError() != nil && ctx.Err() != nil:
		resp.Error = j.stopError()
	default:
		resp.Error = protocol.Errorf(protocol.CodeFailed, "%v", err)
	}
	return resp
}

// validSubject reports whether s can be published to: non-empty tokens
// separated by '.', no whitespace, no wildcards.
func validSubject(s string) bool {
	if s == "" || len(s) > 1024 {
		return false
	}
	tokenLen := 0
	for _, r := range s {
		switch {
		case r == '.':
			if tokenLen == 0 {
				return false
			}
			tokenLen = 0
			continue
		case r <= ' ' || r == 0x7f || r == '*' || r == '>':
			return false
		}
		tokenLen++
	}
	return tokenLen > 0
}

// streamer publishes a job's chunks, and a heartbeat (an empty chunk)
// whenever no chunk went out for a Heartbeat interval.
type streamer struct {
	w        *Worker
	job      string
	subject  string
	last     atomic.Int64 // unix nanoseconds of the last chunk
	quit     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

func newStreamer(w *Worker, job, subject string) *streamer {
	s := &streamer{w: w, job: job, subject: subject, quit: make(chan struct{})}
	if subject == "" || !validSubject(subject) {
		s.subject = ""
		return s
	}
	s.wg.Go(func() {
		t := time.NewTicker(w.cfg.Heartbeat / 2)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case now := <-t.C:
				if now.UnixNano()-s.last.Load() >= int64(w.cfg.Heartbeat) {
					s.send("")
				}
			}
		}
	})
	return s
}

func (s *streamer) send(text string) {
	if s.subject == "" {
		return
	}
	s.last.Store(time.Now().UnixNano())
	data, _ := json.Marshal(&protocol.WorkerResponse{Job: s.job, Stream: &protocol.StreamResponse{Output: text}}) // strings always encode
	if err := s.w.nc.Publish(s.subject, data); err != nil {
		s.w.cfg.Logf("worker: job %s: streaming to %s: %v", s.job, s.subject, err)
	}
}

// stop ends the heartbeats; it returns when none can be sent any more.
func (s *streamer) stop() {
	s.stopOnce.Do(func() { close(s.quit) })
	s.wg.Wait()
}

// stopError is the error for a job stopped from outside, or nil.
func (j *job) stopError() *protocol.Error {
	switch {
	case j.shutdown.Load():
		return protocol.Errorf(protocol.CodeShutdown, "the worker shut down before the job finished")
	case j.interrupted.Load():
		return protocol.Errorf(protocol.CodeInterrupted, "job %q was interrupted", j.id)
	}
	return nil
}
