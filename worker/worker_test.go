package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollama/gollama/worker"
	"github.com/gollama/gollama/worker/natstest"
	"github.com/gollama/gollama/worker/protocol"
)

func TestList(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 256)
	startWorker(t, srv, m, worker.Config{Model: "stories"})
	c := newClient(t, srv)
	list, err := c.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Models) != 1 || list.Models[0].Model != "stories" {
		t.Fatalf("models = %+v, want one named stories", list.Models)
	}
	got := map[string]protocol.Option{}
	for _, o := range list.Models[0].Options {
		if o.Description == "" {
			t.Errorf("option %s has no description", o.Name)
		}
		got[o.Name] = o
	}
	for _, name := range []string{"n_predict", "temperature", "top_k", "top_p", "min_p", "typical_p", "repeat_last_n",
		"repeat_penalty", "presence_penalty", "frequency_penalty", "mirostat", "mirostat_tau", "mirostat_eta",
		"seed", "stop", "ignore_eos", "logit_bias"} {
		if _, ok := got[name]; !ok {
			t.Errorf("list lacks option %s", name)
		}
	}
	// Defaults travel as JSON: llama.cpp's, written as people write them.
	for name, want := range map[string]any{"temperature": 0.8, "top_k": float64(40), "n_predict": float64(128), "seed": float64(-1)} {
		if got[name].Default != want {
			t.Errorf("%s default = %#v, want %#v", name, got[name].Default, want)
		}
	}
}

func TestPredictMatchesLocalGeneration(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 256)
	startWorker(t, srv, m, worker.Config{})
	c := newClient(t, srv)
	resp, err := c.Predict(context.Background(), "", protocol.PredictRequest{
		Input:   []string{"Once upon a time"},
		Options: options(t, map[string]any{"n_predict": 12, "temperature": 0}),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := greedy(t, m, "Once upon a time", 12)
	if resp.Output != want || want == "" {
		t.Errorf("output %q, want the local greedy generation %q", resp.Output, want)
	}
	if resp.TokensPredicted != 12 || resp.StopType != "length" || resp.TokensEvaluated == 0 {
		t.Errorf("response %+v, want 12 tokens predicted, stop length", resp)
	}

	// System and input lines are joined by newlines into one prompt.
	resp, err = c.Predict(context.Background(), "", protocol.PredictRequest{
		System:  "Lily had a cat.",
		Input:   []string{"The cat was big.", "One day"},
		Options: options(t, map[string]any{"n_predict": 8, "temperature": 0}),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := greedy(t, m, "Lily had a cat.\nThe cat was big.\nOne day", 8); resp.Output != want {
		t.Errorf("system+input output %q, want %q", resp.Output, want)
	}
}

func TestPredictStream(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 256)
	startWorker(t, srv, m, worker.Config{})
	c := newClient(t, srv)
	var chunks []string
	resp, err := c.Predict(context.Background(), "story-1", protocol.PredictRequest{
		Input:   []string{"Once upon a time"},
		Options: options(t, map[string]any{"n_predict": 16, "temperature": 0}),
	}, func(s string) error { chunks = append(chunks, s); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 4 {
		t.Errorf("%d chunks for 16 tokens: %q", len(chunks), chunks)
	}
	if joined := strings.Join(chunks, ""); joined != resp.Output || joined == "" {
		t.Errorf("chunks join to %q, the reply says %q", joined, resp.Output)
	}

	// A callback error interrupts the job and comes back as is.
	stop := errors.New("enough")
	_, err = c.Predict(context.Background(), "", protocol.PredictRequest{
		Input: []string{"Once"}, Options: options(t, map[string]any{"n_predict": 200, "ignore_eos": true}),
	}, func(string) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("callback error: Predict returned %v", err)
	}
}

// TestStreamRaw speaks the protocol by hand, as a non-Go client would:
// chunks on the stream subject, then the reply.
func TestStreamRaw(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 256)
	startWorker(t, srv, m, worker.Config{})
	nc := srv.Connect(t)
	sub, err := nc.SubscribeSync("my.stream")
	if err != nil {
		t.Fatal(err)
	}
	resp := rawRequest(t, nc, protocol.DefaultSubject,
		`{"job":"7","predict":{"input":["Once upon a time"],"stream":"my.stream","options":{"n_predict":8,"temperature":0}}}`)
	if resp.Error != nil || resp.Predict == nil || resp.Job != "7" {
		t.Fatalf("reply %+v", resp)
	}
	var got strings.Builder
	for {
		msg, err := sub.NextMsg(200 * time.Millisecond)
		if err != nil {
			break // all chunks were sent before the reply; none is still due
		}
		var chunk protocol.WorkerResponse
		if err := json.Unmarshal(msg.Data, &chunk); err != nil || chunk.Stream == nil || chunk.Job != "7" {
			t.Fatalf("chunk %q: %v", msg.Data, err)
		}
		got.WriteString(chunk.Stream.Output)
	}
	if got.String() != resp.Predict.Output {
		t.Errorf("chunks %q, reply %q", got.String(), resp.Predict.Output)
	}
}

func TestInputDroppedToFit(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 64)
	startWorker(t, srv, m, worker.Config{})
	c := newClient(t, srv)
	var lines []string
	for i := range 30 {
		lines = append(lines, fmt.Sprintf("Line %d: the dog ran.", i))
	}
	resp, err := c.Predict(context.Background(), "", protocol.PredictRequest{
		System: "Tom had a dog.", Input: lines,
		Options: options(t, map[string]any{"n_predict": 16, "temperature": 0}),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.InputDropped == 0 || resp.InputDropped >= len(lines) {
		t.Fatalf("dropped %d of %d lines", resp.InputDropped, len(lines))
	}
	if resp.TokensEvaluated+16 > 64 {
		t.Errorf("prompt %d tokens + 16 to generate exceed the context of 64", resp.TokensEvaluated)
	}
	// One line fewer dropped would not have fit.
	prompt := "Tom had a dog.\n" + strings.Join(lines[resp.InputDropped-1:], "\n")
	toks, err := m.Tokenize(prompt, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks)+16 <= 64 {
		t.Errorf("dropping %d lines was needless: %d lines fewer fit (%d tokens)", resp.InputDropped, resp.InputDropped-1, len(toks))
	}
	if want := greedy(t, m, "Tom had a dog.\n"+strings.Join(lines[resp.InputDropped:], "\n"), 16); resp.Output != want {
		t.Errorf("output %q, want %q", resp.Output, want)
	}
}

func TestHookRewritesAndVetoes(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 256)
	var seen []string
	var mu sync.Mutex
	startWorker(t, srv, m, worker.Config{Hooks: []worker.Hook{
		func(ctx context.Context, req *protocol.PredictRequest) error {
			mu.Lock()
			seen = append(seen, worker.JobID(ctx))
			mu.Unlock()
			if slices.Contains(req.Input, "forbidden") {
				return errors.New("no forbidden words")
			}
			if slices.Contains(req.Input, "custom") {
				return protocol.Errorf(protocol.CodeInvalid, "custom rejection")
			}
			req.Options = options(t, map[string]any{"n_predict": 3, "temperature": 0})
			return nil
		},
	}})
	c := newClient(t, srv)
	resp, err := c.Predict(context.Background(), "rewritten", protocol.PredictRequest{Input: []string{"Once"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.TokensPredicted != 3 {
		t.Errorf("the hook set n_predict 3; %d tokens predicted", resp.TokensPredicted)
	}
	_, err = c.Predict(context.Background(), "vetoed", protocol.PredictRequest{Input: []string{"forbidden"}}, nil)
	if pe, ok := errors.AsType[*protocol.Error](err); !ok || pe.Code != protocol.CodeHookFailed || !strings.Contains(pe.Message, "no forbidden words") {
		t.Errorf("vetoed request: %v, want code 9 with the hook's message", err)
	}
	_, err = c.Predict(context.Background(), "custom", protocol.PredictRequest{Input: []string{"custom"}}, nil)
	if !errors.Is(err, &protocol.Error{Code: protocol.CodeInvalid}) {
		t.Errorf("hook returning a protocol error: %v, want its code 2", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []string{"rewritten", "vetoed", "custom"}) {
		t.Errorf("hooks saw jobs %q", seen)
	}
}

func TestTwoWorkersShareTheQueue(t *testing.T) {
	srv := natstest.Start(t, 0)
	m := loadModel(t, 128)
	w1, _ := startWorker(t, srv, m, worker.Config{})
	w2, _ := startWorker(t, srv, m, worker.Config{})
	c := newClient(t, srv)
	c.Retries = 200 // four clients on two single-session workers: busy replies are expected
	const requests = 20
	errs := make(chan error, requests)
	outputs := make(chan string, requests)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range requests / 4 {
				resp, err := c.Predict(context.Background(), fmt.Sprintf("share-%d-%d", g, i), protocol.PredictRequest{
					Input: []string{"Once upon a time"}, Options: options(t, map[string]any{"n_predict": 6, "temperature": 0}),
				}, nil)
				if err != nil {
					errs <- err
					continue
				}
				outputs <- resp.Output
			}
		})
	}
	wg.Wait()
	close(errs)
	close(outputs)
	for err := range errs {
		t.Error(err)
	}
	want := greedy(t, m, "Once upon a time", 6)
	n := 0
	for out := range outputs {
		n++
		if out != want {
			t.Errorf("output %q, want %q", out, want)
		}
	}
	if n != requests {
		t.Errorf("%d of %d requests answered", n, requests)
	}
	if s1, s2 := w1.Served(), w2.Served(); s1 == 0 || s2 == 0 || s1+s2 != requests {
		t.Errorf("served %d and %d, want both some and %d in all", s1, s2, requests)
	}
}
