//go:build !purego

package kernels

// 4-row K-quant dots for mat·vec (dotkrows_amd64.s): four weight rows
// wstride bytes apart, each block bstep bytes after the last (the block
// size for plain rows; 4·block size in packRows' K-quant layout), against
// one Q8_K activation row, each output bit for bit the 1-row kernel's,
// nb ≥ 1 blocks. The rows share the activation's scale, bsums and q8
// loads, interleave their independent sums, and pay the call and loop
// overhead once. kRowsAsm4 and kGroupRows wrap them.

// dotQ4_Kx4rAVX2 is, bit for bit:
//
//	for r := range 4 {
//		out[r] = dotQ4_KAVX2(row at w + r*wstride, blocks bstep apart, a, nb)
//	}
//
//go:noescape
func dotQ4_Kx4rAVX2(w *byte, wstride, bstep int, a *byte, nb int, out *float32)

// dotQ5_Kx4rAVX2 is out[r] = dotQ5_KAVX2(w + r*wstride, a, nb), r < 4.
//
//go:noescape
func dotQ5_Kx4rAVX2(w *byte, wstride, bstep int, a *byte, nb int, out *float32)

// dotQ6_Kx4rAVX2 is out[r] = dotQ6_KAVX2(w + r*wstride, a, nb), r < 4.
//
//go:noescape
func dotQ6_Kx4rAVX2(w *byte, wstride, bstep int, a *byte, nb int, out *float32)

// kRowsAsm4 wraps a 4-row K-quant kernel (wb weight bytes a block; Q8_K
// activations, 292 bytes) for plain rows as a dotR4Func.
func kRowsAsm4(f func(w *byte, wstride, bstep int, a *byte, nb int, out *float32), wb int) dotR4Func {
	return func(w []byte, wstride int, a []byte, n int, out []float32) {
		if n < 256 {
			clear(out[:4])
			return
		}
		nb := n / 256
		_ = w[3*wstride+nb*wb-1]
		_ = a[nb*292-1]
		_ = out[3]
		f(&w[0], wstride, wb, &a[0], nb, &out[0])
	}
}

// kGroupRows and kGroupRows4 run the 4-row and 2-row×4-token K-quant
// kernels over a group of rowGroup rows packed by packRows (two halves of
// four rows, each block by block: see packRows): a sequential stream per
// half instead of four strided ones, which the hardware prefetchers
// follow far better when two threads share the memory bus.
func kGroupRows(f func(w *byte, wstride, bstep int, a *byte, nb int, out *float32), wb int) dotRowsFunc {
	return func(w []byte, a []byte, n int, out []float32) {
		if n < 256 {
			clear(out[:rowGroup])
			return
		}
		nb := n / 256
		half := 4 * nb * wb
		_ = w[2*half-1]
		_ = a[nb*292-1]
		_ = out[rowGroup-1]
		f(&w[0], wb, 4*wb, &a[0], nb, &out[0])
		f(&w[half], wb, 4*wb, &a[0], nb, &out[4])
	}
}

func kGroupRows4(f func(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int), wb int) dotRows4Func {
	return func(w []byte, a []byte, astride int, _ []float32, n int, out []float32, ostride, ntok int) {
		if n < 256 {
			for t := range ntok {
				clear(out[t*ostride : t*ostride+rowGroup])
			}
			return
		}
		nb := n / 256
		half := 4 * nb * wb
		_ = w[2*half-1]
		_ = a[(ntok-1)*astride+nb*292-1]
		_ = out[(ntok-1)*ostride+rowGroup-1]
		for r := 0; r < rowGroup; r += 2 {
			for t := 0; t < ntok; t += 4 {
				f(&w[r/4*half+r%4*wb], wb, 4*wb, &a[t*astride], astride, nb, &out[t*ostride+r], ostride)
			}
		}
	}
}
