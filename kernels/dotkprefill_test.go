//go:build !purego && amd64

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// kPrefill2x4 is each K-quant 2-row 4-token kernel under test.
func kPrefill2x4() map[tensor.Type]dotR2x4Func {
	return map[tensor.Type]dotR2x4Func{
		tensor.Q4_K: kRowsAsm2x4(dotQ4_Kx2rx4AVX2, 144),
		tensor.Q6_K: kRowsAsm2x4(dotQ6_Kx2rx4AVX2, 210),
	}
}

// TestKPrefillMatchesDot: the K-quant 2-row 4-token kernels equal eight
// 1-row AVX2 dots bit for bit, for every tail of 0..13 super-blocks,
// padded row, token and output strides, extreme values, and write nothing
// but their outputs.
func TestKPrefillMatchesDot(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	ks := &avx2Kernels
	rng := rand.New(rand.NewPCG(61, 62))
	for typ, f := range kPrefill2x4() {
		at := ActivationType(typ)
		for nb := 0; nb <= 13; nb++ {
			n := nb * 256
			for trial := range 6 {
				extreme := trial%2 == 1
				rb := typ.RowSize(n)
				wstride := rb + trial/2*3
				w := make([]byte, wstride+rb)
				for r := range 2 {
					copy(w[r*wstride:], randomRow(rng, typ, n, extreme))
				}
				arb := at.RowSize(n) + trial/2*7
				acts := make([]byte, 4*arb)
				for tok := range 4 {
					copy(acts[tok*arb:], quantizeActs(ks, at, randomActsFor(rng, typ, n, extreme)))
				}
				ostride := 2 + trial/2*3
				out := make([]float32, 3*ostride+3)
				for i := range out {
					out[i] = 42
				}
				f(w, wstride, acts, arb, nil, n, out[:3*ostride+2], ostride)
				for i, v := range out {
					if (i%ostride >= 2 || i >= 3*ostride+2) && v != 42 {
						t.Fatalf("%s n=%d: wrote out[%d]", typ, n, i)
					}
				}
				for tok := range 4 {
					for r := range 2 {
						want := ks.dot[typ](w[r*wstride:], acts[tok*arb:], n)
						if got := out[tok*ostride+r]; math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("%s n=%d trial %d token %d row %d: %g, 1-row dot %g", typ, n, trial, tok, r, got, want)
						}
					}
				}
			}
		}
	}
}

// BenchmarkKPrefillMatMat is BenchmarkMatMat's q4_K/q6_K single-thread
// case without (1row4tok) and with (2row4tok) the 2-row kernels, in one
// run (it swaps avx2Kernels' entry for the first). BenchmarkMultiRowDots
// compares the kernels alone.
func BenchmarkKPrefillMatMat(b *testing.B) {
	if !hasAVX2() {
		b.Skip("no AVX2")
	}
	const nTok = 64
	defer SetLevel(Detected())
	if err := SetLevel(AVX2); err != nil {
		b.Fatal(err)
	}
	for _, typ := range []tensor.Type{tensor.Q4_K, tensor.Q6_K} {
		w := benchWeights(typ)[0]
		x := randomActs(rand.New(rand.NewPCG(1, 1)), nTok*benchDim, false)
		dst := make([]float32, nTok*benchDim)
		saved := avx2Kernels.dotR2x4[typ]
		for _, v := range []struct {
			name string
			f    dotR2x4Func
		}{{"1row4tok", nil}, {"2row4tok", saved}} {
			b.Run(typ.String()+"/"+v.name, func(b *testing.B) {
				avx2Kernels.dotR2x4[typ] = v.f
				defer func() { avx2Kernels.dotR2x4[typ] = saved }()
				p := NewPool(1)
				defer p.Close()
				cpu0, n := cpuSeconds(), 0
				for b.Loop() {
					if err := MatMul(p, dst, w, x, nTok); err != nil {
						b.Fatal(err)
					}
					n++
				}
				if c := cpuSeconds() - cpu0; c > 0 {
					b.ReportMetric(2.0*benchDim*benchDim*nTok*float64(n)/c/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
}
