// Package client talks to gollama workers over NATS: list their model,
// run predictions (streamed or not) and interrupt them. It never waits
// forever: a worker that goes silent for IdleTimeout (workers send
// heartbeats while a job runs) fails the call with ErrWorkerLost, and
// every call honours its context.
package client

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

// Errors besides *protocol.Error (the worker's answers) and context errors.
var (
	// ErrNoWorkers: nobody subscribes to the subject (after retries).
	ErrNoWorkers = errors.New("client: no worker is listening")
	// ErrWorkerLost: the worker sent nothing for IdleTimeout.
	ErrWorkerLost = errors.New("client: the worker went silent")
)

// Client sends requests to the workers on one subject. Set fields before
// first use.
type Client struct {
	nc *nats.Conn
	// Subject is the workers' subject (default protocol.DefaultSubject).
	Subject string
	// IdleTimeout is the longest a call waits with no message from the
	// worker (default 30s). Workers send a heartbeat at least every 2s
	// while a job runs, so this only fires when the worker is gone.
	IdleTimeout time.Duration
	// Retries is how many times a prediction answered "busy", "shutting
	// down" or "no responders" is sent again (default 10, about 5s of
	// backoff; negative: until ctx ends). The queue group usually hands a
	// retry to another worker.
	Retries int
	// RetryWait is the first wait before a retry, doubled each time up
	// to a second, with jitter (default 20ms).
	RetryWait time.Duration
}

// New returns a client on nc with the defaults.
func New(nc *nats.Conn) *Client {
	return &Client{nc: nc, Subject: protocol.DefaultSubject, IdleTimeout: 30 * time.Second, Retries: 10, RetryWait: 20 * time.Millisecond}
}

// NewJobID returns a random job id.
func NewJobID() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// List asks a worker for its model and the options predict accepts.
func (c *Client) List(ctx context.Context) (*protocol.ListResponse, error) {
	resp, err := c.request(ctx, &protocol.WorkerRequest{Job: NewJobID(), List: &protocol.ListRequest{}})
	if err != nil {
		return nil, err
	}
	if resp.List == nil {
		return nil, fmt.Errorf("client: list reply without a list")
	}
	return resp.List, nil
}

// Interrupt stops job, wherever it runs, and returns once it has stopped.
// A job no worker runs (finished, or never started) is a *protocol.Error
// with CodeNotFound.
func (c *Client) Interrupt(ctx context.Context, job string) error {
	resp, err := c.request(ctx, &protocol.WorkerRequest{Job: NewJobID(), Interrupt: &protocol.InterruptRequest{Job: job}})
	if err != nil {
		return err
	}
	if resp.Interrupt == nil {
		return fmt.Errorf("client: interrupt reply without an interrupt confirmation")
	}
	return nil
}

// request sends one request and waits for its reply, up to IdleTimeout.
func (c *Client) request(ctx context.Context, req *protocol.WorkerRequest) (*protocol.WorkerResponse, error) {
	data, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, c.idle())
	defer cancel()
	msg, err := c.nc.RequestWithContext(rctx, c.subject(), data)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, ErrNoWorkers
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil && rctx.Err() != nil:
		return nil, fmt.Errorf("%w: no reply within %s", ErrWorkerLost, c.idle())
	case err != nil:
		return nil, err
	}
	return decodeResponse(msg.Data, req.Job)
}

// decodeResponse parses a reply and turns a protocol error into a Go one.
func decodeResponse(data []byte, job string) (*protocol.WorkerResponse, error) {
	var resp protocol.WorkerResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("client: unreadable reply %q: %v", truncate(data), err)
	}
	if resp.Job != job {
		return nil, fmt.Errorf("client: reply for job %q, want %q", resp.Job, job)
	}
	if resp.Error != nil {
		return &resp, resp.Error
	}
	return &resp, nil
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func (c *Client) subject() string {
	if c.Subject == "" {
		return protocol.DefaultSubject
	}
	return c.Subject
}

func (c *Client) idle() time.Duration {
	if c.IdleTimeout <= 0 {
		return 30 * time.Second
	}
	return c.IdleTimeout
}

// backoff waits before retry n (0-based), or returns ctx's error.
func (c *Client) backoff(ctx context.Context, n int) error {
	d := c.RetryWait
	if d <= 0 {
		d = 20 * time.Millisecond
	}
	d = min(d<<min(n, 10), time.Second)
	d = d/2 + rand.N(d/2+1) // jitter, so retrying clients spread out
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
