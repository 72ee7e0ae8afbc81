package model

import (
	"math"
	"testing"
)

// glibcSincosf are (x, cosf(x), sinf(x)) as glibc 2.36's FMA build on
// x86-64 returns them, all bits, for angles where the result is not
// float32(math.Cos/Sin(x)) (half below 120, half reduced the long way).
var glibcSincosf = [][3]uint32{
	{0x3f1e5af8, 0x3f509086, 0x3f1472b4},
	{0x3e5a83d7, 0x3f7a3181, 0x3e58dc41},
	{0x412af3a7, 0xbe9cb88a, 0xbf73b654},
	{0x408e432a, 0xbe86eebc, 0xbf76f333},
	{0x409f5577, 0x3e86fbd2, 0xbf76f169},
	{0x4039999a, 0xbf7890b7, 0x3e74fdc1},
	{0x3e328278, 0x3f7c1eb7, 0x3e319b5d},
	{0x3fe655c3, 0xbe682609, 0x3f7955a1},
	{0x43030000, 0x3f158eb5, 0xbf4fc53d},
	{0x43410000, 0xbe536859, 0xbf7a7c21},
	{0x43430000, 0x3f79c269, 0x3e60b8ba},
	{0x4306664b, 0xbf459e25, 0x3f22bc97},
	{0x43870000, 0x3f7c0075, 0xbe344564},
	{0x433ab284, 0xbe66e45e, 0xbf79684c},
	{0x433cf25a, 0x3f66638d, 0x3edf38ba},
	{0x43ab8000, 0xbf5805c1, 0xbf095e82},
}

func TestSincosfGlibc(t *testing.T) {
	for _, v := range glibcSincosf {
		x := math.Float32frombits(v[0])
		if got := math.Float32bits(cosf(x)); got != v[1] {
			t.Errorf("cosf(%v) = %#x, glibc %#x", x, got, v[1])
		}
		if got := math.Float32bits(sinf(x)); got != v[2] {
			t.Errorf("sinf(%v) = %#x, glibc %#x", x, got, v[2])
		}
	}
	// Everywhere else: within an ulp of the correctly rounded value.
	for i := range 20000 {
		x := float32(i)*0.37 - 3700
		for _, c := range [][2]float64{{float64(cosf(x)), math.Cos(float64(x))}, {float64(sinf(x)), math.Sin(float64(x))}} {
			ulp := float64(math.Nextafter32(float32(math.Abs(c[1])), 2) - float32(math.Abs(c[1])))
			if math.Abs(c[0]-c[1]) > ulp {
				t.Fatalf("x=%v: %v, want %v within an ulp", x, c[0], c[1])
			}
		}
	}
	if cosf(0) != 1 || sinf(0) != 0 || !math.IsNaN(float64(cosf(float32(math.Inf(1))))) {
		t.Error("special values")
	}
}
