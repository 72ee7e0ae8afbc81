package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gollama/gollama/worker/client"
	"github.com/gollama/gollama/worker/protocol"
	"github.com/nats-io/nats.go"
)

func init() {
	register(&command{name: "ask", summary: "ask gollama workers over NATS for a completion", run: runAsk})
}

// askFlags are gollama ask's flags.
type askFlags struct {
	url, subject, system, job, model string
	stream, list                     bool
	timeout, idle                    time.Duration
	options                          stringList
	nPredict                         int
	temp                             float64
	seed                             int64
}

func runAsk(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ask", stderr)
	var a askFlags
	fs.StringVar(&a.url, "nats", natsURL(), "NATS server URL(s), comma-separated (default $NATS_URL, else local)")
	fs.StringVar(&a.subject, "subject", protocol.DefaultSubject, "the workers' subject")
	fs.StringVar(&a.system, "system", "", "system text, kept whole before the input")
	fs.BoolVar(&a.stream, "stream", false, "print the output as it is generated")
	fs.BoolVar(&a.list, "list", false, "list the workers' model and options instead")
	fs.StringVar(&a.job, "job", "", "job id (default: random)")
	fs.StringVar(&a.model, "model", "", "model the worker must serve (default: any)")
	fs.DurationVar(&a.timeout, "timeout", 0, "give up after this long (default: never while the worker is alive)")
	fs.DurationVar(&a.idle, "idle-timeout", 30*time.Second, "give up when the worker sends nothing for this long (it sends heartbeats every 2s)")
	fs.Var(&a.options, "o", "predict option NAME=VALUE, the value in JSON or a bare string, e.g. -o top_k=20 -o stop='[\"\\n\"]' (repeatable)")
	fs.IntVar(&a.nPredict, "n", 0, "tokens to generate (n_predict; default: the worker's)")
	fs.Float64Var(&a.temp, "temp", 0, "temperature (default: the worker's)")
	fs.Int64Var(&a.seed, "seed", 0, "sampling seed (default: the worker's)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama ask [--nats URL] [--subject S] [--stream] [--system S] [-n N] [--temp T] [-o NAME=VALUE]... TEXT...\n       gollama ask --list\nEach TEXT is one input line.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 && !a.list {
		fmt.Fprintln(stderr, "gollama ask: nothing to ask: give the input as arguments")
		return errUsage
	}
	opts, err := a.predictOptions(fs)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if a.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.timeout)
		defer cancel()
	}
	nc, err := nats.Connect(a.url, nats.Name("gollama ask"))
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", a.url, err)
	}
	defer nc.Close()
	c := client.New(nc)
	c.Subject = a.subject
	c.IdleTimeout = a.idle
	if a.list {
		return printList(ctx, c, stdout)
	}
	var onChunk func(string) error
	if a.stream {
		onChunk = func(s string) error { _, err := io.WriteString(stdout, s); return err }
	}
	resp, err := c.Predict(ctx, a.job, protocol.PredictRequest{Model: a.model, System: a.system, Input: pos, Options: opts}, onChunk)
	if resp != nil && !a.stream {
		io.WriteString(stdout, resp.Output)
	}
	if resp != nil || a.stream {
		fmt.Fprintln(stdout)
	}
	if errors.Is(err, context.Canceled) {
		return nil // interrupted by the user, who saw what came
	}
	return err
}

// predictOptions gathers -n, --temp, --seed (when given) and -o options.
func (a *askFlags) predictOptions(fs *flag.FlagSet) (map[string]json.RawMessage, error) {
	opts := map[string]json.RawMessage{}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "n":
			opts["n_predict"] = json.RawMessage(strconv.Itoa(a.nPredict))
		case "temp":
			opts["temperature"] = json.RawMessage(strconv.FormatFloat(a.temp, 'g', -1, 64))
		case "seed":
			opts["seed"] = json.RawMessage(strconv.FormatInt(a.seed, 10))
		}
	})
	for _, o := range a.options {
		name, value, ok := strings.Cut(o, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("-o %q: want NAME=VALUE", o)
		}
		if !json.Valid([]byte(value)) {
			b, _ := json.Marshal(value) // a bare string: -o stop=END
			value = string(b)
		}
		opts[name] = json.RawMessage(value)
	}
	if len(opts) == 0 {
		return nil, nil
	}
	return opts, nil
}

// printList prints the workers' model and options as a table.
func printList(ctx context.Context, c *client.Client, stdout io.Writer) error {
	list, err := c.List(ctx)
	if err != nil {
		return err
	}
	for _, m := range list.Models {
		fmt.Fprintf(stdout, "model %s\n", m.Model)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  OPTION\tDEFAULT\tDESCRIPTION")
		for _, o := range m.Options {
			def, _ := json.Marshal(o.Default)
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", o.Name, def, o.Description)
		}
		tw.Flush()
	}
	return nil
}
