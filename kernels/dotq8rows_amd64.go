//go:build !purego

package kernels

// dotQ8_0x4rAVX2 (dotq8rows_amd64.s) is dotQ8_0AVX2 for four rows
// wstride bytes apart against one activation row, bit for bit:
//
//	for r := range 4 {
//		out[r] = dotQ8_0AVX2(w + r*wstride, a, nb)
//	}
//
//go:noescape
func dotQ8_0x4rAVX2(w *byte, wstride int, a *byte, nb int, out *float32)

// dotQ8_0x2rx4AVX2 is dotQ8_0AVX2 for two rows and four activation rows,
// bit for bit, given the activations' block scales as floats (as[4b+t] =
// f16 scale of token t's block b, as actScales lays them out):
//
//	for t := range 4 {
//		for r := range 2 {
//			out[t*ostride+r] = dotQ8_0AVX2(w + r*wstride, a + t*astride, nb)
//		}
//	}
//
//go:noescape
func dotQ8_0x2rx4AVX2(w *byte, wstride int, a *byte, astride int, as *float32, nb int, out *float32, ostride int)

// rowsAsm4 wraps a 4-row kernel for blocks of bs values (wb weight and ab
// activation bytes a block), checking that the rows, a and out are in
// bounds.
func rowsAsm4(f func(w *byte, wstride int, a *byte, nb int, out *float32), bs, wb, ab int) dotR4Func {
	return func(w []byte, wstride int, a []byte, n int, out []float32) {
		if n < bs {
			clear(out[:4])
			return
		}
		nb := n / bs
		_ = w[3*wstride+nb*wb-1]
		_ = a[nb*ab-1]
		_ = out[3]
		f(&w[0], wstride, &a[0], nb, &out[0])
	}
}

// rowsAsm2x4 wraps a 2-row 4-token kernel like rowsAsm4.
func rowsAsm2x4(f func(w *byte, wstride int, a *byte, astride int, as *float32, nb int, out *float32, ostride int), bs, wb, ab int) dotR2x4Func {
	return func(w []byte, wstride int, a []byte, astride int, as []float32, n int, out []float32, ostride int) {
		if n < bs {
			for t := range 4 {
				out[t*ostride], out[t*ostride+1] = 0, 0
			}
			return
		}
		nb := n / bs
		_ = w[wstride+nb*wb-1]
		_ = a[3*astride+nb*ab-1]
		_ = out[3*ostride+1]
		_ = as[4*nb-1]
		f(&w[0], wstride, &a[0], astride, &as[0], nb, &out[0], ostride)
	}
}

// dotQ8_0x8rAVX2 is dotQ8_0AVX2 for the eight rows of a group packed by
// packRows (Q8_0 layout), bit for bit:
//
//	for r := range 8 {
//		out[r] = dotQ8_0AVX2(row r, a, nb)
//	}
//
//go:noescape
func dotQ8_0x8rAVX2(w, a *byte, nb int, out *float32)

// dotQ8_0P2rx4AVX2 is dotQ8_0x2rx4AVX2 for two rows of a packed group,
// their scales at ws (ws+2) and quants at wq (wq+32), blocks 272 bytes
// apart; pf > 0 prefetches whole blocks pf bytes ahead.
//
//go:noescape
func dotQ8_0P2rx4AVX2(ws, wq, a *byte, astride int, as *float32, nb int, out *float32, ostride, pf int)

// q8Rows and q8Rows4 are the packed Q8_0 group kernels in dotRowsFunc and
// dotRows4Func form.
func q8Rows(w []byte, a []byte, n int, out []float32) {
	if n < 32 {
		clear(out[:rowGroup])
		return
	}
	nb := n / 32
	_ = w[nb*rowGroup*34-1]
	_ = a[nb*34-1]
	_ = out[rowGroup-1]
	dotQ8_0x8rAVX2(&w[0], &a[0], nb, &out[0])
}

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
