package kernels

import "math"

// dotGeneric is ggml_vec_dot_f32's scalar form: float32 products summed in
// float64.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s float64
	for i, x := range a {
		s += float64(float32(x * b[i]))
	}
	return float32(s)
}

func dotF16F32Generic(a []uint16, b []float32) float32 {
	b = b[:len(a)]
	var s float64
	for i, h := range a {
		s += float64(float32(f16Table[h] * b[i]))
	}
	return float32(s)
}

func axpyGeneric(dst []float32, alpha float32, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] += float32(alpha * v)
	}
}

func axpyF16Generic(dst []float32, alpha float32, x []uint16) {
	dst = dst[:len(x)]
	for i, h := range x {
		dst[i] += float32(alpha * f16Table[h])
	}
}

func sumGeneric(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

func expf(x float32) float32 { return float32(math.Exp(float64(x))) }
