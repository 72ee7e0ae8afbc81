package model

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gollama/gollama/tensor"
)

// refMatMul multiplies as llama.cpp's CPU backend did on the machine that
// made testdata/reference (AVX-512 with AVX512_BF16), summing in the same
// order, so that the rest of the forward pass can be checked bit for bit
// independently of the kernels package:
//
//   - F32, F16: batches (n ≥ 2, row length a multiple of 16) go through
//     llamafile's tinyBLAS: 16 FMA lanes along the row, then
//     _mm512_reduce_add_ps; otherwise ggml_vec_dot_{f32,f16}: four 16-lane
//     accumulators over steps of 64, folded, leftovers added after
//     (float32 for F32, float64 for F16). F16 activations are rounded to F16.
//   - BF16: activations rounded to BF16; vdpbf16ps semantics (each lane
//     adds the odd then the even product of its pair), tinyBLAS with 32
//     elements per step for batches, ggml_vec_dot_bf16 (two accumulators,
//     each reduced into a float64) for single tokens.
//   - Q8_0: activations quantized as ggml's AVX2 quantize_row_q8_0
//     (id = 127/amax, round half to even); 8 float lanes, each the int sum
//     of 4 products of a block times d_w·d_a, FMA-accumulated over blocks,
//     then the 8-lane horizontal add (ggml_vec_dot_q8_0_q8_0 and tinyBLAS
//     agree).
//
// It is slow and only for tests; other types return an error.
func refMatMul(dst []float32, w *tensor.Tensor, x []float32, n int) error {
	cols, rows := w.RowLen(), w.Rows()
	switch w.Type {
	case tensor.F32, tensor.F16, tensor.BF16:
		wrow := make([]float32, cols)
		xr := make([]float32, n*cols)
		for i, v := range x[:n*cols] {
			switch w.Type {
			case tensor.F16:
				v = roundF16(v)
			case tensor.BF16:
				v = tensor.BF16ToF32(tensor.F32ToBF16(v))
			}
			xr[i] = v
		}
		for r := range rows {
			if err := tensor.Dequantize(wrow, w.Row(r), w.Type); err != nil {
				return err
			}
			for t := range n {
				dst[t*rows+r] = refDot(w.Type, wrow, xr[t*cols:(t+1)*cols], n >= 2 && rows%4 == 0)
			}
		}
		return nil
	case tensor.Q8_0:
		nb := cols / 32
		act := make([]byte, nb*34)
		for t := range n {
			quantizeQ8_0AVX(act, x[t*cols:(t+1)*cols])
			for r := range rows {
				wr := w.Row(r)
				var l [8]float32
				for b := range nb {
					d := tensor.F16ToF32(binary.LittleEndian.Uint16(wr[b*34:])) * tensor.F16ToF32(binary.LittleEndian.Uint16(act[b*34:]))
					for k := range 8 {
						var is int32
						for e := range 4 {
							is += int32(int8(wr[b*34+2+4*k+e])) * int32(int8(act[b*34+2+4*k+e]))
						}
						l[k] = fma32(d, float32(is), l[k])
					}
				}
				dst[t*rows+r] = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
			}
		}
		return nil
	}
	return fmt.Errorf("refMatMul: %s: no reference for %s", w.Name, w.Type)
}

// refDot is one row·activation dot of refMatMul for the float types.
func refDot(typ tensor.Type, w, a []float32, batched bool) float32 {
	n := len(w)
	switch {
	case typ == tensor.BF16 && batched && n%32 == 0:
		var l [simdWidth]float32
		for i := 0; i < n; i += 32 {
			for k := range simdWidth {
				l[k] = dpbf16(l[k], w[i+2*k+1]*a[i+2*k+1], w[i+2*k]*a[i+2*k])
			}
		}
		return reduce16(l[:])
	case typ == tensor.BF16:
		var c1, c2 [simdWidth]float32
		i := 0
		for ; i+64 <= n; i += 64 {
			for k := range simdWidth {
				c1[k] = dpbf16(c1[k], w[i+2*k+1]*a[i+2*k+1], w[i+2*k]*a[i+2*k])
				c2[k] = dpbf16(c2[k], w[i+32+2*k+1]*a[i+32+2*k+1], w[i+32+2*k]*a[i+32+2*k])
			}
		}
		s := float64(reduce16(c1[:])) + float64(reduce16(c2[:]))
		for ; i < n; i++ {
			s += float64(w[i] * a[i])
		}
		return float32(s)
	case batched && n%simdWidth == 0:
		var l [simdWidth]float32
		for i := 0; i < n; i += simdWidth {
			for k := range simdWidth {
				l[k] = fma32(w[i+k], a[i+k], l[k])
			}
		}
		return reduce16(l[:])
	case typ == tensor.F16:
		h := make([]uint16, n)
		for i, v := range w {
			h[i] = tensor.F32ToF16(v)
		}
		return dotF16(h, a, false)
	}
	return dotF32(w, a, false)
}

// quantizeQ8_0AVX is ggml's x86 quantize_row_q8_0: d = amax/127 stored as
// F16, values scaled by 127/amax and rounded half to even.
func quantizeQ8_0AVX(dst []byte, x []float32) {
	for b := 0; b < len(x)/32; b++ {
		v := x[b*32 : b*32+32]
		var amax float32
		for _, f := range v {
			amax = max(amax, float32(math.Abs(float64(f))))
		}
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		binary.LittleEndian.PutUint16(dst[b*34:], tensor.F32ToF16(amax/127))
		for j, f := range v {
			dst[b*34+2+j] = byte(int8(math.RoundToEven(float64(f * id))))
		}
	}
}

// dpbf16 is one lane of vdpbf16ps: the odd, then the even product added,
// each addition rounded (the products are exact).
func dpbf16(acc, odd, even float32) float32 {
	acc += odd
	return acc + even
}
