//go:build !purego

package kernels

// NEON kernels (dot_arm64.s). Each writes four float32 lane sums to out;
// pointers must be valid for the given counts (DotRow/MatMul check).

// dotF32NEON sets out to four lane sums of a[i]·b[i] over n (a multiple of
// 4) elements: Σ = out[0]+out[1]+out[2]+out[3].
//
//go:noescape
func dotF32NEON(a, b *float32, n int, out *[4]float32)

// dotQ8_0SDOT is, over nb 34-byte Q8_0 blocks (table = f16Table):
//
//	for b := range nb { lanes += float32(Σj int8(w[2+j])·int8(a[2+j])) · f16(w)·f16(a) }
//
// with the integer sum by SDOT (requires ASIMDDP).
//
//go:noescape
func dotQ8_0SDOT(w, a *byte, nb int, table *float32, out *[4]float32)

// dotQ8_0SMULL is dotQ8_0SDOT on base NEON (SMULL + SADALP).
//
//go:noescape
func dotQ8_0SMULL(w, a *byte, nb int, table *float32, out *[4]float32)

// dotQ4_0SDOT is dotQ8_0SDOT for 18-byte Q4_0 weight blocks (nibble−8).
//
//go:noescape
func dotQ4_0SDOT(w, a *byte, nb int, table *float32, out *[4]float32)

// dotQ4_0SMULL is dotQ4_0SDOT on base NEON.
//
//go:noescape
func dotQ4_0SMULL(w, a *byte, nb int, table *float32, out *[4]float32)

func laneSum(l *[4]float32) float32 { return l[0] + l[1] + l[2] + l[3] }

func dotNEON(a, b []float32) float32 {
	n4 := len(a) &^ 3
	if n4 == 0 {
		return dotGeneric(a, b)
	}
	b = b[:len(a)]
	var l [4]float32
	dotF32NEON(&a[0], &b[0], n4, &l)
	return laneSum(&l) + dotGeneric(a[n4:], b[n4:])
}

// The row wrappers call each kernel directly (not through a func value),
// so the lane array stays on the stack.

func dotQ8_0SDOTRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	var l [4]float32
	dotQ8_0SDOT(&w[0], &a[0], n/32, &f16Table[0], &l)
	return laneSum(&l)
}

func dotQ8_0SMULLRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	var l [4]float32
	dotQ8_0SMULL(&w[0], &a[0], n/32, &f16Table[0], &l)
	return laneSum(&l)
}

func dotQ4_0SDOTRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	var l [4]float32
	dotQ4_0SDOT(&w[0], &a[0], n/32, &f16Table[0], &l)
	return laneSum(&l)
}

func dotQ4_0SMULLRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	var l [4]float32
	dotQ4_0SMULL(&w[0], &a[0], n/32, &f16Table[0], &l)
	return laneSum(&l)
}
