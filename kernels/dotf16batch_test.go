package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// f16Specials are halves at the edges of the format: zeros, the largest
// finite, infinities, subnormals and the smallest normals.
var f16Specials = []uint16{
	0x0000, 0x8000, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x0001, 0x8001,
	0x03ff, 0x83ff, 0x0400, 0x8400, 0x7800, 0xf800, 0x3c00, 0xbc00,
}

// halfRow is n halves: normal values, or (extreme) a quarter of them
// edge values and a quarter large.
func halfRow(rng *rand.Rand, n int, extreme bool, bf16 bool) []byte {
	b := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		f := float32(rng.NormFloat64())
		var h uint16
		if extreme && rng.IntN(4) == 0 {
			f *= 30000
		}
		if bf16 {
			h = tensor.F32ToBF16(f)
		} else {
			h = tensor.F32ToF16(f)
		}
		if extreme && rng.IntN(4) == 0 {
			h = f16Specials[rng.IntN(len(f16Specials))]
			if bf16 { // same role in bfloat16: top half of a float32's edges
				h = uint16(math.Float32bits(tensor.F16ToF32(h)) >> 16)
			}
		}
		binary.LittleEndian.PutUint16(b[2*i:], h)
	}
	return b
}

// guard fills outputs with a NaN whose bits no kernel makes.
const guardBits = 0x7fc0dead

// TestDot4BatchMatchesBatch: every dot4Batch kernel equals four dotBatch
// calls bit for bit, for rows of 0..13 steps of 16, padded activation
// strides, spread outputs and edge values, writing nothing else.
func TestDot4BatchMatchesBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 4))
	for _, ks := range simdKernelSets() {
		for _, typ := range []tensor.Type{tensor.F16, tensor.BF16} {
			d4, d := ks.dot4Batch[typ], ks.dotBatch[typ]
			if d4 == nil {
				continue
			}
			for nb := 0; nb <= 13; nb++ {
				n := 16 * nb
				for _, pad := range []int{0, 2, 34} {
					for _, ostride := range []int{1, 3} {
						for _, extreme := range []bool{false, true} {
							stride := 2*n + pad
							w := halfRow(rng, n, extreme, typ == tensor.BF16)
							a := make([]byte, 3*stride+2*n)
							for tok := range 4 {
								copy(a[tok*stride:], halfRow(rng, n, extreme, typ == tensor.BF16))
							}
							out := make([]float32, 3*ostride+2)
							for i := range out {
								out[i] = math.Float32frombits(guardBits)
							}
							d4(w, a, stride, n, out, ostride)
							name := fmt.Sprintf("%s %s n=%d stride=%d ostride=%d extreme=%v", ks.name, typ, n, stride, ostride, extreme)
							for i, v := range out {
								if i%ostride == 0 && i/ostride < 4 {
									tok := i / ostride
									want := d(w, a[tok*stride:], n)
									if math.Float32bits(v) != math.Float32bits(want) {
										t.Fatalf("%s: token %d = %g (%#x), dotBatch %g (%#x)", name, tok, v, math.Float32bits(v), want, math.Float32bits(want))
									}
								} else if math.Float32bits(v) != guardBits {
									t.Fatalf("%s: wrote out[%d] = %g", name, i, v)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestDot2x2BatchMatchesBatch: every dot2x2Batch kernel equals four
// dotBatch calls bit for bit, for rows of 0..13 steps of 16, padded weight
// and activation strides, spread outputs and edge values, writing nothing
// else.
func TestDot2x2BatchMatchesBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 5))
	for _, ks := range simdKernelSets() {
		for typ, d22 := range ks.dot2x2Batch {
			if d22 == nil {
				continue
			}
			d := ks.dotBatch[typ]
			bf16 := tensor.Type(typ) == tensor.BF16
			for nb := 0; nb <= 13; nb++ {
				n := 16 * nb
				for _, pad := range []int{0, 2, 34} {
					wstride, astride := 2*n+pad, 2*n+2*pad
					for k, ostride := range []int{2, 5} {
						pf := k * 2 * wstride // prefetching (past w's end too) changes nothing
						for _, extreme := range []bool{false, true} {
							w := make([]byte, wstride+2*n)
							a := make([]byte, astride+2*n)
							for i := range 2 {
								copy(w[i*wstride:], halfRow(rng, n, extreme, bf16))
								copy(a[i*astride:], halfRow(rng, n, extreme, bf16))
							}
							out := make([]float32, 2*ostride+1)
							for i := range out {
								out[i] = math.Float32frombits(guardBits)
							}
							d22(w, wstride, a, astride, n, out, ostride, pf)
							name := fmt.Sprintf("%s %s n=%d pad=%d ostride=%d extreme=%v", ks.name, tensor.Type(typ), n, pad, ostride, extreme)
							for i, v := range out {
								tok, r := i/ostride, i%ostride
								if tok < 2 && r < 2 {
									want := d(w[r*wstride:], a[tok*astride:], n)
									if math.Float32bits(v) != math.Float32bits(want) {
										t.Fatalf("%s: row %d token %d = %g (%#x), dotBatch %g (%#x)", name, r, tok, v, math.Float32bits(v), want, math.Float32bits(want))
									}
								} else if math.Float32bits(v) != guardBits {
									t.Fatalf("%s: wrote out[%d] = %g", name, i, v)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestMatMulFloatBatchTokens: MatMul of F16 and BF16 weights for 1..9
// tokens equals one dot per row and token (the batch dot from two tokens
// on, where llama.cpp takes tinyBLAS), whatever mix of 4-token and
// 1-token kernels ran, including edge values.
func TestMatMulFloatBatchTokens(t *testing.T) {
	defer func(v int) { minParallelWork = v }(minParallelWork)
	minParallelWork = 0
	rng := rand.New(rand.NewPCG(8, 9))
	for _, l := range Levels() {
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		ks := kernelsFor(l)
		for _, typ := range []tensor.Type{tensor.F16, tensor.BF16} {
			for _, shape := range [][2]int{{64, 12}, {208, 8}, {96, 13}, {40, 4}} {
				cols, rows := shape[0], shape[1]
				w := &tensor.Tensor{Name: "w", Type: typ, Shape: []int64{int64(cols), int64(rows)},
					Data: halfRow(rng, cols*rows, true, typ == tensor.BF16)}
				for nTok := 1; nTok <= 9; nTok++ {
					acts := make([]byte, 0, nTok*2*cols)
					for range nTok {
						acts = append(acts, halfRow(rng, cols, true, typ == tensor.BF16)...)
					}
					for _, threads := range []int{1, 2} {
						p := NewPool(threads)
						dst := make([]float32, nTok*rows+1)
						dst[len(dst)-1] = 42
						if err := MatMulQuantized(p, dst, w, acts, nTok); err != nil {
							t.Fatal(err)
						}
						p.Close()
						if dst[len(dst)-1] != 42 {
							t.Fatalf("%s %s: MatMul wrote past nTok*rows", l, typ)
						}
						for tok := range nTok {
							a := acts[tok*2*cols : (tok+1)*2*cols]
							for r := range rows {
								f := ks.dot[typ]
								if b := ks.dotBatch[typ]; b != nil && nTok >= 2 && cols%16 == 0 && rows%4 == 0 {
									f = b
								}
								want := f(w.Row(r), a, cols)
								if got := dst[tok*rows+r]; math.Float32bits(got) != math.Float32bits(want) {
									t.Fatalf("%s %s %dx%d nTok=%d threads=%d: [%d,%d] = %g, want %g",
										l, typ, rows, cols, nTok, threads, tok, r, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
	if err := SetLevel(Detected()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkDotFloatBatch: four sums of 1024 halves from L1: four batch
// dots vs the 4-token kernel (one row, four tokens) and the 2x2 kernel
// (two rows, two tokens).
func BenchmarkDotFloatBatch(b *testing.B) {
	const n = 1024
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ks := range simdKernelSets() {
		for _, typ := range []tensor.Type{tensor.F16, tensor.BF16} {
			w := halfRow(rng, n, false, typ == tensor.BF16)
			a := halfRow(rng, 4*n, false, typ == tensor.BF16)
			var out [4]float32
			d, d4 := ks.dotBatch[typ], ks.dot4Batch[typ]
			run := func(name string, f func()) {
				b.Run(fmt.Sprintf("%s/%s/%s", typ, ks.name, name), func(b *testing.B) {
					for b.Loop() {
						f()
					}
					b.ReportMetric(4*2*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
			if d == nil {
				continue
			}
			run("batch", func() {
				for tok := range 4 {
					out[tok] = d(w, a[tok*2*n:], n)
				}
			})
			if d4 != nil {
				run("x4", func() { d4(w, a, 2*n, n, out[:], 1) })
			}
			if d22 := ks.dot2x2Batch[typ]; d22 != nil { // two rows × two tokens: the same 4 sums
				w2 := append(w[:2*n:2*n], halfRow(rng, n, false, typ == tensor.BF16)...)
				run("2x2", func() { d22(w2, 2*n, a, 2*n, n, out[:], 2, 0) })
			}
		}
	}
}
