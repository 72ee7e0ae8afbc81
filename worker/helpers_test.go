package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/worker"
	"github.com/gollama/gollama/worker/client"
	"github.com/gollama/gollama/worker/natstest"
	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

const modelFile = "models/stories260K-F32.gguf"

// loadModel loads the tiny test model with a small context; one thread,
// since the machine is shared.
func loadModel(t *testing.T, ctxLen int) *gollama.Model {
	t.Helper()
	m, err := gollama.Load(testdata.Path(t, modelFile), gollama.Options{Threads: 1, ContextLength: ctxLen})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// startWorker starts a worker on its own connection; it is shut down
// (bounded) when the test ends.
func startWorker(t *testing.T, srv *natstest.Server, m *gollama.Model, cfg worker.Config) (*worker.Worker, *nats.Conn) {
	t.Helper()
	nc := srv.Connect(t)
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = 50 * time.Millisecond
	}
	cfg.Logf = t.Logf
	w, err := worker.Start(nc, m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.Shutdown(ctx)
	})
	return w, nc
}

// newClient is a client with short timeouts on its own connection.
func newClient(t *testing.T, srv *natstest.Server) *client.Client {
	c := client.New(srv.Connect(t))
	c.IdleTimeout = 5 * time.Second
	return c
}

// rawRequest sends bytes as a request and decodes the reply.
func rawRequest(t *testing.T, nc *nats.Conn, subject string, body string) *protocol.WorkerResponse {
	t.Helper()
	msg, err := nc.Request(subject, []byte(body), 5*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", body, err)
	}
	var resp protocol.WorkerResponse
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		t.Fatalf("reply to %s is not a WorkerResponse: %q: %v", body, msg.Data, err)
	}
	return &resp
}

// options builds a PredictRequest's options from Go values.
func options(t *testing.T, kv map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for k, v := range kv {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

// greedy is the local reference: what the model generates for prompt.
func greedy(t *testing.T, m *gollama.Model, prompt string, n int) string {
	t.Helper()
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := gollama.DefaultParams()
	p.Temperature = 0
	p.MaxTokens = n
	res, err := s.Generate(context.Background(), prompt, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Text
}

// gate is a hook that holds every job until released (or interrupted), so
// tests can keep a worker busy deterministically.
type gate struct {
	entered chan string
	release chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan string, 64), release: make(chan struct{})} }

func (g *gate) hook(ctx context.Context, req *protocol.PredictRequest) error {
	g.entered <- worker.JobID(ctx)
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitEntered waits for a job to reach the gate.
func (g *gate) waitEntered(t *testing.T) string {
	t.Helper()
	select {
	case id := <-g.entered:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no job reached the hook within 10s")
		return ""
	}
}
