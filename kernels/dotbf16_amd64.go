//go:build !purego

package kernels

// AVX2 versions of dotBF16Dp and dotBF16DpTiny, bit-identical to them
// (dotbf16_amd64.s). n64, n32 ≥ 1 steps of 64 or 32 elements.

//go:noescape
func dotBF16DpAVX2(w, a *uint16, n64 int) (c1, c2 float32)

//go:noescape
func dotBF16TinyAVX2(w, a *uint16, n32 int) float32

func dotBF16DpAsm(w, a []byte, n int) float32 {
	n64 := n / 64
	if n64 == 0 {
		return dotBF16Dp(w, a, n)
	}
	c1, c2 := dotBF16DpAVX2(u16s(w, n), u16s(a, n), n64)
	sum := float64(c1) + float64(c2)
	for i := 64 * n64; i < n; i++ {
		sum += float64(bf16At(w, i) * bf16At(a, i))
	}
	return float32(sum)
}

func dotBF16DpTinyAsm(w, a []byte, n int) float32 {
	if n%32 != 0 || n == 0 {
		return dotBF16Dp(w, a, n)
	}
	return dotBF16TinyAVX2(u16s(w, n), u16s(a, n), n/32)
}
