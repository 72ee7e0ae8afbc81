package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"text/tabwriter"

	"github.com/gollama/gollama/hub"
)

func init() {
	register(&command{name: "pull", summary: "download a model into the Hugging Face cache (hf:author/repo/file.gguf or a known name)", run: runPull})
}

func runPull(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pull", stderr)
	quiet := fs.Bool("quiet", false, "no progress bar")
	knownList := fs.Bool("known", false, "list the known model names and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama pull [--quiet] REF\n\n"+
			"REF is hf:author/repo/file.gguf, hf:author/repo/REV/file.gguf (REV: HEAD, main or a commit),\n"+
			"hf:author/repo@branch/file.gguf or a known name (gollama pull --known).\n"+
			"Files go to $HF_HUB_CACHE (default ~/.cache/huggingface/hub); HF_TOKEN, HF_ENDPOINT and\n"+
			"HF_HUB_OFFLINE are honoured. Prints the local path.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *knownList {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tREF\tABOUT")
		for _, k := range hub.Known() {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", k.Names[0], k.Ref(), k.About)
		}
		return tw.Flush()
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	ref, err := hub.ParseRef(pos[0])
	if err != nil {
		return err
	}
	if ref.IsLocal() {
		return fmt.Errorf("%s is a local path: nothing to pull", ref.Path)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := hub.Options{Refresh: true}
	if !*quiet && isTerminal(stderr) {
		opts.Progress = stderr
	}
	p, err := hub.Resolve(ctx, ref, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, p)
	return nil
}

// resolveModel turns a -m argument into a local file for run/serve: a path
// is used as is, a Hub reference or known name is found in the cache or
// pulled (progress on stderr unless quiet), and "" picks hub.DefaultModel.
// Errors wrapping hub.ErrOffline mean no model could be had without the
// network; the caller may fall back to a synthesized model.
func resolveModel(ctx context.Context, arg string, quiet bool, stderr io.Writer) (string, error) {
	opts := hub.Options{}
	if !quiet && isTerminal(stderr) {
		opts.Progress = stderr
	}
	if arg == "" {
		p, source, err := hub.DefaultModel(ctx, opts)
		if err != nil {
			return "", err
		}
		if !quiet {
			fmt.Fprintf(stderr, "gollama: no model given; using %s\n", source)
		}
		return p, nil
	}
	ref, err := hub.ParseRef(arg)
	if err != nil {
		return "", err
	}
	p, err := hub.Resolve(ctx, ref, opts)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", arg, err)
	}
	return p, nil
}

// isTerminal reports whether w is a character device (a terminal), where a
// redrawn progress bar makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}
