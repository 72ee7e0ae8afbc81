package kernels

import "github.com/gollama/gollama/tensor"

// The generic activation quantizers are tensor's reference ones (ggml's
// quantize_row_q8_{0,1,K}_ref), so integer sums in the dots see the same
// int8 values llama.cpp's reference path does; the SIMD quantizers are
// tested against them.

func quantizeQ8_0Generic(dst []byte, x []float32) { quantizeRef(dst, x, tensor.Q8_0) }
func quantizeQ8_1Generic(dst []byte, x []float32) { quantizeRef(dst, x, tensor.Q8_1) }
func quantizeQ8_KGeneric(dst []byte, x []float32) { quantizeRef(dst, x, tensor.Q8_K) }

// quantizeRef encodes whole blocks of x into the front of dst; callers
// have checked the sizes, so an error here is a bug.
func quantizeRef(dst []byte, x []float32, t tensor.Type) {
	if err := tensor.Quantize(dst[:t.RowSize(len(x))], x, t); err != nil {
		panic("kernels: " + err.Error())
	}
}

func f32ToF16RowGeneric(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = f32ToF16Bits(v)
	}
}

func f16ToF32RowGeneric(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = f16Table[h]
	}
}
