//go:build !purego

package kernels

// F32/F16 weight dots in llama.cpp's AVX-512 summation order
// (dotfloat_amd64.s); pointers must be valid for n elements.

// dotF32Ggml is ggml_vec_dot_f32 as the AVX-512 build runs it:
//
//	four 16-lane accumulators l[r][k] = fma(w[64i+16r+k], a[..], l[r][k]);
//	s = reduce16((l0+l2) + (l1+l3)); then for the n%64 rest, as GCC
//	vectorizes ggml's scalar loop: s += w[i]*a[i] (product rounded) for
//	the first rest&^7, s = fma(w[i], a[i], s) for the last rest%8
//
//go:noescape
func dotF32Ggml(w, a *float32, n int) float32

// dotF16Ggml is ggml_vec_dot_f16 likewise, the n%64 rest added in float64.
//
//go:noescape
func dotF16Ggml(w, a *uint16, n int) float32

// dotF32Tiny is tinyBLAS's sum for batches: l[k] = fma(w[16i+k], a[..], l[k]),
// then reduce16(l). n must be a multiple of 16.
//
//go:noescape
func dotF32Tiny(w, a *float32, n int) float32

// dotF16Tiny is dotF32Tiny for halves. n must be a multiple of 16.
//
//go:noescape
func dotF16Tiny(w, a *uint16, n int) float32

func dotF32GgmlRow(w, a []byte, n int) float32 {
	if n == 0 {
		return 0
	}
	return dotF32Ggml(f32s(w, n), f32s(a, n), n)
}

func dotF16GgmlRow(w, a []byte, n int) float32 {
	if n == 0 {
		return 0
	}
	return dotF16Ggml(u16s(w, n), u16s(a, n), n)
}

func dotF32TinyRow(w, a []byte, n int) float32 {
	if n == 0 {
		return 0
	}
	return dotF32Tiny(f32s(w, n), f32s(a, n), n)
}

func dotF16TinyRow(w, a []byte, n int) float32 {
	if n == 0 {
		return 0
	}
	return dotF16Tiny(u16s(w, n), u16s(a, n), n)
}

func dotGgml(a, b []float32) float32 {
	if len(a) == 0 {
		return 0
	}
	b = b[:len(a)]
	return dotF32Ggml(&a[0], &b[0], len(a))
}
