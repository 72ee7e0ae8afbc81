package kvcache

import (
	"fmt"
	"unsafe"
)

// Editing a sequence in place: removing a range of cells, moving rope
// positions, making pages exclusive before writing into them, and raw
// access for saving and restoring a sequence. These back llama.cpp's
// llama_memory_seq_rm / seq_add and the session files.

// Stats is the cache's page accounting.
type Stats struct {
	TotalPages  int // pages the cache holds
	UsedPages   int // pages some sequence refers to
	SharedPages int // pages more than one sequence refers to
	PageBytes   int // bytes of one page (every layer's keys and values)
}

// Stats counts the cache's pages.
func (c *Cache) Stats() Stats {
	st := Stats{TotalPages: len(c.refs), PageBytes: c.PageBytes()}
	for _, r := range c.refs {
		if r > 0 {
			st.UsedPages++
		}
		if r > 1 {
			st.SharedPages++
		}
	}
	return st
}

// PageBytes is the storage of one page in bytes.
func (c *Cache) PageBytes() int {
	if c.f16 != nil {
		return c.pageElems * 2
	}
	return c.pageElems * 4
}

// SeqPages returns the ids of the pages seq refers to, in cell order, and
// how many of them other sequences share. The slice is a copy.
func (c *Cache) SeqPages(seq int) (pages []int32, shared int) {
	if c.checkSeq(seq) != nil {
		return nil, 0
	}
	pages = append([]int32(nil), c.seqs[seq].pages...)
	for _, p := range pages {
		if c.refs[p] > 1 {
			shared++
		}
	}
	return pages, shared
}

// Refs is how many sequences refer to page id p (0 = free).
func (c *Cache) Refs(p int32) int {
	if p < 0 || int(p) >= len(c.refs) {
		return 0
	}
	return int(c.refs[p])
}

// pageRange returns the page indexes of seq holding cells [a, b).
func (c *Cache) pageRange(a, b int) (first, end int) {
	ps := c.cfg.PageSize
	return a / ps, (b + ps - 1) / ps
}

// sharedIn counts the shared pages among seq's page indexes [first, end).
func (c *Cache) sharedIn(s *seqState, first, end int) int {
	n := 0
	for _, p := range s.pages[first:end] {
		if c.refs[p] > 1 {
			n++
		}
	}
	return n
}

// Own makes the pages holding cells [a, b) of seq exclusively seq's,
// copying the shared ones, so their keys and values can be rewritten
// without touching the sequences that share them. It fails, changing
// nothing, when there are not enough free pages for the copies.
func (c *Cache) Own(seq, a, b int) error {
	if err := c.checkSeq(seq); err != nil {
		return err
	}
	s := &c.seqs[seq]
	if a < 0 || b > len(s.pos) || a > b {
		return fmt.Errorf("kvcache: cells [%d, %d) of sequence %d: it has %d", a, b, seq, len(s.pos))
	}
	if a == b {
		return nil
	}
	first, end := c.pageRange(a, b)
	if need := c.sharedIn(s, first, end); need > len(c.free) {
		return fmt.Errorf("kvcache: copying %d shared pages of sequence %d needs free pages, %d free", need, seq, len(c.free))
	}
	for i := first; i < end; i++ {
		if old := s.pages[i]; c.refs[old] > 1 {
			p, _ := c.alloc() // counted above
			c.copyPage(p, old)
			c.refs[old]--
			s.pages[i] = p
		}
	}
	return nil
}

// Remove drops cells [a, b) of seq; the cells after b move down to a with
// their keys, values and positions (which are not changed: see AddPos).
// Only the pages from a on are rewritten, after being made exclusive, so
// a prefix shared with other sequences stays shared. On error nothing
// changes.
func (c *Cache) Remove(seq, a, b int) error {
	if err := c.checkSeq(seq); err != nil {
		return err
	}
	s := &c.seqs[seq]
	n := len(s.pos)
	if a < 0 || b > n || a > b {
		return fmt.Errorf("kvcache: remove cells [%d, %d) of sequence %d: it has %d", a, b, seq, n)
	}
	if a == b {
		return nil
	}
	if b == n {
		return c.Truncate(seq, a)
	}
	// Pages at or after b's page that get emptied are released by the
	// truncation, so only the pages that keep cells need to be owned.
	keep := n - (b - a)
	if err := c.Own(seq, a, keep); err != nil {
		return err
	}
	// The source cells [b, n) may sit in shared pages: reading them is
	// fine, only the destination [a, keep) is written.
	for dst, src := a, b; src < n; dst, src = dst+1, src+1 {
		c.copyCell(seq, dst, src)
	}
	copy(s.pos[a:], s.pos[b:])
	return c.Truncate(seq, keep)
}

// copyCell copies every layer's key and value of cell src to cell dst of
// the same sequence.
func (c *Cache) copyCell(seq, dst, src int) {
	for l := range c.cfg.Layers {
		kd, vd := c.offsets(seq, l, dst)
		ks, vs := c.offsets(seq, l, src)
		if c.f16 != nil {
			copy(c.f16[kd:kd+c.cfg.KDim], c.f16[ks:ks+c.cfg.KDim])
			copy(c.f16[vd:vd+c.cfg.VDim], c.f16[vs:vs+c.cfg.VDim])
		} else {
			copy(c.f32[kd:kd+c.cfg.KDim], c.f32[ks:ks+c.cfg.KDim])
			copy(c.f32[vd:vd+c.cfg.VDim], c.f32[vs:vs+c.cfg.VDim])
		}
	}
}

// AddPos adds delta to the rope positions of cells [a, b) of seq. It only
// moves the positions the attention mask sees; the keys were rotated for
// the old positions, so a model must re-rotate them (model.Context's
// ShiftPositions does both). A position may not go negative.
func (c *Cache) AddPos(seq, a, b int, delta int32) error {
	if err := c.checkSeq(seq); err != nil {
		return err
	}
	s := &c.seqs[seq]
	if a < 0 || b > len(s.pos) || a > b {
		return fmt.Errorf("kvcache: cells [%d, %d) of sequence %d: it has %d", a, b, seq, len(s.pos))
	}
	for i, p := range s.pos[a:b] {
		if int64(p)+int64(delta) < 0 || int64(p)+int64(delta) > 1<<31-1 {
			return fmt.Errorf("kvcache: shifting position %d of cell %d by %d leaves the valid range", p, a+i, delta)
		}
	}
	for i := a; i < b; i++ {
		s.pos[i] += delta
	}
	return nil
}

// Restore appends len(pos) cells at those positions to seq, which must be
// empty, for a caller that then fills their keys and values through
// CellBytes. It fails, changing nothing, if the pages are not free.
func (c *Cache) Restore(seq int, pos []int32) error {
	if err := c.checkSeq(seq); err != nil {
		return err
	}
	if n := len(c.seqs[seq].pos); n != 0 {
		return fmt.Errorf("kvcache: restore into sequence %d: it holds %d cells", seq, n)
	}
	if need := c.PagesNeeded(seq, len(pos)); need > len(c.free) {
		return fmt.Errorf("kvcache: restoring %d cells needs %d pages, %d free", len(pos), need, len(c.free))
	}
	for _, p := range pos {
		if _, err := c.Append(seq, p); err != nil {
			_ = c.Truncate(seq, 0)
			return err
		}
	}
	return nil
}

// Runs calls fn(firstCell, keys, values) for the cells of seq in one
// layer, page by page: keys is the raw storage of those cells' keys of
// that layer (cells × KDim elements of the cache type, in the machine's
// byte order), values the same for the values. Writing through the slices
// writes the cache: Own the cells first when their pages may be shared.
func (c *Cache) Runs(seq, layer int, fn func(cell int, keys, values []byte) error) error {
	if err := c.checkSeq(seq); err != nil {
		return err
	}
	if layer < 0 || layer >= c.cfg.Layers {
		return fmt.Errorf("kvcache: layer %d out of range [0, %d)", layer, c.cfg.Layers)
	}
	s := &c.seqs[seq]
	ps := c.cfg.PageSize
	esz := 2
	if c.f16 == nil {
		esz = 4
	}
	raw := c.raw()
	for pi := range s.pages {
		n := min(ps, len(s.pos)-pi*ps)
		base := (int(s.pages[pi])*c.pageElems + layer*c.layerElems) * esz
		kOff, vOff := base, base+ps*c.cfg.KDim*esz
		if err := fn(pi*ps, raw[kOff:kOff+n*c.cfg.KDim*esz], raw[vOff:vOff+n*c.cfg.VDim*esz]); err != nil {
			return err
		}
	}
	return nil
}

// raw is the page storage as bytes, in native byte order.
func (c *Cache) raw() []byte {
	if c.f16 != nil {
		return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(c.f16))), len(c.f16)*2)
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(c.f32))), len(c.f32)*4)
}
