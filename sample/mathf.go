package sample

import "math"

// The sampler promises the same tokens for the same seed and logits on every
// machine. math.Exp and math.Log have assembly versions on some
// architectures, and the compiler may fuse a*b+c into an FMA on others, so
// either could move a result by an ulp and flip a cut-off or a draw. These
// versions use only float64 operations with explicit conversions, which the
// Go spec guarantees are rounded individually (no fusion), so every platform
// computes bit-identical results.

const (
	ln2Hi  = 6.93147180369123816490e-01 // high bits of ln 2; k*ln2Hi is exact for |k| < 2^11
	ln2Lo  = 1.90821492927058770002e-10 // ln 2 - ln2Hi
	log2e  = 1.44269504088896338700e+00
	invLn2 = log2e
	ln2    = 6.93147180559945309417e-01
)

// expTaylor holds 1/n! for n = 12 down to 2, for Horner evaluation.
var expTaylor = [...]float64{
	1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
	1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2,
}

// expDet returns e**x.
func expDet(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > 709.78:
		return math.Inf(1)
	case x < -745.2:
		return 0
	}
	k := math.Floor(float64(x*log2e) + 0.5)
	r := float64(x-float64(k*ln2Hi)) - float64(k*ln2Lo) // |r| <= ln2/2
	p := expTaylor[0]
	for _, c := range expTaylor[1:] {
		p = float64(p*r) + c
	}
	p = float64(p*r) + 1 // 1 + r/2 + r²/6 + ...
	p = float64(p*r) + 1 // 1 + r + r²/2 + ...
	return math.Ldexp(p, int(k))
}

// logDet returns the natural logarithm of x.
func logDet(x float64) float64 {
	switch {
	case x != x || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	}
	f, e := math.Frexp(x) // x = f * 2^e, f in [0.5, 1)
	if f < math.Sqrt2/2 {
		f *= 2
		e--
	}
	// log(f) = 2 atanh(s) with s = (f-1)/(f+1), |s| <= 0.1716.
	s := (f - 1) / (f + 1)
	s2 := float64(s * s)
	q := 1.0 / 21
	for n := 19; n >= 3; n -= 2 {
		q = float64(q*s2) + 1/float64(n)
	}
	q = float64(q*s2) + 1
	lf := float64(2 * s * q)
	fe := float64(e)
	return float64(fe*ln2Hi) + (float64(fe*ln2Lo) + lf)
}

// exp32 is expf: e**x rounded to float32.
func exp32(x float32) float32 { return float32(expDet(float64(x))) }

// log32 is logf.
func log32(x float32) float32 { return float32(logDet(float64(x))) }

// log2_32 is log2f.
func log2_32(x float32) float32 { return float32(float64(logDet(float64(x)) * invLn2)) }

// pow32 is powf for the arguments mirostat uses (x >= 0).
func pow32(x, y float32) float32 {
	switch {
	case x != x || y != y || x < 0:
		return float32(math.NaN())
	case y == 0:
		return 1
	case x == 0:
		if y > 0 {
			return 0
		}
		return float32(math.Inf(1))
	}
	return float32(expDet(float64(float64(y) * logDet(float64(x)))))
}
