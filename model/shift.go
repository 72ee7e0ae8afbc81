package model

import (
	"fmt"

	"github.com/gollama/gollama/tensor"
)

// ShiftPositions adds delta to the rope positions of cells [a, b) of seq
// and rotates their cached keys by delta to match, as llama.cpp's K-shift
// (llama_memory_seq_add and the rope-shift graph) does: rotating a key
// rotated for position p by delta gives the key for p+delta, up to the
// cache type's rounding, since rope rotations compose. Keys in an F16 cache
// are widened, rotated in float32 and rounded back, as ggml's F16 rope does.
// Shared pages are copied first, so other sequences keep their keys. On
// error the cache is unchanged.
func (c *Context) ShiftPositions(seq, a, b int, delta int32) error {
	if delta == 0 || a == b {
		return nil
	}
	cache := c.cache
	n := cache.Len(seq)
	if seq < 0 || seq >= c.opt.MaxSeqs || a < 0 || b > n || a > b {
		return fmt.Errorf("model: shift cells [%d, %d) of sequence %d: it has %d", a, b, seq, n)
	}
	for i, p := range cache.Positions(seq)[a:b] {
		if int64(p)+int64(delta) < 0 {
			return fmt.Errorf("model: shifting cell %d at position %d by %d makes it negative", a+i, p, delta)
		}
	}
	if err := cache.Own(seq, a, b); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if err := cache.AddPos(seq, a, b, delta); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	m := c.m
	cs := make([]float32, m.RopeDims)
	m.ropeTable(cs, delta)
	kDim := m.KVHeads * m.HeadDimK
	k := make([]float32, kDim)
	f16 := !c.opt.CacheF32
	for il := range m.Layers {
		for cell := a; cell < b; cell++ {
			if f16 {
				row := cache.K(seq, il, cell)
				tensor.F16ToF32Row(k, row)
				m.rope(k, m.KVHeads, m.HeadDimK, cs)
				tensor.F32ToF16Row(row, k)
			} else {
				m.rope(cache.K32(seq, il, cell), m.KVHeads, m.HeadDimK, cs)
			}
		}
	}
	return nil
}
