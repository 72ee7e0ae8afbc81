package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool is a fixed set of worker goroutines that split loops by index
// range. Calls are serialised (one loop at a time per pool); nothing is
// spawned or allocated per call.
//
// A decode step runs hundreds of short loops, so handing each one to a
// parked goroutine (a channel send, a wake-up, a WaitGroup) would cost as
// much as the work. Workers instead spin on a generation counter for a
// while after each loop, as llama.cpp's threads do, and park only when no
// loop has come for spinRounds checks; the caller spins for the workers
// to finish. Spinning yields the processor regularly, so a busy machine
// loses little.
type Pool struct {
	threads int
	mu      sync.Mutex // one loop at a time; also guards the scratch below
	closed  bool

	gen      atomic.Uint64 // bumped to start a loop
	pending  atomic.Int32  // workers still running the current loop
	shut     atomic.Bool
	sleeping []atomic.Bool   // per worker: parked (or about to)
	wake     []chan struct{} // per worker, buffered 1

	// The loop being run, read by workers between gen and pending.
	task  task
	n     int
	chunk int          // > 0: threads take chunks of this size from next
	next  atomic.Int64 // start of the next unclaimed chunk

	fn      funcTask
	mms     [maxProducts]matmulTask
	multi   multiTask
	scratch []byte    // quantized activations, grown on demand
	ascale  []float32 // activation block scales as floats, for dotR2x4 (see actScales)
}

// spinRounds is how many checks a waiting thread makes before parking
// (a worker) or between yields (the caller): tens of microseconds.
const spinRounds = 1 << 14

type task interface{ run(start, end int) }

type funcTask struct{ f func(start, end int) }

func (t *funcTask) run(start, end int) { t.f(start, end) }

// NewPool starts threads-1 workers (the caller of Parallel is the first
// thread). threads <= 0 means runtime.NumCPU().
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	p := &Pool{threads: threads, sleeping: make([]atomic.Bool, threads-1), wake: make([]chan struct{}, threads-1)}
	for i := range p.wake {
		p.wake[i] = make(chan struct{}, 1)
		go p.worker(i + 1)
	}
	return p
}

// Threads is the number of threads loops are split across.
func (p *Pool) Threads() int { return p.threads }

// Close stops the workers; later calls run on the caller's goroutine only.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.shut.Store(true)
	p.gen.Add(1)
	p.wakeAll()
}

// wakeAll unparks the workers that are parked. A token already waiting
// in a worker's channel wakes it as well, so the send never blocks.
func (p *Pool) wakeAll() {
	for i := range p.wake {
		if p.sleeping[i].CompareAndSwap(true, false) {
			select {
			case p.wake[i] <- struct{}{}:
			default:
			}
		}
	}
}

func (p *Pool) worker(i int) {
	// Not gen.Load(): a loop may start before this goroutine first runs.
	var seen uint64
	for {
		seen = p.await(i-1, seen)
		if p.shut.Load() {
			return
		}
		if p.chunk > 0 {
			p.runChunks()
		} else if s, e := split(p.n, p.threads, i); s < e {
			p.task.run(s, e)
		}
		p.pending.Add(-1)
	}
}

// await returns once the generation differs from seen: spinning first,
// then parked until wakeAll. Wake-ups that find no new loop (a token left
// from a race) just go round again.
func (p *Pool) await(w int, seen uint64) uint64 {
	for {
		for r := 0; r < spinRounds; r++ {
			if g := p.gen.Load(); g != seen {
				return g
			}
			if r&255 == 255 {
				runtime.Gosched()
			}
		}
		p.sleeping[w].Store(true)
		if g := p.gen.Load(); g != seen {
			p.sleeping[w].CompareAndSwap(true, false)
			return g
		}
		<-p.wake[w]
	}
}

// split gives thread i of k its share of [0,n): contiguous, sizes differing
// by at most one.
func split(n, k, i int) (int, int) {
	return n * i / k, n * (i + 1) / k
}

// Parallel runs fn over [0,n) split into one contiguous range per thread
// and returns when all are done. fn must be safe to run concurrently on
// disjoint ranges and must not call back into the same pool (calls are
// serialised, so that would deadlock). A closure capturing variables costs its own allocation
// at the call site; the pool adds none.
func (p *Pool) Parallel(n int, fn func(start, end int)) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fn.f = fn
	p.runLocked(n, &p.fn)
	p.fn.f = nil
}

// runLocked runs t over [0,n), one contiguous range per thread; p.mu
// must be held.
func (p *Pool) runLocked(n int, t task) { p.runSplit(n, 0, t) }

// runChunked runs t over [0,n) in chunks of chunk indexes that the
// threads claim as they finish the last: on a shared machine a thread
// that loses its core for a while then delays the loop by a chunk, not by
// half the work (llama.cpp's matmul threads share work the same way).
// p.mu must be held.
func (p *Pool) runChunked(n, chunk int, t task) { p.runSplit(n, max(chunk, 1), t) }

func (p *Pool) runSplit(n, chunk int, t task) {
	if p.closed || p.threads == 1 || n < 2 {
		t.run(0, n)
		return
	}
	p.task, p.n, p.chunk = t, n, chunk
	p.next.Store(0)
	// With n < threads some workers get empty ranges; they still report done.
	p.pending.Store(int32(p.threads - 1))
	p.gen.Add(1)
	p.wakeAll()
	if chunk > 0 {
		p.runChunks()
	} else {
		s, e := split(n, p.threads, 0)
		t.run(s, e)
	}
	for r := 1; p.pending.Load() != 0; r++ {
		if r&255 == 0 {
			runtime.Gosched()
			// A worker that parked as the loop began may have missed its
			// wake-up where stores and loads are reordered (qemu's arm64
			// on an x86 host did, and the loop waited forever): wake any
			// worker still parked while its share is pending.
			p.wakeAll()
		}
	}
	p.task, p.chunk = nil, 0
}

// runChunks claims and runs chunks of the current loop until none is left.
func (p *Pool) runChunks() {
	n, c := int64(p.n), int64(p.chunk)
	for {
		s := p.next.Add(c) - c
		if s >= n {
			return
		}
		p.task.run(int(s), int(min(s+c, n)))
	}
}
