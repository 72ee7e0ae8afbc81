package tensor

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Block layouts of the 8-bit types (little-endian on disk):
//
//	Q8_0 (32 values, 34 bytes): d f16 | qs int8[32]            x = d·q
//	Q8_1 (32 values, 36 bytes): d f16 | s f16 | qs int8[32]    x = d·q, s = d·Σq
//	Q8_K (256 values, 292 bytes): d f32 | qs int8[256] | bsums int16[16]
//	                              x = d·q, bsums[i] = Σ qs[16i:16i+16]
//
// Q8_1 and Q8_K exist for activations: llama.cpp quantizes the right-hand
// side of a matrix product to them before the integer dot product.

// BlockQ8_0 is one Q8_0 block; D holds the scale's f16 bits.
type BlockQ8_0 struct {
	D  uint16
	Qs [32]int8
}

// BlockQ8_1 is one Q8_1 block; D and S hold f16 bits of the scale and of
// d times the sum of the quants.
type BlockQ8_1 struct {
	D, S uint16
	Qs   [32]int8
}

// BlockQ8K is one Q8_K block (256 values).
type BlockQ8K struct {
	D     float32
	Qs    [QK_K]int8
	BSums [QK_K / 16]int16
}

func checkBlocks(nx, blockSize, nDst int, what string) error {
	if nx%blockSize != 0 {
		return fmt.Errorf("%s: %d values is not a multiple of the block size %d", what, nx, blockSize)
	}
	if nDst < nx/blockSize {
		return fmt.Errorf("%s: %d values need %d blocks, have room for %d", what, nx, nx/blockSize, nDst)
	}
	return nil
}

// roundAway is C's roundf: nearest, ties away from zero. (math.Round is
// not an intrinsic on amd64; this is several times faster.)
func roundAway(f float32) float32 {
	if !(abs32(f) < 1<<23) { // already an integer, or infinite or NaN
		return float32(math.Round(float64(f)))
	}
	r := float32(int32(f)) // truncated; f - r is exact
	if d := f - r; d >= 0.5 {
		r++
	} else if d <= -0.5 {
		r--
	}
	return r
}

// nearestInt is ggml's nearest_int: rounds to nearest, ties to even, by
// adding 1.5·2^23 in float32 and reading the mantissa. Valid for
// |f| ≤ 4194303, which every caller guarantees (scaled values are small).
func nearestInt(f float32) int32 {
	v := f + 12582912
	return int32(math.Float32bits(v)&0x7fffff) - 0x400000
}

// QuantizeRowQ8_0 quantizes x (a multiple of 32 values) into dst like
// ggml's quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d).
func QuantizeRowQ8_0(dst []BlockQ8_0, x []float32) error {
	if err := checkBlocks(len(x), 32, len(dst), "q8_0"); err != nil {
		return err
	}
	for i := range len(x) / 32 {
		quantQ8Ref(&dst[i].D, &dst[i].Qs, x[i*32:i*32+32])
	}
	return nil
}

// QuantizeRowQ8_1 quantizes x (a multiple of 32 values) into dst like
// ggml's quantize_row_q8_1_ref: Q8_0's quants plus s = Σq·d.
func QuantizeRowQ8_1(dst []BlockQ8_1, x []float32) error {
	if err := checkBlocks(len(x), 32, len(dst), "q8_1"); err != nil {
		return err
	}
	for i := range len(x) / 32 {
		b := &dst[i]
		d := quantQ8Ref(&b.D, &b.Qs, x[i*32:i*32+32])
		sum := 0
		for _, q := range b.Qs {
			sum += int(q)
		}
		b.S = F32ToF16(float32(sum) * d)
	}
	return nil
}

// quantQ8Ref is one block of the _ref quantizers: d = amax/127,
// q = roundf(x·(1/d)).
func quantQ8Ref(dh *uint16, qs *[32]int8, xb []float32) (d float32) {
	var amax float32
	for _, v := range xb {
		amax = max(amax, abs32(v))
	}
	d = amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	*dh = F32ToF16(d)
	for j, v := range xb {
		qs[j] = int8(roundAway(v * id))
	}
	return d
}

// QuantizeRowQ8_0x86 is the Q8_0 activation quantizer llama.cpp's CPU
// backend runs on x86 with AVX (quantize_row_q8_0 in arch/x86/quants.c):
// unlike the _ref version it multiplies by 127/amax and rounds ties to
// even, so a few quants can differ by one from QuantizeRowQ8_0. Use it to
// reproduce llama.cpp's x86 numbers exactly; ARM builds of llama.cpp round
// ties to even but scale like the _ref version.
func QuantizeRowQ8_0x86(dst []BlockQ8_0, x []float32) error {
	if err := checkBlocks(len(x), 32, len(dst), "q8_0"); err != nil {
		return err
	}
	for i := range len(x) / 32 {
		quantQ8x86(&dst[i].D, &dst[i].Qs, x[i*32:i*32+32])
	}
	return nil
}

// QuantizeRowQ8_1x86 is QuantizeRowQ8_0x86's Q8_1 counterpart (x86
// quantize_row_q8_1): s = d·Σq with d the unrounded scale.
func QuantizeRowQ8_1x86(dst []BlockQ8_1, x []float32) error {
	if err := checkBlocks(len(x), 32, len(dst), "q8_1"); err != nil {
		return err
	}
	for i := range len(x) / 32 {
		b := &dst[i]
		d := quantQ8x86(&b.D, &b.Qs, x[i*32:i*32+32])
		sum := 0
		for _, q := range b.Qs {
			sum += int(q)
		}
		b.S = F32ToF16(d * float32(sum))
	}
	return nil
}

func quantQ8x86(dh *uint16, qs *[32]int8, xb []float32) (d float32) {
	var amax float32
	for _, v := range xb {
		amax = max(amax, abs32(v))
	}
	d = amax / 127
	*dh = F32ToF16(d)
	var id float32
	if amax != 0 {
		id = 127 / amax
	}
	for j, v := range xb {
		qs[j] = int8(math.RoundToEven(float64(v * id)))
	}
	return d
}

// QuantizeRowQ8K quantizes x (a multiple of 256 values) into dst like
// ggml's quantize_row_q8_K_ref (which llama.cpp's CPU backend also uses
// for activations on x86): the scale maps the value of largest
// magnitude to -127 (so d is negative when that value is positive), quants
// round half to even and are capped at 127.
func QuantizeRowQ8K(dst []BlockQ8K, x []float32) error {
	if err := checkBlocks(len(x), QK_K, len(dst), "q8_K"); err != nil {
		return err
	}
	for i := range len(x) / QK_K {
		xb := x[i*QK_K : (i+1)*QK_K]
		b := &dst[i]
		amax, vmax := blockAbsMax(xb)
		if amax == 0 {
			*b = BlockQ8K{}
			continue
		}
		iscale := -127 / vmax
		for j, v := range xb {
			b.Qs[j] = int8(min(127, nearestInt(float32(iscale*v))))
		}
		for j := range b.BSums {
			sum := 0
			for _, q := range b.Qs[j*16 : j*16+16] {
				sum += int(q)
			}
			b.BSums[j] = int16(sum)
		}
		b.D = 1 / iscale
	}
	return nil
}

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

func (b *BlockQ8_0) encode(p []byte) {
	binary.LittleEndian.PutUint16(p, b.D)
	for j, q := range b.Qs {
		p[2+j] = byte(q)
	}
}

func (b *BlockQ8_1) encode(p []byte) {
	binary.LittleEndian.PutUint16(p, b.D)
	binary.LittleEndian.PutUint16(p[2:], b.S)
	for j, q := range b.Qs {
		p[4+j] = byte(q)
	}
}

func (b *BlockQ8K) encode(p []byte) {
	binary.LittleEndian.PutUint32(p, math.Float32bits(b.D))
	for j, q := range b.Qs {
		p[4+j] = byte(q)
	}
	for j, s := range b.BSums {
		binary.LittleEndian.PutUint16(p[4+QK_K+2*j:], uint16(s))
	}
}
