package kernels

import "encoding/binary"

// BF16 weight dots in the order llama.cpp's AVX512_BF16 build (the one
// that made the reference logits) sums them. Its VDPBF16PS adds, in each
// of 16 float32 lanes, the odd then the even product of a pair of
// bfloat16s, each addition rounded (bfloat16 products are exact in
// float32, so FMA or not makes no difference).
//
//   - dotBF16Dp, ggml_vec_dot_bf16: two 16-lane accumulators over steps of
//     64 (c1 the first 32 elements, c2 the next), each reduced as
//     _mm512_reduce_add_ps and summed in float64 with the n%64 rest.
//   - dotBF16DpTiny, llamafile's tinyBLAS for batches: one 16-lane
//     accumulator over steps of 32, then the reduction; rows whose length
//     is not a multiple of 32 go through dotBF16Dp, as llamafile_sgemm
//     declines them.
//
// They are plain Go: the adds are float32 and bit-identical everywhere.

func bf16At(b []byte, i int) float32 { return bf16BitsToF32(binary.LittleEndian.Uint16(b[2*i:])) }

// dpbf16Step adds 32 elements at i into the 16 lanes l.
func dpbf16Step(l *[16]float32, w, a []byte, i int) {
	w, a = w[2*i:2*i+64], a[2*i:2*i+64]
	for k := range 16 {
		o := bf16BitsToF32(uint16(w[4*k+2])|uint16(w[4*k+3])<<8) * bf16BitsToF32(uint16(a[4*k+2])|uint16(a[4*k+3])<<8)
		e := bf16BitsToF32(uint16(w[4*k])|uint16(w[4*k+1])<<8) * bf16BitsToF32(uint16(a[4*k])|uint16(a[4*k+1])<<8)
		l[k] += o
		l[k] += e
	}
}

// reduceAdd16 is _mm512_reduce_add_ps: 256-bit halves added, then 128-bit
// halves, then lanes 0+2 and 1+3, then those two.
func reduceAdd16(x *[16]float32) float32 {
	var t [4]float32
	for i := range 4 {
		t[i] = (x[12+i] + x[4+i]) + (x[8+i] + x[i])
	}
	return (t[0] + t[2]) + (t[1] + t[3])
}

func dotBF16Dp(w, a []byte, n int) float32 {
	var c1, c2 [16]float32
	i := 0
	for ; i+64 <= n; i += 64 {
		dpbf16Step(&c1, w, a, i)
		dpbf16Step(&c2, w, a, i+32)
	}
	sum := float64(reduceAdd16(&c1)) + float64(reduceAdd16(&c2))
	for ; i < n; i++ {
		sum += float64(bf16At(w, i) * bf16At(a, i))
	}
	return float32(sum)
}

func dotBF16DpTiny(w, a []byte, n int) float32 {
	if n%32 != 0 {
		return dotBF16Dp(w, a, n)
	}
	var l [16]float32
	for i := 0; i < n; i += 32 {
		dpbf16Step(&l, w, a, i)
	}
	return reduceAdd16(&l)
}
