package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gollama/gollama/tensor"
)

// Benchmarks (go test -bench): weights are rotated through enough copies
// to exceed the last-level cache, so mat·vec figures are DRAM-streamed
// like a real model's, comparable with BenchmarkMemBandwidth.

const benchDim = 4096

var benchTypes = []tensor.Type{
	tensor.Q4_0, tensor.Q8_0, tensor.Q4_K, tensor.Q6_K, tensor.Q5_K, tensor.Q3_K, tensor.Q2_K,
	tensor.Q4_1, tensor.Q5_0, tensor.Q5_1, tensor.IQ4_NL, tensor.IQ4_XS, tensor.F16, tensor.BF16, tensor.F32,
}

// benchWeights returns copies of a random benchDim² matrix of type t
// totalling at least 96 MB.
func benchWeights(t tensor.Type) []*tensor.Tensor {
	rng := rand.New(rand.NewPCG(uint64(t), 1))
	one := randomTensor(rng, t, benchDim, benchDim)
	n := max(2, (96<<20)/len(one.Data)+1)
	ws := []*tensor.Tensor{one}
	for len(ws) < n {
		c := *one
		c.Data = append([]byte(nil), one.Data...)
		ws = append(ws, &c)
	}
	return ws
}

func benchLevels(b *testing.B, f func(b *testing.B)) {
	for _, l := range Levels() {
		b.Run(l.String(), func(b *testing.B) {
			if err := SetLevel(l); err != nil {
				b.Fatal(err)
			}
			defer SetLevel(Detected())
			f(b)
		})
	}
}

// BenchmarkMatVec reports GB/s of weights streamed (MB/s column).
func BenchmarkMatVec(b *testing.B) {
	for _, typ := range benchTypes {
		b.Run(typ.String(), func(b *testing.B) {
			ws := benchWeights(typ)
			x := randomActs(rand.New(rand.NewPCG(1, 1)), benchDim, false)
			dst := make([]float32, benchDim)
			benchLevels(b, func(b *testing.B) {
				for _, threads := range []int{1, 2} {
					b.Run(fmt.Sprintf("t%d", threads), func(b *testing.B) {
						p := NewPool(threads)
						defer p.Close()
						for _, w := range ws { // weights are packed on first use: not timed
							if err := MatMul(p, dst, w, x, 1); err != nil {
								b.Fatal(err)
							}
						}
						b.SetBytes(int64(len(ws[0].Data)))
						cpu0, n := cpuSeconds(), 0
						for i := 0; b.Loop(); i++ {
							if err := MatMul(p, dst, ws[i%len(ws)], x, 1); err != nil {
								b.Fatal(err)
							}
							n++
						}
						reportPerCPU(b, cpu0, float64(n)*float64(len(ws[0].Data)))
					})
				}
			})
		})
	}
}

// BenchmarkMatMat reports GFLOP/s of a benchDim² matrix times 64 tokens.
func BenchmarkMatMat(b *testing.B) {
	const nTok = 64
	for _, typ := range benchTypes {
		b.Run(typ.String(), func(b *testing.B) {
			ws := benchWeights(typ)[:1]
			x := randomActs(rand.New(rand.NewPCG(1, 1)), nTok*benchDim, false)
			dst := make([]float32, nTok*benchDim)
			benchLevels(b, func(b *testing.B) {
				for _, threads := range []int{1, 2} {
					b.Run(fmt.Sprintf("t%d", threads), func(b *testing.B) {
						p := NewPool(threads)
						defer p.Close()
						start, cpu0 := time.Now(), cpuSeconds()
						n := 0
						for b.Loop() {
							if err := MatMul(p, dst, ws[0], x, nTok); err != nil {
								b.Fatal(err)
							}
							n++
						}
						flops := 2.0 * benchDim * benchDim * nTok * float64(n)
						b.ReportMetric(flops/time.Since(start).Seconds()/1e9, "GFLOP/s")
						if c := cpuSeconds() - cpu0; c > 0 {
							b.ReportMetric(flops/c/1e9, "GFLOP/cpu-s")
						}
					})
				}
			})
		})
	}
}

// BenchmarkMatMatNarrow is eight tokens (eight conversations' decode step)
// through a narrow model's weight (SmolLM2-135M's FFN gate: 1536 rows of
// 576), the weights rotated through 96 MB as in a real forward pass, one
// thread: GFLOP per CPU-second. Narrow rows make each kernel call short,
// so per-call costs and the first touch of each row from memory show.
func BenchmarkMatMatNarrow(b *testing.B) {
	const cols, rows, nTok = 576, 1536, 8
	for _, typ := range []tensor.Type{tensor.F16, tensor.Q8_0, tensor.Q4_0} {
		b.Run(typ.String(), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(uint64(typ), 3))
			one := randomTensor(rng, typ, cols, rows)
			ws := []*tensor.Tensor{one}
			for len(ws) < (96<<20)/len(one.Data)+1 {
				c := *one
				c.Data = append([]byte(nil), one.Data...)
				ws = append(ws, &c)
			}
			x := randomActs(rng, nTok*cols, false)
			dst := make([]float32, nTok*rows)
			p := NewPool(1)
			defer p.Close()
			for _, w := range ws { // packed on first use: not timed
				if err := MatMul(p, dst, w, x, nTok); err != nil {
					b.Fatal(err)
				}
			}
			cpu0, n := cpuSeconds(), 0
			for i := 0; b.Loop(); i++ {
				if err := MatMul(p, dst, ws[i%len(ws)], x, nTok); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if c := cpuSeconds() - cpu0; c > 0 {
				b.ReportMetric(2*cols*rows*nTok*float64(n)/c/1e9, "GFLOP/cpu-s")
			}
		})
	}
}

var benchSum float32

// reportPerCPU adds GB per CPU-second (all threads' CPU time): for one
// thread, the speed it would reach unshared.
func reportPerCPU(b *testing.B, cpu0, bytes float64) {
	if c := cpuSeconds() - cpu0; c > 0 {
		b.ReportMetric(bytes/c/1e9, "GB/cpu-s")
	}
}

// BenchmarkMemBandwidth sums a 1 GB buffer with the SIMD Sum: single-core
// (and two-core) streaming bandwidth, the ceiling for mat·vec.
func BenchmarkMemBandwidth(b *testing.B) {
	buf := make([]float32, (1<<30)/4)
	for i := range buf {
		buf[i] = 1
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("t%d", threads), func(b *testing.B) {
			p := NewPool(threads)
			defer p.Close()
			sums := make([]float32, threads)
			b.SetBytes(int64(len(buf)) * 4)
			cpu0, n := cpuSeconds(), 0
			defer func() { reportPerCPU(b, cpu0, float64(n)*float64(len(buf))*4) }()
			for b.Loop() {
				n++
				p.Parallel(threads, func(s, e int) {
					for i := s; i < e; i++ {
						lo, hi := len(buf)*i/threads, len(buf)*(i+1)/threads
						sums[i] = Sum(buf[lo:hi])
					}
				})
			}
			benchSum = sums[0]
		})
	}
}

var benchDot float32

// BenchmarkDotRow is one cache-resident 4096-value row: kernel compute
// speed without memory stalls (MB/s of weight bytes).
func BenchmarkDotRow(b *testing.B) {
	for _, typ := range benchTypes {
		b.Run(typ.String(), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(2, 2))
			w := randomRow(rng, typ, benchDim, false)
			a := quantizeActs(&genericKernels, ActivationType(typ), randomActs(rng, benchDim, false))
			for _, ks := range append([]*kernelSet{&genericKernels}, simdKernelSets()...) {
				b.Run(ks.name, func(b *testing.B) {
					b.SetBytes(int64(len(w)))
					cpu0, n := cpuSeconds(), 0
					for b.Loop() {
						benchDot += ks.dot[typ](w, a, benchDim)
						n++
					}
					reportPerCPU(b, cpu0, float64(n)*float64(len(w)))
				})
			}
		})
	}
}

// BenchmarkQuantize is the per-call activation cost (MB/s of float input).
func BenchmarkQuantize(b *testing.B) {
	x := randomActs(rand.New(rand.NewPCG(3, 3)), benchDim, false)
	for _, at := range []tensor.Type{tensor.Q8_0, tensor.Q8_1, tensor.Q8_K} {
		dst := make([]byte, at.RowSize(benchDim))
		for _, ks := range append([]*kernelSet{&genericKernels}, simdKernelSets()...) {
			b.Run(at.String()+"/"+ks.name, func(b *testing.B) {
				b.SetBytes(4 * benchDim)
				for b.Loop() {
					ks.quantize[at](dst, x)
				}
			})
		}
	}
}
