package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// vecLens covers empty, every tail of the 32-wide unrolled loops, and a few
// blocks.
var vecLens = func() []int {
	var l []int
	for n := 0; n <= 70; n++ {
		l = append(l, n)
	}
	return append(l, 127, 128, 129, 1000, 4096+13)
}()

func randF32(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

func randF16(rng *rand.Rand, n int) []uint16 {
	x := make([]uint16, n)
	for i := range x {
		x[i] = tensor.F32ToF16(float32(rng.NormFloat64()))
	}
	return x
}

// guarded returns a slice of n floats inside a buffer whose other elements
// hold a sentinel, starting off elements in (to test unaligned access).
func guarded(src []float32, off int) (buf, x []float32) {
	buf = make([]float32, len(src)+off+8)
	for i := range buf {
		buf[i] = -12345
	}
	x = buf[off : off+len(src)]
	copy(x, src)
	return buf, x
}

func checkGuard(t *testing.T, what string, buf []float32, off, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && v != -12345 {
			t.Fatalf("%s n=%d: wrote element %d outside its output", what, n, i-off)
		}
	}
}

func TestVecLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, ks := range simdKernelSets() {
		l := ks.name
		for _, n := range vecLens {
			off := n % 5
			// Sources start off elements into larger buffers: unaligned.
			a := randF32(rng, n+off)[off:]
			b := randF32(rng, n+3)[3:]
			h := randF16(rng, n+off+1)[off+1:]
			var mag, magH float64
			for i := range a {
				mag += math.Abs(float64(a[i] * b[i]))
				magH += math.Abs(float64(tensor.F16ToF32(h[i]) * b[i]))
			}
			if got, want := ks.dotF32(a[:n:n], b), dotGeneric(a, b); math.Abs(float64(got-want)) > 1e-6*mag+1e-30 {
				t.Errorf("%s Dot n=%d: %g, generic %g", l, n, got, want)
			}
			if got, want := ks.dotF16(h, b), dotF16F32Generic(h, b); math.Abs(float64(got-want)) > 1e-6*magH+1e-30 {
				t.Errorf("%s DotF16 n=%d: %g, generic %g", l, n, got, want)
			}
			if got, want := ks.sum(a), sumGeneric(a); math.Abs(float64(got-want)) > 1e-5*float64(n)+1e-30 {
				t.Errorf("%s Sum n=%d: %g, generic %g", l, n, got, want)
			}

			alpha := float32(rng.NormFloat64())
			buf, dst := guarded(b, off)
			ks.axpy(dst, alpha, a)
			checkGuard(t, l+" Axpy", buf, off, n)
			want := append([]float32(nil), b...)
			axpyGeneric(want, alpha, a)
			for i := range want {
				if math.Abs(float64(dst[i]-want[i])) > 1e-6*(math.Abs(float64(want[i]))+math.Abs(float64(alpha*a[i]))) {
					t.Fatalf("%s Axpy n=%d [%d]: %g, generic %g", l, n, i, dst[i], want[i])
				}
			}

			buf, dst = guarded(b, off)
			ks.axpyF16(dst, alpha, h)
			checkGuard(t, l+" AxpyF16", buf, off, n)
			want = append(want[:0], b...)
			axpyF16Generic(want, alpha, h)
			for i := range want {
				if math.Abs(float64(dst[i]-want[i])) > 1e-6*(math.Abs(float64(want[i]))+math.Abs(float64(alpha*tensor.F16ToF32(h[i])))) {
					t.Fatalf("%s AxpyF16 n=%d [%d]: %g, generic %g", l, n, i, dst[i], want[i])
				}
			}

			// Conversions are exact: every level must agree bit for bit.
			buf, dst = guarded(make([]float32, n), off)
			ks.f16ToF32(dst, h)
			checkGuard(t, l+" F16ToF32Row", buf, off, n)
			for i := range h {
				if math.Float32bits(dst[i]) != math.Float32bits(tensor.F16ToF32(h[i])) {
					t.Fatalf("%s F16ToF32Row n=%d [%d]: %g", l, n, i, dst[i])
				}
			}
			src := append([]float32(nil), a...)
			for i := range src {
				switch i % 7 { // overflow, subnormal, ties
				case 1:
					src[i] *= 1e5
				case 2:
					src[i] *= 1e-6
				case 3:
					src[i] = float32(math.Ldexp(float64(1+2*rng.IntN(1024)), -11)) // a tie
				}
			}
			hb := make([]uint16, n+off+8)
			ks.f32ToF16(hb[off:off+n], src)
			for i, v := range hb {
				if i < off || i >= off+n {
					if v != 0 {
						t.Fatalf("%s F32ToF16Row n=%d: wrote outside its output", l, n)
					}
				} else if want := tensor.F32ToF16(src[i-off]); v != want {
					t.Fatalf("%s F32ToF16Row(%g) = %#x, want %#x", l, src[i-off], v, want)
				}
			}
		}
	}
}

func TestElementwise(t *testing.T) {
	x := []float32{1, -2, 3, 0.5}
	w := []float32{1, 2, 0.5, -1}
	dst := make([]float32, 4)
	RMSNorm(dst, x, w, 1e-5)
	var ss float64
	for _, v := range x {
		ss += float64(v * v)
	}
	scale := 1 / math.Sqrt(ss/4+1e-5)
	for i := range x {
		if want := float64(x[i]) * scale * float64(w[i]); math.Abs(float64(dst[i])-want) > 1e-6 {
			t.Errorf("RMSNorm[%d] = %g, want %g", i, dst[i], want)
		}
	}

	s := []float32{1, 2, 3, 1000, -1000}
	Softmax(s)
	if math.Abs(float64(s[3])-1) > 1e-6 || s[4] != 0 || s[0] < 0 {
		t.Errorf("Softmax with a dominant logit = %v", s)
	}
	s = []float32{0, float32(math.Log(3))}
	Softmax(s)
	if math.Abs(float64(s[0])-0.25) > 1e-6 || math.Abs(float64(s[1])-0.75) > 1e-6 {
		t.Errorf("Softmax(0, ln3) = %v", s)
	}

	g, u := []float32{0, 1, -20, 5}, []float32{3, 2, 1, 0.5}
	SiLUMul(dst, g, u)
	for i := range g {
		want := float64(g[i]) / (1 + math.Exp(-float64(g[i]))) * float64(u[i])
		if math.Abs(float64(dst[i])-want) > 1e-6 {
			t.Errorf("SiLUMul[%d] = %g, want %g", i, dst[i], want)
		}
	}

	Add(dst, x, w)
	if dst[0] != 2 || dst[1] != 0 || dst[2] != 3.5 || dst[3] != -0.5 {
		t.Errorf("Add = %v", dst)
	}
	Scale(dst, 2)
	if dst[2] != 7 {
		t.Errorf("Scale = %v", dst)
	}
	if got := Argmax([]float32{1, 5, 2, 5}); got != 1 {
		t.Errorf("Argmax picks %d, want the first maximum 1", got)
	}
	if got := Argmax(nil); got != -1 {
		t.Errorf("Argmax(nil) = %d", got)
	}
	if got := Dot([]float32{1, 2, 3}, []float32{4, 5, 6}); got != 32 {
		t.Errorf("Dot = %g", got)
	}
	h := make([]uint16, 3)
	F32ToF16Row(h, []float32{1, 2, 3})
	f := make([]float32, 3)
	F16ToF32Row(f, h)
	if got := DotF16(h, []float32{4, 5, 6}); got != 32 || f[2] != 3 {
		t.Errorf("DotF16 = %g, round trip %v", got, f)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Dot of unequal lengths did not panic")
			}
		}()
		Dot(x, x[:3])
	}()
}

// TestQuantizeF16Levels: every level's F16 activation conversion equals
// the generic one bit for bit (ties, subnormals, overflow, NaN, infinities)
// for every tail length, writing nothing past its output.
func TestQuantizeF16Levels(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	special := []float32{0, float32(math.Copysign(0, -1)), 65504, 65520, -65520, 1e-8, 6e-8, 2.98e-8, -3e-5,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1 + 1.0/2048, 1 + 3.0/2048}
	for _, ks := range simdKernelSets() {
		for n := 0; n <= 37; n++ {
			x := randomActs(rng, n, n%2 == 1)
			for i := range x {
				if rng.IntN(3) == 0 {
					x[i] = special[rng.IntN(len(special))]
				}
			}
			want := make([]byte, 2*n)
			quantizeF16Generic(want, x)
			got := make([]byte, 2*n+2)
			got[2*n], got[2*n+1] = 0xA5, 0x5A
			ks.quantize[tensor.F16](got[:2*n], x)
			if string(got[:2*n]) != string(want) {
				t.Fatalf("%s n=%d: F16 activations differ from the generic conversion", ks.name, n)
			}
			if got[2*n] != 0xA5 || got[2*n+1] != 0x5A {
				t.Fatalf("%s n=%d: wrote past its output", ks.name, n)
			}
		}
	}
}
