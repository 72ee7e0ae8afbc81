package kvcache

import (
	"testing"

	"github.com/gollama/gollama/tensor"
)

func newTest(t *testing.T, typ tensor.Type) *Cache {
	t.Helper()
	c, err := New(Config{Layers: 2, KDim: 3, VDim: 2, Type: typ, PageSize: 4, Cells: 16, MaxSeqs: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fill appends n cells to seq, writing value base+cell into every element.
func fill(t *testing.T, c *Cache, seq, n int, base float32) {
	t.Helper()
	for range n {
		cell, err := c.Append(seq, int32(c.Len(seq)))
		if err != nil {
			t.Fatal(err)
		}
		for l := range 2 {
			for i := range c.K32(seq, l, cell) {
				c.K32(seq, l, cell)[i] = base + float32(cell)
			}
			for i := range c.V32(seq, l, cell) {
				c.V32(seq, l, cell)[i] = -(base + float32(cell))
			}
		}
	}
}

func check(t *testing.T, c *Cache, seq int, want func(cell int) float32) {
	t.Helper()
	for cell := range c.Len(seq) {
		for l := range 2 {
			for _, x := range c.K32(seq, l, cell) {
				if x != want(cell) {
					t.Fatalf("seq %d cell %d layer %d: K %v, want %v", seq, cell, l, x, want(cell))
				}
			}
			for _, x := range c.V32(seq, l, cell) {
				if x != -want(cell) {
					t.Fatalf("seq %d cell %d layer %d: V %v, want %v", seq, cell, l, x, -want(cell))
				}
			}
		}
	}
}

func TestForkCopyOnWrite(t *testing.T) {
	c := newTest(t, tensor.F32)
	fill(t, c, 0, 6, 100) // pages: full + partial
	if got := c.FreePages(); got != 2 {
		t.Fatalf("free pages %d, want 2", got)
	}
	if err := c.Fork(1, 0); err != nil {
		t.Fatal(err)
	}
	if got := c.FreePages(); got != 2 {
		t.Fatalf("fork copied pages: free %d, want 2", got)
	}
	if got := c.PagesNeeded(1, 1); got != 1 {
		t.Fatalf("PagesNeeded on shared partial page = %d, want 1", got)
	}
	fill(t, c, 1, 1, 200) // writes into the shared partial page: copied
	if got := c.FreePages(); got != 1 {
		t.Fatalf("free pages after copy on write %d, want 1", got)
	}
	check(t, c, 0, func(cell int) float32 { return 100 + float32(cell) })
	check(t, c, 1, func(cell int) float32 {
		if cell < 6 {
			return 100 + float32(cell)
		}
		return 200 + float32(cell)
	})
	if c.Len(0) != 6 || c.Len(1) != 7 {
		t.Fatalf("lengths %d %d", c.Len(0), c.Len(1))
	}
	// Truncating the fork releases only its own pages.
	if err := c.Truncate(1, 3); err != nil {
		t.Fatal(err)
	}
	if got := c.FreePages(); got != 2 {
		t.Fatalf("free pages after truncate %d, want 2", got)
	}
	check(t, c, 0, func(cell int) float32 { return 100 + float32(cell) })
	if err := c.Clear(0); err != nil {
		t.Fatal(err)
	}
	if err := c.Clear(1); err != nil {
		t.Fatal(err)
	}
	if got := c.FreePages(); got != 4 {
		t.Fatalf("free pages after clearing all %d, want 4", got)
	}
}

func TestOutOfSpace(t *testing.T) {
	c := newTest(t, tensor.F16)
	for i := range 16 {
		if _, err := c.Append(0, int32(i)); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if _, err := c.Append(0, 16); err == nil {
		t.Fatal("append beyond capacity succeeded")
	}
	if _, err := c.Append(3, 0); err == nil {
		t.Fatal("append to out-of-range sequence succeeded")
	}
	if err := c.Truncate(0, 17); err == nil {
		t.Fatal("truncate beyond length succeeded")
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(Config{Layers: 1, KDim: 1, VDim: 1, Type: tensor.Q8_0, Cells: 1}); err == nil {
		t.Fatal("q8_0 cache accepted")
	}
	if _, err := New(Config{Layers: 0, KDim: 1, VDim: 1, Type: tensor.F16, Cells: 1}); err == nil {
		t.Fatal("zero layers accepted")
	}
}
