package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// quantizeActs quantizes x to type t with the given kernel set.
func quantizeActs(ks *kernelSet, t tensor.Type, x []float32) []byte {
	a := make([]byte, t.RowSize(len(x)))
	ks.quantize[t](a, x)
	return a
}

func rowLens(t tensor.Type) []int {
	bs := max(t.BlockSize(), ActivationType(t).BlockSize())
	if bs == 1 {
		return []int{0, 1, 7, 8, 16, 31, 32, 33, 48, 63, 64, 65, 127, 128, 172, 255, 256, 257, 1000, 1024}
	}
	return []int{0, bs, 2 * bs, 3 * bs, 5 * bs, 12 * bs}
}

// TestDotGenericAgainstReference checks the generic dots against float64
// sums over independently dequantized rows.
func TestDotGenericAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, typ := range dotTypes {
		for _, n := range rowLens(typ) {
			for _, extreme := range []bool{false, true} {
				w := randomRow(rng, typ, n, extreme)
				a := quantizeActs(&genericKernels, ActivationType(typ), randomActsFor(rng, typ, n, extreme))
				got := float64(genericKernels.dot[typ](w, a, n))
				want, mag := refDot(typ, w, a, n)
				tol := 1e-5 * mag
				if ActivationType(typ) == tensor.Q8_1 {
					tol = 1e-3 * mag // s = d·Σq is stored as f16
				}
				if math.Abs(got-want) > tol+1e-30 {
					t.Errorf("%s n=%d extreme=%v: dot %g, reference %g (Σ|w·a| %g)", typ, n, extreme, got, want, mag)
				}
			}
		}
	}
}

// TestDotLevels checks every level the CPU supports against generic for
// every type, row length, unaligned slices and extreme values.
func TestDotLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, ks := range simdKernelSets() {
		l := ks.name
		for _, typ := range dotTypes {
			for _, n := range rowLens(typ) {
				for trial := 0; trial < 4; trial++ {
					extreme := trial%2 == 1
					w := randomRow(rng, typ, n, extreme)
					x := randomActsFor(rng, typ, n, extreme)
					at := ActivationType(typ)
					a := quantizeActs(&genericKernels, at, x)
					if trial >= 2 { // unaligned copies
						w = append(make([]byte, 1+trial), w...)[1+trial:]
						a = append(make([]byte, 3), a...)[3:]
					}
					want := genericKernels.dot[typ](w, a, n)
					got := ks.dot[typ](w, a, n)
					_, mag := refDot(typ, w, a, n)
					if math.Abs(float64(got-want)) > 2e-6*mag+1e-30 {
						t.Errorf("%s %s n=%d trial %d: %g, generic %g (Σ|w·a| %g)", l, typ, n, trial, got, want, mag)
					}
					if b := ks.dotBatch[typ]; b != nil && n%16 == 0 {
						if got := b(w, a, n); math.Abs(float64(got-want)) > 2e-6*mag+1e-30 {
							t.Errorf("%s %s batch dot n=%d trial %d: %g, generic %g (Σ|w·a| %g)", l, typ, n, trial, got, want, mag)
						}
					}
				}
			}
		}
	}
}

// TestQuantizeAgainstTensor checks the activation quantizers, at every
// level, byte for byte against tensor's reference quantizers.
func TestQuantizeAgainstTensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ks := range append([]*kernelSet{&genericKernels}, simdKernelSets()...) {
		l := ks.name
		for _, n := range []int{0, 256, 512, 1024} {
			for trial := 0; trial < 4; trial++ {
				extreme := trial == 1
				x := randomActs(rng, n, extreme)
				switch {
				case trial == 1 && n > 0:
					clear(x[:256]) // an all-zero block
					x[n-1] = 3e4
				case trial == 2:
					// Exact halves with unit scales: every rounding is a tie.
					for i := range x {
						x[i] = float32(rng.IntN(250)-125) + 0.5
						if i%32 == 0 {
							x[i] = -127
						}
					}
				case trial == 3:
					// The largest magnitude twice, with both signs: Q8_K takes
					// the first one's sign.
					for b := 0; b < n; b += 256 {
						i, j := b+rng.IntN(128), b+128+rng.IntN(128)
						if rng.IntN(2) == 0 {
							i, j = j, i
						}
						x[i], x[j] = 9, -9
					}
				}
				for _, at := range []tensor.Type{tensor.Q8_0, tensor.Q8_1, tensor.Q8_K} {
					got := make([]byte, at.RowSize(n)+8)
					for i := range got {
						got[i] = 0xA5
					}
					ks.quantize[at](got[4:len(got)-4], x)
					want := tensorQuantize(t, at, x, ks.x86Q8)
					if string(got[4:len(got)-4]) != string(want) {
						t.Errorf("%s %s n=%d trial %d: differs from tensor's quantizer", l, at, n, trial)
					}
					for _, g := range append(got[:4:4], got[len(got)-4:]...) {
						if g != 0xA5 {
							t.Fatalf("%s %s n=%d: wrote outside its output", l, at, n)
						}
					}
				}
			}
		}
	}
}

// tensorQuantize is tensor's reference quantizer for at (x86: llama.cpp's
// x86 Q8_0/Q8_1 variants).
func tensorQuantize(t *testing.T, at tensor.Type, x []float32, x86 bool) []byte {
	out := make([]byte, at.RowSize(len(x)))
	q80, q81 := tensor.QuantizeRowQ8_0, tensor.QuantizeRowQ8_1
	if x86 {
		q80, q81 = tensor.QuantizeRowQ8_0x86, tensor.QuantizeRowQ8_1x86
	}
	switch at {
	case tensor.Q8_0:
		bl := make([]tensor.BlockQ8_0, len(x)/32)
		if err := q80(bl, x); err != nil {
			t.Fatal(err)
		}
		for i, b := range bl {
			p := out[34*i:]
			binary.LittleEndian.PutUint16(p, b.D)
			for j, q := range b.Qs {
				p[2+j] = byte(q)
			}
		}
	case tensor.Q8_1:
		bl := make([]tensor.BlockQ8_1, len(x)/32)
		if err := q81(bl, x); err != nil {
			t.Fatal(err)
		}
		for i, b := range bl {
			p := out[36*i:]
			binary.LittleEndian.PutUint16(p, b.D)
			binary.LittleEndian.PutUint16(p[2:], b.S)
			for j, q := range b.Qs {
				p[4+j] = byte(q)
			}
		}
	case tensor.Q8_K:
		bl := make([]tensor.BlockQ8K, len(x)/256)
		if err := tensor.QuantizeRowQ8K(bl, x); err != nil {
			t.Fatal(err)
		}
		for i, b := range bl {
			p := out[292*i:]
			binary.LittleEndian.PutUint32(p, math.Float32bits(b.D))
			for j, q := range b.Qs {
				p[4+j] = byte(q)
			}
			for j, s := range b.BSums {
				binary.LittleEndian.PutUint16(p[260+2*j:], uint16(s))
			}
		}
	}
	return out
}

func TestActivationType(t *testing.T) {
	for w, want := range map[tensor.Type]tensor.Type{
		tensor.F32: tensor.F32, tensor.F16: tensor.F16, tensor.BF16: tensor.BF16,
		tensor.Q4_0: tensor.Q8_0, tensor.Q5_0: tensor.Q8_0, tensor.Q8_0: tensor.Q8_0, tensor.IQ4_NL: tensor.Q8_0,
		tensor.Q4_1: tensor.Q8_1, tensor.Q5_1: tensor.Q8_1,
		tensor.Q2_K: tensor.Q8_K, tensor.Q3_K: tensor.Q8_K, tensor.Q4_K: tensor.Q8_K,
		tensor.Q5_K: tensor.Q8_K, tensor.Q6_K: tensor.Q8_K, tensor.IQ4_XS: tensor.Q8_K,
	} {
		if got := ActivationType(w); got != want {
			t.Errorf("ActivationType(%s) = %s, want %s", w, got, want)
		}
		if !HasDot(w) {
			t.Errorf("HasDot(%s) = false", w)
		}
	}
	if HasDot(tensor.IQ2_XXS) {
		t.Error("HasDot(iq2_xxs) = true")
	}
}

func TestDotRowRejectsShortRows(t *testing.T) {
	for _, c := range []struct {
		w, a, n int
	}{{17, 34, 32}, {18, 33, 32}, {18, 34, 31}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DotRow(q4_0, %d bytes, %d bytes, %d) did not panic", c.w, c.a, c.n)
				}
			}()
			DotRow(tensor.Q4_0, make([]byte, c.w), make([]byte, c.a), c.n)
		}()
	}
	if got := DotRow(tensor.Q4_0, nil, nil, 0); got != 0 {
		t.Errorf("empty dot = %g", got)
	}
}

func ExampleDotRow() {
	x := make([]float32, 32)
	for i := range x {
		x[i] = 1
	}
	a := make([]byte, tensor.Q8_0.RowSize(32))
	QuantizeActivations(a, x, tensor.Q8_0)
	fmt.Println(DotRow(tensor.Q8_0, a, a, 32)) // 127² · 32 · d², d = 1/127 rounded to f16
	// Output: 31.996094
}
