package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

// Predict runs req as job (a fresh id if job is ""). If onChunk is not nil
// it is called with each piece of output as the worker generates it;
// returning an error from it interrupts the job, and Predict returns that
// error. Cancelling ctx also interrupts the job.
//
// The client always asks the worker to stream (to a private inbox; any
// req.Stream is replaced): the chunks and heartbeats are how it tells a
// working worker from a dead one. Errors from the worker are
// *protocol.Error; an interrupted job returns its partial output with the
// CodeInterrupted error.
func (c *Client) Predict(ctx context.Context, job string, req protocol.PredictRequest, onChunk func(string) error) (*protocol.PredictResponse, error) {
	if job == "" {
		job = NewJobID()
	}
	if err := protocol.ValidJob(job); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	// One subscription for chunks and the reply keeps them in the order
	// the worker sent them.
	inbox := c.nc.NewInbox()
	sub, err := c.nc.SubscribeSync(inbox + ".*")
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return nil, err
	}
	reply := inbox + ".reply"
	req.Stream = inbox + ".stream"
	data, err := json.Marshal(&protocol.WorkerRequest{Job: job, Predict: &req})
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if err := c.nc.PublishRequest(c.subject(), reply, data); err != nil {
			return nil, err
		}
		resp, err := c.await(ctx, sub, job, reply, onChunk)
		if retryable(err) && (c.Retries < 0 || attempt < c.Retries) {
			if berr := c.backoff(ctx, attempt); berr != nil {
				return nil, berr
			}
			continue
		}
		return resp, err
	}
}

// retryable errors mean this worker did not take the job; another may.
func retryable(err error) bool {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Code == protocol.CodeBusy || pe.Code == protocol.CodeShutdown
	}
	return errors.Is(err, ErrNoWorkers)
}

// await reads chunks until the reply to one attempt arrives.
func (c *Client) await(ctx context.Context, sub *nats.Subscription, job, reply string, onChunk func(string) error) (*protocol.PredictResponse, error) {
	for {
		mctx, cancel := context.WithTimeout(ctx, c.idle())
		msg, err := sub.NextMsgWithContext(mctx)
		idleExpired := mctx.Err() != nil
		cancel()
		switch {
		case errors.Is(err, nats.ErrNoResponders):
			return nil, ErrNoWorkers
		case err != nil && ctx.Err() != nil:
			c.abandon(job) // accepted or about to be: stop it either way
			return nil, ctx.Err()
		case err != nil && idleExpired:
			return nil, fmt.Errorf("%w: nothing from the worker for %s (job %s)", ErrWorkerLost, c.idle(), job)
		case err != nil:
			return nil, err
		}
		if msg.Subject == reply {
			resp, err := decodeResponse(msg.Data, job)
			if resp == nil {
				return nil, err
			}
			if err == nil && resp.Predict == nil {
				err = fmt.Errorf("client: predict reply without a prediction")
			}
			return resp.Predict, err
		}
		var chunk protocol.WorkerResponse
		if json.Unmarshal(msg.Data, &chunk) != nil || chunk.Job != job || chunk.Stream == nil {
			continue // not ours; it still proved nothing about the worker
		}
		if chunk.Stream.Output == "" || onChunk == nil {
			continue // a heartbeat
		}
		if err := onChunk(chunk.Stream.Output); err != nil {
			ictx, cancel := context.WithTimeout(context.Background(), c.idle())
			_ = c.Interrupt(ictx, job)
			cancel()
			return nil, err
		}
	}
}

// abandon asks the workers to stop job without waiting for an answer: the
// caller has gone.
func (c *Client) abandon(job string) {
	data, _ := json.Marshal(&protocol.WorkerRequest{Job: NewJobID(), Interrupt: &protocol.InterruptRequest{Job: job}})
	_ = c.nc.Publish(c.subject(), data)
}
