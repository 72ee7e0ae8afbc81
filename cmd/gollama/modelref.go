package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gollama/gollama/hub"
	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

// findModel is resolveModel plus the last resort of "gollama" with no -m
// on a machine with no model and no network: a small random-weight model
// written by synth, announced as such on stderr.
func findModel(ctx context.Context, arg string, quiet bool, stderr io.Writer) (string, error) {
	path, err := resolveModel(ctx, arg, quiet, stderr)
	if arg == "" && errors.Is(err, hub.ErrOffline) {
		return synthDefault(stderr)
	}
	return path, err
}

// synthDefault writes (once) and returns a small random-weight model for
// machines with no model and no network.
func synthDefault(stderr io.Writer) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "gollama", "synth-tiny-q8_0.gguf")
	fmt.Fprintf(stderr, "gollama: no model given (-m), $GOLLAMA_MODEL unset, and no TinyStories model cached or downloadable:\n"+
		"gollama: using a RANDOM-WEIGHT model written by 'gollama synth' (%s); its text is gibberish\n", path)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	shape, err := synth.LookupShape("tiny")
	if err != nil {
		return "", err
	}
	if err := synth.WriteFile(path, synth.Options{Shape: shape, Type: tensor.Q8_0, Seed: 1}); err != nil {
		return "", fmt.Errorf("writing the fallback model: %w", err)
	}
	return path, nil
}
