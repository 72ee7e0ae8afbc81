//go:build !purego

package kernels

// K-quant dots on NEON: the assembly (dotk_arm64.s) returns the exact
// integer dot of every scale group of a super-block; Go applies the 6- or
// 8-bit scales, the mins and the float factors. Integer sums are exact, so
// results differ from the generic Go only in float rounding.

// q4KSubDotsSDOT sets out[j] = Σ_{i<32} q[32j+i]·q8[32j+i] for the eight
// 32-value groups of a Q4_K super-block: q = low nibbles of qs[32k:32k+32]
// for group 2k, high nibbles for group 2k+1; q8 = the Q8_K quants.
//
//go:noescape
func q4KSubDotsSDOT(qs, q8 *byte, out *[8]int32)

// q4KSubDotsSMULL is q4KSubDotsSDOT on base NEON.
//
//go:noescape
func q4KSubDotsSMULL(qs, q8 *byte, out *[8]int32)

// q6KSubDotsSDOT sets out[j] = Σ_{i<16} (q[16j+i]−32)·q8[16j+i] for the
// sixteen 16-value groups of a Q6_K super-block (ql at ql, qh at ql+128,
// unpacked as dotQ6_KGeneric does).
//
//go:noescape
func q6KSubDotsSDOT(ql, q8 *byte, out *[16]int32)

// q6KSubDotsSMULL is q6KSubDotsSDOT on base NEON.
//
//go:noescape
func q6KSubDotsSMULL(ql, q8 *byte, out *[16]int32)

// q5KSubDotsSDOT is q4KSubDotsSDOT for Q5_K: qh (32 bytes) is followed by
// qs, and group g's values gain 16 where bit g of qh[i] is set.
//
//go:noescape
func q5KSubDotsSDOT(qh, q8 *byte, out *[8]int32)

// q5KSubDotsSMULL is q5KSubDotsSDOT on base NEON.
//
//go:noescape
func q5KSubDotsSMULL(qh, q8 *byte, out *[8]int32)

// dotQ45KNEON serves Q4_K (144-byte blocks) and Q5_K (176, qh at 16).
func dotQ45KNEON(w, a []byte, n int, dotprod, five bool) float32 {
	var sumf float32
	var isub [8]int32
	bs := 144
	if five {
		bs = 176
	}
	for ; n >= 256; n -= 256 {
		x, y := w[:bs:bs], a[:292:292]
		switch {
		case five && dotprod:
			q5KSubDotsSDOT(&x[16], &y[4], &isub)
		case five:
			q5KSubDotsSMULL(&x[16], &y[4], &isub)
		case dotprod:
			q4KSubDotsSDOT(&x[16], &y[4], &isub)
		default:
			q4KSubDotsSMULL(&x[16], &y[4], &isub)
		}
		scales, mins := kScaleMin(x[4:16])
		var sumi, summ int32
		for j, s := range isub {
			sumi += int32(scales[j]) * s
		}
		for j := 0; j < 16; j++ {
			summ += q8KBsum(y, j) * int32(mins[j/2])
		}
		d := f16(x) * q8KScale(y)
		dmin := f16(x[2:]) * q8KScale(y)
		sumf += float32(d*float32(sumi)) - float32(dmin*float32(summ))
		w, a = w[bs:], a[292:]
	}
	return sumf
}

func dotQ6_KNEON(w, a []byte, n int, dotprod bool) float32 {
	var sumf float32
	var isub [16]int32
	for ; n >= 256; n -= 256 {
		x, y := w[:210:210], a[:292:292]
		if dotprod {
			q6KSubDotsSDOT(&x[0], &y[4], &isub)
		} else {
			q6KSubDotsSMULL(&x[0], &y[4], &isub)
		}
		var sumi int32
		for j, s := range isub {
			sumi += int32(int8(x[192+j])) * s
		}
		sumf += float32(f16(x[208:]) * q8KScale(y) * float32(sumi))
		w, a = w[210:], a[292:]
	}
	return sumf
}

func dotQ4_KSDOTRow(w, a []byte, n int) float32  { return dotQ45KNEON(w, a, n, true, false) }
func dotQ4_KSMULLRow(w, a []byte, n int) float32 { return dotQ45KNEON(w, a, n, false, false) }
func dotQ5_KSDOTRow(w, a []byte, n int) float32  { return dotQ45KNEON(w, a, n, true, true) }
func dotQ5_KSMULLRow(w, a []byte, n int) float32 { return dotQ45KNEON(w, a, n, false, true) }
func dotQ6_KSDOTRow(w, a []byte, n int) float32  { return dotQ6_KNEON(w, a, n, true) }
func dotQ6_KSMULLRow(w, a []byte, n int) float32 { return dotQ6_KNEON(w, a, n, false) }
