package tensor

import (
	"encoding/binary"
	"math"
)

// The 32-value block types. Layouts (little-endian; "d" and "m" are f16):
//
//	Q4_0   (18 B): d | qs[16]            x = d·(q-8);  qs[j] holds value j (low nibble) and j+16 (high)
//	Q4_1   (20 B): d | m | qs[16]        x = d·q + m
//	Q5_0   (22 B): d | qh u32 | qs[16]   x = d·(q-16); bit j of qh is the fifth bit of value j
//	Q5_1   (24 B): d | m | qh u32 | qs[16]  x = d·q + m
//	Q8_0   (34 B): d | qs int8[32]       x = d·q
//	IQ4_NL (18 B): d | qs[16]            x = d·IQ4NLValues[q], nibbles as Q4_0
//
// Dequantization keeps ggml's operation order and rounds every product to
// float32 before any addition (no fused multiply-add), which is what makes
// the results bit-identical to ggml's.

func f16At(p []byte) float32 { return F16ToF32(binary.LittleEndian.Uint16(p)) }

func dequantQ4_0(y []float32, b []byte) {
	for i := 0; len(b) > 0; i, b = i+1, b[18:] {
		d := f16At(b)
		qs := b[2:18]
		yb := y[i*32 : i*32+32]
		for j := range 16 {
			yb[j] = float32(int(qs[j]&0xf)-8) * d
			yb[j+16] = float32(int(qs[j]>>4)-8) * d
		}
	}
}

func dequantQ4_1(y []float32, b []byte) {
	for i := 0; len(b) > 0; i, b = i+1, b[20:] {
		d, m := f16At(b), f16At(b[2:])
		qs := b[4:20]
		yb := y[i*32 : i*32+32]
		for j := range 16 {
			yb[j] = float32(float32(qs[j]&0xf)*d) + m
			yb[j+16] = float32(float32(qs[j]>>4)*d) + m
		}
	}
}

func dequantQ5_0(y []float32, b []byte) {
	for i := 0; len(b) > 0; i, b = i+1, b[22:] {
		d := f16At(b)
		qh := binary.LittleEndian.Uint32(b[2:])
		qs := b[6:22]
		yb := y[i*32 : i*32+32]
		for j := range 16 {
			lo := int(qs[j]&0xf) | int(qh>>j&1)<<4
			hi := int(qs[j]>>4) | int(qh>>(j+16)&1)<<4
			yb[j] = float32(lo-16) * d
			yb[j+16] = float32(hi-16) * d
		}
	}
}

func dequantQ5_1(y []float32, b []byte) {
	for i := 0; len(b) > 0; i, b = i+1, b[24:] {
		d, m := f16At(b), f16At(b[2:])
		qh := binary.LittleEndian.Uint32(b[4:])
		qs := b[8:24]
		yb := y[i*32 : i*32+32]
		for j := range 16 {
			lo := int(qs[j]&0xf) | int(qh>>j&1)<<4
			hi := int(qs[j]>>4) | int(qh>>(j+16)&1)<<4
			yb[j] = float32(float32(lo)*d) + m
			yb[j+16] = float32(float32(hi)*d) + m
		}
	}
}

func dequantQ8_0(y []float32, b []byte) {
	for i := 0; len(b) > 0; i, b = i+1, b[34:] {
		d := f16At(b)
		for j, q := range b[2:34] {
			y[i*32+j] = float32(int8(q)) * d
		}
	}
}

func dequantQ8_1(y []float32, b []byte) {
	for i := 0; len(b) > 0; i, b = i+1, b[36:] {
		d := f16At(b)
		for j, q := range b[4:36] {
			y[i*32+j] = float32(int8(q)) * d
		}
	}
}

// blockAbsMax returns the largest magnitude in x and the value that has it
// (the first one, for ties), as ggml's "amax < fabsf(v)" scans do.
func blockAbsMax(x []float32) (amax, vmax float32) {
	for _, v := range x {
		if a := abs32(v); amax < a {
			amax, vmax = a, v
		}
	}
	return amax, vmax
}

// inverse is ggml's "d ? 1/d : 0".
func inverse(d float32) float32 {
	if d == 0 {
		return 0
	}
	return 1 / d
}

func blockMinMax(x []float32) (lo, hi float32) {
	lo, hi = math.MaxFloat32, -math.MaxFloat32
	for _, v := range x {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	return lo, hi
}

// quantQ4_0 follows quantize_row_q4_0_ref: d = max/-8 (max being the value
// of largest magnitude), q = min(15, trunc(x/d + 8.5)).
func quantQ4_0(b []byte, x []float32) {
	for ; len(x) > 0; x, b = x[32:], b[18:] {
		_, vmax := blockAbsMax(x[:32])
		d := vmax / -8
		id := inverse(d)
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		for j := range 16 {
			lo := min(15, int8(float32(x[j]*id)+8.5))
			hi := min(15, int8(float32(x[j+16]*id)+8.5))
			b[2+j] = uint8(lo) | uint8(hi)<<4
		}
	}
}

// quantQ4_1 follows quantize_row_q4_1_ref: min/max affine, d = (max-min)/15.
func quantQ4_1(b []byte, x []float32) {
	for ; len(x) > 0; x, b = x[32:], b[20:] {
		lo, hi := blockMinMax(x[:32])
		d := (hi - lo) / 15
		id := inverse(d)
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		binary.LittleEndian.PutUint16(b[2:], F32ToF16(lo))
		for j := range 16 {
			q0 := min(15, int8(float32((x[j]-lo)*id)+0.5))
			q1 := min(15, int8(float32((x[j+16]-lo)*id)+0.5))
			b[4+j] = uint8(q0) | uint8(q1)<<4
		}
	}
}

// quantQ5_0 follows quantize_row_q5_0_ref: d = max/-16, q = min(31, trunc(x/d + 16.5)).
func quantQ5_0(b []byte, x []float32) {
	for ; len(x) > 0; x, b = x[32:], b[22:] {
		_, vmax := blockAbsMax(x[:32])
		d := vmax / -16
		id := inverse(d)
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		var qh uint32
		for j := range 16 {
			q0 := uint8(min(31, int8(float32(x[j]*id)+16.5)))
			q1 := uint8(min(31, int8(float32(x[j+16]*id)+16.5)))
			b[6+j] = q0&0xf | (q1&0xf)<<4
			qh |= uint32(q0>>4) << j
			qh |= uint32(q1>>4) << (j + 16)
		}
		binary.LittleEndian.PutUint32(b[2:], qh)
	}
}

// quantQ5_1 follows quantize_row_q5_1_ref: min/max affine, d = (max-min)/31.
func quantQ5_1(b []byte, x []float32) {
	for ; len(x) > 0; x, b = x[32:], b[24:] {
		lo, hi := blockMinMax(x[:32])
		d := (hi - lo) / 31
		id := inverse(d)
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		binary.LittleEndian.PutUint16(b[2:], F32ToF16(lo))
		var qh uint32
		for j := range 16 {
			q0 := uint8(float32((x[j]-lo)*id) + 0.5)
			q1 := uint8(float32((x[j+16]-lo)*id) + 0.5)
			b[8+j] = q0&0xf | (q1&0xf)<<4
			qh |= uint32(q0>>4&1) << j
			qh |= uint32(q1>>4&1) << (j + 16)
		}
		binary.LittleEndian.PutUint32(b[4:], qh)
	}
}

func quantQ8_0(b []byte, x []float32) {
	var blk [1]BlockQ8_0
	for ; len(x) > 0; x, b = x[32:], b[34:] {
		_ = QuantizeRowQ8_0(blk[:], x[:32])
		blk[0].encode(b)
	}
}

func quantQ8_1(b []byte, x []float32) {
	var blk [1]BlockQ8_1
	for ; len(x) > 0; x, b = x[32:], b[36:] {
		_ = QuantizeRowQ8_1(blk[:], x[:32])
		blk[0].encode(b)
	}
}
