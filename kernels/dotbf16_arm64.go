//go:build !purego

package kernels

import "unsafe"

// dotBF16NEON sets out to four lane sums of bf16(w[i])·bf16(a[i]) over n
// (a multiple of 8) elements (dotbf16_arm64.s).
//
//go:noescape
func dotBF16NEON(w, a *uint16, n int, out *[4]float32)

// dotBF16RowNEON is the BF16 weight dot on NEON: float32 lanes (the
// generic Go sums in float64, so the two differ in float rounding).
func dotBF16RowNEON(w, a []byte, n int) float32 {
	n8 := n &^ 7
	if n8 == 0 {
		return dotBF16Generic(w, a, n)
	}
	var l [4]float32
	dotBF16NEON((*uint16)(unsafe.Pointer(&w[:2*n][0])), (*uint16)(unsafe.Pointer(&a[:2*n][0])), n8, &l)
	return laneSum(&l) + dotBF16Generic(w[2*n8:], a[2*n8:], n-n8)
}
