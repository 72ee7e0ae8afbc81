//go:build race

package model

// raceEnabled: the race detector slows the forward pass ~10x; the parity
// sweeps run at their -short size under it (test.sh runs them in full
// without it).
const raceEnabled = true
