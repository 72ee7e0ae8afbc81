package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/gollama/gollama"
)

func init() {
	register(&command{name: "run", summary: "generate a continuation of a prompt", run: runRun})
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	var g genFlags
	g.register(fs)
	prompt := fs.String("p", "", "prompt")
	promptFile := fs.String("f", "", "read the prompt from this file")
	sessionFile := fs.String("session", "", "session file: continue from it if it exists (the prompt is appended; none = just continue), save the state back after generating")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama run [-m MODEL] [-p PROMPT | -f FILE | PROMPT] [-n N] [--temp T] [--seed S] [--stop S]... [--session FILE]")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	text := *prompt
	switch {
	case *promptFile != "":
		b, err := os.ReadFile(*promptFile)
		if err != nil {
			return err
		}
		text = string(b)
	case text == "" && len(pos) > 0:
		text = pos[0]
	case text == "" && !sessionFileExists(*sessionFile):
		text = "Once upon a time"
	}
	params, err := g.params()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m, _, err := g.load(ctx, stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := openSession(m, *sessionFile, &params, g.seed >= 0)
	if err != nil {
		return err
	}
	defer s.Close()
	if isTerminal(stderr) && !g.quiet {
		params.PromptProgress = func(done, total int) {
			if total >= 256 { // only prompts long enough to wait for
				fmt.Fprintf(stderr, "\rgollama: prompt %d/%d tokens", done, total)
				if done == total {
					fmt.Fprint(stderr, "\r\033[K")
				}
			}
		}
	}
	res, err := s.Generate(ctx, text, params, func(t gollama.Token) error {
		_, err := io.WriteString(stdout, t.Text)
		return err
	})
	fmt.Fprintln(stdout)
	if res != nil && !g.quiet {
		fmt.Fprintf(stderr, "gollama: %s\n", metricsLine(res))
	}
	if err != nil && ctx.Err() != nil {
		err = nil // interrupted by the user: what was generated is printed
	}
	if err == nil && *sessionFile != "" {
		err = s.Save(*sessionFile)
	}
	return err
}

// openSession loads the session file if there is one (continuing its
// sampler unless a seed was given), else starts a new session. A file that
// does not load is an error, and stays as it is.
func openSession(m *gollama.Model, path string, p *gollama.Params, seeded bool) (*gollama.Session, error) {
	if !sessionFileExists(path) {
		return m.NewSession()
	}
	p.ResumeSampler = !seeded
	return m.LoadSessionFile(path)
}

func sessionFileExists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}
