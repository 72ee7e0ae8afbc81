//go:build !purego

package kernels

// dotQ4_Kx2rx4AVX2 (dotkprefill_amd64.s) is dotQ4_KAVX2 for two rows and
// four activation rows, bit for bit:
//
//	for t := range 4 {
//		for r := range 2 {
//			out[t*ostride+r] = dotQ4_KAVX2(row at w + r*wstride, blocks bstep apart, a + t*astride, nb)
//		}
//	}
//
//go:noescape
func dotQ4_Kx2rx4AVX2(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int)

// dotQ6_Kx2rx4AVX2 is dotQ6_KAVX2 for two rows and four activation rows,
// bit for bit, in the same layout as dotQ4_Kx2rx4AVX2.
//
//go:noescape
func dotQ6_Kx2rx4AVX2(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int)

// kRowsAsm2x4 wraps a 2-row 4-token K-quant kernel (super-blocks of 256
// values, wb weight bytes; Q8_K activations of 292 bytes a block) as a
// dotR2x4Func. It needs no activation scales (as may be nil): Q8_K keeps
// its scale as a float32 already.
func kRowsAsm2x4(f func(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int), wb int) dotR2x4Func {
	return func(w []byte, wstride int, a []byte, astride int, _ []float32, n int, out []float32, ostride int) {
		if n < 256 {
			for t := range 4 {
				out[t*ostride], out[t*ostride+1] = 0, 0
			}
			return
		}
		nb := n / 256
		_ = w[wstride+nb*wb-1]
		_ = a[3*astride+nb*292-1]
		_ = out[3*ostride+1]
		f(&w[0], wstride, wb, &a[0], astride, nb, &out[0], ostride)
	}
}
