//go:build !purego

package kernels

// 4-row K-quant dots for mat·vec (dotkrows_amd64.s): four weight rows
// wstride bytes apart against one Q8_K activation row, each output bit for
// bit the 1-row kernel's, nb ≥ 1 blocks. The rows share the activation's
// scale, bsums and q8 loads, interleave their independent sums, and pay
// the call and loop overhead once. rowsAsm4 (dotq8rows_amd64.go) wraps them.

// dotQ4_Kx4rAVX2 is, bit for bit:
//
//	for r := range 4 {
//		out[r] = dotQ4_KAVX2(w + r*wstride, a, nb)
//	}
//
//go:noescape
func dotQ4_Kx4rAVX2(w *byte, wstride int, a *byte, nb int, out *float32)

// dotQ5_Kx4rAVX2 is out[r] = dotQ5_KAVX2(w + r*wstride, a, nb), r < 4.
//
//go:noescape
func dotQ5_Kx4rAVX2(w *byte, wstride int, a *byte, nb int, out *float32)

// dotQ6_Kx4rAVX2 is out[r] = dotQ6_KAVX2(w + r*wstride, a, nb), r < 4.
//
//go:noescape
func dotQ6_Kx4rAVX2(w *byte, wstride int, a *byte, nb int, out *float32)
