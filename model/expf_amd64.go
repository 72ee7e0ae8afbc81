//go:build !purego

package model

import "golang.org/x/sys/cpu"

// haveAVX2: the AVX2+FMA+F16C kernels (expf_amd64.s, attention_amd64.s) can run.
var haveAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C

// softmaxExpAVX2 sets x[i] = 0 where x[i] is -Inf, else vExpf(x[i] -
// maxScore), for n a positive multiple of 8.
//
//go:noescape
func softmaxExpAVX2(x *float32, n int, maxScore float32)

// swigluAVX2 sets gate[i] = x / (1 + vExpf(-x)) * up[i] with x = gate[i],
// for n a positive multiple of 8.
//
//go:noescape
func swigluAVX2(gate, up *float32, n int)

// softmaxExpVec does softmaxExpAVX2's work on the longest multiple of 8
// leading values of x and returns how many that was (0 without AVX2).
func softmaxExpVec(x []float32, maxScore float32) int {
	n := len(x) &^ 7
	if !haveAVX2 || n == 0 {
		return 0
	}
	softmaxExpAVX2(&x[0], n, maxScore)
	return n
}

// swigluVec is the vectorised head of swiglu over gate[:n] (n a multiple
// of 8, up at least as long): how many values it handled.
func swigluVec(gate, up []float32, n int) int {
	if !haveAVX2 || n == 0 {
		return 0
	}
	_ = up[n-1]
	swigluAVX2(&gate[0], &up[0], n)
	return n
}

// dotF16Lanes16 and dotF16Lanes64 (attention_amd64.s) add f16(k[i])·q[i]
// into l[i mod 16] (l[i mod 64]) for i < n, n a positive multiple of 16
// (64), each product rounded then added, in order of i.
//
//go:noescape
func dotF16Lanes16(k *uint16, q *float32, n int, l *float32)

//go:noescape
func dotF16Lanes64(k *uint16, q *float32, n int, l *float32)

// dotF16Cells16 (attention_amd64.s) is dotF16(k row, q, true) for n
// cells kstride halves apart, hk values each (a multiple of 16).
//
//go:noescape
func dotF16Cells16(k *uint16, kstride int, q *float32, hk, n int, out *float32)

// dotF16Cells64 (attention_amd64.s) is dotF16(k row, q, false) for n
// cells kstride halves apart, hk values each (a multiple of 64).
//
//go:noescape
func dotF16Cells64(k *uint16, kstride int, q *float32, hk, n int, out *float32)

// dotF16Cells sets out[c] = dotF16(k[c*stride:c*stride+len(q)], q, tiny)
// for c < len(out): a run of cells' K·q in one call.
func dotF16Cells(k []uint16, stride int, q []float32, out []float32, tiny bool) {
	hk, n := len(q), len(out)
	lanes := laneCount
	if tiny {
		lanes = simdWidth
	}
	if !haveAVX2 || hk%lanes != 0 || hk == 0 || n == 0 {
		dotF16CellsGo(k, stride, q, out, tiny)
		return
	}
	_ = k[(n-1)*stride+hk-1]
	if tiny {
		dotF16Cells16(&k[0], stride, &q[0], hk, n, &out[0])
	} else {
		dotF16Cells64(&k[0], stride, &q[0], hk, n, &out[0])
	}
}

// dotF16Cells16x4 (attention_amd64.s) is dotF16Cells16 for four queries
// (q: four rows of hk, one after another) into four rows of out, ostride
// apart.
//
//go:noescape
func dotF16Cells16x4(k *uint16, kstride int, q *float32, hk, n int, out *float32, ostride int)

// dotF16Cells4 sets out[g*ostride+c] = dotF16(k[c*stride:c*stride+hk],
// q[g*hk:(g+1)*hk], true) for g < 4, c < n, hk = len(q)/4: a run of cells'
// K·q for the four query heads of a group, each key converted once.
func dotF16Cells4(k []uint16, stride int, q []float32, out []float32, ostride, n int) {
	hk := len(q) / groupHeads
	if !haveAVX2 || hk%simdWidth != 0 || hk == 0 || n == 0 {
		dotF16Cells4Go(k, stride, q, out, ostride, n)
		return
	}
	_ = k[(n-1)*stride+hk-1]
	_ = out[(groupHeads-1)*ostride+n-1]
	dotF16Cells16x4(&k[0], stride, &q[0], hk, n, &out[0], ostride)
}

// dotF32Cells16 and dotF32Cells64 (attention_amd64.s) are dotF32(k row,
// q, tiny) and dotF32(k row, q, false) for n cells kstride floats apart,
// hk values each (a multiple of 16, or of 64).
//
//go:noescape
func dotF32Cells16(k *float32, kstride int, q *float32, hk, n int, out *float32)

//go:noescape
func dotF32Cells64(k *float32, kstride int, q *float32, hk, n int, out *float32)

// dotF32Cells is dotF16Cells for an F32 cache.
func dotF32Cells(k []float32, stride int, q []float32, out []float32, tiny bool) {
	hk, n := len(q), len(out)
	lanes := laneCount
	if tiny {
		lanes = simdWidth
	}
	if !haveAVX2 || hk%lanes != 0 || hk == 0 || n == 0 {
		dotF32CellsGo(k, stride, q, out, tiny)
		return
	}
	_ = k[(n-1)*stride+hk-1]
	if tiny {
		dotF32Cells16(&k[0], stride, &q[0], hk, n, &out[0])
	} else {
		dotF32Cells64(&k[0], stride, &q[0], hk, n, &out[0])
	}
}

// axpyF32Cells8 (attention_amd64.s) is axpyF32CellsGo for hv a multiple
// of 8.
//
//go:noescape
func axpyF32Cells8(lanes *float32, width, t0, hv int, p *float32, v *float32, vstride, n int)

// axpyF32Cells is axpyF16Cells for an F32 cache.
func axpyF32Cells(lanes []float32, width, t0, hv int, p []float32, v []float32, vstride int) {
	n := len(p)
	if !haveAVX2 || hv%8 != 0 || hv == 0 || n == 0 || t0 < 0 || t0 >= width {
		axpyF32CellsGo(lanes, width, t0, hv, p, v, vstride)
		return
	}
	_ = lanes[width*hv-1]
	_ = v[(n-1)*vstride+hv-1]
	axpyF32Cells8(&lanes[0], width, t0, hv, &p[0], &v[0], vstride, n)
}

// axpyF16Cells8 (attention_amd64.s) is axpyF16CellsGo for hv a multiple
// of 8.
//
//go:noescape
func axpyF16Cells8(lanes *float32, width, t0, hv int, p *float32, v *uint16, vstride, n int)

// axpyF16Cells adds p[c]·V row c (vstride halves apart, hv values) into
// lane row (t0+c) mod width of lanes, for c < len(p): a run of cells' Vᵀ·p
// in one call.
func axpyF16Cells(lanes []float32, width, t0, hv int, p []float32, v []uint16, vstride int) {
	n := len(p)
	if !haveAVX2 || hv%8 != 0 || hv == 0 || n == 0 || t0 < 0 || t0 >= width {
		axpyF16CellsGo(lanes, width, t0, hv, p, v, vstride)
		return
	}
	_ = lanes[width*hv-1]
	_ = v[(n-1)*vstride+hv-1]
	axpyF16Cells8(&lanes[0], width, t0, hv, &p[0], &v[0], vstride, n)
}

// dotF16LanesVec adds the longest multiple of len(l) (16 or 64) leading
// products of k and q into l as dotF16Lanes* and returns how many that was
// (0 without AVX2).
func dotF16LanesVec(k []uint16, q []float32, l []float32) int {
	n := len(k) &^ (len(l) - 1)
	if !haveAVX2 || n == 0 {
		return 0
	}
	_ = q[n-1]
	switch len(l) {
	case 16:
		dotF16Lanes16(&k[0], &q[0], n, &l[0])
	case 64:
		dotF16Lanes64(&k[0], &q[0], n, &l[0])
	default:
		return 0
	}
	return n
}
