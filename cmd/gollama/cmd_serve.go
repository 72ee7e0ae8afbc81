package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/server"
)

func init() {
	register(&command{name: "serve", summary: "serve the OpenAI and llama-server HTTP APIs", run: runServe})
}

// serveReady, if set (tests), receives the listening address.
var serveReady func(addr string)

// serveStop, if set (tests), stops the server in place of a signal.
var serveStop <-chan struct{}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	modelRef := fs.String("m", "", "model: a .gguf path, hf:author/repo/file.gguf, or a known name")
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 8080, "port to listen on (0: any free port)")
	parallel := fs.Int("parallel", 4, "slots: requests decoded together")
	fs.IntVar(parallel, "np", 4, "same as --parallel")
	ctxSize := fs.Int("ctx-size", 0, "context per slot in tokens (default: the model's, at most 4096)")
	fs.IntVar(ctxSize, "c", 0, "same as --ctx-size")
	threads := fs.Int("threads", 0, "threads (default: all cores)")
	fs.IntVar(threads, "t", 0, "same as --threads")
	batch := fs.Int("batch-size", 512, "most tokens per forward pass")
	apiKey := fs.String("api-key", "", "require this key as 'Authorization: Bearer KEY'")
	slotPath := fs.String("slot-save-path", "", "directory for /slots save and restore")
	alias := fs.String("alias", "", "model id reported by /v1/models")
	queue := fs.Int("queue", 64, "requests that may wait for a slot before 429")
	kvF32 := fs.Bool("kv-f32", false, "keep the KV cache in float32")
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "how long running requests may finish after SIGINT/SIGTERM")
	quiet := fs.Bool("quiet", false, "no progress output")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *apiKey == "" {
		*apiKey = os.Getenv("LLAMA_API_KEY")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	path, err := findModel(ctx, *modelRef, *quiet, stderr)
	if err != nil {
		return err
	}
	m, err := gollama.Load(path, gollama.Options{Threads: *threads, ContextLength: *ctxSize, BatchSize: *batch, KVCacheF32: *kvF32})
	if err != nil {
		return err
	}
	defer m.Close()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := server.New(m, server.Options{Parallel: *parallel, CtxSize: m.ContextLength(), BatchSize: *batch, QueueSize: *queue,
		KVCacheF32: *kvF32, APIKey: *apiKey, SlotSavePath: *slotPath, ModelAlias: *alias, ModelPath: path, Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	// Requests get a base context cancelled when the grace period ends, so
	// generations still running then stop and free their slots.
	baseCtx, cancelAll := context.WithCancel(context.Background())
	defer cancelAll()
	hs := &http.Server{Handler: srv.Handler(), BaseContext: func(net.Listener) context.Context { return baseCtx },
		ReadHeaderTimeout: 10 * time.Second}
	log.Info("listening", "addr", "http://"+ln.Addr().String(), "model", path, "slots", *parallel, "ctx_per_slot", m.ContextLength())
	if serveReady != nil {
		serveReady(ln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	case <-serveStop:
	}
	log.Info("shutting down", "grace", grace.String())
	srv.BeginShutdown()
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		cancelAll()
		hs.Close()
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		fmt.Fprintln(stderr, "gollama serve: grace period over; cancelled running requests")
	}
	return nil
}
