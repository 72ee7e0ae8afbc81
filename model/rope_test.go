package model

import (
	"math"
	"testing"
)

// TestRopeTable checks the angles against the closed form
// pos·base^(-2i/d)/ff_i·scale (the float32 recurrence drifts by a few ulps).
func TestRopeTable(t *testing.T) {
	m := &Model{Config: Config{RopeBase: 500000, RopeDims: 16, RopeScale: 0.25}}
	m.ropeFreqs = []float32{1, 1, 2, 4, 8, 1, 1, 32}
	cs := make([]float32, 16)
	for _, pos := range []int32{0, 1, 7, 300, 2047} {
		m.ropeTable(cs, pos)
		for i := range 8 {
			theta := float64(pos) * math.Pow(500000, -2*float64(i)/16) / float64(m.ropeFreqs[i]) * 0.25
			if c, s := math.Cos(theta), math.Sin(theta); math.Abs(float64(cs[2*i])-c) > 1e-4 || math.Abs(float64(cs[2*i+1])-s) > 1e-4 {
				t.Errorf("pos %d pair %d: cos,sin %v,%v want %v,%v", pos, i, cs[2*i], cs[2*i+1], c, s)
			}
		}
	}
}

// TestRopeLayouts checks which elements each layout rotates together.
func TestRopeLayouts(t *testing.T) {
	cs := []float32{0, 1, 0, 1} // 90° for both pairs
	x := []float32{1, 2, 3, 4}
	m := &Model{Config: Config{RopeDims: 4}}
	m.rope(x, 1, 4, cs)
	if want := []float32{-2, 1, -4, 3}; !equal(x, want) {
		t.Errorf("normal layout: %v, want %v (pairs (0,1), (2,3))", x, want)
	}
	x = []float32{1, 2, 3, 4}
	m.RopeNeoX = true
	m.rope(x, 1, 4, cs)
	if want := []float32{-3, -4, 1, 2}; !equal(x, want) {
		t.Errorf("NeoX layout: %v, want %v (pairs (0,2), (1,3))", x, want)
	}
	// Dimensions past RopeDims pass through.
	x = []float32{1, 2, 3, 4, 5, 6}
	m.RopeNeoX = false
	m.rope(x, 1, 6, cs)
	if x[4] != 5 || x[5] != 6 {
		t.Errorf("unrotated tail changed: %v", x[4:])
	}
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestVExpf(t *testing.T) {
	for _, x := range []float32{0, -1e-8, -0.5, -1, -10, -87, -103, -150, 1, 10, 88} {
		got, want := vExpf(x), float32(math.Exp(float64(x)))
		if d := math.Abs(float64(got - want)); d > 3e-7*float64(want) && d > 0x1p-148 {
			t.Errorf("vExpf(%v) = %v, exp %v", x, got, want)
		}
	}
	if vExpf(float32(math.Inf(-1))) != 0 || vExpf(-200) != 0 {
		t.Error("vExpf of large negative is not 0")
	}
	if !math.IsInf(float64(vExpf(200)), 1) {
		t.Error("vExpf(200) is not +Inf")
	}
}
