//go:build !purego

package kernels

import "encoding/binary"

// Q2_K, Q3_K and IQ4_XS dots on NEON: the assembly (dotk23_arm64.s,
// dotiq4xs_arm64.s) gives the exact integer dot of every scale group of a
// super-block; Go applies the scales and float factors with the generic
// dots' float32 expressions, so all three match those bit for bit. For
// Q3_K the assembly returns the generic eight scaled int32 lanes instead
// (ggml's NEON sums the groups into one int32, which rounds differently);
// lanes need SMULL, so Q3_K does not use SDOT.

// q2KSubDotsSDOT sets out[g] = Σ_{l<16} q·q8[16g+l] for the sixteen
// 16-value groups of a Q2_K super-block: group 8k+2j+h takes the 2-bit
// field j of qs[32k+16h+l].
//
//go:noescape
func q2KSubDotsSDOT(qs, q8 *byte, out *[16]int32)

// q2KSubDotsSMULL is q2KSubDotsSDOT on base NEON.
//
//go:noescape
func q2KSubDotsSMULL(qs, q8 *byte, out *[16]int32)

// q3KLaneDotsNEON sets out[l] = Σ_g scales[g]·Σ_{i<16, i%8=l} q·q8[16g+i]
// over the sixteen 16-value groups of a Q3_K super-block (x = hmask, then
// qs; each 2-bit value minus 4 unless its hmask bit is set): the eight
// int32 lanes of dotQ3_KGeneric's accumulate8.
//
//go:noescape
func q3KLaneDotsNEON(x, q8 *byte, scales *[16]int16, out *[8]int32)

// iq4XSSubDotsSDOT sets out[g] = Σ_{l<32} lut[q]·q8[32g+l] for the eight
// 32-value groups of an IQ4_XS super-block (low nibbles of qs[16g:16g+16],
// then high).
//
//go:noescape
func iq4XSSubDotsSDOT(qs, q8 *byte, lut *int8, out *[8]int32)

// iq4XSSubDotsSMULL is iq4XSSubDotsSDOT on base NEON.
//
//go:noescape
func iq4XSSubDotsSMULL(qs, q8 *byte, lut *int8, out *[8]int32)

func dotQ2_KNEON(w, a []byte, n int, dotprod bool) float32 {
	var sumf float32
	var isub [16]int32
	for ; n >= 256; n -= 256 {
		x, y := w[:84:84], a[:292:292]
		if dotprod {
			q2KSubDotsSDOT(&x[16], &y[4], &isub)
		} else {
			q2KSubDotsSMULL(&x[16], &y[4], &isub)
		}
		sc := x[:16]
		var summs, isum int32
		for j := 0; j < 16; j++ {
			summs += q8KBsum(y, j) * int32(sc[j]>>4)
			isum += int32(sc[j]&0xF) * isub[j]
		}
		dall := q8KScale(y) * f16(x[80:])
		dmin := q8KScale(y) * f16(x[82:])
		sumf += float32(float32(dall*float32(isum)) - float32(dmin*float32(summs)))
		w, a = w[84:], a[292:]
	}
	return sumf
}

// dotQ3_KNEON is dotQ3_KGeneric with the integer lanes in assembly.
func dotQ3_KNEON(w, a []byte, n int) float32 {
	var sums [8]float32
	var acc [8]int32
	var scales [16]int16
	for ; n >= 256; n -= 256 {
		x, y := w[:110:110], a[:292:292]
		for j, s := range q3KScales(x[96:108]) {
			scales[j] = int16(s) - 32
		}
		q3KLaneDotsNEON(&x[0], &y[4], &scales, &acc)
		d := f16(x[108:]) * q8KScale(y)
		for l := range sums {
			sums[l] += float32(d * float32(acc[l]))
		}
		w, a = w[110:], a[292:]
	}
	var sumf float32
	for _, s := range sums {
		sumf += s
	}
	return sumf
}

func dotIQ4_XSNEON(w, a []byte, n int, dotprod bool) float32 {
	var sumf float32
	var isub [8]int32
	for ; n >= 256; n -= 256 {
		x, y := w[:136:136], a[:292:292]
		if dotprod {
			iq4XSSubDotsSDOT(&x[8], &y[4], &kvaluesIQ4NL[0], &isub)
		} else {
			iq4XSSubDotsSMULL(&x[8], &y[4], &kvaluesIQ4NL[0], &isub)
		}
		d4d8 := f16(x) * q8KScale(y)
		h := binary.LittleEndian.Uint16(x[2:])
		for ib := 0; ib < 8; ib += 2 {
			sl := x[4+ib/2]
			ls1 := int32(sl&0xF) | int32(h<<4&0x30)
			ls2 := int32(sl>>4) | int32(h<<2&0x30)
			h >>= 4
			for i, ls := range [2]int32{ls1, ls2} {
				dd := d4d8 * float32(ls-32)
				sumf += float32(dd * float32(isub[ib+i]))
			}
		}
		w, a = w[136:], a[292:]
	}
	return sumf
}

func dotQ2_KSDOTRow(w, a []byte, n int) float32    { return dotQ2_KNEON(w, a, n, true) }
func dotQ2_KSMULLRow(w, a []byte, n int) float32   { return dotQ2_KNEON(w, a, n, false) }
func dotIQ4_XSSDOTRow(w, a []byte, n int) float32  { return dotIQ4_XSNEON(w, a, n, true) }
func dotIQ4_XSSMULLRow(w, a []byte, n int) float32 { return dotIQ4_XSNEON(w, a, n, false) }
