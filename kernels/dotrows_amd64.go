//go:build !purego

package kernels

// dotQ4_0x8rAVX2 (dotrows_amd64.s) sets out[r] = dotQ4_0AVX2 of row r of
// a group of eight rows in packRows' Q4_0 layout (144-byte blocks: the
// eight f16 scales, then the quants of rows 0,4,1,5,2,6,3,7), over nb
// blocks, for r < 8, bit for bit, with the eight rows' FMAs in one vector.
//
//go:noescape
func dotQ4_0x8rAVX2(w, a *byte, nb int, out *float32)

// dotQ4_0x8rx4AVX2 is dotQ4_0x8rAVX2 for four activation rows astride
// bytes apart: out[t·ostride + r] for t < 4, r < 8, bit for bit.
//
//go:noescape
func dotQ4_0x8rx4AVX2(w, a *byte, astride, nb int, out *float32, ostride int)

// blocksAsmRows4 wraps a 4-token packed 8-row kernel like blocksAsmRows.
func blocksAsmRows4(f func(w, a *byte, astride, nb int, out *float32, ostride int), bs, wb, ab int) dotRows4Func {
	return func(w []byte, a []byte, astride int, _ []float32, n int, out []float32, ostride, ntok int) {
		if n < bs {
			for t := range ntok {
				clear(out[t*ostride : t*ostride+rowGroup])
			}
			return
		}
		nb := n / bs
		_ = w[nb*rowGroup*wb-1]
		_ = a[(ntok-1)*astride+nb*ab-1]
		_ = out[(ntok-1)*ostride+rowGroup-1]
		for t := 0; t < ntok; t += 4 {
			f(&w[0], &a[t*astride], astride, nb, &out[t*ostride], ostride)
		}
	}
}

// blocksAsmRows wraps an 8-row kernel for blocks of bs values (wb weight
// and ab activation bytes a block) over one group of packed rows (see
// packRows), checking that the group, the activations and out are in
// bounds.
func blocksAsmRows(f func(w, a *byte, nb int, out *float32), bs, wb, ab int) dotRowsFunc {
	return func(w []byte, a []byte, n int, out []float32) {
		if n < bs {
			clear(out[:rowGroup])
			return
		}
		nb := n / bs
		_ = w[nb*rowGroup*wb-1]
		_ = a[nb*ab-1]
		_ = out[rowGroup-1]
		f(&w[0], &a[0], nb, &out[0])
	}
}
