package kernels

import (
	"encoding/binary"
	"math"
)

// The activation quantizers follow ggml's quantize_row_q8_{0,1,K}_ref
// exactly, so integer sums in the dots see the same int8 values llama.cpp's
// reference path does.

// quantizeQ8_0Generic: per 32 values d = amax/127, q = round(x/d) (half away
// from zero, C's roundf).
func quantizeQ8_0Generic(dst []byte, x []float32) {
	for len(x) >= 32 {
		blk, xs := dst[:34:34], x[:32:32]
		var amax float32
		for _, v := range xs {
			amax = max(amax, abs32(v))
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		binary.LittleEndian.PutUint16(blk, f32ToF16Bits(d))
		for j, v := range xs {
			blk[2+j] = byte(int8(roundAway(v * id)))
		}
		dst, x = dst[34:], x[32:]
	}
}

// quantizeQ8_1Generic is Q8_0 plus s = d * Σq, which the Q4_1/Q5_1 dots use
// to apply the weights' offsets.
func quantizeQ8_1Generic(dst []byte, x []float32) {
	for len(x) >= 32 {
		blk, xs := dst[:36:36], x[:32:32]
		var amax float32
		for _, v := range xs {
			amax = max(amax, abs32(v))
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		binary.LittleEndian.PutUint16(blk, f32ToF16Bits(d))
		sum := 0
		for j, v := range xs {
			q := int8(roundAway(v * id))
			blk[4+j] = byte(q)
			sum += int(q)
		}
		binary.LittleEndian.PutUint16(blk[2:], f32ToF16Bits(float32(sum)*d))
		dst, x = dst[36:], x[32:]
	}
}

// quantizeQ8_KGeneric: per 256 values scale by -127/max where max is the
// value of largest magnitude (sign kept), round half to even (ggml's
// nearest_int), clamp to 127, and store the 16 sums of 16 for the K dots.
func quantizeQ8_KGeneric(dst []byte, x []float32) {
	for len(x) >= 256 {
		blk, xs := dst[:292:292], x[:256:256]
		var amax, vmax float32
		for _, v := range xs {
			if a := abs32(v); a > amax {
				amax, vmax = a, v
			}
		}
		if amax == 0 {
			clear(blk)
			dst, x = dst[292:], x[256:]
			continue
		}
		iscale := -127 / vmax
		qs := blk[4:260]
		for j, v := range xs {
			q := nearestInt(float32(iscale * v))
			qs[j] = byte(int8(min(127, q)))
		}
		for j := 0; j < 16; j++ {
			sum := 0
			for _, q := range qs[16*j : 16*j+16] {
				sum += int(int8(q))
			}
			binary.LittleEndian.PutUint16(blk[260+2*j:], uint16(int16(sum)))
		}
		binary.LittleEndian.PutUint32(blk, math.Float32bits(1/iscale))
		dst, x = dst[292:], x[256:]
	}
}

// nearestInt rounds half to even, as ggml's nearest_int: adding 1.5·2^23
// leaves the rounded integer in the mantissa (valid for |v| < 2^22).
func nearestInt(v float32) int {
	return int(int32(math.Float32bits(v+12582912)&0x7fffff) - 0x400000)
}

// roundAway is C's roundf (ties away from zero) for |v| < 2^23: v − trunc(v)
// is exact there.
func roundAway(v float32) int32 {
	q := int32(v)
	switch f := v - float32(q); {
	case f >= 0.5:
		q++
	case f <= -0.5:
		q--
	}
	return q
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

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
