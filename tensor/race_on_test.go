//go:build race

package tensor_test

// raceEnabled: the race detector slows the numeric sweeps ~10x; they
// sample less under it (the full sweeps run without it).
const raceEnabled = true
