package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// ropeInputs is n values and n cosines/sines: ordinary ones, or (extreme)
// a mix with large, tiny, zero, infinite and NaN values.
func ropeInputs(rng *rand.Rand, n int, extreme bool) (v, cs []float32) {
	v, cs = make([]float32, n), make([]float32, n)
	specials := []float32{0, float32(math.Copysign(0, -1)), 1e30, -1e30, 1e-40, float32(math.Inf(1)), float32(math.NaN())}
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 8)
		a := rng.Float64() * 2 * math.Pi
		cs[i] = float32(math.Cos(a))
		if i%2 == 1 {
			cs[i] = float32(math.Sin(a))
		}
		if extreme && rng.IntN(4) == 0 {
			v[i] = specials[rng.IntN(len(specials))]
		}
		if extreme && rng.IntN(8) == 0 {
			cs[i] = specials[rng.IntN(len(specials))]
		}
	}
	return v, cs
}

// TestRopeMatchesGeneric: every level's RopePairs and RopeNeoX equal the
// generic FMA32 loops bit for bit (NaNs by class), for every even length
// up to 80, touching nothing past v.
func TestRopeMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, ks := range simdKernelSets() {
		for _, neox := range []bool{false, true} {
			f, ref := ks.ropePairs, ropePairsGeneric
			if neox {
				f, ref = ks.ropeNeoX, ropeNeoXGeneric
			}
			for n := 0; n <= 80; n += 2 {
				for _, extreme := range []bool{false, true} {
					v, cs := ropeInputs(rng, n, extreme)
					buf := append(append([]float32{}, v...), 42, 43) // guards after v
					want := append([]float32{}, v...)
					ref(want, cs)
					f(buf[:n], cs)
					name := fmt.Sprintf("%s neox=%v n=%d extreme=%v", ks.name, neox, n, extreme)
					for i := range n {
						g, w := buf[i], want[i]
						if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
							t.Fatalf("%s: v[%d] = %g (%#x), generic %g (%#x)", name, i, g, math.Float32bits(g), w, math.Float32bits(w))
						}
					}
					if buf[n] != 42 || buf[n+1] != 43 {
						t.Fatalf("%s: wrote past v", name)
					}
				}
			}
		}
	}
}

// TestFMA32 checks the emulated fused multiply-add against math.FMA where
// no float32 midpoint arises, and at one where float64 rounding does.
func TestFMA32(t *testing.T) {
	for _, c := range [][3]float32{{1, 1, 1}, {3, 1.0 / 3, -1}, {1 + 0x1p-23, 1 - 0x1p-23, -1}, {1.5, -2.25, 0x1p-30}} {
		a, b, cc := c[0], c[1], c[2]
		want := float32(math.FMA(float64(a), float64(b), float64(cc))) // no float32 midpoints here
		if got := FMA32(a, b, cc); got != want {
			t.Errorf("FMA32(%v, %v, %v) = %v, want %v", a, b, cc, got, want)
		}
	}
	// (1+2^-20)(1-2^-20) + 2^24+2 = 2^24+3-2^-40: float64 rounds it to the
	// float32 midpoint 2^24+3, which ties-to-even would take up to 2^24+4;
	// the true sum is below the midpoint, so a single rounding gives 2^24+2.
	if got := FMA32(1+0x1p-20, 1-0x1p-20, 0x1p24+2); got != 0x1p24+2 {
		t.Errorf("FMA32 at a float64-rounded midpoint = %v, want %v", got, float32(0x1p24+2))
	}
}

// BenchmarkRope: one 64-wide head, the common head size.
func BenchmarkRope(b *testing.B) {
	v, cs := ropeInputs(rand.New(rand.NewPCG(1, 1)), 64, false)
	for _, ks := range append([]*kernelSet{&genericKernels}, simdKernelSets()...) {
		for _, neox := range []bool{false, true} {
			f := ks.ropePairs
			if neox {
				f = ks.ropeNeoX
			}
			b.Run(fmt.Sprintf("%s/neox=%v", ks.name, neox), func(b *testing.B) {
				for b.Loop() {
					f(v, cs)
				}
			})
		}
	}
}
