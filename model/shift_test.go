package model

import (
	"testing"

	"github.com/gollama/gollama/tensor"
)

// Attention with rope depends only on position differences, so a sequence
// evaluated at positions 10… and shifted by -10 matches one evaluated at
// 0… : keys of every layer, and the logits of the next token.
func TestShiftPositions(t *testing.T) {
	neox := defaultSpec()
	neox.arch, neox.qkvBias = "qwen2", true
	freqs := defaultSpec()
	freqs.ropeFreqs = true
	for _, spec := range []tinySpec{defaultSpec(), neox, freqs} {
		for _, f32 := range []bool{true, false} {
			m := spec.mustLoad(t)
			ctx, err := m.NewContext(Options{MaxBatch: 16, MaxSeqs: 2, Cells: 64, CacheF32: f32, PageSize: 4, Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			toks := []int32{1, 5, 9, 3, 7, 2, 8}
			var a, b []Entry
			for i, tok := range toks {
				a = append(a, Entry{Token: tok, Pos: int32(10 + i), Seq: 0})
				b = append(b, Entry{Token: tok, Pos: int32(i), Seq: 1})
			}
			if _, err := ctx.Forward(a); err != nil {
				t.Fatal(err)
			}
			if _, err := ctx.Forward(b); err != nil {
				t.Fatal(err)
			}
			if err := ctx.ShiftPositions(0, 0, len(toks), -10); err != nil {
				t.Fatal(err)
			}
			if err := ctx.ShiftPositions(0, 0, 1, -1); err == nil {
				t.Error("shift below position 0 accepted")
			}
			c := ctx.Cache()
			var d float64
			for l := range m.Layers {
				for cell := range toks {
					if f32 {
						d = max(d, maxDiff(c.K32(0, l, cell), c.K32(1, l, cell)))
					} else {
						d = max(d, maxDiff(widen(c.K(0, l, cell)), widen(c.K(1, l, cell))))
					}
				}
			}
			tol := 1e-4
			if !f32 {
				tol = 2e-3 // the shifted key is rounded to F16 twice
			}
			if d > tol {
				t.Errorf("%s f32=%v: keys differ by %g", spec.arch, f32, d)
			}
			la, err := ctx.Forward([]Entry{{Token: 4, Pos: int32(len(toks)), Seq: 0, Logits: true}})
			if err != nil {
				t.Fatal(err)
			}
			la = append([]float32(nil), la...)
			lb, err := ctx.Forward([]Entry{{Token: 4, Pos: int32(len(toks)), Seq: 1, Logits: true}})
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(la, lb); d > 10*tol {
				t.Errorf("%s f32=%v: logits differ by %g", spec.arch, f32, d)
			}
			ctx.Close()
		}
	}
}

func widen(h []uint16) []float32 {
	out := make([]float32, len(h))
	for i, x := range h {
		out[i] = tensor.F16ToF32(x)
	}
	return out
}

func TestFingerprint(t *testing.T) {
	a := defaultSpec().mustLoad(t)
	if a.Fingerprint() != defaultSpec().mustLoad(t).Fingerprint() {
		t.Error("the same model gave two fingerprints")
	}
	other := defaultSpec()
	other.vocab++
	if a.Fingerprint() == other.mustLoad(t).Fingerprint() {
		t.Error("a different vocabulary size gave the same fingerprint")
	}
	neox := defaultSpec()
	neox.arch, neox.qkvBias = "qwen2", true
	if a.Fingerprint() == neox.mustLoad(t).Fingerprint() {
		t.Error("a different architecture gave the same fingerprint")
	}
}
