package bench

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gollama/gollama/kernels"
)

// Benchmark names are benchstat-friendly: one key=value per level, e.g.
//
//	BenchmarkPrefill/model=tinyllama-1.1b-Q4_0/threads=2/pp=128
//
// and the speed is the tok/s metric (ns/op is per prompt, or per token
// for decode). Run with -benchtime=3x or so: an op is seconds long on
// tinyllama.

var benchThreads = []int{1, 2}

const (
	benchPrompt = 128 // pp tokens, as -p 128
	decodeSpan  = 32  // decode restarts from an empty cache every this many tokens, as tg32
)

// BenchmarkPrefill times prompt processing: one forward pass over 128
// random tokens from an empty cache, the last token's logits computed.
func BenchmarkPrefill(b *testing.B) {
	for _, bm := range benchModels() {
		b.Run("model="+bm.name(), func(b *testing.B) {
			l := load(b, bm.path(b))
			p := min(benchPrompt, l.m.ContextLength)
			if p <= 0 {
				p = benchPrompt
			}
			for _, th := range benchThreads {
				b.Run(fmt.Sprintf("threads=%d/pp=%d", th, p), func(b *testing.B) {
					r, err := NewRunner(l.m, p, p, th, false)
					if err != nil {
						b.Fatal(err)
					}
					defer r.Close()
					toks := Tokens(p, l.m.Vocab, 1)
					if err := r.Prompt(toks); err != nil { // warm-up: page the weights in
						b.Fatal(err)
					}
					cpu := startCPU()
					for b.Loop() {
						if err := r.Prompt(toks); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(p)*float64(b.N)/b.Elapsed().Seconds(), "tok/s")
					cpu.report(b, float64(p)*float64(b.N), "tok/CPU-s")
				})
			}
		})
	}
}

// BenchmarkDecode times text generation: an op is one token evaluated on
// its own at positions 0…31 in turn (the cache cleared every 32), so it
// matches llama-bench's tg32. GB/s is the weight bytes a token reads
// times tok/s: compare it with BenchmarkMemBandwidth.
func BenchmarkDecode(b *testing.B) {
	for _, bm := range benchModels() {
		b.Run("model="+bm.name(), func(b *testing.B) {
			l := load(b, bm.path(b))
			for _, th := range benchThreads {
				b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
					r, err := NewRunner(l.m, 1, decodeSpan, th, false)
					if err != nil {
						b.Fatal(err)
					}
					defer r.Close()
					toks := Tokens(decodeSpan, l.m.Vocab, 2)
					if err := r.Generate(toks[:4]); err != nil { // warm-up
						b.Fatal(err)
					}
					if err := r.Reset(); err != nil {
						b.Fatal(err)
					}
					pos := 0
					cpu := startCPU()
					for b.Loop() {
						if pos == decodeSpan {
							if err := r.Reset(); err != nil {
								b.Fatal(err)
							}
							pos = 0
						}
						if err := r.Step(toks[pos], pos); err != nil {
							b.Fatal(err)
						}
						pos++
					}
					tps := float64(b.N) / b.Elapsed().Seconds()
					b.ReportMetric(tps, "tok/s")
					b.ReportMetric(tps*float64(l.bytesPerToken)/1e9, "GB/s")
					cpu.report(b, float64(b.N), "tok/CPU-s")
				})
			}
		})
	}
}

// bandwidthBuf is the memory-bandwidth probe's buffer, allocated and
// touched once (1 GiB, or 64 MiB under -short): far larger than any
// cache, so summing it streams from DRAM as a decode step streams the
// weights.
var bandwidthBuf = sync.OnceValue(func() []float32 {
	n := 1 << 28 // float32s: 1 GiB
	if testing.Short() {
		n = 1 << 24
	}
	buf := make([]float32, n)
	for i := range buf {
		buf[i] = float32(i & 7)
	}
	return buf
})

// BenchmarkMemBandwidth sums the buffer with 1 and 2 threads (the SIMD sum
// kernel, each thread a contiguous half): the machine's practical read
// bandwidth, the ceiling for decode's GB/s. MB/s is the figure to read.
func BenchmarkMemBandwidth(b *testing.B) {
	buf := bandwidthBuf()
	for _, th := range benchThreads {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			b.SetBytes(int64(len(buf)) * 4)
			var sink float32
			cpu := startCPU()
			for b.Loop() {
				sink += parallelSum(buf, th)
			}
			b.ReportMetric(float64(len(buf))*4*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			// Per thread-second: what one core streams while it runs.
			cpu.report(b, float64(len(buf))*4*float64(b.N)/1e9, "GB/CPU-s")
			if sink == -1 {
				b.Log(sink) // keeps the sum live
			}
		})
	}
}

// cpuClock measures a benchmark loop's process CPU time: on a shared
// machine, work per CPU-second is steadier than per wall second.
type cpuClock struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuClock {
	t, ok := CPUTime()
	return cpuClock{t, ok}
}

// report adds the metric units = work / CPU-seconds since start.
func (c cpuClock) report(b *testing.B, work float64, unit string) {
	end, ok := CPUTime()
	if !ok || !c.ok || end <= c.start {
		return
	}
	b.ReportMetric(work/(end-c.start).Seconds(), unit)
}

// parallelSum sums x split across threads goroutines.
func parallelSum(x []float32, threads int) float32 {
	if threads <= 1 {
		return kernels.Sum(x)
	}
	parts := make([]float32, threads)
	var wg sync.WaitGroup
	for i := range threads {
		lo, hi := len(x)*i/threads, len(x)*(i+1)/threads
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i] = kernels.Sum(x[lo:hi])
		}()
	}
	wg.Wait()
	var s float32
	for _, p := range parts {
		s += p
	}
	return s
}

func TestParallelSum(t *testing.T) {
	x := make([]float32, 1000)
	for i := range x {
		x[i] = 1
	}
	for th := 1; th <= 3; th++ {
		if s := parallelSum(x, th); s != 1000 {
			t.Errorf("threads=%d: sum %v, want 1000", th, s)
		}
	}
}

// TestDecodeAllocs checks that a decode step allocates nothing once the
// context exists: the steady state of generation must not feed the GC.
func TestDecodeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	dir := t.TempDir()
	for _, ft := range []string{"Q4_0", "Q8_0"} {
		t.Run(ft, func(t *testing.T) {
			l := load(t, benchModel{shape: "tiny", ftype: ft}.pathIn(t, dir))
			for _, th := range []int{1, 2} {
				r, err := NewRunner(l.m, 1, 64, th, false)
				if err != nil {
					t.Fatal(err)
				}
				toks := Tokens(64, l.m.Vocab, 3)
				if err := r.Generate(toks[:2]); err != nil {
					t.Fatal(err)
				}
				pos := 2
				var stepErr error
				allocs := testing.AllocsPerRun(20, func() {
					if err := r.Step(toks[pos], pos); err != nil && stepErr == nil {
						stepErr = err
					}
					pos++
				})
				r.Close()
				if stepErr != nil {
					t.Fatal(stepErr)
				}
				if allocs != 0 {
					t.Errorf("threads=%d: a decode step allocates %v times", th, allocs)
				}
			}
		})
	}
}

// TestRunner checks the runner's passes against each other: a prompt and
// the same tokens generated one at a time leave the same cache length,
// and errors (a token out of range) surface.
func TestRunner(t *testing.T) {
	l := load(t, benchModel{shape: "tiny", ftype: "Q8_0"}.pathIn(t, t.TempDir()))
	r, err := NewRunner(l.m, 8, 20, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	toks := Tokens(20, l.m.Vocab, 4)
	if err := r.Prompt(toks); err != nil { // 20 tokens in batches of 8
		t.Fatal(err)
	}
	if n := r.Ctx.Cache().Len(0); n != 20 {
		t.Errorf("after a 20-token prompt the cache holds %d", n)
	}
	if err := r.Generate(toks[:5]); err != nil {
		t.Fatal(err)
	}
	if n := r.Ctx.Cache().Len(0); n != 5 {
		t.Errorf("after generating 5 from empty the cache holds %d", n)
	}
	if err := r.Generate([]int32{int32(l.m.Vocab)}); err == nil {
		t.Error("token id == vocab size accepted")
	}
}

func TestTokens(t *testing.T) {
	a, b := Tokens(1000, 50, 7), Tokens(1000, 50, 7)
	seen := map[int32]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, token %d differs: %d vs %d", i, a[i], b[i])
		}
		if a[i] < 0 || a[i] >= 50 {
			t.Fatalf("token %d = %d outside [0, 50)", i, a[i])
		}
		seen[a[i]] = true
	}
	if len(seen) < 45 {
		t.Errorf("1000 draws hit only %d of 50 ids", len(seen))
	}
	if c := Tokens(1000, 50, 8); fmt.Sprint(c) == fmt.Sprint(a) {
		t.Error("different seeds give the same tokens")
	}
}

func TestMeanStd(t *testing.T) {
	m, s := MeanStd([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if m != 5 || s < 2.138 || s > 2.139 { // sample stddev sqrt(32/7)
		t.Errorf("MeanStd = %v, %v; want 5, 2.138", m, s)
	}
	if m, s := MeanStd([]float64{3}); m != 3 || s != 0 {
		t.Errorf("one sample: %v, %v", m, s)
	}
	if m, s := MeanStd(nil); m != 0 || s != 0 {
		t.Errorf("no samples: %v, %v", m, s)
	}
}

func TestPeakRSS(t *testing.T) {
	got, err := parseVmHWM([]byte("Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n"))
	if err != nil || got != 1234*1024 {
		t.Errorf("parseVmHWM = %d, %v; want %d", got, err, 1234*1024)
	}
	for _, bad := range []string{"VmRSS: 1 kB\n", "VmHWM: lots kB\n", "VmHWM: -5 kB\n"} {
		if _, err := parseVmHWM([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if runtime.GOOS != "linux" {
		return
	}
	rss, err := PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	// This process has at least its own heap resident.
	keep := make([]byte, 8<<20)
	for i := range keep {
		keep[i] = 1
	}
	time.Sleep(time.Millisecond)
	after, err := PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if rss <= 0 || after < rss || after < 8<<20 {
		t.Errorf("peak RSS %d then %d after touching 8 MiB", rss, after)
	}
	runtime.KeepAlive(keep)
}
