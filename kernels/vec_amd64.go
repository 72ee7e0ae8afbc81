//go:build !purego

package kernels

import "unsafe"

// AVX2 float kernels over the first n&^7 elements; the wrappers below
// finish the last n%8 in Go. Pointers must be valid for n elements.

// dotF16F32AVX2 is Σ f32(a[i])·b[i] (VCVTPH2PS widening).
//
//go:noescape
func dotF16F32AVX2(a *uint16, b *float32, n int) float32

// sumAVX2 is Σ x[i].
//
//go:noescape
func sumAVX2(x *float32, n int) float32

// axpyAVX2 is: for i { dst[i] = fma(alpha, x[i], dst[i]) }.
//
//go:noescape
func axpyAVX2(dst *float32, alpha float32, x *float32, n int)

// axpyF16AVX2 is: for i { dst[i] = fma(alpha, f32(x[i]), dst[i]) }.
//
//go:noescape
func axpyF16AVX2(dst *float32, alpha float32, x *uint16, n int)

// f32ToF16AVX2 is: for i { dst[i] = F32ToF16(src[i]) } (VCVTPS2PH, nearest
// even; a NaN keeps its payload's top bits where the Go code gives 0x7e00).
//
//go:noescape
func f32ToF16AVX2(dst *uint16, src *float32, n int)

// f16ToF32AVX2 is: for i { dst[i] = F16ToF32(src[i]) }.
//
//go:noescape
func f16ToF32AVX2(dst *float32, src *uint16, n int)

func dotF16F32Asm(a []uint16, b []float32) float32 {
	n8 := len(a) &^ 7
	if n8 == 0 {
		return dotF16F32Generic(a, b)
	}
	b = b[:len(a)]
	return dotF16F32AVX2(&a[0], &b[0], n8) + dotF16F32Generic(a[n8:], b[n8:])
}

func sumAsm(x []float32) float32 {
	n8 := len(x) &^ 7
	if n8 == 0 {
		return sumGeneric(x)
	}
	return sumAVX2(&x[0], n8) + sumGeneric(x[n8:])
}

func axpyAsm(dst []float32, alpha float32, x []float32) {
	n8 := len(x) &^ 7
	if n8 > 0 {
		dst = dst[:len(x)]
		axpyAVX2(&dst[0], alpha, &x[0], n8)
	}
	axpyGeneric(dst[n8:], alpha, x[n8:])
}

func axpyF16Asm(dst []float32, alpha float32, x []uint16) {
	n8 := len(x) &^ 7
	if n8 > 0 {
		dst = dst[:len(x)]
		axpyF16AVX2(&dst[0], alpha, &x[0], n8)
	}
	axpyF16Generic(dst[n8:], alpha, x[n8:])
}

func f32ToF16Asm(dst []uint16, src []float32) {
	n8 := len(src) &^ 7
	if n8 > 0 {
		dst = dst[:len(src)]
		f32ToF16AVX2(&dst[0], &src[0], n8)
	}
	f32ToF16RowGeneric(dst[n8:], src[n8:])
}

// quantizeF16Asm is quantizeF16Generic (activations of F16 weights) with
// VCVTPS2PH: the same round-to-nearest-even halves, little-endian bytes.
func quantizeF16Asm(dst []byte, x []float32) {
	if len(x) == 0 {
		return
	}
	_ = dst[2*len(x)-1]
	f32ToF16Asm(unsafe.Slice((*uint16)(unsafe.Pointer(&dst[0])), len(x)), x)
}

func f16ToF32Asm(dst []float32, src []uint16) {
	n8 := len(src) &^ 7
	if n8 > 0 {
		dst = dst[:len(src)]
		f16ToF32AVX2(&dst[0], &src[0], n8)
	}
	f16ToF32RowGeneric(dst[n8:], src[n8:])
}

// Weight-row dots over bytes (F32, F16, BF16 rows and activations).

func f32s(b []byte, n int) *float32 { return (*float32)(unsafe.Pointer(unsafe.SliceData(b[:4*n]))) }
func u16s(b []byte, n int) *uint16  { return (*uint16)(unsafe.Pointer(unsafe.SliceData(b[:2*n]))) }
