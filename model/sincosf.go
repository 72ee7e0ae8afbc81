package model

import "math"

// cosf and sinf reproduce glibc's single-precision cosine and sine (the
// ARM optimized-routines algorithm, as glibc's FMA build on x86-64
// compiles it) bit for bit. ggml_rope_cache_init takes its angles from
// cosf/sinf, which are not correctly rounded: about one value in a hundred
// differs by an ulp from float32(math.Cos(x)), and a q or k that moves by
// an ulp can round to a different F16 in the cache.

// sincosfTable holds, for quadrant-adjusted signs, the polynomial
// coefficients (cos: c0..c4; sin: s1..s3); entry 1 computes −cos.
type sincosfTable struct {
	c0, c1, c2, c3, c4 float64
	s1, s2, s3         float64
}

var sincosfTables = [2]sincosfTable{
	{0x1p0, -0x1.ffffffd0c621cp-2, 0x1.55553e1068f19p-5, -0x1.6c087e89a359dp-10, 0x1.99343027bf8c3p-16,
		-0x1.555545995a603p-3, 0x1.1107605230bc4p-7, -0x1.994eb3774cf24p-13},
	{-0x1p0, 0x1.ffffffd0c621cp-2, -0x1.55553e1068f19p-5, 0x1.6c087e89a359dp-10, -0x1.99343027bf8c3p-16,
		-0x1.555545995a603p-3, 0x1.1107605230bc4p-7, -0x1.994eb3774cf24p-13},
}

var sincosfSign = [4]float64{1, -1, -1, 1}

const (
	hpiInv = 0x1.45F306DC9C883p+23 // 2/π · 2^24
	hpi    = 0x1.921FB54442D18p0   // π/2
	pi63   = 0x1.921FB54442D18p-62 // π · 2^-63
)

// invPio4 are sliding 32-bit windows over the bits of 2/π.
var invPio4 = [24]uint32{
	0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e,
	0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
	0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1,
	0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
	0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599,
	0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
}

func abstop12(x float32) uint32 { return (math.Float32bits(x) >> 20) & 0x7ff }

// sincosfPoly is sinf_poly: the sine polynomial for even n, the cosine
// for odd. The float64() conversions keep Go from fusing products that
// glibc's build leaves separate.
func sincosfPoly(x, x2 float64, p *sincosfTable, n int) float32 {
	if n&1 == 0 {
		x3 := float64(x * x2)
		s1 := math.FMA(x2, p.s3, p.s2)
		x7 := float64(x3 * x2)
		s := math.FMA(x3, p.s1, x)
		return float32(math.FMA(x7, s1, s))
	}
	x4 := float64(x2 * x2)
	c2 := math.FMA(x2, p.c4, p.c3)
	c1 := math.FMA(x2, p.c1, p.c0)
	x6 := float64(x4 * x2)
	c := math.FMA(x4, p.c2, c1)
	return float32(math.FMA(x6, c2, c))
}

// reduceFast maps x (|x| < 120) to [-π/4, π/4] and its quadrant.
func reduceFast(x float64) (float64, int) {
	r := x * hpiInv
	n := (int32(r) + 0x800000) >> 24
	return math.FMA(-float64(n), hpi, x), int(n)
}

// reduceLarge is the same for larger |x| with 2/π to 96 bits.
func reduceLarge(xi uint32) (float64, int) {
	arr := invPio4[(xi>>26)&15:]
	shift := (xi >> 23) & 7
	xi = (xi & 0xffffff) | 0x800000
	xi <<= shift
	res0 := uint64(xi * arr[0])
	res1 := uint64(xi) * uint64(arr[4])
	res2 := uint64(xi) * uint64(arr[8])
	res0 = (res2 >> 32) | (res0 << 32)
	res0 += res1
	n := (res0 + 1<<61) >> 62
	res0 -= n << 62
	return float64(int64(res0)) * pi63, int(n)
}

func sincosf(y float32, cos bool) float32 {
	x := float64(y)
	p := &sincosfTables[0]
	odd := 0
	if cos {
		odd = 1
	}
	switch {
	case abstop12(y) < abstop12(0x1.921FB6p-1):
		if abstop12(y) < abstop12(0x1p-12) {
			if cos {
				return 1
			}
			return y
		}
		return sincosfPoly(x, float64(x*x), p, odd)
	case abstop12(y) < abstop12(120):
		r, n := reduceFast(x)
		s := sincosfSign[n&3]
		if n&2 != 0 {
			p = &sincosfTables[1]
		}
		return sincosfPoly(float64(r*s), float64(r*r), p, n^odd)
	case abstop12(y) < abstop12(float32(math.Inf(1))):
		xi := math.Float32bits(y)
		sign := int(xi >> 31)
		r, n := reduceLarge(xi)
		s := sincosfSign[(n+sign)&3]
		if (n+sign)&2 != 0 {
			p = &sincosfTables[1]
		}
		return sincosfPoly(float64(r*s), float64(r*r), p, n^odd)
	}
	return float32(math.NaN())
}

func cosf(x float32) float32 { return sincosf(x, true) }
func sinf(x float32) float32 { return sincosf(x, false) }
