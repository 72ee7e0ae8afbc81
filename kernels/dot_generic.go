package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollama/gollama/tensor"
)

// Generic dots: weight row w (n values of its type) against an activation
// row a in ActivationType of it. Each accumulates as ggml's
// ggml_vec_dot_*_generic in ggml/src/ggml-cpu/quants.c: integer sums per
// block, scaled in float32, in the same order. Explicit float32(...)
// conversions stop the compiler fusing multiply-adds (Go may fuse on arm64),
// which would change the rounding.

// kvaluesIQ4NL is IQ4_NL's and IQ4_XS's non-linear 4-bit codebook.
var kvaluesIQ4NL = tensor.IQ4NLValues

func dotF32Generic(w, a []byte, n int) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		x := math.Float32frombits(binary.LittleEndian.Uint32(w[4*i:]))
		y := math.Float32frombits(binary.LittleEndian.Uint32(a[4*i:]))
		sum += float64(float32(x * y))
	}
	return float32(sum)
}

func dotF16Generic(w, a []byte, n int) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		sum += float64(float32(f16(w[2*i:]) * f16(a[2*i:])))
	}
	return float32(sum)
}

func dotBF16Generic(w, a []byte, n int) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		x := bf16BitsToF32(binary.LittleEndian.Uint16(w[2*i:]))
		y := bf16BitsToF32(binary.LittleEndian.Uint16(a[2*i:]))
		sum += float64(float32(x * y))
	}
	return float32(sum)
}

func dotQ4_0Generic(w, a []byte, n int) float32 {
	var sumf float32
	for ; n >= 32; n -= 32 {
		x, y := w[:18:18], a[:34:34]
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			s0 += (int32(x[2+j]&0xF) - 8) * int32(int8(y[2+j]))
			s1 += (int32(x[2+j]>>4) - 8) * int32(int8(y[18+j]))
		}
		sumf += float32(float32(s0+s1) * f16(x) * f16(y))
		w, a = w[18:], a[34:]
	}
	return sumf
}

func dotQ4_1Generic(w, a []byte, n int) float32 {
	var sumf float32
	for ; n >= 32; n -= 32 {
		x, y := w[:20:20], a[:36:36]
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			s0 += int32(x[4+j]&0xF) * int32(int8(y[4+j]))
			s1 += int32(x[4+j]>>4) * int32(int8(y[20+j]))
		}
		sumf += float32(float32(float32(f16(x)*f16(y))*float32(s0+s1)) + float32(f16(x[2:])*f16(y[2:])))
		w, a = w[20:], a[36:]
	}
	return sumf
}

func dotQ5_0Generic(w, a []byte, n int) float32 {
	var sumf float32
	for ; n >= 32; n -= 32 {
		x, y := w[:22:22], a[:34:34]
		qh := binary.LittleEndian.Uint32(x[2:])
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			h0 := byte(qh>>j&1) << 4
			h1 := byte(qh>>(j+16)&1) << 4
			s0 += (int32(x[6+j]&0xF|h0) - 16) * int32(int8(y[2+j]))
			s1 += (int32(x[6+j]>>4|h1) - 16) * int32(int8(y[18+j]))
		}
		sumf += float32(float32(f16(x)*f16(y)) * float32(s0+s1))
		w, a = w[22:], a[34:]
	}
	return sumf
}

func dotQ5_1Generic(w, a []byte, n int) float32 {
	var sumf float32
	for ; n >= 32; n -= 32 {
		x, y := w[:24:24], a[:36:36]
		qh := binary.LittleEndian.Uint32(x[4:])
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			h0 := byte(qh>>j&1) << 4
			h1 := byte(qh>>(j+16)&1) << 4
			s0 += int32(x[8+j]&0xF|h0) * int32(int8(y[4+j]))
			s1 += int32(x[8+j]>>4|h1) * int32(int8(y[20+j]))
		}
		sumf += float32(float32(float32(f16(x)*f16(y))*float32(s0+s1)) + float32(f16(x[2:])*f16(y[2:])))
		w, a = w[24:], a[36:]
	}
	return sumf
}

func dotQ8_0Generic(w, a []byte, n int) float32 {
	var sumf float32
	for ; n >= 32; n -= 32 {
		x, y := w[:34:34], a[:34:34]
		var s int32
		for j := 0; j < 32; j++ {
			s += int32(int8(x[2+j])) * int32(int8(y[2+j]))
		}
		sumf += float32(float32(s) * float32(f16(x)*f16(y)))
		w, a = w[34:], a[34:]
	}
	return sumf
}

func dotIQ4_NLGeneric(w, a []byte, n int) float32 {
	var sumf float32
	for ; n >= 32; n -= 32 {
		x, y := w[:18:18], a[:34:34]
		d := f16(y) * f16(x)
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			s0 += int32(int8(y[2+j])) * int32(kvaluesIQ4NL[x[2+j]&0xF])
			s1 += int32(int8(y[18+j])) * int32(kvaluesIQ4NL[x[2+j]>>4])
		}
		sumf += float32(d * float32(s0+s1))
		w, a = w[18:], a[34:]
	}
	return sumf
}

// q8K splits a Q8_K block: scale, 256 quants, 16 sums of 16.
func q8KScale(y []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(y)) }
func q8KBsum(y []byte, j int) int32 {
	return int32(int16(binary.LittleEndian.Uint16(y[260+2*j:])))
}

func dotQ2_KGeneric(w, a []byte, n int) float32 {
	var sumf float32
	for ; n >= 256; n -= 256 {
		x, y := w[:84:84], a[:292:292]
		sc, q2, q8 := x[:16], x[16:80], y[4:260]
		var summs int32
		for j := 0; j < 16; j++ {
			summs += q8KBsum(y, j) * int32(sc[j]>>4)
		}
		dall := q8KScale(y) * f16(x[80:])
		dmin := q8KScale(y) * f16(x[82:])
		var isum int32
		is := 0
		for k := 0; k < 2; k++ {
			for j, shift := 0, 0; j < 4; j, shift = j+1, shift+2 {
				var s int32
				for l := 0; l < 16; l++ {
					s += int32(int8(q8[l])) * int32(q2[l]>>shift&3)
				}
				isum += int32(sc[is]&0xF) * s
				is++
				s = 0
				for l := 16; l < 32; l++ {
					s += int32(int8(q8[l])) * int32(q2[l]>>shift&3)
				}
				isum += int32(sc[is]&0xF) * s
				is++
				q8 = q8[32:]
			}
			q2 = q2[32:]
		}
		sumf += float32(float32(dall*float32(isum)) - float32(dmin*float32(summs)))
		w, a = w[84:], a[292:]
	}
	return sumf
}

// accumulate8 adds scale*q8[i]*v[i] into lane i%8 of acc, the 8-lane
// integer accumulation the reference K dots use.
func accumulate8(acc *[8]int32, scale int32, q8 []byte, v []int8) {
	q8, v = q8[:len(v)], v[:len(v)]
	for i := range v {
		acc[i&7] += scale * int32(int32(int8(q8[i]))*int32(v[i]))
	}
}

// q3KScales unpacks Q3_K's sixteen 6-bit scales (still biased by 32).
func q3KScales(s []byte) (out [16]int8) {
	a0 := binary.LittleEndian.Uint32(s)
	a1 := binary.LittleEndian.Uint32(s[4:])
	tmp := binary.LittleEndian.Uint32(s[8:])
	const m1, m2 = 0x03030303, 0x0f0f0f0f
	u := [4]uint32{
		a0&m2 | (tmp>>0&m1)<<4,
		a1&m2 | (tmp>>2&m1)<<4,
		a0>>4&m2 | (tmp>>4&m1)<<4,
		a1>>4&m2 | (tmp>>6&m1)<<4,
	}
	for i := range 16 {
		out[i] = int8(u[i/4] >> (8 * (i % 4)))
	}
	return out
}

// kScaleMin unpacks the 8 6-bit scales and 8 6-bit mins of Q4_K and Q5_K.
func kScaleMin(s []byte) (scales, mins [8]uint8) {
	u0 := binary.LittleEndian.Uint32(s)
	u1 := binary.LittleEndian.Uint32(s[4:])
	u2 := binary.LittleEndian.Uint32(s[8:])
	const m1, m2, m3 = 0x3f3f3f3f, 0x0f0f0f0f, 0x03030303
	u := [4]uint32{
		u0 & m1,
		u2&m2 | (u0>>6&m3)<<4,
		u1 & m1,
		u2>>4&m2 | (u1>>6&m3)<<4,
	}
	for i := range 8 {
		scales[i] = uint8(u[i/4] >> (8 * (i % 4)))
		mins[i] = uint8(u[2+i/4] >> (8 * (i % 4)))
	}
	return scales, mins
}

func dotQ3_KGeneric(w, a []byte, n int) float32 {
	var sums [8]float32
	var aux [256]int8
	for ; n >= 256; n -= 256 {
		x, y := w[:110:110], a[:292:292]
		hm, q3 := x[:32], x[32:96]
		bit := 0 // hmask bit of the current 32 values; clear means −4
		for j := 0; j < 256; j += 128 {
			for shift := 0; shift < 8; shift += 2 {
				for l := 0; l < 32; l++ {
					aux[j+shift*16+l] = int8(q3[l]>>shift&3) - 4 + 4*int8(hm[l]>>bit&1)
				}
				bit++
			}
			q3 = q3[32:]
		}
		sc := q3KScales(x[96:108])
		var acc [8]int32
		q8 := y[4:260]
		for j := 0; j < 16; j++ {
			accumulate8(&acc, int32(sc[j])-32, q8[16*j:], aux[16*j:16*j+16])
		}
		d := f16(x[108:]) * q8KScale(y)
		for l := range sums {
			sums[l] += float32(d * float32(acc[l]))
		}
		w, a = w[110:], a[292:]
	}
	var sumf float32
	for _, s := range sums {
		sumf += s
	}
	return sumf
}

func dotQ4_KGeneric(w, a []byte, n int) float32 {
	return dotQ45KGeneric(w, a, n, false)
}

func dotQ5_KGeneric(w, a []byte, n int) float32 {
	return dotQ45KGeneric(w, a, n, true)
}

// dotQ45KGeneric serves Q4_K (144-byte blocks) and Q5_K (176, with a fifth
// bit plane qh): identical apart from that bit.
func dotQ45KGeneric(w, a []byte, n int, five bool) float32 {
	var sums [8]float32
	var sumf float32
	var aux [256]int8
	bs, qsOff := 144, 16
	if five {
		bs, qsOff = 176, 48
	}
	for ; n >= 256; n -= 256 {
		x, y := w[:bs:bs], a[:292:292]
		q4 := x[qsOff:]
		for j := 0; j < 4; j++ {
			for l := 0; l < 32; l++ {
				aux[64*j+l] = int8(q4[32*j+l] & 0xF)
				aux[64*j+32+l] = int8(q4[32*j+l] >> 4)
			}
		}
		if five {
			hm := x[16:48]
			for j := 0; j < 8; j++ {
				for l := 0; l < 32; l++ {
					aux[32*j+l] += int8(hm[l]>>j&1) << 4
				}
			}
		}
		scales, mins := kScaleMin(x[4:16])
		var sumi int32
		for j := 0; j < 16; j++ {
			sumi += q8KBsum(y, j) * int32(mins[j/2])
		}
		var acc [8]int32
		q8 := y[4:260]
		for j := 0; j < 8; j++ {
			accumulate8(&acc, int32(scales[j]), q8[32*j:], aux[32*j:32*j+32])
		}
		d := f16(x) * q8KScale(y)
		for l := range sums {
			sums[l] += float32(d * float32(acc[l]))
		}
		dmin := f16(x[2:]) * q8KScale(y)
		sumf -= float32(dmin * float32(sumi))
		w, a = w[bs:], a[292:]
	}
	for _, s := range sums {
		sumf += s
	}
	return sumf
}

func dotQ6_KGeneric(w, a []byte, n int) float32 {
	var sums [8]float32
	var aux [256]int8
	for ; n >= 256; n -= 256 {
		x, y := w[:210:210], a[:292:292]
		ql, qh := x[:128], x[128:192]
		for j := 0; j < 256; j += 128 {
			for l := 0; l < 32; l++ {
				aux[j+l] = int8(ql[l]&0xF|(qh[l]>>0&3)<<4) - 32
				aux[j+l+32] = int8(ql[l+32]&0xF|(qh[l]>>2&3)<<4) - 32
				aux[j+l+64] = int8(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
				aux[j+l+96] = int8(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
			}
			ql, qh = ql[64:], qh[32:]
		}
		var acc [8]int32
		q8 := y[4:260]
		for j := 0; j < 16; j++ {
			accumulate8(&acc, int32(int8(x[192+j])), q8[16*j:], aux[16*j:16*j+16])
		}
		d := f16(x[208:]) * q8KScale(y)
		for l := range sums {
			sums[l] += float32(d * float32(acc[l]))
		}
		w, a = w[210:], a[292:]
	}
	var sumf float32
	for _, s := range sums {
		sumf += s
	}
	return sumf
}

func dotIQ4_XSGeneric(w, a []byte, n int) float32 {
	var sumf float32
	for ; n >= 256; n -= 256 {
		x, y := w[:136:136], a[:292:292]
		d4d8 := f16(x) * q8KScale(y)
		h := binary.LittleEndian.Uint16(x[2:])
		qs, q8 := x[8:136], y[4:260]
		for ib := 0; ib < 8; ib += 2 {
			sl := x[4+ib/2]
			ls1 := int32(sl&0xF) | int32(h<<4&0x30)
			ls2 := int32(sl>>4) | int32(h<<2&0x30)
			h >>= 4
			for _, ls := range [2]int32{ls1, ls2} {
				dd := d4d8 * float32(ls-32)
				var s0, s1 int32
				for j := 0; j < 16; j++ {
					s0 += int32(int8(q8[j])) * int32(kvaluesIQ4NL[qs[j]&0xF])
					s1 += int32(int8(q8[j+16])) * int32(kvaluesIQ4NL[qs[j]>>4])
				}
				sumf += float32(dd * float32(s0+s1))
				qs, q8 = qs[16:], q8[32:]
			}
		}
		w, a = w[136:], a[292:]
	}
	return sumf
}
