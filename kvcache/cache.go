// Package kvcache stores the attention keys and values of every sequence a
// model context is working on, in fixed-size refcounted pages.
//
// A page holds PageSize consecutive cells (one cell per token) of one
// sequence for every layer. A sequence is a list of pages plus the rope
// position of each cell. Pages are shared by reference: Fork gives a second
// sequence the same pages, and a page is copied only when a sequence that
// shares it writes into it (copy on write), which only ever happens to a
// partly filled last page. All storage is allocated once, in New, so the
// decode loop never allocates.
package kvcache

import (
	"fmt"
	"math"

	"github.com/gollama/gollama/tensor"
)

// DefaultPageSize is the number of cells per page when Config.PageSize is 0.
const DefaultPageSize = 32

// Config sizes a cache.
type Config struct {
	Layers   int         // transformer blocks
	KDim     int         // key elements per cell and layer (n_head_kv × head_dim_k)
	VDim     int         // value elements per cell and layer (n_head_kv × head_dim_v)
	Type     tensor.Type // tensor.F16 (llama.cpp's default) or tensor.F32
	PageSize int         // cells per page; DefaultPageSize when 0
	Cells    int         // total cells over all sequences (rounded up to whole pages)
	MaxSeqs  int         // sequence ids are 0 … MaxSeqs-1; 1 when 0
}

// Cache is the paged key/value store. It is not safe for concurrent
// mutation; concurrent reads of distinct cells (attention) are fine.
type Cache struct {
	cfg        Config
	layerElems int // elements of one layer's K and V block in a page
	pageElems  int
	f16        []uint16 // page storage when Type is F16
	f32        []float32
	refs       []int32 // per page; 0 = free
	free       []int32 // stack of free page ids
	seqs       []seqState
}

type seqState struct {
	pages []int32 // page ids in cell order
	pos   []int32 // rope position of each cell
}

// New allocates a cache.
func New(cfg Config) (*Cache, error) {
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.MaxSeqs == 0 {
		cfg.MaxSeqs = 1
	}
	if cfg.Layers <= 0 || cfg.KDim <= 0 || cfg.VDim <= 0 || cfg.PageSize <= 0 || cfg.Cells <= 0 || cfg.MaxSeqs < 0 {
		return nil, fmt.Errorf("kvcache: invalid config %+v", cfg)
	}
	if cfg.Type != tensor.F16 && cfg.Type != tensor.F32 {
		return nil, fmt.Errorf("kvcache: unsupported cache type %s (want f16 or f32)", cfg.Type)
	}
	nPages := cfg.Cells/cfg.PageSize + min(cfg.Cells%cfg.PageSize, 1)
	c := &Cache{cfg: cfg}
	c.layerElems = cfg.PageSize * (cfg.KDim + cfg.VDim)
	c.pageElems = c.layerElems * cfg.Layers
	// Absurd sizes (a caller's overflowing arithmetic, a lying model file)
	// are an error here rather than a makeslice panic: page ids are int32
	// and the element count must fit in memory's address space.
	const maxElems = 1 << 46
	if nPages > math.MaxInt32 || c.layerElems/cfg.PageSize != cfg.KDim+cfg.VDim ||
		c.pageElems/cfg.Layers != c.layerElems || c.pageElems > maxElems || nPages > maxElems/c.pageElems || cfg.MaxSeqs > 1<<20 {
		return nil, fmt.Errorf("kvcache: %d cells of %d layers × %d values for %d sequences is too large", cfg.Cells, cfg.Layers, cfg.KDim+cfg.VDim, cfg.MaxSeqs)
	}
	total := nPages * c.pageElems
	if cfg.Type == tensor.F16 {
		c.f16 = make([]uint16, total)
	} else {
		c.f32 = make([]float32, total)
	}
	c.refs = make([]int32, nPages)
	c.free = make([]int32, nPages)
	for i := range c.free {
		c.free[i] = int32(nPages - 1 - i) // pop hands out page 0 first
	}
	c.seqs = make([]seqState, cfg.MaxSeqs)
	return c, nil
}

// Config returns the configuration (with defaults filled in).
func (c *Cache) Config() Config { return c.cfg }

// PageSize is the number of cells per page.
func (c *Cache) PageSize() int { return c.cfg.PageSize }

// FreePages is the number of unused pages.
func (c *Cache) FreePages() int { return len(c.free) }

// TotalPages is the number of pages the cache holds.
func (c *Cache) TotalPages() int { return len(c.refs) }

func (c *Cache) checkSeq(seq int) error {
	if seq < 0 || seq >= len(c.seqs) {
		return fmt.Errorf("kvcache: sequence %d out of range [0, %d)", seq, len(c.seqs))
	}
	return nil
}

// Len is the number of cells sequence seq holds (0 for an unknown id).
func (c *Cache) Len(seq int) int {
	if c.checkSeq(seq) != nil {
		return 0
	}
	return len(c.seqs[seq].pos)
}

// Positions returns the rope position of each cell of seq, in cell order.
// The slice is the cache's own; do not modify it.
func (c *Cache) Positions(seq int) []int32 {
	if c.checkSeq(seq) != nil {
		return nil
	}
	return c.seqs[seq].pos
}

// PagesNeeded is how many free pages appending n cells to seq would take,
// counting the copy of a shared partly filled last page.
func (c *Cache) PagesNeeded(seq, n int) int {
	if n <= 0 || c.checkSeq(seq) != nil {
		return 0
	}
	s := &c.seqs[seq]
	ps := c.cfg.PageSize
	have := len(s.pos)
	need := (have+n+ps-1)/ps - len(s.pages)
	if have%ps != 0 && c.refs[s.pages[len(s.pages)-1]] > 1 {
		need++
	}
	return need
}

// Append adds a cell at rope position pos to the end of seq and returns
// its index. The caller then writes the cell's keys and values through
// K/V (or K32/V32). The page it lands in is exclusively seq's.
func (c *Cache) Append(seq int, pos int32) (int, error) {
	if err := c.checkSeq(seq); err != nil {
		return 0, err
	}
	s := &c.seqs[seq]
	ps := c.cfg.PageSize
	cell := len(s.pos)
	if cell%ps == 0 {
		p, err := c.alloc()
		if err != nil {
			return 0, err
		}
		if s.pages == nil {
			// Size the lists for the whole cache once so appends never reallocate.
			s.pages = make([]int32, 0, len(c.refs))
			s.pos = make([]int32, 0, len(c.refs)*ps)
		}
		s.pages = append(s.pages, p)
	} else if last := s.pages[len(s.pages)-1]; c.refs[last] > 1 {
		p, err := c.alloc()
		if err != nil {
			return 0, err
		}
		c.copyPage(p, last)
		c.refs[last]--
		s.pages[len(s.pages)-1] = p
	}
	s.pos = append(s.pos, pos)
	return cell, nil
}

func (c *Cache) alloc() (int32, error) {
	if len(c.free) == 0 {
		return 0, fmt.Errorf("kvcache: out of space (%d pages of %d cells in use)", len(c.refs), c.cfg.PageSize)
	}
	p := c.free[len(c.free)-1]
	c.free = c.free[:len(c.free)-1]
	c.refs[p] = 1
	return p, nil
}

func (c *Cache) release(p int32) {
	c.refs[p]--
	if c.refs[p] == 0 {
		c.free = append(c.free, p)
	}
}

func (c *Cache) copyPage(dst, src int32) {
	d, s := int(dst)*c.pageElems, int(src)*c.pageElems
	if c.f16 != nil {
		copy(c.f16[d:d+c.pageElems], c.f16[s:s+c.pageElems])
	} else {
		copy(c.f32[d:d+c.pageElems], c.f32[s:s+c.pageElems])
	}
}

// Truncate drops every cell of seq from index n on (keeping cells 0…n-1).
func (c *Cache) Truncate(seq, n int) error {
	if err := c.checkSeq(seq); err != nil {
		return err
	}
	s := &c.seqs[seq]
	if n < 0 || n > len(s.pos) {
		return fmt.Errorf("kvcache: truncate sequence %d to %d cells: it has %d", seq, n, len(s.pos))
	}
	keep := (n + c.cfg.PageSize - 1) / c.cfg.PageSize
	for _, p := range s.pages[keep:] {
		c.release(p)
	}
	s.pages = s.pages[:keep]
	s.pos = s.pos[:n]
	return nil
}

// Clear removes every cell of seq.
func (c *Cache) Clear(seq int) error { return c.Truncate(seq, 0) }

// Fork makes dst a copy of src sharing src's pages (dst's old cells are
// dropped). Later appends to either copy only the page being written.
func (c *Cache) Fork(dst, src int) error {
	if err := c.checkSeq(src); err != nil {
		return err
	}
	if dst == src {
		return c.checkSeq(dst)
	}
	if err := c.Clear(dst); err != nil {
		return err
	}
	s, d := &c.seqs[src], &c.seqs[dst]
	if d.pages == nil {
		d.pages = make([]int32, 0, len(c.refs))
		d.pos = make([]int32, 0, len(c.refs)*c.cfg.PageSize)
	}
	for _, p := range s.pages {
		c.refs[p]++
	}
	d.pages = append(d.pages, s.pages...)
	d.pos = append(d.pos, s.pos...)
	return nil
}

// offsets of cell's K and V rows for layer in the storage slice.
func (c *Cache) offsets(seq, layer, cell int) (k, v int) {
	s := &c.seqs[seq]
	ps := c.cfg.PageSize
	page := int(s.pages[cell/ps])
	slot := cell % ps
	base := page*c.pageElems + layer*c.layerElems
	return base + slot*c.cfg.KDim, base + ps*c.cfg.KDim + slot*c.cfg.VDim
}

// K returns the F16 keys of one cell and layer (KDim elements). Only for
// an F16 cache; the cell must exist.
func (c *Cache) K(seq, layer, cell int) []uint16 {
	k, _ := c.offsets(seq, layer, cell)
	return c.f16[k : k+c.cfg.KDim : k+c.cfg.KDim]
}

// V returns the F16 values of one cell and layer (VDim elements).
func (c *Cache) V(seq, layer, cell int) []uint16 {
	_, v := c.offsets(seq, layer, cell)
	return c.f16[v : v+c.cfg.VDim : v+c.cfg.VDim]
}

// K32 returns the F32 keys of one cell and layer. Only for an F32 cache.
func (c *Cache) K32(seq, layer, cell int) []float32 {
	k, _ := c.offsets(seq, layer, cell)
	return c.f32[k : k+c.cfg.KDim : k+c.cfg.KDim]
}

// V32 returns the F32 values of one cell and layer.
func (c *Cache) V32(seq, layer, cell int) []float32 {
	_, v := c.offsets(seq, layer, cell)
	return c.f32[v : v+c.cfg.VDim : v+c.cfg.VDim]
}

// Page returns the storage of one page and layer of seq for fast scans:
// the keys of cells pageIdx*PageSize … as PageSize rows of KDim, then the
// values as PageSize rows of VDim. Exactly one of f16 and f32 is non-nil.
func (c *Cache) Page(seq, layer, pageIdx int) (f16 []uint16, f32 []float32) {
	s := &c.seqs[seq]
	base := int(s.pages[pageIdx])*c.pageElems + layer*c.layerElems
	if c.f16 != nil {
		return c.f16[base : base+c.layerElems : base+c.layerElems], nil
	}
	return nil, c.f32[base : base+c.layerElems : base+c.layerElems]
}
