//go:build !purego

package kernels

// dotQ8_0x2rx4AVX2 (dotq8prefill_amd64.s) is dotQ8_0AVX2 for two rows and
// four activation rows, bit for bit, given the activations' block scales
// as floats (as[4b+t] = f16 scale of token t's block b, as actScales lays
// them out):
//
//	for t := range 4 {
//		for r := range 2 {
//			out[t*ostride+r] = dotQ8_0AVX2(w + r*wstride, a + t*astride, nb)
//		}
//	}
//
//go:noescape
func dotQ8_0x2rx4AVX2(w *byte, wstride int, a *byte, astride int, as *float32, nb int, out *float32, ostride int)

// dotQ8_0P2rx4AVX2 is dotQ8_0x2rx4AVX2 for two rows of a packed group,
// their scales at ws (ws+2) and quants at wq (wq+32), blocks 272 bytes
// apart; pf > 0 prefetches whole blocks pf bytes ahead.
//
//go:noescape
func dotQ8_0P2rx4AVX2(ws, wq, a *byte, astride int, as *float32, nb int, out *float32, ostride, pf int)

// q8Rows4 is the packed Q8_0 group kernel in dotRows4Func form.
func q8Rows4(w []byte, a []byte, astride int, as []float32, n int, out []float32, ostride, ntok int) {
	if n < 32 {
		for t := range ntok {
			clear(out[t*ostride : t*ostride+rowGroup])
		}
		return
	}
	nb := n / 32
	_ = w[nb*rowGroup*34-1]
	_ = a[(ntok-1)*astride+nb*34-1]
	_ = as[ntok*nb-1]
	_ = out[(ntok-1)*ostride+rowGroup-1]
	// Pairs of rows outer, tokens inner: a pair's lines stay in L1 for
	// every token; the group's first pass prefetches it all.
	pf := 4 * rowGroup * 34
	for r := 0; r < rowGroup; r += 2 {
		for t := 0; t < ntok; t += 4 {
			dotQ8_0P2rx4AVX2(&w[2*r], &w[16+32*r], &a[t*astride], astride, &as[t*nb], nb, &out[t*ostride+r], ostride, pf)
			pf = 0
		}
	}
}
