package tensor

import (
	"math"
	"testing"
)

var quantTypes = []Type{Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, IQ4_NL, IQ4_XS, F16, BF16, F32}

func roundTrip(t *testing.T, typ Type, x []float32) []float32 {
	t.Helper()
	q := make([]byte, typ.RowSize(len(x)))
	if err := Quantize(q, x, typ); err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	y := make([]float32, len(x))
	if err := Dequantize(y, q, typ); err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	return y
}

func rmsDiff(x, y []float32) float64 {
	var s float64
	for i := range x {
		d := float64(x[i]) - float64(y[i])
		s += d * d
	}
	return math.Sqrt(s / float64(len(x)))
}

// TestRoundTripGaussian measures the round-trip RMS error on N(0,1) data.
// The quantizers are byte-identical to llama-quantize's (see
// fixtures_test.go), so what they measure is the reference's error; the
// bounds sit 10-25% above it to catch regressions. For the 8-bit types
// they agree with the uniform-step estimate step/√12 (step = amax/127,
// amax ≈ 2.1 for 32 normal values, ≈ 2.9 for 256).
func TestRoundTripGaussian(t *testing.T) {
	x := gaussian(QK_K*256, 11)
	bounds := map[Type]float64{
		Q2_K: 0.33, Q3_K: 0.18, Q4_0: 0.11, Q4_1: 0.10, IQ4_NL: 0.09, IQ4_XS: 0.09, Q4_K: 0.083,
		Q5_0: 0.053, Q5_1: 0.050, Q5_K: 0.042, Q6_K: 0.021, Q8_0: 0.0062, Q8_1: 0.0062, Q8_K: 0.0075,
		F16: 0.0003, BF16: 0.0025, F32: 0,
	}
	for _, typ := range quantTypes {
		y := roundTrip(t, typ, x)
		rms := rmsDiff(x, y)
		t.Logf("%-7s rms %.5f", typ, rms)
		if rms > bounds[typ] {
			t.Errorf("%s: round-trip rms %.5f above %.5f", typ, rms, bounds[typ])
		}
	}
}

// TestRoundTripLlamaThresholds is llama.cpp's test-quantize-fns check: data
// 0.1 + 2cos(i + offset) over 4096 values, error sqrt(Σdiff²)/n under
// 0.002 (0.004 for 3-bit, 0.0075 for 2-bit).
func TestRoundTripLlamaThresholds(t *testing.T) {
	const n = 32 * 128
	x := make([]float32, n)
	for i := range x {
		x[i] = 0.1 + 2*float32(math.Cos(float64(i)))
	}
	for _, typ := range quantTypes {
		y := roundTrip(t, typ, x)
		var s float64
		for i := range x {
			d := float64(x[i]) - float64(y[i])
			s += d * d
		}
		e := math.Sqrt(s) / n
		limit := 0.002
		switch typ {
		case Q2_K:
			limit = 0.0075
		case Q3_K:
			limit = 0.004
		}
		if e > limit {
			t.Errorf("%s: total error %.6f above llama.cpp's limit %.4f", typ, e, limit)
		}
	}
}

func TestQuantizeSpecialBlocks(t *testing.T) {
	for _, typ := range quantTypes {
		n := QK_K * 2
		zero := make([]float32, n)
		if y := roundTrip(t, typ, zero); rmsDiff(zero, y) != 0 {
			t.Errorf("%s: zeros do not round-trip", typ)
		}
		c := make([]float32, n)
		for i := range c {
			c[i] = 0.75
			if i >= QK_K {
				c[i] = -3
			}
		}
		if y := roundTrip(t, typ, c); rmsDiff(c, y) > 0.02 {
			t.Errorf("%s: constant blocks round-trip with rms %g", typ, rmsDiff(c, y))
		}
		// Every block type must survive extreme but finite values without panicking.
		e := gaussian(n, 5)
		e[3], e[40], e[300] = 1e30, -1e-30, 6e4
		_ = roundTrip(t, typ, e)
	}
}

func TestConvertErrors(t *testing.T) {
	if err := Dequantize(make([]float32, 32), make([]byte, 18), IQ2_XXS); err == nil {
		t.Error("no error for an unsupported type")
	}
	if err := Dequantize(make([]float32, 32), make([]byte, 17), Q4_0); err == nil {
		t.Error("no error for a partial block")
	}
	if err := Dequantize(make([]float32, 31), make([]byte, 18), Q4_0); err == nil {
		t.Error("no error for a short destination")
	}
	if err := Quantize(make([]byte, 18), make([]float32, 31), Q4_0); err == nil {
		t.Error("no error for a partial block to quantize")
	}
	if err := Quantize(make([]byte, 19), make([]float32, 32), Q4_0); err == nil {
		t.Error("no error for a wrong destination size")
	}
	if err := Quantize(make([]byte, 4), make([]float32, 1), Type(99)); err == nil {
		t.Error("no error for an unknown type")
	}
}

func TestScaleMinK4Packing(t *testing.T) {
	var sc [12]byte
	var want [8][2]uint8
	for j := range 8 {
		want[j] = [2]uint8{uint8(63 - 7*j), uint8(5*j + 25)}
		packScaleMinK4(sc[:], j, want[j][0], want[j][1])
	}
	for j := range 8 {
		if s, m := GetScaleMinK4(j, sc[:]); s != want[j][0] || m != want[j][1] {
			t.Errorf("sub-block %d: got (%d,%d), want %v", j, s, m, want[j])
		}
	}
}

func TestBestIndexIQ4(t *testing.T) {
	for i := -140; i <= 130; i++ {
		x := float32(i) + 0.25
		best := 0
		for k, v := range IQ4NLValues {
			if abs32(x-float32(v)) < abs32(x-float32(IQ4NLValues[best])) {
				best = k
			}
		}
		if got := bestIndexIQ4(x); int(got) != best {
			t.Fatalf("bestIndexIQ4(%v) = %d, nearest is %d", x, got, best)
		}
	}
	if bestIndexIQ4(-115.5) != 1 { // the midpoint of -127 and -104 goes up
		t.Error("tie did not pick the upper value")
	}
}

// FuzzDequantize feeds arbitrary bytes as every type: no panics, and the
// error depends only on the length.
func FuzzDequantize(f *testing.F) {
	f.Add([]byte{0x00, 0x3c, 1, 2, 3}, uint8(2))
	f.Add(make([]byte, 292), uint8(15))
	f.Add(make([]byte, 210), uint8(14))
	f.Fuzz(func(t *testing.T, data []byte, typ uint8) {
		tt := Type(typ)
		if !tt.Known() {
			if err := Dequantize(nil, data, tt); err == nil && len(data) > 0 {
				t.Fatalf("unknown type %d accepted", typ)
			}
			return
		}
		ts := tt.TypeSize()
		n := len(data) / ts * tt.BlockSize()
		err := Dequantize(make([]float32, n), data, tt)
		if CanQuantize(tt) && (err == nil) != (len(data)%ts == 0) {
			t.Fatalf("%s, %d bytes: err = %v", tt, len(data), err)
		}
		_ = Dequantize(make([]float32, n+1), data, tt)
	})
}

func TestFallbackType(t *testing.T) {
	for _, c := range []struct {
		t    Type
		n    int64
		want Type
	}{{Q4_K, 896, Q5_0}, {Q4_K, 512, Q4_K}, {Q6_K, 172, F16}, {Q6_K, 96, Q8_0}, {IQ4_XS, 64, IQ4_NL}, {Q2_K, 32, Q4_0}, {Q5_K, 32, Q5_1}} {
		if got, err := FallbackType(c.t, c.n); err != nil || got != c.want {
			t.Errorf("FallbackType(%s, %d) = %s, %v; want %s", c.t, c.n, got, err, c.want)
		}
	}
	if _, err := FallbackType(Q4_0, 48); err == nil {
		t.Error("no error for Q4_0 rows of 48")
	}
}

// FuzzQuantize: any float32 bits (NaNs, infinities, subnormals) quantize
// to every type without panicking.
func FuzzQuantize(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x7f, 0, 0, 0xc0, 0x7f, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		x := make([]float32, QK_K)
		for i := 0; i+4 <= len(data) && i/4 < len(x); i += 4 {
			x[i/4] = math.Float32frombits(uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24)
		}
		for _, typ := range quantTypes {
			q := make([]byte, typ.RowSize(len(x)))
			if err := Quantize(q, x, typ); err != nil {
				t.Fatal(err)
			}
			if err := Dequantize(x[:0:0], q[:0], typ); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func BenchmarkQuantize(b *testing.B) {
	x := gaussian(QK_K*64, 3)
	for _, typ := range quantTypes {
		q := make([]byte, typ.RowSize(len(x)))
		b.Run(typ.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				_ = Quantize(q, x, typ)
			}
		})
	}
}

func BenchmarkDequantize(b *testing.B) {
	x := gaussian(QK_K*64, 3)
	y := make([]float32, len(x))
	for _, typ := range quantTypes {
		q := make([]byte, typ.RowSize(len(x)))
		_ = Quantize(q, x, typ)
		b.Run(typ.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				_ = Dequantize(y, q, typ)
			}
		})
	}
}
