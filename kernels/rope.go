package kernels

import "math"

// RopePairs rotates the pairs (v[2i], v[2i+1]) by the angles whose cosine
// and sine are cs[2i], cs[2i+1], as ggml's rotate_pairs does on x86:
//
//	v[2i]   = FMA32(x0, cos, -(x1*sin))
//	v[2i+1] = FMA32(x0, sin, x1*cos)
//
// len(cs) must equal len(v), which must be even.
func RopePairs(v, cs []float32) {
	sameLen("RopePairs", len(v), len(cs))
	active.Load().ropePairs(v, cs)
}

// RopeNeoX is RopePairs for GPT-NeoX's layout, where element i pairs with
// i + len(v)/2 and cs holds the pairs' cosines and sines interleaved.
func RopeNeoX(v, cs []float32) {
	sameLen("RopeNeoX", len(v), len(cs))
	active.Load().ropeNeoX(v, cs)
}

func ropePairsGeneric(v, cs []float32) {
	for i := 0; i+1 < len(v); i += 2 {
		c, s := cs[i], cs[i+1]
		x0, x1 := v[i], v[i+1]
		v[i] = FMA32(x0, c, -(x1 * s))
		v[i+1] = FMA32(x0, s, x1*c)
	}
}

func ropeNeoXGeneric(v, cs []float32) {
	half := len(v) / 2
	for i := range half {
		c, s := cs[2*i], cs[2*i+1]
		x0, x1 := v[i], v[i+half]
		v[i] = FMA32(x0, c, -(x1 * s))
		v[i+half] = FMA32(x0, s, x1*c)
	}
}

// FMA32 is a*b+c rounded once to float32, as the FMA instructions do. The
// product is exact in float64; the float64 sum may itself be rounded, and
// when that lands exactly halfway between two float32s the lost bits
// decide the direction (plain float32(p+c) would round twice).
func FMA32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	bv := s - p
	lost := (p - (s - bv)) + (float64(c) - bv) // exact error of the sum
	bits := math.Float64bits(s)
	const low = 1<<29 - 1 // float64 mantissa bits below float32's
	if lost == 0 || bits&low != 1<<28 || math.Abs(s) < 0x1p-126 {
		return float32(s)
	}
	// s is an exact float32 midpoint: round toward where the true sum lies.
	trunc := math.Float64frombits(bits &^ low) // toward zero
	if (lost > 0) == (s > 0) {
		return float32(math.Float64frombits(bits&^low + 1<<29)) // away from zero
	}
	return float32(trunc)
}
