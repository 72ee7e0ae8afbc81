package main

import (
	"fmt"
	"io"

	"github.com/gollama/gollama/hub"
)

func init() {
	register(&command{name: "rm", summary: "remove a model from the Hugging Face cache", run: runRm})
}

func runRm(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rm", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama rm REF...\n\nREF as shown by 'gollama list' (or a known name). Removes the snapshot entries,\nthe blobs no other snapshot uses, and the repository folder once empty.")
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errUsage
	}
	var firstErr error
	for _, s := range pos {
		ref, err := hub.ParseRef(s)
		if err == nil {
			var removed []string
			removed, err = hub.Remove(ref, hub.Options{})
			if err == nil {
				fmt.Fprintf(stdout, "removed %s (%d file(s))\n", ref, len(removed))
				continue
			}
		}
		if len(pos) > 1 {
			fmt.Fprintf(stderr, "gollama rm: %v\n", err)
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil && len(pos) > 1 {
		return fmt.Errorf("some models were not removed")
	}
	return firstErr
}
