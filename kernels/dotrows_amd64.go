//go:build !purego

package kernels

// dotQ4_0x8rAVX2 (dotrows_amd64.s) sets out[r] = dotQ4_0AVX2 of the row
// whose block b is at w + r·wstride + b·bstep, for r < 8, bit for bit,
// with the eight rows' FMAs in one vector.
//
//go:noescape
func dotQ4_0x8rAVX2(w *byte, wstride, bstep int, a *byte, nb int, out *float32)

// dotQ4_0x8rx4AVX2 is dotQ4_0x8rAVX2 for four activation rows astride
// bytes apart: out[t·ostride + r] for t < 4, r < 8, bit for bit.
//
//go:noescape
func dotQ4_0x8rx4AVX2(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int)

// blocksAsmRows4 wraps a 4-token 8-row kernel like blocksAsmRows.
func blocksAsmRows4(f func(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int), bs, wb, ab int) dotRows4Func {
	return func(w []byte, wstride, bstep int, a []byte, astride, n int, out []float32, ostride int) {
		if n < bs {
			for t := range 4 {
				clear(out[t*ostride : t*ostride+rowGroup])
			}
			return
		}
		nb := n / bs
		_ = w[(rowGroup-1)*wstride+(nb-1)*bstep+wb-1]
		_ = a[3*astride+nb*ab-1]
		_ = out[3*ostride+rowGroup-1]
		f(&w[0], wstride, bstep, &a[0], astride, nb, &out[0], ostride)
	}
}

// blocksAsmRows wraps an 8-row kernel for blocks of bs values (wb weight
// and ab activation bytes a block), checking that the eight weight rows,
// the activations and out are in bounds.
func blocksAsmRows(f func(w *byte, wstride, bstep int, a *byte, nb int, out *float32), bs, wb, ab int) dotRowsFunc {
	return func(w []byte, wstride, bstep int, a []byte, n int, out []float32) {
		if n < bs {
			clear(out[:rowGroup])
			return
		}
		nb := n / bs
		_ = w[(rowGroup-1)*wstride+(nb-1)*bstep+wb-1]
		_ = a[nb*ab-1]
		_ = out[rowGroup-1]
		f(&w[0], wstride, bstep, &a[0], nb, &out[0])
	}
}
