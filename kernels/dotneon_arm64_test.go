//go:build !purego

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// neonExactTypes are the NEON dots that reproduce the generic Go bit for
// bit (their Go wrappers scale exact integer sums with the generic
// float32 expressions).
var neonExactTypes = []tensor.Type{
	tensor.Q4_1, tensor.Q5_0, tensor.Q5_1, tensor.IQ4_NL, tensor.Q2_K, tensor.Q3_K, tensor.IQ4_XS,
}

// TestNEONDotsExact holds both NEON variants (SDOT, base NEON) of the
// exact types to the generic dots bit for bit, for several row lengths
// (up to 70 blocks: long float32 chains), random and extreme
// values, misaligned rows and rows followed by guard bytes whose contents
// must not matter.
func TestNEONDotsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	sets := simdKernelSets() // SDOT and base NEON where the CPU has dotprod
	for _, ks := range sets {
		for _, typ := range neonExactTypes {
			bs := max(typ.BlockSize(), ActivationType(typ).BlockSize())
			lens := []int{0, bs, 2 * bs, 3 * bs, 5 * bs}
			if bs == 32 {
				lens = append(lens, 33*bs, 70*bs) // long float chains
			}
			for _, n := range lens {
				for trial := range 4 {
					extreme := trial%2 == 1
					at := ActivationType(typ)
					w0 := randomRow(rng, typ, n, extreme)
					a0 := quantizeActs(&genericKernels, at, randomActsFor(rng, typ, n, extreme))
					want := genericKernels.dot[typ](w0, a0, n)
					off := trial // misaligned from trial 1 on
					w := guardedRow(w0, off, 0x00)
					a := guardedRow(a0, 3-off, 0x00)
					got := ks.dot[typ](w, a, n)
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Errorf("%s %s n=%d trial %d: %g, generic %g", ks.name, typ, n, trial, got, want)
					}
					// Different guard bytes, same result: nothing read past the row.
					w, a = guardedRow(w0, off, 0xFF), guardedRow(a0, 3-off, 0x80)
					if g2 := ks.dot[typ](w, a, n); math.Float32bits(g2) != math.Float32bits(got) {
						t.Errorf("%s %s n=%d trial %d: guard bytes changed the result: %g vs %g", ks.name, typ, n, trial, g2, got)
					}
				}
			}
		}
	}
}

// guardedRow copies b to offset off of a fresh buffer followed by 64 bytes of
// fill, and returns the copy (capacity includes the guard).
func guardedRow(b []byte, off int, fill byte) []byte {
	buf := make([]byte, off+len(b)+64)
	for i := range buf {
		buf[i] = fill
	}
	copy(buf[off:], b)
	return buf[off : off+len(b)]
}

// TestNEONSubDots checks the K-quant group sums (Q3_K: lanes) exactly
// against integer sums over the generic unpacking, with random bytes
// throughout (so Q8_K quants include −128).
func TestNEONSubDots(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	groups := func(q8 []byte, v []int8, size int) []int32 {
		out := make([]int32, len(v)/size)
		for i, x := range v {
			out[i/size] += int32(x) * int32(int8(q8[i]))
		}
		return out
	}
	for trial := range 20 {
		q8 := rnd(256)
		if trial == 1 {
			for i := range q8 {
				q8[i] = 0x80 // −128 everywhere
			}
		}
		// Q2_K: group 8k+2j+h is field j of qs[32k+16h+l].
		qs := rnd(64)
		var v [256]int8
		for i := range v {
			k, j, h, l := i/128, i/32%4, i/16%2, i%16
			v[i] = int8(qs[32*k+16*h+l] >> (2 * j) & 3)
		}
		want := groups(q8, v[:], 16)
		var g16 [16]int32
		for name, f := range map[string]func(a, b *byte, o *[16]int32){"sdot": q2KSubDotsSDOT, "smull": q2KSubDotsSMULL} {
			if name == "sdot" && !cpuHasDotprod() {
				continue
			}
			f(&qs[0], &q8[0], &g16)
			if string(int32Bytes(g16[:])) != string(int32Bytes(want)) {
				t.Errorf("q2_k %s trial %d: %v, want %v", name, trial, g16, want)
			}
		}
		// Q3_K, unpacked as dotQ3_KGeneric does.
		x := rnd(110)
		hm, q3 := x[:32], x[32:96]
		bit := 0
		for j := 0; j < 256; j += 128 {
			for shift := 0; shift < 8; shift += 2 {
				for l := 0; l < 32; l++ {
					v[j+shift*16+l] = int8(q3[l]>>shift&3) - 4 + 4*int8(hm[l]>>bit&1)
				}
				bit++
			}
			q3 = q3[32:]
		}
		var scales [16]int16
		var lanes [8]int32
		for j := range scales {
			scales[j] = int16(rng.IntN(64) - 32)
		}
		for i, x := range v {
			lanes[i%8] += int32(scales[i/16]) * int32(x) * int32(int8(q8[i]))
		}
		var got8 [8]int32
		q3KLaneDotsNEON(&x[0], &q8[0], &scales, &got8)
		if got8 != lanes {
			t.Errorf("q3_k lanes trial %d: %v, want %v", trial, got8, lanes)
		}
		// IQ4_XS: low nibbles of qs[16g:16g+16], then high.
		qs = rnd(128)
		for i := range v {
			g, l := i/32, i%32
			if l < 16 {
				v[i] = kvaluesIQ4NL[qs[16*g+l]&0xF]
			} else {
				v[i] = kvaluesIQ4NL[qs[16*g+l-16]>>4]
			}
		}
		want = groups(q8, v[:], 32)
		var g8 [8]int32
		for name, f := range map[string]func(a, b *byte, lut *int8, o *[8]int32){"sdot": iq4XSSubDotsSDOT, "smull": iq4XSSubDotsSMULL} {
			if name == "sdot" && !cpuHasDotprod() {
				continue
			}
			f(&qs[0], &q8[0], &kvaluesIQ4NL[0], &g8)
			if string(int32Bytes(g8[:])) != string(int32Bytes(want)) {
				t.Errorf("iq4_xs %s trial %d: %v, want %v", name, trial, g8, want)
			}
		}
	}
}

func int32Bytes(v []int32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
	}
	return b
}

func cpuHasDotprod() bool { return neonKernels.name == "neon+dotprod" }

// TestNEONQuantizeEdges compares the NEON quantizers with the generic ones
// byte for byte on inputs TestQuantizeAgainstTensor does not make: rows of
// more blocks than one assembly call takes, scales that underflow (d = 0
// with nonzero values), a tie of +max and −max in either order, all
// negative blocks, NaN and infinities, and output followed by guard bytes.
func TestNEONQuantizeEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := 40 * 256
	for trial := range 7 {
		x := randomActs(rng, n, trial%2 == 1)
		switch trial {
		case 2: // subnormal amax: d rounds to 0 for Q8_0/Q8_1
			for i := range x {
				x[i] = float32(rng.IntN(3)-1) * 1e-45
			}
		case 3: // ±max ties, the negative one first in even blocks
			for b := 0; b < n; b += 32 {
				i, j := b+rng.IntN(16), b+16+rng.IntN(16)
				if b/32%2 == 0 {
					x[i], x[j] = -7, 7
				} else {
					x[i], x[j] = 7, -7
				}
			}
		case 4: // all negative
			for i := range x {
				x[i] = -abs32(x[i]) - 1e-3
			}
		case 6: // NaN and infinities here and there
			for i := 0; i < n; i += 1 + rng.IntN(200) {
				x[i] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}[rng.IntN(3)]
			}
		case 5: // mostly zero blocks with one tiny normal value
			clear(x)
			for b := 0; b < n; b += 64 {
				x[b+rng.IntN(64)] = 1e-30
			}
		}
		for _, at := range []tensor.Type{tensor.Q8_0, tensor.Q8_1, tensor.Q8_K} {
			want := quantizeActs(&genericKernels, at, x)
			got := make([]byte, len(want)+16)
			for i := range got {
				got[i] = 0x5A
			}
			neonKernels.quantize[at](got[:len(want)], x)
			if string(got[:len(want)]) != string(want) {
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("%s trial %d: first difference at byte %d: %#x, generic %#x", at, trial, i, got[i], want[i])
						break
					}
				}
			}
			for _, g := range got[len(want):] {
				if g != 0x5A {
					t.Fatalf("%s trial %d: wrote past the row", at, trial)
				}
			}
		}
	}
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }
