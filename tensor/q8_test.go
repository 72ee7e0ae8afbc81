package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

func gaussian(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

func TestQuantizeRowQ8_0(t *testing.T) {
	x := gaussian(32*64, 1)
	for j := range 32 {
		x[32+j] = 0 // an all-zero block
	}
	copy(x[64:96], []float32{127, 0.5, -0.5, 1.5, -1.5, 2.5})
	blocks := make([]BlockQ8_0, 64)
	if err := QuantizeRowQ8_0(blocks, x); err != nil {
		t.Fatal(err)
	}
	if b := blocks[1]; b.D != 0 || b.Qs != [32]int8{} {
		t.Errorf("zero block quantized to %+v", b)
	}
	if got := blocks[2].Qs[:6]; got[0] != 127 || got[1] != 1 || got[2] != -1 || got[3] != 2 || got[4] != -2 || got[5] != 3 {
		t.Errorf("roundf ties: got %v, want [127 1 -1 2 -2 3]", got)
	}
	for i, b := range blocks {
		d := F16ToF32(b.D)
		for j, q := range b.Qs {
			if err := math.Abs(float64(x[i*32+j]) - float64(q)*float64(d)); err > 0.5*float64(d)+128*float64(d)*0x1p-11 {
				t.Fatalf("block %d value %d: %v decodes to %v·%v", i, j, x[i*32+j], q, d)
			}
		}
	}
	if err := QuantizeRowQ8_0(blocks[:1], x[:64]); err == nil {
		t.Error("no error for a destination too short")
	}
	if err := QuantizeRowQ8_0(blocks, x[:33]); err == nil {
		t.Error("no error for a partial block")
	}
}

func TestQuantizeRowQ8_1(t *testing.T) {
	x := gaussian(32*16, 2)
	blocks := make([]BlockQ8_1, 16)
	if err := QuantizeRowQ8_1(blocks, x); err != nil {
		t.Fatal(err)
	}
	ref := make([]BlockQ8_0, 16)
	if err := QuantizeRowQ8_0(ref, x); err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		if b.D != ref[i].D || b.Qs != ref[i].Qs {
			t.Fatalf("block %d: Q8_1 quants differ from Q8_0's", i)
		}
		sum := 0
		for _, q := range b.Qs {
			sum += int(q)
		}
		if want := F32ToF16(float32(sum) * (amaxOf(x[i*32:i*32+32]) / 127)); b.S != want {
			t.Fatalf("block %d: s = %#04x, want %#04x", i, b.S, want)
		}
	}
}

func amaxOf(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, abs32(v))
	}
	return m
}

func TestQuantizeRowQ8K(t *testing.T) {
	x := gaussian(QK_K*8, 3)
	for j := range QK_K {
		x[QK_K+j] = 0
	}
	x[2*QK_K+7] = 10 // positive extreme: d comes out negative
	x[3*QK_K+9] = -10
	blocks := make([]BlockQ8K, 8)
	blocks[1].BSums[3] = 99 // must be cleared
	if err := QuantizeRowQ8K(blocks, x); err != nil {
		t.Fatal(err)
	}
	if blocks[1] != (BlockQ8K{}) {
		t.Error("zero block not all zero")
	}
	if blocks[2].D >= 0 || blocks[2].Qs[7] != -127 {
		t.Errorf("positive max: d=%v q=%d, want d<0, q=-127", blocks[2].D, blocks[2].Qs[7])
	}
	if blocks[3].D <= 0 || blocks[3].Qs[9] != -127 {
		t.Errorf("negative max: d=%v q=%d, want d>0, q=-127", blocks[3].D, blocks[3].Qs[9])
	}
	for i, b := range blocks {
		for g := range 16 {
			sum := 0
			for _, q := range b.Qs[g*16 : g*16+16] {
				sum += int(q)
			}
			if int(b.BSums[g]) != sum {
				t.Fatalf("block %d bsums[%d] = %d, want %d", i, g, b.BSums[g], sum)
			}
		}
		for j, q := range b.Qs {
			if err := math.Abs(float64(x[i*QK_K+j]) - float64(q)*float64(b.D)); err > 0.5*math.Abs(float64(b.D))*1.001 {
				t.Fatalf("block %d value %d: %v decodes to %v·%v", i, j, x[i*QK_K+j], q, b.D)
			}
		}
	}
	// Ties go to even: with max -127 the scale is 1, so 2.5 → 2 and -3.5 → -4.
	y := make([]float32, QK_K)
	y[0], y[1], y[2] = -127, 2.5, -3.5
	if err := QuantizeRowQ8K(blocks[:1], y); err != nil {
		t.Fatal(err)
	}
	if q := blocks[0].Qs; q[0] != -127 || q[1] != 2 || q[2] != -4 || blocks[0].D != 1 {
		t.Errorf("ties: d=%v q=%v, want d=1 q=[-127 2 -4]", blocks[0].D, q[:3])
	}
}

func TestNearestInt(t *testing.T) {
	for _, c := range []struct {
		f float32
		i int32
	}{{0, 0}, {0.5, 0}, {1.5, 2}, {2.5, 2}, {-0.5, 0}, {-1.5, -2}, {-2.5, -2}, {126.49, 126}, {-127, -127}, {3.7, 4}} {
		if got := nearestInt(c.f); got != c.i {
			t.Errorf("nearestInt(%v) = %d, want %d", c.f, got, c.i)
		}
	}
}

func TestQuantizeRowQ8x86(t *testing.T) {
	x := gaussian(32*64, 9)
	copy(x[:4], []float32{127, 0.5, 1.5, -2.5}) // ties in block 0 (scale exactly 1)
	ref := make([]BlockQ8_0, 64)
	avx := make([]BlockQ8_0, 64)
	if err := QuantizeRowQ8_0(ref, x); err != nil {
		t.Fatal(err)
	}
	if err := QuantizeRowQ8_0x86(avx, x); err != nil {
		t.Fatal(err)
	}
	if q := avx[0].Qs; q[0] != 127 || q[1] != 0 || q[2] != 2 || q[3] != -2 {
		t.Errorf("x86 ties: got %v, want [127 0 2 -2]", q[:4])
	}
	if q := ref[0].Qs; q[1] != 1 || q[3] != -3 {
		t.Errorf("ref ties: got %v, want roundf's [127 1 2 -3]", q[:4])
	}
	for i := range ref {
		if ref[i].D != avx[i].D {
			t.Fatalf("block %d: scales differ", i)
		}
		for j := range ref[i].Qs {
			if d := int(ref[i].Qs[j]) - int(avx[i].Qs[j]); d < -1 || d > 1 {
				t.Fatalf("block %d value %d: %d vs %d", i, j, ref[i].Qs[j], avx[i].Qs[j])
			}
		}
	}
	b1 := make([]BlockQ8_1, 64)
	if err := QuantizeRowQ8_1x86(b1, x); err != nil {
		t.Fatal(err)
	}
	for i := range b1 {
		if b1[i].Qs != avx[i].Qs || b1[i].D != avx[i].D {
			t.Fatalf("block %d: Q8_1 quants differ from Q8_0's", i)
		}
	}
}

func TestRoundAway(t *testing.T) {
	for _, f := range []float32{0, 0.5, -0.5, 0.49999997, -0.49999997, 1.5, 2.5, -2.5, 126.5, -127.5, 8388607.5, 1 << 23, 1e30,
		-1e30, float32(math.Inf(1)), 0x1p-149, -0x1p-149, 3.7, -3.7} {
		if got, want := roundAway(f), float32(math.Round(float64(f))); got != want {
			t.Errorf("roundAway(%v) = %v, want %v", f, got, want)
		}
	}
	if !math.IsNaN(float64(roundAway(float32(math.NaN())))) {
		t.Error("roundAway(NaN) is not NaN")
	}
}
