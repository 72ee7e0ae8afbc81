//go:build !purego

package kernels

// 4-token kernels (dotx4_amd64.s, dotkx4_amd64.s, dotk6x4_amd64.s): for
// t in 0..3,
//
//	out[t*ostride] = dot1(w, a + t*stride, nb)
//
// where dot1 is the matching 1-token kernel, whose results they reproduce
// bit for bit; each weight block is decoded once for all four tokens.

//go:noescape
func dotQ8_0x4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)

//go:noescape
func dotQ4_0x4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)

// dotQ4_0LanesAVX2 and dotQ4_0Lanesx4AVX2 (dotq40lanes_amd64.s) are the
// Q4_0 dots in ggml_vec_dot_q4_0_q8_0's AVX2 order (eight float lanes,
// hsum_float_8), for weights llama.cpp does not repack.
//
//go:noescape
func dotQ4_0LanesAVX2(w, a *byte, nb int) float32

//go:noescape
func dotQ4_0Lanesx4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)

//go:noescape
func dotQ4_Kx4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)

//go:noescape
func dotQ5_Kx4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)

//go:noescape
func dotQ6_Kx4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)

// blocksAsm4 wraps a 4-token kernel for blocks of bs values, checking that
// the four activation rows and outputs are in bounds.
func blocksAsm4(f func(w, a *byte, stride, nb int, out *float32, ostride int), bs int) dot4Func {
	return func(w, a []byte, stride, n int, out []float32, ostride int) {
		if n < bs {
			out[0], out[ostride], out[2*ostride], out[3*ostride] = 0, 0, 0, 0
			return
		}
		_ = a[3*stride+stride-1]
		_ = out[3*ostride]
		f(&w[0], &a[0], stride, n/bs, &out[0], ostride)
	}
}
