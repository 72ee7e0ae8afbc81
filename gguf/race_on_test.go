//go:build race

package gguf

// raceEnabled: the race detector slows parsing ~10x, so the exhaustive
// hostile-input sweeps sample fewer offsets under it.
const raceEnabled = true
