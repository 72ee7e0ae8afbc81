//go:build amd64 && !purego

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gollama/gollama/tensor"
)

// kRows4 are the 4-row K-quant kernels of dotkrows_amd64.s, by type.
func kRows4() map[tensor.Type]dotR4Func {
	return map[tensor.Type]dotR4Func{
		tensor.Q4_K: kRowsAsm4(dotQ4_Kx4rAVX2, 144),
		tensor.Q5_K: kRowsAsm4(dotQ5_Kx4rAVX2, 176),
		tensor.Q6_K: kRowsAsm4(dotQ6_Kx4rAVX2, 210),
	}
}

// TestDotKRows4MatchDot: each 4-row K-quant kernel equals four calls of
// the AVX2 1-row dot bit for bit, for 0..13 blocks, row strides rb and
// rb+3, random and extreme rows, and writes nothing past out[3].
func TestDotKRows4MatchDot(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	ks := &avx2Kernels
	rng := rand.New(rand.NewPCG(61, 62))
	for typ, f := range kRows4() {
		for nb := 0; nb <= 13; nb++ {
			n := nb * 256
			for trial := range 6 {
				extreme := trial%2 == 1
				rb := typ.RowSize(n)
				stride := rb + trial/2%2*3
				w := make([]byte, 3*stride+rb)
				for r := range 4 {
					copy(w[r*stride:], randomRow(rng, typ, n, extreme))
				}
				a := quantizeActs(ks, tensor.Q8_K, randomActsFor(rng, typ, n, extreme))
				if trial >= 4 { // every quant and scale bit set, f16 scales 65504
					for i := range w {
						w[i] = 0xff
					}
					for r := range 4 {
						for b := range nb {
							for _, off := range halfFields[typ] {
								o := r*stride + b*typ.TypeSize() + off
								w[o], w[o+1] = 0xff, 0x7b // 65504
							}
						}
					}
				}
				out := []float32{1, 2, 3, 4, 42}
				f(w, stride, a, n, out[:4])
				if out[4] != 42 {
					t.Fatalf("%s n=%d: wrote past out[3]", typ, n)
				}
				for r := range 4 {
					want := ks.dot[typ](w[r*stride:], a, n)
					if math.Float32bits(out[r]) != math.Float32bits(want) {
						t.Fatalf("%s n=%d trial %d row %d: %g, 1-row dot %g", typ, n, trial, r, out[r], want)
					}
				}
			}
		}
	}
}

// BenchmarkDotR4 is four L1-resident 4096-value rows through four calls
// of the 1-row kernel (r1) and one call of the 4-row kernel (r4), in one
// run (MB/s of the four rows' weight bytes).
func BenchmarkDotR4(b *testing.B) {
	if !hasAVX2() {
		b.Skip("no AVX2")
	}
	for _, typ := range []tensor.Type{tensor.Q4_K, tensor.Q5_K, tensor.Q6_K} {
		f := kRows4()[typ]
		rng := rand.New(rand.NewPCG(2, 2))
		rb := typ.RowSize(benchDim)
		w := randomRow(rng, typ, 4*benchDim, false)
		a := quantizeActs(&avx2Kernels, tensor.Q8_K, randomActs(rng, benchDim, false))
		out := make([]float32, 4)
		dot := avx2Kernels.dot[typ]
		b.Run(typ.String()+"/r1", func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				for r := range 4 {
					out[r] = dot(w[r*rb:], a, benchDim)
				}
			}
		})
		b.Run(typ.String()+"/r4", func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				f(w, rb, a, benchDim, out)
			}
		})
		benchDot += out[0]
	}
}

// BenchmarkDotR4Min alternates bursts of 16 four-row dots through the
// 1-row kernel and the 4-row kernel and reports each one's fastest burst
// (ns per four rows) and their ratio: minima of interleaved bursts are
// steadier than means on a shared machine.
func BenchmarkDotR4Min(b *testing.B) {
	if !hasAVX2() {
		b.Skip("no AVX2")
	}
	for _, typ := range []tensor.Type{tensor.Q4_K, tensor.Q5_K, tensor.Q6_K} {
		f := kRows4()[typ]
		rng := rand.New(rand.NewPCG(2, 2))
		rb := typ.RowSize(benchDim)
		w := randomRow(rng, typ, 4*benchDim, false)
		a := quantizeActs(&avx2Kernels, tensor.Q8_K, randomActs(rng, benchDim, false))
		out := make([]float32, 4)
		dot := avx2Kernels.dot[typ]
		b.Run(typ.String(), func(b *testing.B) {
			const burst = 16
			min1, min4 := math.Inf(1), math.Inf(1)
			for b.Loop() {
				t0 := time.Now()
				for range burst {
					for r := range 4 {
						out[r] = dot(w[r*rb:], a, benchDim)
					}
				}
				t1 := time.Now()
				for range burst {
					f(w, rb, a, benchDim, out)
				}
				t2 := time.Now()
				min1 = min(min1, float64(t1.Sub(t0).Nanoseconds())/burst)
				min4 = min(min4, float64(t2.Sub(t1).Nanoseconds())/burst)
			}
			b.ReportMetric(min1, "r1-ns")
			b.ReportMetric(min4, "r4-ns")
			b.ReportMetric(min1/min4, "speedup")
		})
		benchDot += out[0]
	}
}

// BenchmarkDotR4Stream streams a 64 MB weight matrix (beyond the caches)
// through the 1-row kernel (r1) and the 4-row kernel (r4): decode-like
// mat·vec speed, MB/s of weights, for short and long rows.
func BenchmarkDotR4Stream(b *testing.B) {
	if !hasAVX2() {
		b.Skip("no AVX2")
	}
	for _, typ := range []tensor.Type{tensor.Q4_K, tensor.Q5_K, tensor.Q6_K} {
		for _, cols := range []int{2048, 11008} {
			f := kRows4()[typ]
			rng := rand.New(rand.NewPCG(3, 3))
			rb := typ.RowSize(cols)
			rows := (64 << 20) / rb / 4 * 4
			w := randomRow(rng, typ, rows*cols, false)
			a := quantizeActs(&avx2Kernels, tensor.Q8_K, randomActs(rng, cols, false))
			out := make([]float32, rows)
			dot := avx2Kernels.dot[typ]
			b.Run(fmt.Sprintf("%s/%d/r1", typ, cols), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					for r := range rows {
						out[r] = dot(w[r*rb:], a, cols)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/%d/r4", typ, cols), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					for r := 0; r < rows; r += 4 {
						f(w[r*rb:], rb, a, cols, out[r:r+4])
					}
				}
			})
			benchDot += out[0]
		}
	}
}
