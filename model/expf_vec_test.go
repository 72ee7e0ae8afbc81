package model

import (
	"github.com/gollama/gollama/tensor"
	"math"
	"math/rand/v2"
	"testing"
)

// expfTestValues spans vExpf's whole range: a sweep across [-200, 200]
// (underflow to subnormals and zero, overflow), random bit patterns, and
// the special values.
func expfTestValues() []float32 {
	xs := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 88.72283, 88.72284, -87.33655, -103.97208, -103.9721,
		-149 * 0.6931472, -150 * 0.6931472, 192 * 0.6931472, -192 * 0.6931472, 1e-45, -1e-45,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32}
	for i := range 200000 {
		xs = append(xs, float32(i)*0.002-200)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		xs = append(xs, math.Float32frombits(rng.Uint32()))
	}
	for len(xs)%8 != 0 {
		xs = append(xs, 0.5)
	}
	return xs
}

func sameFloat(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// TestSoftmaxExpVecExact: the vector softmax exponentials equal vExpf lane
// for lane, -Inf giving 0, whatever the maximum subtracted.
func TestSoftmaxExpVecExact(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no vector expf on this CPU")
	}
	xs := expfTestValues()
	for _, maxScore := range []float32{0, 3.5, -2.25, 150} {
		x := append([]float32(nil), xs...)
		if n := softmaxExpVec(x, maxScore); n != len(x) {
			t.Fatalf("handled %d of %d", n, len(x))
		}
		for i, v := range xs {
			want := float32(0)
			if !math.IsInf(float64(v), -1) {
				want = vExpf(v - maxScore)
			}
			if !sameFloat(x[i], want) {
				t.Fatalf("max %v: exp(%v - max) = %v (%#x), vExpf %v (%#x)", maxScore, v, x[i], math.Float32bits(x[i]), want, math.Float32bits(want))
			}
		}
	}
}

// TestSwigluVecExact: the vector swiglu equals the scalar formula bit for
// bit.
func TestSwigluVecExact(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no vector expf on this CPU")
	}
	xs := expfTestValues()
	rng := rand.New(rand.NewPCG(7, 8))
	up := make([]float32, len(xs))
	for i := range up {
		up[i] = float32(rng.NormFloat64())
	}
	gate := append([]float32(nil), xs...)
	if n := swigluVec(gate, up, len(gate)); n != len(gate) {
		t.Fatalf("handled %d of %d", n, len(gate))
	}
	for i, x := range xs {
		want := x / (1 + vExpf(-x)) * up[i]
		if !sameFloat(gate[i], want) {
			t.Fatalf("swiglu(%v, %v) = %v, scalar %v", x, up[i], gate[i], want)
		}
	}
}

// dotF16Scalar is dotF16 without the vector kernels.
func dotF16Scalar(k []uint16, q []float32, tiny bool) float32 {
	if tiny {
		var l [simdWidth]float32
		for i := 0; i < len(k); i += simdWidth {
			for t := range simdWidth {
				l[t] += tensor.F16ToF32(k[i+t]) * q[i+t]
			}
		}
		return reduce16(l[:])
	}
	np := len(k) &^ (laneCount - 1)
	var sum float64
	if np > 0 {
		var l [laneCount]float32
		for i := 0; i < np; i += laneCount {
			for t := range laneCount {
				l[t] += tensor.F16ToF32(k[i+t]) * q[i+t]
			}
		}
		sum = float64(reduce64(l[:]))
	}
	for i := np; i < len(k); i++ {
		sum += float64(tensor.F16ToF32(k[i]) * q[i])
	}
	return float32(sum)
}

// TestDotF16VecExact: dotF16 with the vector lanes equals the scalar loop
// bit for bit, for head sizes with and without a scalar rest.
func TestDotF16VecExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{16, 32, 48, 64, 80, 96, 128, 192, 200, 256} {
		for trial := range 50 {
			k := make([]uint16, n)
			q := make([]float32, n)
			scale := math.Pow(2, float64(rng.IntN(20)-10))
			for i := range k {
				k[i] = tensor.F32ToF16(float32(rng.NormFloat64() * scale))
				q[i] = roundF16(float32(rng.NormFloat64() * 3))
			}
			for _, tiny := range []bool{false, true} {
				if tiny && n%simdWidth != 0 {
					continue
				}
				got, want := dotF16(k, q, tiny), dotF16Scalar(k, q, tiny)
				if math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("n=%d trial %d tiny=%v: %v, scalar %v", n, trial, tiny, got, want)
				}
			}
		}
	}
}

// TestDotF16CellsMatchesDotF16: the run-of-cells K·q equals dotF16's
// tiny and vec_dot orders bit for bit, for head sizes 16..256, padded
// strides and 1..9 cells, with large and signed-zero values.
func TestDotF16CellsMatchesDotF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	for hk := 16; hk <= 256; hk += 16 {
		for _, pad := range []int{0, 3, 64} {
			stride := hk + pad
			for n := 1; n <= 9; n++ {
				k := make([]uint16, (n-1)*stride+hk)
				for i := range k {
					k[i] = tensor.F32ToF16(float32(rng.NormFloat64() * float64(1+rng.IntN(2)*3000)))
					if rng.IntN(16) == 0 {
						k[i] = 0x8000 // -0
					}
				}
				q := make([]float32, hk)
				for i := range q {
					q[i] = roundF16(float32(rng.NormFloat64() * 4))
				}
				for _, tiny := range []bool{true, false} {
					got, want := make([]float32, n), make([]float32, n)
					dotF16Cells(k, stride, q, got, tiny)
					dotF16CellsGo(k, stride, q, want, tiny)
					for c := range got {
						if math.Float32bits(got[c]) != math.Float32bits(want[c]) {
							t.Fatalf("tiny=%v hk %d stride %d cell %d of %d: %g, dotF16 %g", tiny, hk, stride, c, n, got[c], want[c])
						}
					}
				}
			}
		}
	}
}

// TestAxpyF16CellsMatchesAxpyF16: the run-of-cells Vᵀ·p equals one
// kernels.AxpyF16 per cell bit for bit, lane rows wrapping at the width.
func TestAxpyF16CellsMatchesAxpyF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	for _, width := range []int{16, 64} {
		for _, hv := range []int{8, 64, 128, 12} {
			for _, t0 := range []int{0, 5, width - 1} {
				for n := 1; n <= 70; n += 23 {
					vstride := hv + 7
					v := make([]uint16, (n-1)*vstride+hv)
					for i := range v {
						v[i] = tensor.F32ToF16(float32(rng.NormFloat64()))
					}
					p := make([]float32, n)
					for i := range p {
						p[i] = roundF16(float32(rng.Float64()))
					}
					got, want := make([]float32, width*hv), make([]float32, width*hv)
					for i := range got {
						got[i] = float32(rng.NormFloat64())
						want[i] = got[i]
					}
					axpyF16Cells(got, width, t0, hv, p, v, vstride)
					axpyF16CellsGo(want, width, t0, hv, p, v, vstride)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("width %d hv %d t0 %d n %d: lanes[%d] = %g, AxpyF16 %g", width, hv, t0, n, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestF32CellsMatchGo: the F32-cache run kernels equal the per-cell Go
// (emulated FMA lanes, dotF32's orders) bit for bit: K·q for head sizes
// 16..256 in both orders, Vᵀ·p for lane widths 16 and 64 wrapping at the
// width.
func TestF32CellsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(67, 68))
	for hk := 16; hk <= 256; hk += 16 {
		stride := hk + 3
		for n := 1; n <= 9; n += 4 {
			k := make([]float32, (n-1)*stride+hk)
			for i := range k {
				k[i] = float32(rng.NormFloat64() * float64(1+rng.IntN(2)*1000))
			}
			q := make([]float32, hk)
			for i := range q {
				q[i] = float32(rng.NormFloat64() * 4)
			}
			for _, tiny := range []bool{true, false} {
				got, want := make([]float32, n), make([]float32, n)
				dotF32Cells(k, stride, q, got, tiny)
				dotF32CellsGo(k, stride, q, want, tiny)
				for c := range got {
					if math.Float32bits(got[c]) != math.Float32bits(want[c]) {
						t.Fatalf("tiny=%v hk %d cell %d of %d: %g, dotF32 %g", tiny, hk, c, n, got[c], want[c])
					}
				}
			}
		}
	}
	for _, width := range []int{16, 64} {
		for _, hv := range []int{8, 64, 128, 12} {
			for _, t0 := range []int{0, 5, width - 1} {
				for n := 1; n <= 70; n += 23 {
					vstride := hv + 7
					v := make([]float32, (n-1)*vstride+hv)
					for i := range v {
						v[i] = float32(rng.NormFloat64())
					}
					p := make([]float32, n)
					for i := range p {
						p[i] = float32(rng.Float64())
					}
					got, want := make([]float32, width*hv), make([]float32, width*hv)
					for i := range got {
						got[i] = float32(rng.NormFloat64())
						want[i] = got[i]
					}
					axpyF32Cells(got, width, t0, hv, p, v, vstride)
					axpyF32CellsGo(want, width, t0, hv, p, v, vstride)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("width %d hv %d t0 %d n %d: lanes[%d] = %g, Go %g", width, hv, t0, n, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
