//go:build !purego

package kernels

import "unsafe"

// NEON float kernels (vec_arm64.s) over n&^7 elements; the wrappers finish
// the tail in Go.

// dotF16F32NEON sets out to four lane sums of f32(a[i])·b[i].
//
//go:noescape
func dotF16F32NEON(a *uint16, b *float32, n int, out *[4]float32)

// dotF16F16NEON sets out to four lane sums of f32(a[i])·f32(b[i]).
//
//go:noescape
func dotF16F16NEON(a, b *uint16, n int, out *[4]float32)

// axpyNEON is: for i { dst[i] = fma(alpha, x[i], dst[i]) }.
//
//go:noescape
func axpyNEON(dst *float32, alpha float32, x *float32, n int)

// axpyF16NEON is: for i { dst[i] = fma(alpha, f32(x[i]), dst[i]) }.
//
//go:noescape
func axpyF16NEON(dst *float32, alpha float32, x *uint16, n int)

func dotF16F32NEONRow(a []uint16, b []float32) float32 {
	n8 := len(a) &^ 7
	if n8 == 0 {
		return dotF16F32Generic(a, b)
	}
	b = b[:len(a)]
	var l [4]float32
	dotF16F32NEON(&a[0], &b[0], n8, &l)
	return laneSum(&l) + dotF16F32Generic(a[n8:], b[n8:])
}

func dotF16RowNEON(w, a []byte, n int) float32 {
	n8 := n &^ 7
	if n8 == 0 {
		return dotF16Generic(w, a, n)
	}
	var l [4]float32
	dotF16F16NEON((*uint16)(unsafe.Pointer(&w[:2*n][0])), (*uint16)(unsafe.Pointer(&a[:2*n][0])), n8, &l)
	return laneSum(&l) + dotF16Generic(w[2*n8:], a[2*n8:], n-n8)
}

func axpyNEONRow(dst []float32, alpha float32, x []float32) {
	n8 := len(x) &^ 7
	if n8 > 0 {
		dst = dst[:len(x)]
		axpyNEON(&dst[0], alpha, &x[0], n8)
	}
	axpyGeneric(dst[n8:], alpha, x[n8:])
}

func axpyF16NEONRow(dst []float32, alpha float32, x []uint16) {
	n8 := len(x) &^ 7
	if n8 > 0 {
		dst = dst[:len(x)]
		axpyF16NEON(&dst[0], alpha, &x[0], n8)
	}
	axpyF16Generic(dst[n8:], alpha, x[n8:])
}
