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

// q8Rows is the packed Q8_0 group kernel in dotRowsFunc form (q8Rows4,
// dotq8prefill_amd64.go, the dotRows4Func).
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
