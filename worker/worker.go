// Package worker serves a model over NATS with the worker protocol (package
// worker/protocol): workers subscribe to one subject in a queue group, so
// any number of them share the requests, and answer list, predict
// (optionally streamed) and interrupt commands. See README.md.
package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

// Hook sees every predict request before it is validated and run. It may
// rewrite the request (render a chat template, add a system prompt, clamp
// options) or veto it by returning an error: the reply is that error if it
// is a *protocol.Error, else code 9 (hook failed) with its message.
// JobID(ctx) is the job's id; ctx is cancelled if the job is interrupted.
type Hook func(ctx context.Context, req *protocol.PredictRequest) error

// Config configures a Worker. The zero value serves on the default subject
// and queue, one job at a time.
type Config struct {
	Subject string // default protocol.DefaultSubject
	Queue   string // default protocol.DefaultQueue
	// Parallel is the number of jobs run at once, each in its own session
	// (KV cache) and goroutine (default 1). A predict arriving when all
	// are busy is answered with code 6; the Go client retries it, and the
	// queue group usually hands the retry to another worker.
	Parallel int
	// Model is the name list reports and predict's "model" must match
	// (default: the file's general.name, else "gollama").
	Model string
	// Defaults are the sampling parameters options override (default
	// gollama.DefaultParams()).
	Defaults *gollama.Params
	// Hooks run in order on each predict request.
	Hooks []Hook
	// Heartbeat is how often a streamed job with no new token sends an
	// empty chunk, so clients can tell a slow job from a dead worker
	// (default 2s).
	Heartbeat time.Duration
	// InterruptTimeout bounds the wait for an interrupted job to stop
	// (default 30s).
	InterruptTimeout time.Duration
	// Logf, if set, receives one line per notable event.
	Logf func(format string, args ...any)
}

// Worker serves one model on a NATS connection.
type Worker struct {
	nc       *nats.Conn
	m        *gollama.Model
	cfg      Config
	defaults gollama.Params
	specs    map[string]*optionSpec
	vocab    int

	slots chan *slot
	sub   *nats.Subscription

	mu       sync.Mutex
	jobs     map[string]*job
	draining bool
	active   int           // running jobs and interrupt forwarders
	idleCh   chan struct{} // closed when active drops to 0

	served atomic.Int64
}

// slot is one session; a job holds a slot while it runs.
type slot struct{ s *gollama.Session }

// job is a running prediction.
type job struct {
	id          string
	cancel      context.CancelFunc
	done        chan struct{}
	interrupted atomic.Bool
	shutdown    atomic.Bool
}

// Start subscribes a worker for m on nc. The caller keeps ownership of nc
// and m; stop the worker with Shutdown before closing them.
func Start(nc *nats.Conn, m *gollama.Model, cfg Config) (*Worker, error) {
	w, err := newWorker(m, cfg)
	if err != nil {
		return nil, err
	}
	w.nc = nc
	cfg = w.cfg
	sub, err := nc.QueueSubscribe(cfg.Subject, cfg.Queue, w.handle)
	if err != nil {
		return nil, fmt.Errorf("worker: subscribing to %s: %w", cfg.Subject, err)
	}
	// Unbounded pending: messages beyond Parallel are answered "busy"
	// at once, never dropped by a slow-consumer limit.
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		sub.Unsubscribe()
		return nil, err
	}
	if err := nc.Flush(); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("worker: subscribing to %s: %w", cfg.Subject, err)
	}
	w.sub = sub
	cfg.Logf("worker: serving %s on %s (queue %s, %d parallel)", cfg.Model, cfg.Subject, cfg.Queue, cfg.Parallel)
	return w, nil
}

// newWorker checks cfg and fills in its defaults; Start connects it.
func newWorker(m *gollama.Model, cfg Config) (*Worker, error) {
	if cfg.Subject == "" {
		cfg.Subject = protocol.DefaultSubject
	}
	if !validSubject(cfg.Subject) {
		return nil, fmt.Errorf("worker: %q is not a valid subject to subscribe to", cfg.Subject)
	}
	if cfg.Queue == "" {
		cfg.Queue = protocol.DefaultQueue
	}
	if strings.ContainsFunc(cfg.Queue, func(r rune) bool { return r <= ' ' }) {
		return nil, fmt.Errorf("worker: queue group %q contains whitespace", cfg.Queue)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 1
	}
	if cfg.Model == "" {
		cfg.Model = m.Name()
	}
	if cfg.Model == "" {
		cfg.Model = "gollama"
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 2 * time.Second
	}
	if cfg.InterruptTimeout <= 0 {
		cfg.InterruptTimeout = 30 * time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	w := &Worker{m: m, cfg: cfg, defaults: gollama.DefaultParams(),
		specs: map[string]*optionSpec{}, vocab: m.Internal().Vocab,
		slots: make(chan *slot, cfg.Parallel), jobs: map[string]*job{}}
	if cfg.Defaults != nil {
		w.defaults = *cfg.Defaults
	}
	if ctxLen := m.ContextLength(); w.defaults.MaxTokens >= ctxLen {
		// A default the context cannot hold would fail every request
		// that does not set n_predict.
		w.defaults.MaxTokens = max(ctxLen/4, 1)
	}
	for i := range optionSpecs {
		w.specs[optionSpecs[i].name] = &optionSpecs[i]
	}
	if _, err := w.params(nil); err != nil {
		return nil, fmt.Errorf("worker: default parameters: %w", err)
	}
	for range cfg.Parallel {
		w.slots <- &slot{}
	}
	return w, nil
}

// Served is the number of predictions this worker has finished (in any
// way) since it started.
func (w *Worker) Served() int64 { return w.served.Load() }

// Running is the number of jobs running now.
func (w *Worker) Running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.jobs)
}

// Shutdown drains the worker: new predictions are answered with code 5
// (the Go client retries them elsewhere), running jobs finish, then the
// worker unsubscribes and frees its sessions. If ctx ends first, running
// jobs are cancelled and answered with code 5; if one still has not
// stopped InterruptTimeout later (a hook ignoring its context), Shutdown
// says so and returns anyway: then do not close the model. The connection
// stays open.
func (w *Worker) Shutdown(ctx context.Context) error {
	w.mu.Lock()
	already := w.draining
	w.draining = true
	w.mu.Unlock()
	if already {
		return errors.New("worker: already shut down")
	}
	w.cfg.Logf("worker: draining")
	var err error
	select {
	case <-w.idle():
	case <-ctx.Done():
		err = ctx.Err()
		w.mu.Lock()
		for _, j := range w.jobs {
			j.shutdown.Store(true)
			j.cancel()
		}
		w.mu.Unlock()
		// Cancelled jobs stop within a token or a batch; a hook that
		// ignores its context is left behind.
		select {
		case <-w.idle():
		case <-time.After(w.cfg.InterruptTimeout):
			err = fmt.Errorf("worker: %d jobs did not stop within %s of being cancelled: %w", w.Running(), w.cfg.InterruptTimeout, err)
		}
	}
	// Drain rather than unsubscribe: requests already on their way to
	// this worker still get their code 5 instead of vanishing.
	closed := w.sub.StatusChanged(nats.SubscriptionClosed)
	if derr := w.sub.Drain(); derr == nil {
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			w.cfg.Logf("worker: the subscription did not drain within 5s")
		}
	} else if !errors.Is(derr, nats.ErrConnectionClosed) && !errors.Is(derr, nats.ErrBadSubscription) {
		err = errors.Join(err, derr)
	}
	select { // answers to what the drain delivered
	case <-w.idle():
	case <-time.After(w.cfg.InterruptTimeout):
	}
	for closing := true; closing; {
		select {
		case sl := <-w.slots:
			if sl.s != nil {
				sl.s.Close()
				sl.s = nil
			}
		default:
			closing = false // a slot still out belongs to a job left behind
		}
	}
	w.cfg.Logf("worker: stopped")
	return err
}

// handle is the subscription callback. NATS calls it for one message at a
// time, so it only decodes and dispatches: jobs run in goroutines.
func (w *Worker) handle(msg *nats.Msg) {
	req, perr := decodeRequest(msg.Data)
	if perr != nil {
		w.reply(msg.Reply, &protocol.WorkerResponse{Job: req.Job, Error: perr})
		return
	}
	switch {
	case req.List != nil:
		w.reply(msg.Reply, &protocol.WorkerResponse{Job: req.Job,
			List: &protocol.ListResponse{Models: []protocol.ModelInfo{{Model: w.cfg.Model, Options: w.optionList()}}}})
	case req.Interrupt != nil:
		w.forwardInterrupt(msg, req)
	case req.Predict != nil:
		w.startJob(msg, req)
	}
}

// decodeRequest parses a request and checks it names exactly one command.
// On error the returned request still carries the job id, if readable.
func decodeRequest(data []byte) (*protocol.WorkerRequest, *protocol.Error) {
	req := &protocol.WorkerRequest{}
	if !json.Valid(data) {
		return req, protocol.Errorf(protocol.CodeIllegible, "the request is not JSON")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return req, protocol.Errorf(protocol.CodeInvalid, "the request is not a JSON object")
	}
	if raw, ok := fields["job"]; ok {
		if err := json.Unmarshal(raw, &req.Job); err != nil {
			return req, protocol.Errorf(protocol.CodeInvalid, "job: want a string, got %s", raw)
		}
	}
	for name := range fields {
		switch name {
		case "job", "list", "predict", "interrupt":
		default:
			return req, protocol.Errorf(protocol.CodeUnsupported, "unsupported command %q (want list, predict or interrupt)", name)
		}
	}
	n := 0
	for _, cmd := range []struct {
		name   string
		decode func(json.RawMessage) error
	}{
		{"list", func(raw json.RawMessage) error { return decodeCommand(raw, &req.List) }},
		{"predict", func(raw json.RawMessage) error { return decodeCommand(raw, &req.Predict) }},
		{"interrupt", func(raw json.RawMessage) error { return decodeCommand(raw, &req.Interrupt) }},
	} {
		raw, ok := fields[cmd.name]
		if !ok || string(raw) == "null" {
			continue
		}
		if err := cmd.decode(raw); err != nil {
			return req, protocol.Errorf(protocol.CodeInvalid, "%s: %v", cmd.name, err)
		}
		n++
	}
	switch {
	case n == 0:
		return req, protocol.Errorf(protocol.CodeUnsupported, "no command: set one of list, predict, interrupt")
	case n > 1:
		return req, protocol.Errorf(protocol.CodeInvalid, "%d commands in one request: set exactly one of list, predict, interrupt", n)
	}
	if err := protocol.ValidJob(req.Job); err != nil {
		return req, protocol.Errorf(protocol.CodeInvalid, "%v", err)
	}
	return req, nil
}

// decodeCommand decodes one command object, rejecting unknown fields.
func decodeCommand[T any](raw json.RawMessage, dst **T) error {
	if string(raw) == "null" {
		return nil
	}
	var v T
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&v); err != nil {
		return err
	}
	*dst = &v
	return nil
}

// reply publishes a response; a request without a reply subject (plain
// publish) gets none.
func (w *Worker) reply(subject string, resp *protocol.WorkerResponse) {
	if subject == "" {
		return
	}
	data, err := json.Marshal(resp)
	if err != nil {
		data, _ = json.Marshal(&protocol.WorkerResponse{Job: resp.Job, Error: protocol.Errorf(protocol.CodeUnknown, "encoding the reply: %v", err)})
	}
	if err := w.nc.Publish(subject, data); err != nil {
		w.cfg.Logf("worker: job %s: replying on %s: %v", resp.Job, subject, err)
	}
}

// forwardInterrupt routes an interrupt to the worker running the job: that
// worker listens on the job's subject outside the queue group, and NATS
// says "no responders" when nobody does.
func (w *Worker) forwardInterrupt(msg *nats.Msg, req *protocol.WorkerRequest) {
	target := req.Interrupt.Job
	if err := protocol.ValidJob(target); err != nil {
		w.reply(msg.Reply, &protocol.WorkerResponse{Job: req.Job, Error: protocol.Errorf(protocol.CodeInvalid, "interrupt: %v", err)})
		return
	}
	w.mu.Lock()
	local := w.jobs[target]
	w.active++
	w.mu.Unlock()
	go func() {
		defer w.done()
		if local != nil {
			w.reply(msg.Reply, w.stopJob(local, req.Job))
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.InterruptTimeout)
		defer cancel()
		resp, err := w.nc.RequestWithContext(ctx, protocol.JobSubject(w.cfg.Subject, target), msg.Data)
		switch {
		case errors.Is(err, nats.ErrNoResponders):
			w.reply(msg.Reply, &protocol.WorkerResponse{Job: req.Job, Error: protocol.Errorf(protocol.CodeNotFound, "no worker is running job %q", target)})
		case err != nil:
			w.reply(msg.Reply, &protocol.WorkerResponse{Job: req.Job, Error: protocol.Errorf(protocol.CodeUnknown, "interrupting job %q: %v", target, err)})
		case msg.Reply != "":
			if err := w.nc.Publish(msg.Reply, resp.Data); err != nil {
				w.cfg.Logf("worker: job %s: replying: %v", req.Job, err)
			}
		}
	}()
}

// stopJob interrupts a local job and waits for it to stop.
func (w *Worker) stopJob(j *job, requester string) *protocol.WorkerResponse {
	j.interrupted.Store(true)
	j.cancel()
	select {
	case <-j.done:
		return &protocol.WorkerResponse{Job: requester, Interrupt: &protocol.InterruptResponse{}}
	case <-time.After(w.cfg.InterruptTimeout):
		return &protocol.WorkerResponse{Job: requester, Error: protocol.Errorf(protocol.CodeUnknown, "job %q did not stop within %s", j.id, w.cfg.InterruptTimeout)}
	}
}

// done marks the end of a job or forwarder (counted in active, under mu).
func (w *Worker) done() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active--; w.active == 0 && w.idleCh != nil {
		close(w.idleCh)
		w.idleCh = nil
	}
}

// idle returns a channel closed once no job or forwarder is active.
func (w *Worker) idle() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if w.idleCh == nil {
		w.idleCh = make(chan struct{})
	}
	return w.idleCh
}
