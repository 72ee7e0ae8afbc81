package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

func bf16Row(x []float32) []byte {
	b := make([]byte, 2*len(x))
	for i, v := range x {
		h := f32ToBF16Bits(v)
		b[2*i], b[2*i+1] = byte(h), byte(h>>8)
	}
	return b
}

// TestDotBF16DpOrder checks VDPBF16PS's order within a lane: the odd
// product is added before the even one. Lane 0 holds 2^-24 after the
// first 32 elements; then odd 1 (the sum rounds back to 1), even 2^-24
// (rounds to 1 again). Adding the even product first would give 1+2^-23.
func TestDotBF16DpOrder(t *testing.T) {
	w := make([]float32, 64)
	a := make([]float32, 64)
	w[1], a[1] = 1, 0x1p-24
	w[33], a[33] = 1, 1
	w[32], a[32] = 1, 0x1p-24
	if got := dotBF16DpTiny(bf16Row(w), bf16Row(a), 64); got != 1 {
		t.Errorf("tinyBLAS order: %v, want 1", got)
	}
	// vec_dot puts elements 32..63 in a second accumulator (1, the 2^-24
	// lost to its rounding) and adds the two in float64: 1+2^-24 rounds to 1.
	// With an even 2^-24 instead of the odd in the first, likewise.
	if got := dotBF16Dp(bf16Row(w), bf16Row(a), 64); got != 1 {
		t.Errorf("vec_dot order: %v, want 1", got)
	}
	w[1], w[0], a[0] = 0, 1, 0x1p-23
	if got := dotBF16Dp(bf16Row(w), bf16Row(a), 64); got != float32(1+0x1p-23) {
		t.Errorf("vec_dot sum in float64: %v, want %v", got, float32(1+0x1p-23))
	}
}

// TestDotBF16Kernels checks every level's BF16 dots: bit for bit against
// the Go order where the level uses it, else within float rounding.
func TestDotBF16Kernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 31, 32, 64, 96, 100, 256, 4096 + 40} {
		w := make([]float32, n)
		a := make([]float32, n)
		var exact float64
		for i := range w {
			w[i], a[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		wb, ab := bf16Row(w), bf16Row(a)
		for i := range w {
			exact += float64(tensor.BF16ToF32(f32ToBF16Bits(w[i]))) * float64(tensor.BF16ToF32(f32ToBF16Bits(a[i])))
		}
		for _, ks := range append([]*kernelSet{&genericKernels}, simdKernelSets()...) {
			fs := map[string]dotFunc{"dot": ks.dot[tensor.BF16]}
			if b := ks.dotBatch[tensor.BF16]; b != nil {
				fs["batch"] = b
			}
			for name, f := range fs {
				got := f(wb, ab, n)
				if math.Abs(float64(got)-exact) > 1e-5*math.Sqrt(float64(n))*4 {
					t.Errorf("%s %s n=%d: %v, exact %v", ks.name, name, n, got, exact)
				}
				if ks.level == AVX2 {
					want := dotBF16Dp(wb, ab, n)
					if name == "batch" {
						want = dotBF16DpTiny(wb, ab, n)
					}
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Errorf("%s %s n=%d: %v, Go order %v", ks.name, name, n, got, want)
					}
				}
			}
		}
	}
}
