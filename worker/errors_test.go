package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollama/gollama/worker"
	"github.com/gollama/gollama/worker/client"
	"github.com/gollama/gollama/worker/natstest"
	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

// TestErrorCodes provokes each error a single request can cause.
func TestErrorCodes(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 64)
	startWorker(t, srv, m, worker.Config{Model: "stories"})
	nc := srv.Connect(t)
	banAll := make([]string, m.Internal().Vocab)
	for i := range banAll {
		banAll[i] = fmt.Sprintf("[%d,false]", i)
	}
	for _, tc := range []struct {
		name, body string
		code       protocol.Code
		job        string // the job the error reply must echo
		says       string // part of the message
	}{
		{"not JSON", `{"job":"1",`, protocol.CodeIllegible, "", "not JSON"},
		{"not an object", `["list"]`, protocol.CodeInvalid, "", "object"},
		{"job missing", `{"list":{}}`, protocol.CodeInvalid, "", "empty"},
		{"job not a string", `{"job":5,"list":{}}`, protocol.CodeInvalid, "", "job"},
		{"job with a dot", `{"job":"a.b","list":{}}`, protocol.CodeInvalid, "a.b", "'.'"},
		{"no command", `{"job":"1"}`, protocol.CodeUnsupported, "1", "no command"},
		{"unknown command", `{"job":"1","embed":{}}`, protocol.CodeUnsupported, "1", "embed"},
		{"two commands", `{"job":"1","list":{},"predict":{"input":["x"]}}`, protocol.CodeInvalid, "1", "2 commands"},
		{"unknown predict field", `{"job":"1","predict":{"inputs":["x"]}}`, protocol.CodeInvalid, "1", "inputs"},
		{"input not a list", `{"job":"1","predict":{"input":"x"}}`, protocol.CodeInvalid, "1", "predict"},
		{"empty prompt", `{"job":"1","predict":{"input":[]}}`, protocol.CodeInvalid, "1", "nothing to predict"},
		{"unknown option", `{"job":"1","predict":{"input":["x"],"options":{"temprature":0}}}`, protocol.CodeInvalid, "1", "temprature"},
		{"option of the wrong type", `{"job":"1","predict":{"input":["x"],"options":{"top_k":"40"}}}`, protocol.CodeInvalid, "1", "top_k"},
		{"fractional integer", `{"job":"1","predict":{"input":["x"],"options":{"n_predict":1.5}}}`, protocol.CodeInvalid, "1", "n_predict"},
		{"option out of range", `{"job":"1","predict":{"input":["x"],"options":{"top_p":1.5}}}`, protocol.CodeInvalid, "1", "TopP"},
		{"n_predict beyond the context", `{"job":"1","predict":{"input":["x"],"options":{"n_predict":64}}}`, protocol.CodeInvalid, "1", "n_predict"},
		{"bad stop", `{"job":"1","predict":{"input":["x"],"options":{"stop":[1]}}}`, protocol.CodeInvalid, "1", "stop"},
		{"bad logit bias token", `{"job":"1","predict":{"input":["x"],"options":{"logit_bias":[[100000,1]]}}}`, protocol.CodeInvalid, "1", "logit_bias"},
		{"bad stream subject", `{"job":"1","predict":{"input":["x"],"stream":"a..b"}}`, protocol.CodeInvalid, "1", "stream"},
		{"system too long", `{"job":"1","predict":{"system":"` + strings.Repeat("The dog ran. ", 40) + `","input":["x"],"options":{"n_predict":8}}}`, protocol.CodeInvalid, "1", "context"},
		{"interrupt a job nobody runs", `{"job":"2","interrupt":{"job":"nope"}}`, protocol.CodeNotFound, "2", "nope"},
		{"interrupt an invalid id", `{"job":"2","interrupt":{"job":"a b"}}`, protocol.CodeInvalid, "2", "whitespace"},
		{"prediction failed", `{"job":"3","predict":{"input":["x"],"options":{"logit_bias":[` + strings.Join(banAll, ",") + `]}}}`, protocol.CodeFailed, "3", "no token"},
		{"another model", `{"job":"4","predict":{"model":"llama-70b","input":["x"]}}`, protocol.CodeBadModel, "4", "llama-70b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawRequest(t, nc, protocol.DefaultSubject, tc.body)
			if resp.Error == nil {
				t.Fatalf("no error: %+v", resp)
			}
			if resp.Error.Code != tc.code || !strings.Contains(resp.Error.Message, tc.says) || resp.Job != tc.job {
				t.Errorf("job %q error %d %q, want job %q code %d (%s) mentioning %q",
					resp.Job, resp.Error.Code, resp.Error.Message, tc.job, tc.code, tc.code, tc.says)
			}
		})
	}
}

func TestBusyAndInterrupt(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 256)
	g := newGate()
	w, _ := startWorker(t, srv, m, worker.Config{Parallel: 1, Hooks: []worker.Hook{g.hook}})
	nc := srv.Connect(t)
	c := newClient(t, srv)

	// Predict and interrupt replies on one subscription, to see their order.
	sub, err := nc.SubscribeSync("replies.*")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.PublishRequest(protocol.DefaultSubject, "replies.predict", []byte(`{"job":"long","predict":{"input":["Once"]}}`)); err != nil {
		t.Fatal(err)
	}
	if id := g.waitEntered(t); id != "long" {
		t.Fatalf("the hook saw job %q", id)
	}
	// The only session is taken: a second job is refused at once.
	resp := rawRequest(t, nc, protocol.DefaultSubject, `{"job":"second","predict":{"input":["x"]}}`)
	if resp.Error == nil || resp.Error.Code != protocol.CodeBusy {
		t.Fatalf("second job: %+v, want code 6 busy", resp)
	}
	// The same id twice on one worker is refused too.
	resp = rawRequest(t, nc, protocol.DefaultSubject, `{"job":"long","predict":{"input":["x"]}}`)
	if resp.Error == nil || resp.Error.Code != protocol.CodeInvalid {
		t.Fatalf("duplicate job: %+v, want code 2", resp)
	}
	// Interrupt: the predict answers "interrupted", then the interrupt is confirmed.
	if err := nc.PublishRequest(protocol.DefaultSubject, "replies.interrupt", []byte(`{"job":"stop-it","interrupt":{"job":"long"}}`)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"replies.predict", "replies.interrupt"} {
		msg, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		var r protocol.WorkerResponse
		if err := json.Unmarshal(msg.Data, &r); err != nil {
			t.Fatal(err)
		}
		switch {
		case msg.Subject != want:
			t.Errorf("reply %d on %s, want %s first: %s", i, msg.Subject, want, msg.Data)
		case want == "replies.predict" && (r.Job != "long" || r.Error == nil || r.Error.Code != protocol.CodeInterrupted):
			t.Errorf("interrupted predict: %s, want code 8", msg.Data)
		case want == "replies.interrupt" && (r.Job != "stop-it" || r.Interrupt == nil || r.Error != nil):
			t.Errorf("interrupt reply: %s", msg.Data)
		}
	}
	if w.Running() != 0 {
		t.Errorf("%d jobs still running", w.Running())
	}
	// Interrupting it again: it is gone.
	if err := c.Interrupt(context.Background(), "long"); !errors.Is(err, &protocol.Error{Code: protocol.CodeNotFound}) {
		t.Errorf("second interrupt: %v, want code 4", err)
	}
}

// TestInterruptGeneration interrupts a job while it generates tokens.
func TestInterruptGeneration(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 2048)
	// Two workers: the interrupt lands on either, and must reach the one
	// running the job.
	startWorker(t, srv, m, worker.Config{})
	startWorker(t, srv, m, worker.Config{})
	c := newClient(t, srv)
	c2 := newClient(t, srv)
	var partial *protocol.PredictResponse
	var perr error
	interrupted := make(chan error, 1)
	chunks := 0
	partial, perr = c.Predict(context.Background(), "gen", protocol.PredictRequest{
		Input: []string{"Once upon a time"}, Options: options(t, map[string]any{"n_predict": 2000, "ignore_eos": true}),
	}, func(string) error {
		if chunks++; chunks == 1 {
			go func() { interrupted <- c2.Interrupt(context.Background(), "gen") }()
		}
		return nil
	})
	if err := <-interrupted; err != nil {
		t.Fatalf("interrupt: %v", err)
	}
	if !errors.Is(perr, &protocol.Error{Code: protocol.CodeInterrupted}) {
		t.Fatalf("predict: %v, want code 8", perr)
	}
	if partial == nil || partial.StopType != "cancelled" || partial.TokensPredicted == 0 || partial.TokensPredicted >= 2000 {
		t.Errorf("partial result %+v, want some tokens and stop cancelled", partial)
	}
}

func TestInterruptTimeout(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 64)
	stubborn, entered := make(chan struct{}), make(chan struct{})
	startWorker(t, srv, m, worker.Config{InterruptTimeout: 50 * time.Millisecond, Hooks: []worker.Hook{
		func(context.Context, *protocol.PredictRequest) error { close(entered); <-stubborn; return nil }, // ignores cancellation
	}})
	c := newClient(t, srv)
	done := make(chan error, 1)
	go func() {
		_, err := c.Predict(context.Background(), "stubborn", protocol.PredictRequest{Input: []string{"x"}}, nil)
		done <- err
	}()
	<-entered
	err := c.Interrupt(context.Background(), "stubborn")
	if !errors.Is(err, &protocol.Error{Code: protocol.CodeUnknown}) {
		t.Errorf("interrupting a job that will not stop: %v, want code 0", err)
	}
	close(stubborn)
	if err := <-done; !errors.Is(err, &protocol.Error{Code: protocol.CodeInterrupted}) {
		t.Errorf("the job, once it stopped: %v, want code 8", err)
	}
}

func TestShutdownDrains(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 256)
	g := newGate()
	w, _ := startWorker(t, srv, m, worker.Config{Parallel: 2, Hooks: []worker.Hook{g.hook}})
	nc := srv.Connect(t)
	c := newClient(t, srv)
	c.Retries = 0
	running := make(chan error, 1)
	go func() {
		_, err := c.Predict(context.Background(), "running", protocol.PredictRequest{
			Input: []string{"Once"}, Options: options(t, map[string]any{"n_predict": 4}),
		}, nil)
		running <- err
	}()
	g.waitEntered(t)
	shut := make(chan error, 1)
	go func() { shut <- w.Shutdown(context.Background()) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := rawRequest(t, nc, protocol.DefaultSubject, `{"job":"late","predict":{"input":["x"]}}`)
		if resp.Error != nil && resp.Error.Code == protocol.CodeShutdown {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no code 5 while draining: %+v", resp)
		}
		time.Sleep(10 * time.Millisecond) // Shutdown has not started yet
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with a job running", err)
	default:
	}
	close(g.release)
	if err := <-running; err != nil {
		t.Errorf("the running job did not finish: %v", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	// Nobody listens any more.
	if _, err := nc.Request(protocol.DefaultSubject, []byte(`{"job":"x","list":{}}`), time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Errorf("after shutdown: %v, want no responders", err)
	}
}

func TestShutdownDeadlineCancelsJobs(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 64)
	g := newGate()
	w, _ := startWorker(t, srv, m, worker.Config{Hooks: []worker.Hook{g.hook}})
	c := newClient(t, srv)
	c.Retries = 0
	running := make(chan error, 1)
	go func() {
		_, err := c.Predict(context.Background(), "cut", protocol.PredictRequest{Input: []string{"x"}}, nil)
		running <- err
	}()
	g.waitEntered(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want the deadline", err)
	}
	if err := <-running; !errors.Is(err, &protocol.Error{Code: protocol.CodeShutdown}) {
		t.Errorf("the cut job: %v, want code 5", err)
	}
}

// TestWorkerKilledMidJob: the client notices a dead worker instead of
// waiting forever, and does not mistake a slow one for a dead one.
func TestWorkerKilledMidJob(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 64)
	g := newGate()
	_, wnc := startWorker(t, srv, m, worker.Config{Heartbeat: 20 * time.Millisecond, Hooks: []worker.Hook{g.hook}})
	c := newClient(t, srv)
	c.IdleTimeout = time.Second
	done := make(chan error, 1)
	go func() {
		_, err := c.Predict(context.Background(), "doomed", protocol.PredictRequest{Input: []string{"x"}}, nil)
		done <- err
	}()
	g.waitEntered(t)
	select {
	case err := <-done:
		t.Fatalf("the client gave up on a live worker: %v", err)
	case <-time.After(2 * c.IdleTimeout): // heartbeats keep it waiting
	}
	wnc.Close() // the worker's process dies: no reply, no heartbeats
	select {
	case err := <-done:
		if !errors.Is(err, client.ErrWorkerLost) {
			t.Errorf("client error %v, want ErrWorkerLost", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the client hangs on a dead worker")
	}
	close(g.release)
}

func TestClientDeadlineAndNoWorkers(t *testing.T) {
	srv := natstest.Start(t, 0)
	c := newClient(t, srv)
	c.Retries = 2
	c.RetryWait = time.Millisecond
	if _, err := c.Predict(context.Background(), "", protocol.PredictRequest{Input: []string{"x"}}, nil); !errors.Is(err, client.ErrNoWorkers) {
		t.Errorf("no workers: %v", err)
	}
	if _, err := c.List(context.Background()); !errors.Is(err, client.ErrNoWorkers) {
		t.Errorf("list with no workers: %v", err)
	}

	m := loadModel(t, 64)
	g := newGate()
	w, _ := startWorker(t, srv, m, worker.Config{Hooks: []worker.Hook{g.hook}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.Predict(ctx, "patient", protocol.PredictRequest{Input: []string{"x"}}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
	// The client interrupts the job it abandoned, freeing the worker.
	g.waitEntered(t)
	for deadline := time.Now().Add(5 * time.Second); w.Running() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned job still runs after 5s")
		}
	}
}

// TestReconnect restarts the NATS server under a worker: it reconnects
// and serves again.
func TestReconnect(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a server")
	}
	srv := natstest.Start(t, 0)
	port := srv.Port()
	m := loadModel(t, 64)
	startWorker(t, srv, m, worker.Config{})
	c := newClient(t, srv)
	req := protocol.PredictRequest{Input: []string{"Once"}, Options: options(t, map[string]any{"n_predict": 2})}
	if _, err := c.Predict(context.Background(), "", req, nil); err != nil {
		t.Fatal(err)
	}
	srv.Shutdown()
	srv.WaitForShutdown()
	natstest.Start(t, port)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, err := c.Predict(ctx, "", req, nil)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no answer after the server restarted: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestParallelSessions: --parallel 2 runs two jobs at once, the third is
// busy, and concurrent generations do not disturb each other.
func TestParallelSessions(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 128)
	g := newGate()
	startWorker(t, srv, m, worker.Config{Parallel: 2, Hooks: []worker.Hook{g.hook}})
	nc := srv.Connect(t)
	c := newClient(t, srv)
	c.Retries = 0
	prompts := []string{"Once upon a time", "The cat sat"}
	outs := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, p := range prompts {
		wg.Go(func() {
			var resp *protocol.PredictResponse
			resp, errs[i] = c.Predict(context.Background(), fmt.Sprintf("par-%d", i), protocol.PredictRequest{
				Input: []string{p}, Options: options(t, map[string]any{"n_predict": 10, "temperature": 0}),
			}, nil)
			if resp != nil {
				outs[i] = resp.Output
			}
		})
	}
	g.waitEntered(t)
	g.waitEntered(t) // both run at once
	resp := rawRequest(t, nc, protocol.DefaultSubject, `{"job":"third","predict":{"input":["x"]}}`)
	if resp.Error == nil || resp.Error.Code != protocol.CodeBusy || !strings.Contains(resp.Error.Message, "2 sessions") {
		t.Errorf("third job: %+v, want busy", resp.Error)
	}
	close(g.release)
	wg.Wait()
	for i, p := range prompts {
		if want := greedy(t, m, p, 10); errs[i] != nil || outs[i] != want {
			t.Errorf("job %d: %q, %v; want %q", i, outs[i], errs[i], want)
		}
	}
}

func TestHookPanic(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 64)
	startWorker(t, srv, m, worker.Config{Hooks: []worker.Hook{
		func(context.Context, *protocol.PredictRequest) error { panic("hook bug") },
	}})
	nc := srv.Connect(t)
	resp := rawRequest(t, nc, protocol.DefaultSubject, `{"job":"p","predict":{"input":["x"]}}`)
	if resp.Error == nil || resp.Error.Code != protocol.CodeHookFailed || !strings.Contains(resp.Error.Message, "hook bug") {
		t.Errorf("panicking hook: %+v, want code 9", resp.Error)
	}
	// The worker survives it.
	resp = rawRequest(t, nc, protocol.DefaultSubject, `{"job":"l","list":{}}`)
	if resp.List == nil {
		t.Errorf("list after a panic: %+v", resp)
	}
}
