package model

import (
	"math"
	"testing"
)

// glibcExpfValues are (x, expf(x)) from glibc 2.36 on x86-64 (FMA build),
// all bits, where the result is not float32(math.Exp(x)).
var glibcExpfValues = [][2]uint32{
	{0x400cbc2a, 0x411040f0},
	{0x4140d5eb, 0x4827762e},
	{0x40a46721, 0x432a4dff},
	{0x4184a07f, 0x4b71c6b3},
	{0xc0669db7, 0x3cdf14de},
	{0xc10a84d4, 0x39364653},
	{0x413a043e, 0x47dab3c5},
	{0xc1621afc, 0x3543b0b5},
	{0x4196098e, 0x4d052ec5},
	{0xc140def8, 0x36c33e26},
	{0x414d48aa, 0x48b64b4a},
	{0x3ff89c60, 0x40df2fc4},
	{0xc1531f60, 0x35f996af},
	{0x404cd378, 0x41c45714},
	{0x416769ba, 0x49e95133},
	{0xc180dd94, 0x33d8e2b9},
}

func TestGlibcExpf(t *testing.T) {
	for _, v := range glibcExpfValues {
		x := math.Float32frombits(v[0])
		if got := math.Float32bits(glibcExpf(x)); got != v[1] {
			t.Errorf("expf(%v) = %#x, glibc %#x", x, got, v[1])
		}
	}
	// Elsewhere within an ulp of the correctly rounded value.
	for i := range 40000 {
		x := float32(i)*0.005 - 100
		got, want := float64(glibcExpf(x)), math.Exp(float64(x))
		w32 := float32(want)
		if ulp := float64(math.Nextafter32(w32, float32(math.Inf(1))) - w32); math.Abs(got-want) > ulp {
			t.Fatalf("expf(%v) = %v, want %v within an ulp", x, got, want)
		}
	}
	for _, c := range [][2]float32{{0, 1}, {float32(math.Inf(-1)), 0}, {-200, 0}, {100, float32(math.Inf(1))}} {
		if got := glibcExpf(c[0]); got != c[1] {
			t.Errorf("expf(%v) = %v, want %v", c[0], got, c[1])
		}
	}
	if !math.IsNaN(float64(glibcExpf(float32(math.NaN())))) {
		t.Error("expf(NaN) is not NaN")
	}
}
