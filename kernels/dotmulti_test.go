package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMultiRowDotsMatchDot: every 4-row and 2-row×4-token kernel equals
// its level's 1-row dot bit for bit, for every tail of blocks, padded row
// and token strides, extreme values, and writes nothing past its outputs.
func TestMultiRowDotsMatchDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, ks := range append([]*kernelSet{&genericKernels}, simdKernelSets()...) {
		for _, typ := range dotTypes {
			r4, r2x4 := ks.dotR4[typ], ks.dotR2x4[typ]
			if r4 == nil && r2x4 == nil {
				continue
			}
			at := ActivationType(typ)
			bs := max(typ.BlockSize(), at.BlockSize())
			for nb := 0; nb <= 13; nb++ {
				n := nb * bs
				for trial := range 4 {
					extreme := trial%2 == 1
					rb := typ.RowSize(n)
					stride := rb + trial/2*3
					w := make([]byte, 3*stride+rb)
					for r := range 4 {
						copy(w[r*stride:], randomRow(rng, typ, n, extreme))
					}
					arb := at.RowSize(n) + trial/2*5
					acts := make([]byte, 4*arb)
					for tok := range 4 {
						copy(acts[tok*arb:], quantizeActs(ks, at, randomActsFor(rng, typ, n, extreme)))
					}
					want := func(r, tok int) float32 { return ks.dot[typ](w[r*stride:], acts[tok*arb:], n) }
					same := func(got, want float32) bool { return math.Float32bits(got) == math.Float32bits(want) }
					if r4 != nil {
						out := []float32{1, 2, 3, 4, 42}
						r4(w, stride, acts, n, out[:4])
						if out[4] != 42 {
							t.Fatalf("%s %s n=%d: 4-row kernel wrote past its outputs", ks.name, typ, n)
						}
						for r := range 4 {
							if !same(out[r], want(r, 0)) {
								t.Fatalf("%s %s n=%d trial %d row %d: %g, 1-row dot %g", ks.name, typ, n, trial, r, out[r], want(r, 0))
							}
						}
					}
					if r2x4 != nil {
						const ostride = 5
						out := make([]float32, 3*ostride+2+1)
						for i := range out {
							out[i] = 42
						}
						as := (&Pool{}).actScales(acts, arb, nb, 4)
						if n == 0 {
							as = make([]float32, 4) // the wrapper never reads it
						}
						r2x4(w, stride, acts, arb, as, n, out[:len(out)-1], ostride)
						for i, v := range out {
							if i%ostride >= 2 && v != 42 || i == len(out)-1 && v != 42 {
								t.Fatalf("%s %s n=%d: 2×4 kernel wrote out[%d]", ks.name, typ, n, i)
							}
						}
						for tok := range 4 {
							for r := range 2 {
								if got := out[tok*ostride+r]; !same(got, want(r, tok)) {
									t.Fatalf("%s %s n=%d trial %d token %d row %d: %g, 1-row dot %g", ks.name, typ, n, trial, tok, r, got, want(r, tok))
								}
							}
						}
					}
				}
			}
		}
	}
}

// BenchmarkMultiRowDots compares, in one run, four L1-resident 4096-value
// rows by four 1-row calls, one 4-row call, and (per four tokens) 1-row
// 4-token calls against 2-row 4-token ones (MB/s of weight bytes).
func BenchmarkMultiRowDots(b *testing.B) {
	for _, ks := range simdKernelSets() {
		for _, typ := range benchTypes {
			if ks.dotR4[typ] == nil && ks.dotR2x4[typ] == nil {
				continue
			}
			rng := rand.New(rand.NewPCG(5, 5))
			at := ActivationType(typ)
			const benchDim = 2048
			rb, arb := typ.RowSize(benchDim), at.RowSize(benchDim)
			w := make([]byte, 4*rb)
			for r := range 4 {
				copy(w[r*rb:], randomRow(rng, typ, benchDim, false))
				if typ == at { // realistic scales: a quantized row (random bytes' f16 scales span the whole range)
					copy(w[r*rb:], quantizeActs(ks, at, randomActs(rng, benchDim, false)))
				}
			}
			acts := make([]byte, 4*arb)
			for tok := range 4 {
				copy(acts[tok*arb:], quantizeActs(ks, at, randomActs(rng, benchDim, false)))
			}
			out := make([]float32, 16)
			name := typ.String() + "/" + ks.name
			b.Run(name+"/1row", func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					for r := range 4 {
						out[r] = ks.dot[typ](w[r*rb:], acts, benchDim)
					}
				}
			})
			if f := ks.dotR4[typ]; f != nil {
				b.Run(name+"/4row", func(b *testing.B) {
					b.SetBytes(int64(len(w)))
					for b.Loop() {
						f(w, rb, acts, benchDim, out)
					}
				})
			}
			if f := ks.dot4[typ]; f != nil {
				b.Run(name+"/1row4tok", func(b *testing.B) {
					b.SetBytes(int64(len(w)))
					for b.Loop() {
						for r := range 4 {
							f(w[r*rb:], acts, arb, benchDim, out[r:], 4)
						}
					}
				})
			}
			if f := ks.dotR2x4[typ]; f != nil {
				as := (&Pool{}).actScales(acts, arb, benchDim/32, 4)
				b.Run(name+"/2row4tok", func(b *testing.B) {
					b.SetBytes(int64(len(w)))
					for b.Loop() {
						f(w, rb, acts, arb, as, benchDim, out, 4)
						f(w[2*rb:], rb, acts, arb, as, benchDim, out[2:], 4)
					}
				})
			}
		}
	}
}
