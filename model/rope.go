package model

import (
	"math"

	"github.com/gollama/gollama/kernels"
)

// ropeTable fills cs (RopeDims floats: cos, sin per rotated pair) for
// position pos the way ggml_rope_cache_init does: the angle starts at pos
// and is multiplied by theta_scale = base^(-2/dims) from pair to pair, in
// float32, divided by the pair's frequency factor (Llama 3) and scaled by
// the linear frequency scale. Matching the float32 recurrence, rather than
// computing base^(-2i/d) exactly, keeps the angles bit-identical.
func (m *Model) ropeTable(cs []float32, pos int32) {
	exp := float32(-2) / float32(m.RopeDims) // float32, as in C
	thetaScale := float32(math.Pow(float64(m.RopeBase), float64(exp)))
	theta := float32(pos)
	for i0 := 0; i0 < m.RopeDims; i0 += 2 {
		ff := float32(1)
		if m.ropeFreqs != nil {
			ff = m.ropeFreqs[i0/2]
		}
		t := m.RopeScale * (theta / ff)
		cs[i0] = cosf(t) // glibc's cosf/sinf, as ggml calls them
		cs[i0+1] = sinf(t)
		theta *= thetaScale
	}
}

// rope rotates the first RopeDims elements of each head of x (heads of
// headDim) by the angles in cs; the remaining dimensions pass through.
// Both layouts compute ggml's rotate_pairs, x0*cos - x1*sin and
// x0*sin + x1*cos, as its x86 builds compile it: the first product fused.
func (m *Model) rope(x []float32, heads, headDim int, cs []float32) {
	n := m.RopeDims
	for h := range heads {
		v := x[h*headDim : h*headDim+n]
		if m.RopeNeoX {
			kernels.RopeNeoX(v, cs[:n]) // GPT-NeoX layout: element i pairs with i+n/2
		} else {
			kernels.RopePairs(v, cs[:n])
		}
	}
}
