package kernels

import (
	"fmt"
	"math"
)

// Element-wise helpers for the forward pass. Slices must have matching
// lengths; a mismatch is a programming error and panics with a message.

func sameLen(op string, n int, m ...int) {
	for _, k := range m {
		if k != n {
			panic(fmt.Sprintf("kernels.%s: lengths %d and %d differ", op, n, k))
		}
	}
}

// Dot is Σ a[i]*b[i] as ggml_vec_dot_f32: generic, float32 products summed
// in float64 (its scalar path); AVX2, its AVX-512 order (four 16-lane FMA
// accumulators over steps of 64, then the rest by scalar FMA); NEON, FMA
// into 4-lane accumulators.
func Dot(a, b []float32) float32 {
	sameLen("Dot", len(a), len(b))
	return active.Load().dotF32(a, b)
}

// DotF16 is Σ f32(a[i])*b[i] for a row of an F16 KV cache against an f32
// query. Each half is widened exactly; generic accumulates float32 products
// in float64, SIMD levels in float32 lanes with FMA. (ggml instead rounds
// the query to F16 first; callers wanting that bit-for-bit can round b
// with F32ToF16Row/F16ToF32Row.)
func DotF16(a []uint16, b []float32) float32 {
	sameLen("DotF16", len(a), len(b))
	return active.Load().dotF16(a, b)
}

// Axpy is dst += alpha*x.
func Axpy(dst []float32, alpha float32, x []float32) {
	sameLen("Axpy", len(dst), len(x))
	active.Load().axpy(dst, alpha, x)
}

// AxpyF16 is dst += alpha*f32(x), the V accumulation from an F16 cache.
func AxpyF16(dst []float32, alpha float32, x []uint16) {
	sameLen("AxpyF16", len(dst), len(x))
	active.Load().axpyF16(dst, alpha, x)
}

// RMSNorm is dst = x / sqrt(mean(x²) + eps) * weight, as ggml_rms_norm
// followed by ggml_mul: squares (float32) summed in float64, mean and scale
// in float32, x*scale rounded, then times weight. dst may alias x.
func RMSNorm(dst, x, weight []float32, eps float32) {
	sameLen("RMSNorm", len(x), len(dst), len(weight))
	if len(x) == 0 {
		return
	}
	var sum float64
	for _, v := range x {
		sum += float64(float32(v * v))
	}
	mean := float32(sum / float64(len(x)))
	scale := 1 / float32(math.Sqrt(float64(mean+eps)))
	for i, v := range x {
		dst[i] = float32(v*scale) * weight[i]
	}
}

// Softmax replaces x by exp(x-max)/Σ, as ggml_vec_soft_max_f32: the sum of
// the float32 exponentials kept in float64, then scaled by 1/sum.
func Softmax(x []float32) {
	if len(x) == 0 {
		return
	}
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for i, v := range x {
		e := expf(v - m)
		x[i] = e
		sum += float64(e)
	}
	s := float32(1 / sum)
	for i := range x {
		x[i] *= s
	}
}

// SiLUMul is dst = silu(gate)*up with silu(g) = g/(1+exp(-g)) (ggml's
// swiglu). dst may alias gate or up.
func SiLUMul(dst, gate, up []float32) {
	sameLen("SiLUMul", len(dst), len(gate), len(up))
	for i, g := range gate {
		dst[i] = g / (1 + expf(-g)) * up[i]
	}
}

// Add is dst = a + b (dst may alias either).
func Add(dst, a, b []float32) {
	sameLen("Add", len(dst), len(a), len(b))
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Scale is x *= s.
func Scale(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

// F32ToF16Row rounds src to halves (nearest even).
func F32ToF16Row(dst []uint16, src []float32) {
	sameLen("F32ToF16Row", len(dst), len(src))
	active.Load().f32ToF16(dst, src)
}

// F16ToF32Row widens halves (exact).
func F16ToF32Row(dst []float32, src []uint16) {
	sameLen("F16ToF32Row", len(dst), len(src))
	active.Load().f16ToF32(dst, src)
}

// Argmax is the index of the first largest value (ggml_vec_argmax_f32);
// -1 for an empty slice.
func Argmax(x []float32) int {
	if len(x) == 0 {
		return -1
	}
	best, idx := x[0], 0
	for i, v := range x {
		if v > best {
			best, idx = v, i
		}
	}
	return idx
}

// Sum is Σ x[i] in float32 (SIMD lanes where available); the memory
// bandwidth benchmark's baseline.
func Sum(x []float32) float32 { return active.Load().sum(x) }
