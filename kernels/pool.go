package kernels

import (
	"runtime"
	"sync"
)

// Pool is a fixed set of worker goroutines that split loops by index
// range. Calls are serialised (one loop at a time per pool); nothing is
// spawned or allocated per call.
type Pool struct {
	threads int
	mu      sync.Mutex // one loop at a time; also guards the scratch below
	start   []chan struct{}
	done    sync.WaitGroup
	closed  bool

	// The loop being run, read by workers between start and done.
	task task
	n    int

	fn      funcTask
	mm      matmulTask
	scratch []byte // quantized activations, grown on demand
}

type task interface{ run(start, end int) }

type funcTask struct{ f func(start, end int) }

func (t *funcTask) run(start, end int) { t.f(start, end) }

// NewPool starts threads-1 workers (the caller of Parallel is the first
// thread). threads <= 0 means runtime.NumCPU().
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	p := &Pool{threads: threads, start: make([]chan struct{}, threads-1)}
	for i := range p.start {
		p.start[i] = make(chan struct{})
		go p.worker(i+1, p.start[i])
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
	for _, c := range p.start {
		close(c)
	}
}

func (p *Pool) worker(i int, start <-chan struct{}) {
	for range start {
		s, e := split(p.n, p.threads, i)
		if s < e {
			p.task.run(s, e)
		}
		p.done.Done()
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

// runLocked runs t over [0,n); p.mu must be held.
func (p *Pool) runLocked(n int, t task) {
	if p.closed || p.threads == 1 || n < 2 {
		t.run(0, n)
		return
	}
	p.task, p.n = t, n
	// With n < threads some workers get empty ranges; they still report done.
	p.done.Add(len(p.start))
	for _, c := range p.start {
		c <- struct{}{}
	}
	s, e := split(n, p.threads, 0)
	t.run(s, e)
	p.done.Wait()
	p.task = nil
}
