package model

import (
	"fmt"
	"sync/atomic"

	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/kvcache"
	"github.com/gollama/gollama/tensor"
)

// Options size a Context. Zero values take the defaults noted.
type Options struct {
	MaxBatch   int  // entries per Forward call (default 512)
	MaxOutputs int  // entries per call that may want logits (default MaxBatch)
	MaxSeqs    int  // sequence ids 0…MaxSeqs-1 (default 1)
	Cells      int  // KV cache cells over all sequences (default min(ContextLength, 4096), at least MaxBatch)
	CacheF32   bool // store keys/values as float32 instead of llama.cpp's default F16
	PageSize   int  // KV cache cells per page (default kvcache.DefaultPageSize)
	Threads    int  // worker threads (default runtime.NumCPU()); ignored when Pool is set
	Pool       *kernels.Pool
}

// Entry is one token of a batch: token id, its rope position, the
// sequence it extends, and whether Forward should return its logits.
type Entry struct {
	Token  int32
	Pos    int32
	Seq    int
	Logits bool
}

// Context evaluates batches of a Model into its own KV cache. All working
// memory is allocated by NewContext; a Forward call allocates nothing.
// A Context is not safe for concurrent use.
type Context struct {
	m       *Model
	opt     Options
	cache   *kvcache.Cache
	pool    *kernels.Pool
	ownPool bool

	// scratch arena, sized for MaxBatch entries
	x, xn       []float32     // residual stream and its normed copy [n][Embd]
	q, qr       []float32     // queries [n][Heads*HeadDimK]; qr as the K dot sees them (F16-rounded for an F16 cache)
	qh          []uint16      // one query row as halves, on the way to qr
	k, v        []float32     // new keys/values [n][KVHeads*HeadDim{K,V}]
	attn        []float32     // attention output [n][Heads*HeadDimV]
	attnScratch []attnScratch // per attention worker
	workers     int
	pass        uint64       // forward passes run: tells a worker's cached visible runs apart
	attnNext    atomic.Int64 // next attention work item to claim
	out         []float32    // block output before the residual add [n][Embd]
	gate, up    []float32    // [n][FF]
	rope        []float32    // cos/sin per entry [n][RopeDims]
	cells       []int        // cache cell of each entry
	seqNew      []int        // per sequence: entries in this batch
	seqLen      []int        // per sequence: cells before this batch (for rollback)
	outX        []float32    // final normed rows that want logits [nOut][Embd]
	logits      []float32    // [nOut][Vocab]

	// mm multiplies by a weight: kernels.MatMul on the context's pool;
	// tests swap in a reference to check the rest of the pass in isolation.
	mm func(dst []float32, w *tensor.Tensor, x []float32, nTok int) error
	// mmMany multiplies several weights by the same input in one parallel
	// loop (kernels.MatMulMany); nil: one mm call each.
	mmMany func(x []float32, nTok int, prods []kernels.Product) error
	prods  [3]kernels.Product // mmMany's argument, held here so calls allocate nothing

	// the batch being evaluated, read by the parallel attention workers
	batch  []Entry
	layer  int
	attnFn func(start, end int)
}

// maxBatchLimit bounds the entries of one batch (llama.cpp's n_batch is
// rarely above a few thousand).
const maxBatchLimit = 1 << 16

// NewContext allocates a context (KV cache, scratch, thread pool).
func (m *Model) NewContext(opt Options) (*Context, error) {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 512
	}
	// Scratch is MaxBatch rows of every activation: refuse sizes no machine
	// holds rather than die in make.
	if opt.MaxBatch > maxBatchLimit || opt.MaxSeqs > maxBatchLimit || opt.MaxOutputs > maxBatchLimit {
		return nil, fmt.Errorf("model: MaxBatch %d, MaxSeqs %d or MaxOutputs %d above %d", opt.MaxBatch, opt.MaxSeqs, opt.MaxOutputs, maxBatchLimit)
	}
	if opt.MaxOutputs <= 0 || opt.MaxOutputs > opt.MaxBatch {
		opt.MaxOutputs = opt.MaxBatch
	}
	if opt.MaxSeqs <= 0 {
		opt.MaxSeqs = 1
	}
	if opt.Cells <= 0 {
		opt.Cells = 4096
		if m.ContextLength > 0 {
			opt.Cells = min(m.ContextLength, 4096)
		}
		opt.Cells = max(opt.Cells, opt.MaxBatch)
	}
	cacheType := tensor.F16
	if opt.CacheF32 {
		cacheType = tensor.F32
	}
	cache, err := kvcache.New(kvcache.Config{
		Layers: m.Layers, KDim: m.KVHeads * m.HeadDimK, VDim: m.KVHeads * m.HeadDimV,
		Type: cacheType, PageSize: opt.PageSize, Cells: opt.Cells, MaxSeqs: opt.MaxSeqs,
	})
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	// The cache rounds its cells up to whole pages, and a sequence may fill
	// them all: size everything by what it really holds.
	opt.Cells = cache.TotalPages() * cache.PageSize()
	c := &Context{m: m, opt: opt, cache: cache, pool: opt.Pool}
	if c.pool == nil {
		c.pool = kernels.NewPool(opt.Threads)
		c.ownPool = true
	}
	b := opt.MaxBatch
	qDim, kDim, vDim := m.Heads*m.HeadDimK, m.KVHeads*m.HeadDimK, m.KVHeads*m.HeadDimV
	c.x = make([]float32, b*m.Embd)
	c.xn = make([]float32, b*max(m.Embd, m.Heads*m.HeadDimV))
	c.q = make([]float32, b*qDim)
	c.qr = make([]float32, b*qDim)
	c.qh = make([]uint16, qDim)
	c.k = make([]float32, b*kDim)
	c.v = make([]float32, b*vDim)
	c.attn = make([]float32, b*m.Heads*m.HeadDimV)
	c.workers = c.pool.Threads()
	c.attnScratch = make([]attnScratch, c.workers)
	for w := range c.attnScratch {
		c.attnScratch[w] = attnScratch{
			scores: make([]float32, groupHeads*opt.Cells),
			halves: make([]uint16, opt.Cells),
			lanes:  make([]float32, laneRows*m.HeadDimV),
			q4:     make([]float32, groupHeads*m.HeadDimK),
			runs:   make([]visRun, 0, opt.Cells),
		}
	}
	c.out = make([]float32, b*m.Embd)
	c.gate = make([]float32, b*m.FF)
	c.up = make([]float32, b*m.FF)
	c.rope = make([]float32, b*m.RopeDims)
	c.cells = make([]int, b)
	c.seqNew = make([]int, opt.MaxSeqs)
	c.seqLen = make([]int, opt.MaxSeqs)
	c.outX = make([]float32, opt.MaxOutputs*m.Embd)
	c.logits = make([]float32, opt.MaxOutputs*m.Vocab)
	c.attnFn = c.attendWorker
	c.mm = c.kernelMatMul
	c.mmMany = func(x []float32, nTok int, prods []kernels.Product) error {
		return kernels.MatMulMany(c.pool, x, nTok, prods...)
	}
	return c, nil
}

// Close releases the thread pool if the context created it.
func (c *Context) Close() {
	if c.ownPool {
		c.pool.Close()
	}
}

// Model returns the model the context evaluates.
func (c *Context) Model() *Model { return c.m }

// Cache is the context's KV cache, for sequence management (Fork,
// Truncate, Clear) between Forward calls.
func (c *Context) Cache() *kvcache.Cache { return c.cache }

// Options returns the options with defaults filled in.
func (c *Context) Options() Options { return c.opt }

func (c *Context) kernelMatMul(dst []float32, w *tensor.Tensor, x []float32, nTok int) error {
	return kernels.MatMul(c.pool, dst, w, x, nTok)
}
