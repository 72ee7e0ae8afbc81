//go:build !purego

package kernels

// dotF16Tiny2x2 (dotf16batch_amd64.s) computes, for r, t < 2,
//
//	out[t*ostride+r] = dotF16Tiny(w + r*wstride bytes, a + t*astride bytes, n)
//
// bit for bit: two rows against two tokens, each vector converted once
// for two sums. n must be a positive multiple of 16; pf ≠ 0 also
// prefetches both rows' lines pf bytes on.
//
//go:noescape
func dotF16Tiny2x2(w *uint16, wstride int, a *uint16, astride, n int, out *float32, ostride, pf int)

// dotBF16Tinyx4AVX2 (dotf16batch_amd64.s) is dotBF16TinyAVX2 for four
// tokens: out[t*ostride] = dotBF16TinyAVX2(w, a + t*stride bytes, n32),
// bit for bit. n32 ≥ 1 steps of 32 values.
//
//go:noescape
func dotBF16Tinyx4AVX2(w, a *uint16, stride, n32 int, out *float32, ostride int)

// dotF16TinyRow2x2 is the dot2x2Func of dotF16TinyRow.
func dotF16TinyRow2x2(w []byte, wstride int, a []byte, astride, n int, out []float32, ostride, pf int) {
	_ = out[ostride+1]
	if n == 0 {
		out[0], out[1], out[ostride], out[ostride+1] = 0, 0, 0, 0
		return
	}
	_ = w[wstride+2*n-1]
	_ = a[astride+2*n-1]
	dotF16Tiny2x2(u16s(w, n), wstride, u16s(a, n), astride, n, &out[0], ostride, pf)
}

// dotBF16DpTinyAsm4 is the dot4Func of dotBF16DpTinyAsm (rows it hands to
// dotBF16Dp go there token by token).
func dotBF16DpTinyAsm4(w, a []byte, stride, n int, out []float32, ostride int) {
	_ = out[3*ostride]
	if n%32 != 0 || n == 0 {
		for t := range 4 {
			out[t*ostride] = dotBF16DpTinyAsm(w, a[t*stride:], n)
		}
		return
	}
	_ = a[3*stride+2*n-1]
	dotBF16Tinyx4AVX2(u16s(w, n), u16s(a, n), stride, n/32, &out[0], ostride)
}
