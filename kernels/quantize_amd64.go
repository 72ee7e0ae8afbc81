//go:build !purego

package kernels

// quantizeQ8_0AVX2 is llama.cpp's x86 quantize_row_q8_0 over nb blocks of
// 32 values (34 bytes each), bit for bit tensor.QuantizeRowQ8_0x86: unlike
// quantizeQ8_0Generic (the _ref function) it scales by 127/amax and rounds
// ties to even, so a few quants differ by one; it is what produced the
// reference logits.
//
//go:noescape
func quantizeQ8_0AVX2(dst *byte, x *float32, nb int)

// quantizeQ8_1AVX2 is llama.cpp's x86 quantize_row_q8_1 over nb blocks of
// 32 values (36 bytes each), bit for bit tensor.QuantizeRowQ8_1x86.
//
//go:noescape
func quantizeQ8_1AVX2(dst *byte, x *float32, nb int)

// quantizeQ8_KAVX2 is quantizeQ8_KGeneric over nb blocks of 256 values
// (292 bytes each), bit for bit.
//
//go:noescape
func quantizeQ8_KAVX2(dst *byte, x *float32, nb int)

func quantizeQ8_0Asm(dst []byte, x []float32) {
	nb := len(x) / 32
	if nb == 0 {
		return
	}
	_ = dst[34*nb-1]
	quantizeQ8_0AVX2(&dst[0], &x[0], nb)
}

func quantizeQ8_KAsm(dst []byte, x []float32) {
	nb := len(x) / 256
	if nb == 0 {
		return
	}
	_ = dst[292*nb-1]
	quantizeQ8_KAVX2(&dst[0], &x[0], nb)
}

func quantizeQ8_1Asm(dst []byte, x []float32) {
	nb := len(x) / 32
	if nb == 0 {
		return
	}
	_ = dst[36*nb-1]
	quantizeQ8_1AVX2(&dst[0], &x[0], nb)
}
