package worker_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/worker"
	"github.com/gollama/gollama/worker/client"
	"github.com/gollama/gollama/worker/natstest"
	"github.com/gollama/gollama/worker/protocol"
)

// BenchmarkPredict measures a whole round trip through NATS: request,
// acceptance heartbeat, 8 streamed tokens, reply. Compare with
// BenchmarkLocal for the protocol's overhead.
func BenchmarkPredict(b *testing.B) {
	srv := natstest.Start(b, 0)
	m, err := gollama.Load(testdata.Path(b, modelFile), gollama.Options{Threads: 1, ContextLength: 128})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	w, err := worker.Start(srv.Connect(b), m, worker.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Shutdown(context.Background())
	c := client.New(srv.Connect(b))
	req := protocol.PredictRequest{Input: []string{"Once upon a time"},
		Options: map[string]json.RawMessage{"n_predict": json.RawMessage("8"), "temperature": json.RawMessage("0")}}
	for b.Loop() {
		if _, err := c.Predict(context.Background(), "", req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLocal(b *testing.B) {
	m, err := gollama.Load(testdata.Path(b, modelFile), gollama.Options{Threads: 1, ContextLength: 128})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := gollama.DefaultParams()
	p.Temperature, p.MaxTokens = 0, 8
	for b.Loop() {
		s.Reset()
		if _, err := s.Generate(context.Background(), "Once upon a time", p, func(gollama.Token) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
