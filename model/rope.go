package model

import "math"

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
func (m *Model) rope(x []float32, heads, headDim int, cs []float32) {
	n := m.RopeDims
	for h := range heads {
		v := x[h*headDim : h*headDim+n]
		if m.RopeNeoX {
			// GPT-NeoX layout: element i pairs with i+n/2.
			half := n / 2
			for i := range half {
				c, s := cs[2*i], cs[2*i+1]
				x0, x1 := v[i], v[i+half]
				v[i] = fma32(x0, c, -(x1 * s))
				v[i+half] = fma32(x0, s, x1*c)
			}
			continue
		}
		for i := 0; i < n; i += 2 {
			c, s := cs[i], cs[i+1]
			x0, x1 := v[i], v[i+1]
			// ggml's rotate_pairs, x0*cos - x1*sin and x0*sin + x1*cos, as
			// its x86 builds compile it: the first product fused (FMA).
			v[i] = fma32(x0, c, -(x1 * s))
			v[i+1] = fma32(x0, s, x1*c)
		}
	}
}
