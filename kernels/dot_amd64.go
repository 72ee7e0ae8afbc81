//go:build !purego

package kernels

// AVX2 dot kernels over nb whole blocks; w and a point at the first weight
// and activation block. Callers guarantee nb ≥ 1 and that the slices hold
// nb blocks (DotRow and MatMul check lengths first).

// dotQ8_0AVX2 is, as a Go loop over 34-byte blocks:
//
//	for b := range nb { sumf += float32(Σj int8(w[2+j])·int8(a[2+j])) · f16(w)·f16(a) }
//
//go:noescape
func dotQ8_0AVX2(w, a *byte, nb int) float32

// dotQ4_0AVX2 is, over 18-byte weight and 34-byte activation blocks,
// llama.cpp's repacked q4_0_8x8 gemv order (one float, one FMA a block):
//
//	for b := range nb { sumf = fma(float32(Σj (w[2+j]&15 - 8)·a[2+j] + (w[2+j]>>4 - 8)·a[18+j]), f16(w)·f16(a), sumf) }
//
//go:noescape
func dotQ4_0AVX2(w, a *byte, nb int) float32

// dotIQ4_NLAVX2 is dotQ4_0AVX2 with each nibble q read as IQ4NLValues[q].
//
//go:noescape
func dotIQ4_NLAVX2(w, a *byte, nb int) float32

func dotQ8_0Asm(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	return dotQ8_0AVX2(&w[0], &a[0], n/32)
}

func dotQ4_0Asm(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	return dotQ4_0AVX2(&w[0], &a[0], n/32)
}

func dotIQ4_NLAsm(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	return dotIQ4_NLAVX2(&w[0], &a[0], n/32)
}

// dotQ4_KAVX2 is dotQ4_KGeneric's sum over nb 144-byte Q4_K blocks
// against 292-byte Q8_K blocks:
//
//	sumf += f16(d)·y.d · Σ scale[j/32]·q[j]·q8[j]  −  f16(dmin)·y.d · Σ min[i/2]·bsum[i]
//
//go:noescape
func dotQ4_KAVX2(w, a *byte, nb int) float32

// dotQ5_KAVX2 is dotQ4_KAVX2 for 176-byte Q5_K blocks (q += 16·qh bit).
//
//go:noescape
func dotQ5_KAVX2(w, a *byte, nb int) float32

// dotQ6_KAVX2 is dotQ6_KGeneric over nb 210-byte Q6_K blocks:
//
//	sumf += f16(d)·y.d · Σ int8(scale[j/16])·(q[j]−32)·q8[j]
//
//go:noescape
func dotQ6_KAVX2(w, a *byte, nb int) float32

func dotQ4_KAsm(w, a []byte, n int) float32 {
	if n < 256 {
		return 0
	}
	return dotQ4_KAVX2(&w[0], &a[0], n/256)
}

func dotQ5_KAsm(w, a []byte, n int) float32 {
	if n < 256 {
		return 0
	}
	return dotQ5_KAVX2(&w[0], &a[0], n/256)
}

func dotQ6_KAsm(w, a []byte, n int) float32 {
	if n < 256 {
		return 0
	}
	return dotQ6_KAVX2(&w[0], &a[0], n/256)
}

// dotQ5_0AVX2 is dotQ5_0Generic over nb 22-byte blocks: values
// (nibble | qh bit<<4) − 16, scaled by f16(w)·f16(a) per block.
//
//go:noescape
func dotQ5_0AVX2(w, a *byte, nb int) float32

// dotQ4_1AVX2 is dotQ4_1Generic over nb 20-byte blocks · 36-byte Q8_1:
//
//	sumf += f16(d)·f16(a.d)·Σ q·q8 + f16(m)·f16(a.s)
//
//go:noescape
func dotQ4_1AVX2(w, a *byte, nb int) float32

// dotQ5_1AVX2 is dotQ4_1AVX2 for 24-byte Q5_1 blocks (q += 16·qh bit).
//
//go:noescape
func dotQ5_1AVX2(w, a *byte, nb int) float32

// dotIQ4_XSAVX2 is dotIQ4_XSGeneric over nb 136-byte blocks · Q8_K:
//
//	sumf += f16(d)·y.d · Σ_ib (ls_ib − 32)·Σ IQ4NLValues[q]·q8
//
//go:noescape
func dotIQ4_XSAVX2(w, a *byte, nb int) float32

func blocksAsm(f func(w, a *byte, nb int) float32, bs int) dotFunc {
	return func(w, a []byte, n int) float32 {
		if n < bs {
			return 0
		}
		return f(&w[0], &a[0], n/bs)
	}
}

// dotQ2_KAVX2 is dotQ2_KGeneric over nb 84-byte blocks · Q8_K:
//
//	sumf += f16(d)·y.d·Σ (sc&15)·q·q8 − f16(dmin)·y.d·Σ (sc>>4)·bsum
//
//go:noescape
func dotQ2_KAVX2(w, a *byte, nb int) float32

// dotQ3_KAVX2 is dotQ3_KGeneric over nb 110-byte blocks · Q8_K:
//
//	sumf += f16(d)·y.d·Σ (scale−32)·(q2 − 4·(1−hbit))·q8
//
//go:noescape
func dotQ3_KAVX2(w, a *byte, nb int) float32
