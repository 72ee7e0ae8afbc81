package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gollama/gollama/worker"
	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

func init() {
	register(&command{name: "worker", summary: "serve a model to NATS clients (scale out: run several)", run: runWorker})
}

// natsURL is the default server: $NATS_URL, as the nats CLI reads it, else
// a local server.
func natsURL() string {
	if u := os.Getenv("NATS_URL"); u != "" {
		return u
	}
	return nats.DefaultURL
}

// workerFlags are the flags of gollama worker besides the model's.
type workerFlags struct {
	url, subject, queue, name string
	parallel                  int
	drain                     time.Duration
}

func runWorker(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("worker", stderr)
	var g genFlags
	g.register(fs)
	var wf workerFlags
	fs.StringVar(&wf.url, "nats", natsURL(), "NATS server URL(s), comma-separated (default $NATS_URL, else local)")
	fs.StringVar(&wf.subject, "subject", protocol.DefaultSubject, "subject to serve requests on")
	fs.StringVar(&wf.queue, "queue", protocol.DefaultQueue, "queue group: workers in one group share the requests")
	fs.IntVar(&wf.parallel, "parallel", 1, "jobs run at once, each with its own KV cache; more are answered busy")
	fs.StringVar(&wf.name, "name", "", "model name for list and predict's \"model\" (default: the file's general.name, else its file name)")
	fs.DurationVar(&wf.drain, "drain-timeout", 5*time.Minute, "on SIGTERM/SIGINT, how long running jobs may take to finish")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama worker [-m MODEL] [--nats URL] [--subject S] [--queue Q] [--parallel N] [sampling defaults: -n, --temp, ...]")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "gollama worker: unexpected argument %q\n", pos[0])
		return errUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveWorker(ctx, stop, &g, &wf, stderr)
}

// serveWorker loads the model, serves until ctx ends, then drains. stop
// releases the signal handlers, so a second signal kills the process.
func serveWorker(ctx context.Context, stop func(), g *genFlags, wf *workerFlags, stderr io.Writer) error {
	logf := func(format string, args ...any) {
		if !g.quiet {
			fmt.Fprintf(stderr, "%s gollama %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
		}
	}
	defaults, err := g.params()
	if err != nil {
		return err
	}
	m, path, err := g.load(ctx, stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	name := wf.name
	if name == "" && m.Name() == "" {
		name = strings.TrimSuffix(filepath.Base(path), ".gguf")
	}
	nc, err := nats.Connect(wf.url,
		nats.Name("gollama worker"),
		nats.MaxReconnects(-1), // a worker outlives server restarts
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logf("worker: disconnected from NATS: %v; reconnecting", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { logf("worker: reconnected to %s", nc.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", wf.url, err)
	}
	defer nc.Close()
	w, err := worker.Start(nc, m, worker.Config{Subject: wf.subject, Queue: wf.queue, Parallel: wf.parallel,
		Model: name, Defaults: &defaults, Logf: logf})
	if err != nil {
		return err
	}
	<-ctx.Done()
	stop()
	logf("worker: signalled: finishing running jobs, for at most %s (signal again to quit now)", wf.drain)
	dctx, cancel := context.WithTimeout(context.Background(), wf.drain)
	defer cancel()
	if err := w.Shutdown(dctx); err != nil {
		logf("worker: shutdown: %v", err)
	}
	_ = nc.FlushTimeout(time.Second) // the last replies
	return nil
}
