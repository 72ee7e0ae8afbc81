package tensor

import (
	"encoding/binary"
	"math"
)

// The K-quants: super-blocks of 256 values in sub-blocks of 16 or 32, each
// sub-block with its own quantized scale (and min). Layouts, little-endian,
// d and dmin f16:
//
//	Q2_K (84 B):  scales[16] | qs[64] | d | dmin
//	              16 sub-blocks of 16; scales[i] = scale (low 4 bits) | min (high 4 bits)
//	              x = d·sc·q - dmin·m, q 2-bit
//	Q3_K (110 B): hmask[32] | qs[64] | scales[12] | d
//	              16 sub-blocks of 16 with 6-bit signed scales (packed in 12 bytes, +32 bias)
//	              x = d·(sc-32)·(q-4), q = 2 low bits from qs | high bit from hmask
//	Q4_K (144 B): d | dmin | scales[12] | qs[128]
//	              8 sub-blocks of 32; 6-bit scale and min each (GetScaleMinK4)
//	              x = d·sc·q - dmin·m, q 4-bit
//	Q5_K (176 B): d | dmin | scales[12] | qh[32] | qs[128]   as Q4_K with a fifth bit from qh
//	Q6_K (210 B): ql[128] | qh[64] | scales int8[16] | d
//	              16 sub-blocks of 16; x = d·sc·(q-32), q = 4 bits from ql | 2 from qh
//	Q8_K (292 B): d f32 | qs int8[256] | bsums int16[16]   (see q8.go)
//
// 2-bit fields are spread over 128-value halves: within a half, value
// 32·k + l (k = 0..3) sits at bit 2k of byte l of that half's 32 bytes.

// GetScaleMinK4 unpacks the 6-bit scale and min of sub-block j (0..7) from
// the 12 scale bytes of a Q4_K or Q5_K block: sub-blocks 0-3 keep theirs in
// the low 6 bits of bytes j and j+4; sub-blocks 4-7 split theirs between a
// nibble of byte j+4 and the top 2 bits of bytes j-4 (scale) and j (min).
func GetScaleMinK4(j int, scales []byte) (sc, m uint8) {
	if j < 4 {
		return scales[j] & 63, scales[j+4] & 63
	}
	sc = scales[j+4]&0xf | (scales[j-4]>>6)<<4
	m = scales[j+4]>>4 | (scales[j]>>6)<<4
	return sc, m
}

// q3KScale unpacks the biased 6-bit scale of sub-block j (0..15) of a
// Q3_K block: low 4 bits from a nibble of bytes 0-7, high 2 bits from bytes 8-11.
func q3KScale(j int, scales []byte) int {
	var lo byte
	if j < 8 {
		lo = scales[j] & 0xf
	} else {
		lo = scales[j-8] >> 4
	}
	hi := scales[8+j%4] >> (2 * (j / 4)) & 3
	return int(lo|hi<<4) - 32
}

func dequantQ2K(y []float32, b []byte) {
	for ; len(b) > 0; b, y = b[84:], y[QK_K:] {
		scales, qs := b[:16], b[16:80]
		d, dmin := f16At(b[80:]), f16At(b[82:])
		for e := range QK_K {
			half, k, l := e/128, e%128/32, e%32
			q := qs[32*half+l] >> (2 * k) & 3
			sc := scales[e/16]
			dl := d * float32(sc&0xf)
			ml := dmin * float32(sc>>4)
			y[e] = float32(dl*float32(q)) - ml
		}
	}
}

func dequantQ3K(y []float32, b []byte) {
	for ; len(b) > 0; b, y = b[110:], y[QK_K:] {
		hmask, qs, scales := b[:32], b[32:96], b[96:108]
		d := f16At(b[108:])
		for e := range QK_K {
			half, k, l := e/128, e%128/32, e%32
			q := int(qs[32*half+l] >> (2 * k) & 3)
			if hmask[l]>>(4*half+k)&1 == 0 {
				q -= 4
			}
			dl := d * float32(q3KScale(e/16, scales))
			y[e] = dl * float32(q)
		}
	}
}

func dequantQ4K(y []float32, b []byte) {
	for ; len(b) > 0; b, y = b[144:], y[QK_K:] {
		d, dmin := f16At(b), f16At(b[2:])
		scales, qs := b[4:16], b[16:144]
		for s := range 8 { // sub-block s: nibble s%2 of bytes 32·(s/2)...
			sc, m := GetScaleMinK4(s, scales)
			dl, ml := d*float32(sc), dmin*float32(m)
			shift := 4 * (s % 2)
			for l, q := range qs[32*(s/2) : 32*(s/2)+32] {
				y[32*s+l] = float32(dl*float32(q>>shift&0xf)) - ml
			}
		}
	}
}

func dequantQ5K(y []float32, b []byte) {
	for ; len(b) > 0; b, y = b[176:], y[QK_K:] {
		d, dmin := f16At(b), f16At(b[2:])
		scales, qh, qs := b[4:16], b[16:48], b[48:176]
		for s := range 8 {
			sc, m := GetScaleMinK4(s, scales)
			dl, ml := d*float32(sc), dmin*float32(m)
			shift := 4 * (s % 2)
			for l, q := range qs[32*(s/2) : 32*(s/2)+32] {
				v := q>>shift&0xf | (qh[l]>>s&1)<<4
				y[32*s+l] = float32(dl*float32(v)) - ml
			}
		}
	}
}

func dequantQ6K(y []float32, b []byte) {
	for ; len(b) > 0; b, y = b[210:], y[QK_K:] {
		ql, qh, scales := b[:128], b[128:192], b[192:208]
		d := f16At(b[208:])
		for e := range QK_K {
			half, k, l := e/128, e%128/32, e%32
			lo := ql[64*half+32*(k%2)+l] >> (4 * (k / 2)) & 0xf
			hi := qh[32*half+l] >> (2 * k) & 3
			q := int(lo|hi<<4) - 32
			y[e] = d * float32(int8(scales[e/16])) * float32(q)
		}
	}
}

func dequantQ8K(y []float32, b []byte) {
	for ; len(b) > 0; b, y = b[292:], y[QK_K:] {
		d := math.Float32frombits(binary.LittleEndian.Uint32(b))
		for j, q := range b[4 : 4+QK_K] {
			y[j] = d * float32(int8(q))
		}
	}
}
