package tensor

import "math"

// F16ToF32 widens an IEEE binary16 value (given by its bits) to float32.
// Every half is exactly representable; NaNs come out quiet with their
// payload kept, as ggml's table and F16C's vcvtph2ps produce them.
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		if mant != 0 {
			return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
		}
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// Subnormal half: shift the leading one into the implicit position.
		e := uint32(113) // biased float32 exponent of 2^-14, less one per shift below
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// F32ToF16 narrows f to IEEE binary16 bits with round-to-nearest-even,
// exactly as ggml's GGML_FP32_TO_FP16 (and F16C with rounding mode 0) for
// every non-NaN input; overflow gives infinity. A NaN becomes the canonical
// quiet NaN 0x7e00 with f's sign, as in ggml's portable conversion (the one
// ggml-quants.c uses); F16C would keep the payload's top bits instead.
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	abs := b & 0x7fffffff
	switch {
	case abs > 0x7f800000:
		return sign | 0x7e00
	case abs >= 0x477ff000:
		// At or beyond the midpoint between 65504 and 65536: RNE picks the even
		// neighbour 65536, which does not exist, so infinity.
		return sign | 0x7c00
	case abs < 0x38800000:
		// Below the smallest normal half (2^-14): result is a multiple of 2^-24.
		if abs <= 0x33000000 { // ≤ 2^-25 rounds to zero (the tie goes to even 0)
			return sign
		}
		e := abs >> 23
		mant := abs&0x7fffff | 0x800000
		shift := 126 - e // value·2^24 = mant·2^(e-126)
		q := mant >> shift
		rem := mant & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && q&1 == 1 {
			q++ // may carry into the smallest normal, whose encoding follows on
		}
		return sign | uint16(q)
	}
	h := (abs>>23-112)<<10 | (abs&0x7fffff)>>13
	rem := abs & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++ // a carry out of the mantissa correctly bumps the exponent
	}
	return sign | uint16(h)
}

// BF16ToF32 widens bfloat16 bits to float32 (exact; NaNs unchanged).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 narrows f to bfloat16 bits as ggml's GGML_FP32_TO_BF16 does:
// round to nearest even on the bits (subnormals kept, overflow to infinity),
// and a NaN is truncated with its quiet bit forced on.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// F16ToF32Row converts min(len(dst), len(src)) halves and returns the count.
func F16ToF32Row(dst []float32, src []uint16) int {
	n := min(len(dst), len(src))
	for i, h := range src[:n] {
		dst[i] = F16ToF32(h)
	}
	return n
}

// F32ToF16Row converts min(len(dst), len(src)) floats and returns the count.
func F32ToF16Row(dst []uint16, src []float32) int {
	n := min(len(dst), len(src))
	for i, f := range src[:n] {
		dst[i] = F32ToF16(f)
	}
	return n
}

// BF16ToF32Row converts min(len(dst), len(src)) bfloat16s and returns the count.
func BF16ToF32Row(dst []float32, src []uint16) int {
	n := min(len(dst), len(src))
	for i, h := range src[:n] {
		dst[i] = BF16ToF32(h)
	}
	return n
}

// F32ToBF16Row converts min(len(dst), len(src)) floats and returns the count.
func F32ToBF16Row(dst []uint16, src []float32) int {
	n := min(len(dst), len(src))
	for i, f := range src[:n] {
		dst[i] = F32ToBF16(f)
	}
	return n
}
