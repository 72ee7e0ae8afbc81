package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/chat"
)

func init() {
	register(&command{name: "chat", summary: "chat interactively, with the model's chat template", run: runChat})
}

// chatInput is where chat reads the user's lines; tests replace it.
var chatInput io.Reader = os.Stdin

func runChat(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("chat", stderr)
	var g genFlags
	g.register(fs)
	system := fs.String("system", "", "system message")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama chat [-m MODEL] [--system S] [sampling flags]\n\nType a message and Enter; Ctrl-C stops a reply, /exit (or Ctrl-D) quits, /reset forgets the conversation.")
		fs.PrintDefaults()
	}
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	params, err := g.params()
	if err != nil {
		return err
	}
	m, _, err := g.load(context.Background(), stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := m.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	if m.ChatTemplate() == "" && !g.quiet {
		fmt.Fprintln(stderr, "gollama: the model has no chat template; using ChatML")
	}

	// Ctrl-C cancels the reply being generated; at the prompt it quits.
	var mu sync.Mutex
	var cancelReply context.CancelFunc
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			mu.Lock()
			c := cancelReply
			mu.Unlock()
			if c == nil {
				fmt.Fprintln(stderr)
				os.Exit(0)
			}
			c()
		}
	}()

	var msgs []chat.Message
	reset := func() {
		msgs = msgs[:0]
		if *system != "" {
			msgs = append(msgs, chat.Message{Role: "system", Content: *system})
		}
	}
	reset()
	in := bufio.NewScanner(chatInput)
	in.Buffer(make([]byte, 64<<10), 16<<20)
	for {
		fmt.Fprint(stdout, "> ")
		if !in.Scan() {
			fmt.Fprintln(stdout)
			return in.Err()
		}
		line := strings.TrimSpace(in.Text())
		switch line {
		case "":
			continue
		case "/exit", "/quit", "/bye":
			return nil
		case "/reset":
			reset()
			s.Reset()
			continue
		}
		msgs = append(msgs, chat.Message{Role: "user", Content: line})
		ctx, cancel := context.WithCancel(context.Background())
		mu.Lock()
		cancelReply = cancel
		mu.Unlock()
		res, err := s.Chat(ctx, msgs, chat.Options{}, params, func(t gollama.Token) error {
			_, err := io.WriteString(stdout, t.Text)
			return err
		})
		mu.Lock()
		cancelReply = nil
		mu.Unlock()
		interrupted := ctx.Err() != nil
		cancel()
		fmt.Fprintln(stdout)
		if errors.Is(err, gollama.ErrContextFull) && !interrupted {
			// One message too many must not end the whole conversation:
			// drop it (and any partial reply) and let the user go on.
			msgs = msgs[:len(msgs)-1]
			fmt.Fprintf(stderr, "gollama chat: %v; message dropped (/reset starts over)\n", err)
			continue
		}
		if err != nil && !interrupted {
			return err
		}
		if res != nil {
			msgs = append(msgs, chat.Message{Role: "assistant", Content: res.Text})
			if !g.quiet {
				fmt.Fprintf(stderr, "[%s]\n", metricsLine(res))
			}
		}
	}
}
