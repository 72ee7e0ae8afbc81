package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ggmlFP32ToFP16 is ggml's portable float-arithmetic conversion
// (ggml_compute_fp32_to_fp16), an independent formulation to check against.
func ggmlFP32ToFP16(f float32) uint16 {
	const scaleToInf = float32(0x1.0p+112)
	const scaleToZero = float32(0x1.0p-110)
	base := float32(abs32(f)*scaleToInf) * scaleToZero
	w := math.Float32bits(f)
	shl1 := w + w
	sign := w & 0x80000000
	bias := shl1 & 0xff000000
	if bias < 0x71000000 {
		bias = 0x71000000
	}
	base = math.Float32frombits(bias>>1+0x07800000) + base
	bits := math.Float32bits(base)
	nonsign := (bits>>13)&0x7c00 + bits&0x0fff
	if shl1 > 0xff000000 {
		return uint16(sign>>16) | 0x7e00
	}
	return uint16(sign>>16) | uint16(nonsign)
}

// ggmlFP16ToFP32 is ggml's portable ggml_compute_fp16_to_fp32.
func ggmlFP16ToFP32(h uint16) float32 {
	w := uint32(h) << 16
	sign := w & 0x80000000
	two := w + w
	const expOffset = 0xe0 << 23
	normalized := math.Float32frombits(two>>4+expOffset) * float32(0x1.0p-112)
	denormalized := math.Float32frombits(two>>17|126<<23) - 0.5
	var result uint32
	if two < 1<<27 {
		result = sign | math.Float32bits(denormalized)
	} else {
		result = sign | math.Float32bits(normalized)
	}
	return math.Float32frombits(result)
}

func TestF16AllHalves(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		f := F16ToF32(h)
		isNaN := h&0x7c00 == 0x7c00 && h&0x3ff != 0
		if isNaN {
			b := math.Float32bits(f)
			if !math.IsNaN(float64(f)) || b&0x400000 == 0 || b>>31 != uint32(h>>15) {
				t.Fatalf("F16ToF32(%#04x) = %#08x, want a quiet NaN of the same sign", h, b)
			}
			if got := F32ToF16(f); got != h&0x8000|0x7e00 {
				t.Fatalf("F32ToF16(NaN %#08x) = %#04x, want canonical NaN", b, got)
			}
			continue
		}
		if want := ggmlFP16ToFP32(h); math.Float32bits(f) != math.Float32bits(want) {
			t.Fatalf("F16ToF32(%#04x) = %v, ggml says %v", h, f, want)
		}
		if back := F32ToF16(f); back != h {
			t.Fatalf("F32ToF16(F16ToF32(%#04x)) = %#04x", h, back)
		}
	}
}

// TestF32ToF16Rounding probes, for every finite half, the float32 values
// around the midpoint to its successor, where round-to-nearest-even decides.
func TestF32ToF16Rounding(t *testing.T) {
	check := func(f float32) {
		t.Helper()
		if got, want := F32ToF16(f), ggmlFP32ToFP16(f); got != want {
			t.Fatalf("F32ToF16(%g = %#08x) = %#04x, ggml gives %#04x", f, math.Float32bits(f), got, want)
		}
	}
	for i := range 0x7c00 {
		for _, sign := range []uint16{0, 0x8000} {
			lo := float64(F16ToF32(uint16(i) | sign))
			hi := float64(F16ToF32(uint16(i+1) | sign))
			mid := float32((lo + hi) / 2) // exact: halves have few mantissa bits
			b := math.Float32bits(mid)
			for d := -2; d <= 2; d++ {
				check(math.Float32frombits(uint32(int64(b) + int64(d))))
			}
			check(float32(lo))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1 << 22
	if testing.Short() {
		n = 1 << 18
	}
	for range n {
		check(math.Float32frombits(rng.Uint32()))
	}
	for _, f := range []float32{0, float32(math.Copysign(0, -1)), 65504, 65519.99, 65520, -65520, 1e9,
		float32(math.Inf(1)), float32(math.Inf(-1)), 0x1p-24, 0x1p-25, 0x1.000002p-25, 0x1p-26, 0x1.8p-24,
		0x1p-14, 0x1.ffcp-15, 0x1.ffep-15, math.SmallestNonzeroFloat32, math.MaxFloat32} {
		check(f)
	}
}

func TestF16Edges(t *testing.T) {
	cases := []struct {
		f float32
		h uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, {65519.996, 0x7bff},
		{0x1p-24, 0x0001}, {0x1p-25, 0}, {0x1.000002p-25, 0x0001}, {0x1.8p-24, 0x0002},
		{0x1p-14, 0x0400}, {0x1.ffep-15, 0x0400}, {float32(math.Inf(-1)), 0xfc00},
		{1 + 0x1p-11, 0x3c00}, {1 + 0x1p-11 + 0x1p-23, 0x3c01}, {1 + 3*0x1p-11, 0x3c02},
		{float32(math.NaN()), 0x7e00},
	}
	for _, c := range cases {
		if got := F32ToF16(c.f); got != c.h {
			t.Errorf("F32ToF16(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
}

func TestBF16(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		f := BF16ToF32(h)
		if math.Float32bits(f) != uint32(h)<<16 {
			t.Fatalf("BF16ToF32(%#04x) = %#08x", h, math.Float32bits(f))
		}
		want := h
		if h&0x7f80 == 0x7f80 && h&0x7f != 0 {
			want |= 0x40 // NaNs come back quiet
		}
		if back := F32ToBF16(f); back != want {
			t.Fatalf("F32ToBF16(BF16ToF32(%#04x)) = %#04x, want %#04x", h, back, want)
		}
	}
	cases := []struct {
		bits uint32
		h    uint16
	}{
		{0x3f808000, 0x3f80}, // tie, even stays
		{0x3f818000, 0x3f82}, // tie, odd rounds up
		{0x3f808001, 0x3f81},
		{0x7f7fffff, 0x7f80}, // overflow to infinity
		{0x00000001, 0x0000}, // subnormal rounds to zero
		{0x00008000, 0x0000}, // subnormal tie to even zero
		{0x00018000, 0x0002}, // subnormals kept, not flushed
		{0x7f800001, 0x7fc0}, // signalling NaN gets quiet
		{0xffc12345, 0xffc1}, // quiet NaN truncated
		{0x80000000, 0x8000}, // negative zero
		{0xff800000, 0xff80}, // -inf
	}
	for _, c := range cases {
		if got := F32ToBF16(math.Float32frombits(c.bits)); got != c.h {
			t.Errorf("F32ToBF16(%#08x) = %#04x, want %#04x", c.bits, got, c.h)
		}
	}
}

func TestRowConversions(t *testing.T) {
	src := []float32{1, -2.5, 65504, 0x1p-24, 3.14159}
	h := make([]uint16, 3)
	if n := F32ToF16Row(h, src); n != 3 {
		t.Fatalf("F32ToF16Row converted %d, want 3", n)
	}
	back := make([]float32, 5)
	if n := F16ToF32Row(back, h); n != 3 || back[0] != 1 || back[1] != -2.5 || back[2] != 65504 {
		t.Fatalf("F16ToF32Row = %d %v", n, back)
	}
	b := make([]uint16, 5)
	F32ToBF16Row(b, src)
	BF16ToF32Row(back, b)
	for i, v := range src {
		if back[i] != BF16ToF32(F32ToBF16(v)) {
			t.Fatalf("bf16 row %d: %v", i, back[i])
		}
	}
}
