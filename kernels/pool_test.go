package kernels

import (
	"sync/atomic"
	"testing"
)

func TestPoolCoversRange(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		p := NewPool(threads)
		if p.Threads() != threads {
			t.Fatalf("Threads() = %d, want %d", p.Threads(), threads)
		}
		for _, n := range []int{0, 1, 2, 3, 7, 100, 1001} {
			hits := make([]int32, n)
			p.Parallel(n, func(s, e int) {
				for i := s; i < e; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("threads=%d n=%d: index %d run %d times", threads, n, i, h)
				}
			}
		}
		p.Close()
		p.Close() // idempotent
		ran := 0
		p.Parallel(5, func(s, e int) { ran += e - s })
		if ran != 5 {
			t.Errorf("Parallel after Close ran %d of 5", ran)
		}
	}
	if NewPool(0).Threads() < 1 {
		t.Error("NewPool(0) has no threads")
	}
}

var sink atomic.Int64

func addRange(s, e int) { sink.Add(int64(e - s)) }

func TestPoolNoAllocs(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	if a := testing.AllocsPerRun(100, func() { p.Parallel(64, addRange) }); a != 0 {
		t.Errorf("Parallel allocates %v per call", a)
	}
}

// A loop started the instant the pool exists reaches every worker, even
// one whose goroutine has not run yet; many back-to-back loops each see
// every index exactly once.
func TestPoolStartAndManyLoops(t *testing.T) {
	for k := 0; k < 50; k++ {
		p := NewPool(3)
		hits := make([]int32, 7)
		for loop := 0; loop < 200; loop++ {
			p.Parallel(len(hits), func(s, e int) {
				for i := s; i < e; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
		}
		p.Close()
		for i, h := range hits {
			if h != 200 {
				t.Fatalf("pool %d: index %d ran %d times, want 200", k, i, h)
			}
		}
	}
}
