package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/worker/natstest"
)

// gollama worker serves what gollama run would print; gollama ask gets it.
func TestWorkerAndAsk(t *testing.T) {
	model := testdata.Path(t, "models/stories260K-F32.gguf")
	srv := natstest.Start(t, 0)

	var g genFlags
	fs := newFlagSet("worker", &bytes.Buffer{})
	g.register(fs)
	if _, err := parseFlags(fs, []string{"-m", model, "-t", "1", "-c", "128", "--quiet"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var werr error
	var wg sync.WaitGroup
	wg.Go(func() {
		werr = serveWorker(ctx, func() {}, &g, &workerFlags{url: srv.URL, subject: "test.worker", queue: "q", parallel: 1, drain: 5 * time.Second}, &bytes.Buffer{})
	})

	m, err := gollama.Load(model, gollama.Options{Threads: 1, ContextLength: 128})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	p := gollama.DefaultParams()
	p.Temperature, p.MaxTokens = 0, 10
	res, err := s.Generate(context.Background(), "Once upon a time", p, nil)
	s.Close()
	m.Close()
	if err != nil {
		t.Fatal(err)
	}

	ask := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := runAsk(append([]string{"--nats", srv.URL, "--subject", "test.worker", "--timeout", "20s"}, args...), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	// The worker may still be loading: list until it answers.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _, err := ask("--list")
		if err == nil {
			if !strings.Contains(out, "temperature") || !strings.Contains(out, "n_predict") {
				t.Errorf("list output:\n%s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no worker answered within 10s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, stream := range []string{"--stream=false", "--stream"} {
		out, errOut, err := ask(stream, "-n", "10", "--temp", "0", "Once upon a time")
		if err != nil {
			t.Fatalf("ask %s: %v\n%s", stream, err, errOut)
		}
		if out != res.Text+"\n" {
			t.Errorf("ask %s printed %q, want %q", stream, out, res.Text+"\n")
		}
	}
	if _, _, err := ask("-o", "bogus=1", "x"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown option: %v", err)
	}
	cancel()
	wg.Wait()
	if werr != nil {
		t.Errorf("worker: %v", werr)
	}
}
