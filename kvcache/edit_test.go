package kvcache

import (
	"slices"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// Removing a middle range from a fork rewrites only the fork's pages from
// the range on; the shared prefix page and the other sequence are kept.
func TestRemoveFromFork(t *testing.T) {
	c := newTest(t, tensor.F32)
	fill(t, c, 0, 10, 100) // pages: 4 + 4 + 2
	if err := c.Fork(1, 0); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.UsedPages != 3 || st.SharedPages != 3 {
		t.Fatalf("stats %+v", st)
	}
	before, _ := c.SeqPages(1)
	if err := c.Remove(1, 5, 8); err != nil { // cells 5, 6, 7
		t.Fatal(err)
	}
	after, shared := c.SeqPages(1)
	if len(after) != 2 || after[0] != before[0] || after[1] == before[1] || shared != 1 {
		t.Fatalf("pages %v → %v, shared %d", before, after, shared)
	}
	check(t, c, 1, func(cell int) float32 {
		if cell < 5 {
			return 100 + float32(cell)
		}
		return 100 + float32(cell+3)
	})
	check(t, c, 0, func(cell int) float32 { return 100 + float32(cell) })
	if want := []int32{0, 1, 2, 3, 4, 8, 9}; !slices.Equal(c.Positions(1), want) {
		t.Errorf("positions %v, want %v", c.Positions(1), want)
	}
	if err := c.AddPos(1, 5, 7, -3); err != nil {
		t.Fatal(err)
	}
	if want := []int32{0, 1, 2, 3, 4, 5, 6}; !slices.Equal(c.Positions(1), want) {
		t.Errorf("positions after AddPos %v", c.Positions(1))
	}
	if err := c.AddPos(1, 0, 1, -1); err == nil {
		t.Error("negative position accepted")
	}
	// Removing the tail is a truncation; bad ranges fail.
	if err := c.Remove(1, 6, 7); err != nil || c.Len(1) != 6 {
		t.Fatalf("remove tail: %v, len %d", err, c.Len(1))
	}
	for _, r := range [][2]int{{-1, 2}, {3, 2}, {0, 7}} {
		if err := c.Remove(1, r[0], r[1]); err == nil {
			t.Errorf("remove %v accepted", r)
		}
	}
}

// Own copies shared pages only, and refuses when there is no room.
func TestOwn(t *testing.T) {
	c := newTest(t, tensor.F16)
	fill16 := func(seq, n int) {
		for range n {
			if _, err := c.Append(seq, int32(c.Len(seq))); err != nil {
				t.Fatal(err)
			}
		}
	}
	fill16(0, 12) // 3 of 4 pages
	if err := c.Fork(1, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Own(1, 0, 12); err == nil {
		t.Fatal("owned 3 pages with 1 free")
	}
	if _, shared := c.SeqPages(1); shared != 3 || c.FreePages() != 1 {
		t.Fatal("a failed Own changed the cache")
	}
	if err := c.Own(1, 9, 10); err != nil {
		t.Fatal(err)
	}
	if _, shared := c.SeqPages(1); shared != 2 || c.FreePages() != 0 {
		t.Errorf("shared %d, free %d", shared, c.FreePages())
	}
}

// Restore and Runs move a sequence out and back in.
func TestRestoreRuns(t *testing.T) {
	c := newTest(t, tensor.F32)
	fill(t, c, 0, 7, 10)
	var saved [][]byte
	for l := range 2 {
		c.Runs(0, l, func(cell int, k, v []byte) error {
			saved = append(saved, slices.Clone(k), slices.Clone(v))
			return nil
		})
	}
	if err := c.Restore(0, []int32{1}); err == nil {
		t.Error("restored into a busy sequence")
	}
	if err := c.Restore(2, make([]int32, 9)); err == nil {
		t.Error("restored 9 cells into 2 free pages")
	}
	if c.Len(2) != 0 || c.FreePages() != 2 {
		t.Error("a failed restore changed the cache")
	}
	if err := c.Restore(1, slices.Clone(c.Positions(0))); err != nil {
		t.Fatal(err)
	}
	i := 0
	for l := range 2 {
		c.Runs(1, l, func(cell int, k, v []byte) error {
			copy(k, saved[i])
			copy(v, saved[i+1])
			i += 2
			return nil
		})
	}
	check(t, c, 1, func(cell int) float32 { return 10 + float32(cell) })
	if c.PageBytes() != 4*2*4*(3+2) {
		t.Errorf("page bytes %d", c.PageBytes())
	}
}
