package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gollama/gollama/worker/client"
	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

// Ask the workers on the default subject for a streamed completion.
func Example() {
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	c := client.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := c.Predict(ctx, "", protocol.PredictRequest{
		System:  "A short story.",
		Input:   []string{"Once upon a time"},
		Options: map[string]json.RawMessage{"n_predict": json.RawMessage("32")},
	}, func(chunk string) error {
		fmt.Print(chunk) // as it is generated
		return nil
	})
	if errors.Is(err, &protocol.Error{Code: protocol.CodeInvalid}) {
		log.Fatalf("bad request: %v", err)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\n(%d tokens, stopped by %s)\n", resp.TokensPredicted, resp.StopType)
}
