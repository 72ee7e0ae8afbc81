//go:build !purego

package kernels

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// fmaExact is a·b+c rounded once to float32 (big.Float holds the exact sum).
func fmaExact(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(256).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

// zmmReduce is _mm512_reduce_add_ps: 256-bit halves, 128-bit halves, then
// lanes 0+2 and 1+3, then those two.
func zmmReduce(x [16]float32) float32 {
	var t [4]float32
	for i := range t {
		t[i] = (x[i] + x[8+i]) + (x[4+i] + x[12+i])
	}
	return (t[0] + t[2]) + (t[1] + t[3])
}

// ggmlDotOrder is ggml_vec_dot_f32/f16 as the AVX-512 build sums (tiny:
// tinyBLAS's batch order), written plainly from the description.
func ggmlDotOrder(w, a []float32, f16, tiny bool) float32 {
	n := len(w)
	if tiny {
		var l [16]float32
		for i := 0; i < n; i += 16 {
			for k := range l {
				l[k] = fmaExact(w[i+k], a[i+k], l[k])
			}
		}
		return zmmReduce(l)
	}
	var r [4][16]float32
	np := n &^ 63
	for i := 0; i < np; i += 64 {
		for j := range r {
			for k := range r[j] {
				r[j][k] = fmaExact(w[i+16*j+k], a[i+16*j+k], r[j][k])
			}
		}
	}
	var x [16]float32
	for k := range x {
		x[k] = (r[0][k] + r[2][k]) + (r[1][k] + r[3][k])
	}
	s := zmmReduce(x)
	if f16 {
		s64 := float64(s)
		for i := np; i < n; i++ {
			s64 += float64(w[i] * a[i])
		}
		return float32(s64)
	}
	// GCC vectorizes the scalar rest in chunks of 16 and 8 (products
	// rounded, added in order) and leaves the last n%8 to scalar FMAs.
	mul := np + (n-np)&^7
	for i := np; i < mul; i++ {
		s += float32(w[i] * a[i])
	}
	for i := mul; i < n; i++ {
		s = fmaExact(w[i], a[i], s)
	}
	return s
}

// TestFloatDotsGgmlOrder checks the AVX2 F32/F16 dots bit for bit against
// the summation order of llama.cpp's AVX-512 build.
func TestFloatDotsGgmlOrder(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{0, 1, 15, 16, 48, 63, 64, 65, 100, 128, 192, 256, 1000, 1024} {
		for trial := 0; trial < 3; trial++ {
			w32, a32 := randF32(rng, n), randF32(rng, n)
			w16, a16 := randF16(rng, n), randF16(rng, n)
			wf, af := make([]float32, n), make([]float32, n)
			tensor.F16ToF32Row(wf, w16)
			tensor.F16ToF32Row(af, a16)
			wb32, ab32 := f32Bytes(w32), f32Bytes(a32)
			wb16, ab16 := u16Bytes(w16), u16Bytes(a16)
			check := func(what string, got, want float32) {
				if math.Float32bits(got) != math.Float32bits(want) {
					t.Errorf("%s n=%d: %g (%#x), ggml order %g (%#x)", what, n, got, math.Float32bits(got), want, math.Float32bits(want))
				}
			}
			check("f32 vec_dot", dotF32GgmlRow(wb32, ab32, n), ggmlDotOrder(w32, a32, false, false))
			check("f16 vec_dot", dotF16GgmlRow(wb16, ab16, n), ggmlDotOrder(wf, af, true, false))
			check("Dot", dotGgml(w32, a32), ggmlDotOrder(w32, a32, false, false))
			if n%16 == 0 {
				check("f32 tinyBLAS", dotF32TinyRow(wb32, ab32, n), ggmlDotOrder(w32, a32, false, true))
				check("f16 tinyBLAS", dotF16TinyRow(wb16, ab16, n), ggmlDotOrder(wf, af, true, true))
			}
		}
	}
}

func f32Bytes(x []float32) []byte {
	b := make([]byte, 4*len(x))
	copyF32Generic(b, x)
	return b
}

func u16Bytes(x []uint16) []byte {
	b := make([]byte, 2*len(x))
	for i, h := range x {
		b[2*i], b[2*i+1] = byte(h), byte(h>>8)
	}
	return b
}

// q8LaneOrder is ggml's AVX2 Q4_0/Q8_0 dot: per block, eight int32 lanes
// of four consecutive products, each FMA'd with d_w·d_a into its float
// lane, then hsum_float_8.
func q8LaneOrder(wq func(blk, j int) int32, wd func(blk int) float32, a []byte, nb int) float32 {
	var l [8]float32
	for b := 0; b < nb; b++ {
		y := a[34*b:]
		d := wd(b) * tensor.F16ToF32(uint16(y[0])|uint16(y[1])<<8)
		for k := range l {
			var is int32
			for e := 0; e < 4; e++ {
				is += wq(b, 4*k+e) * int32(int8(y[2+4*k+e]))
			}
			l[k] = fmaExact(d, float32(is), l[k])
		}
	}
	return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

// repackOrder is ggml's gemv/gemm for Q4_0 weights repacked to q4_0_8x8
// (llama.cpp does so at load on AVX2 and AVX-512 for rows%8 == 0): per
// block the whole integer dot, FMA'd with d_w·d_a into one float per row.
func repackOrder(wq func(blk, j int) int32, wd func(blk int) float32, a []byte, nb int) float32 {
	var acc float32
	for b := 0; b < nb; b++ {
		y := a[34*b:]
		d := wd(b) * tensor.F16ToF32(uint16(y[0])|uint16(y[1])<<8)
		var is int32
		for j := range 32 {
			is += wq(b, j) * int32(int8(y[2+j]))
		}
		acc = fmaExact(float32(is), d, acc)
	}
	return acc
}

// TestQ8DotsGgmlOrder checks the AVX2 Q8_0 and Q4_0 dots bit for bit
// against llama.cpp's x86 summation orders (vec_dot for Q8_0, the
// repacked gemv for Q4_0, and vec_dot for Q4_0 weights it leaves alone).
func TestQ8DotsGgmlOrder(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(23, 24))
	for _, nb := range []int{1, 2, 3, 8, 128} {
		n := 32 * nb
		a := quantizeActs(&avx2Kernels, tensor.Q8_0, randomActs(rng, n, false))
		w8 := randomRow(rng, tensor.Q8_0, n, false)
		w4 := randomRow(rng, tensor.Q4_0, n, false)
		h := func(b []byte) float32 { return tensor.F16ToF32(uint16(b[0]) | uint16(b[1])<<8) }
		want8 := q8LaneOrder(func(b, j int) int32 { return int32(int8(w8[34*b+2+j])) }, func(b int) float32 { return h(w8[34*b:]) }, a, nb)
		want4 := repackOrder(func(b, j int) int32 {
			q := w4[18*b+2+j%16]
			if j >= 16 {
				q >>= 4
			}
			return int32(q&15) - 8
		}, func(b int) float32 { return h(w4[18*b:]) }, a, nb)
		if got := dotQ8_0Asm(w8, a, n); math.Float32bits(got) != math.Float32bits(want8) {
			t.Errorf("q8_0 nb=%d: %g, ggml order %g", nb, got, want8)
		}
		if got := dotQ4_0Asm(w4, a, n); math.Float32bits(got) != math.Float32bits(want4) {
			t.Errorf("q4_0 nb=%d: %g, ggml order %g", nb, got, want4)
		}
		wantLanes := q8LaneOrder(func(b, j int) int32 {
			q := w4[18*b+2+j%16]
			if j >= 16 {
				q >>= 4
			}
			return int32(q&15) - 8
		}, func(b int) float32 { return h(w4[18*b:]) }, a, nb)
		if got := avx2Kernels.dotPlain[tensor.Q4_0](w4, a, n); math.Float32bits(got) != math.Float32bits(wantLanes) {
			t.Errorf("q4_0 vec_dot order nb=%d: %g, ggml order %g", nb, got, wantLanes)
		}
	}
}

// q2KGgmlOrder is ggml's AVX2 ggml_vec_dot_q2_K_q8_K: per block, eight
// int32 lanes of the mins·bsums products FMA'd with −y.d·dmin, then eight
// int32 lanes (four consecutive values of each 32-value step) of
// scale·q·q8 FMA'd with y.d·d, into one accumulator; then hsum_float_8.
func q2KGgmlOrder(w, a []byte, nb int) float32 {
	var acc [8]float32
	h := func(b []byte) float32 { return tensor.F16ToF32(uint16(b[0]) | uint16(b[1])<<8) }
	for b := range nb {
		x, y := w[84*b:], a[292*b:]
		yd := math.Float32frombits(uint32(y[0]) | uint32(y[1])<<8 | uint32(y[2])<<16 | uint32(y[3])<<24)
		d, dmin := yd*h(x[80:]), -yd*h(x[82:])
		bsum := func(i int) int32 { return int32(int16(uint16(y[260+2*i]) | uint16(y[261+2*i])<<8)) }
		var sumi [8]int32
		for k := range 8 {
			p := int32(x[2*k]>>4)*bsum(2*k) + int32(x[2*k+1]>>4)*bsum(2*k+1)
			acc[k] = fmaExact(dmin, float32(p), acc[k])
		}
		for j := range 2 {
			for s := range 4 {
				for e := range 32 {
					q := int32(x[16+32*j+e]>>(2*s)) & 3
					sc := int32(x[8*j+2*s+e/16] & 15)
					sumi[e/4] += sc * q * int32(int8(y[4+128*j+32*s+e]))
				}
			}
		}
		for k := range 8 {
			acc[k] = fmaExact(d, float32(sumi[k]), acc[k])
		}
	}
	return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

// TestQ2KGgmlOrder checks the AVX2 Q2_K dot bit for bit against ggml's.
func TestQ2KGgmlOrder(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(25, 26))
	for _, nb := range []int{1, 2, 3, 8} {
		n := 256 * nb
		a := quantizeActs(&avx2Kernels, tensor.Q8_K, randomActs(rng, n, false))
		w := randomRow(rng, tensor.Q2_K, n, false)
		if got, want := avx2Kernels.dot[tensor.Q2_K](w, a, n), q2KGgmlOrder(w, a, nb); math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("q2_K nb=%d: %g, ggml order %g", nb, got, want)
		}
	}
}
