package session

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

// synthModel builds a random-weight model of the given shape in memory.
func synthModel(b *testing.B, s synth.Shape, typ tensor.Type) *model.Model {
	b.Helper()
	w, _, err := synth.Build(synth.Options{Shape: s, Type: typ, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.Load(f)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// A session with TinyLlama-1.1B's KV shape (22 layers, 4 KV heads of 64:
// 22 KiB per token in F16) holding 512 tokens of random keys and values,
// written straight into the cache. The rest of the model is tiny: only the
// KV size matters for saving and loading.
func kvSession(b *testing.B, f32 bool) *Session { return kvSessionN(b, f32, 512) }

func kvSessionN(b *testing.B, f32 bool, n int) *Session {
	m := synthModel(b, synth.Shape{Arch: "llama", Embd: 256, Layers: 22, Heads: 4, KVHeads: 4, FF: 64, Vocab: 512,
		Context: 2048, RopeTheta: 10000, RMSEps: 1e-5}, tensor.F16)
	pool := kernels.NewPool(2)
	b.Cleanup(pool.Close)
	ctx, err := m.NewContext(model.Options{MaxBatch: 64, MaxSeqs: 2, Cells: 2*n + 64, CacheF32: f32, Pool: pool})
	if err != nil {
		b.Fatal(err)
	}
	pos := make([]int32, n)
	toks := make([]int32, n)
	for i := range pos {
		pos[i], toks[i] = int32(i), int32(i%m.Vocab)
	}
	c := ctx.Cache()
	if err := c.Restore(0, pos); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for l := range m.Layers {
		c.Runs(0, l, func(_ int, k, v []byte) error {
			for i := range k {
				k[i] = byte(rng.Uint32() & 0x3b) // small finite F16/F32 values
			}
			for i := range v {
				v[i] = byte(rng.Uint32() & 0x3b)
			}
			return nil
		})
	}
	s := &Session{ctx: ctx, seq: 0, tokens: toks, logits: make([]float32, m.Vocab)}
	return s
}

// go test -bench 'Save|Load' ./session/ : bytes/s of the session format.
func BenchmarkSave(b *testing.B) {
	for _, f32 := range []bool{false, true} {
		b.Run(fmt.Sprintf("f32=%v", f32), func(b *testing.B) {
			s := kvSession(b, f32)
			n, err := s.WriteTo(io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
			b.ResetTimer()
			for range b.N {
				if _, err := s.WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, f32 := range []bool{false, true} {
		b.Run(fmt.Sprintf("f32=%v", f32), func(b *testing.B) {
			s := kvSession(b, f32)
			data, err := s.MarshalBinary()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for range b.N {
				l, err := Load(s.ctx, 1, bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				l.Reset()
			}
		})
	}
}

// Saving to and loading from a file in the page cache (no fsync: that is
// the disk's speed, not ours).
func BenchmarkFile(b *testing.B) {
	s := kvSession(b, false)
	path := b.TempDir() + "/bench.session"
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n, err := s.WriteTo(f)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("save", func(b *testing.B) {
		b.SetBytes(n)
		for range b.N {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				b.Fatal(err)
			}
			if _, err := s.WriteTo(f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		b.SetBytes(n)
		for range b.N {
			l, err := LoadFile(s.ctx, 1, path)
			if err != nil {
				b.Fatal(err)
			}
			l.Reset()
		}
	})
}

// Forking a 2,000-token session of TinyLlama's KV shape (44 MB of keys and
// values) shares its pages: the cost is the page and position lists, not
// the data. Compare with BenchmarkClone, which copies it.
func BenchmarkFork(b *testing.B) {
	s := kvSessionN(b, false, 2000)
	b.ResetTimer()
	for range b.N {
		f, err := s.Fork(1)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkClone(b *testing.B) {
	s := kvSessionN(b, false, 2000)
	b.ResetTimer()
	for range b.N {
		f, err := s.Clone(1)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// Decoding N conversations at once with the Executor: one token each per
// Infer. The model (Q8_0, 2048 wide like TinyLlama, 4 layers: ~200 MB of
// weights) is far larger than the caches, so a single conversation's
// decode is bound by reading the weights and batching shares that read.
// BENCH_WEIGHT_TYPE picks another weight type, BENCH_THREADS the pool's
// threads (default: one per CPU).
//
// The sub-benchmarks time one and eight conversations apart; "ratio"
// interleaves a step of each, so both see the same machine load, and
// reports 8-conversation over 1-conversation tok/s as x-single.
func BenchmarkExecutorDecode(b *testing.B) {
	typ := tensor.Q8_0
	if v := os.Getenv("BENCH_WEIGHT_TYPE"); v != "" {
		var err error
		if typ, err = tensor.ParseType(v); err != nil {
			b.Fatal(err)
		}
	}
	threads := 0
	if v := os.Getenv("BENCH_THREADS"); v != "" {
		var err error
		if threads, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	m := synthModel(b, synth.Shape{Arch: "llama", Embd: 2048, Layers: 4, Heads: 32, KVHeads: 4, FF: 5632, Vocab: 4096,
		Context: 2048, RopeTheta: 10000, RMSEps: 1e-5}, typ)
	for _, convs := range []int{1, 8} {
		b.Run(fmt.Sprintf("convs=%d", convs), func(b *testing.B) {
			d := newDecoder(b, m, threads, convs)
			b.ResetTimer()
			for range b.N {
				d.step(b)
			}
			b.ReportMetric(float64(convs*b.N)/b.Elapsed().Seconds(), "tok/s")
		})
	}
	b.Run("ratio", func(b *testing.B) {
		one, eight := newDecoder(b, m, threads, 1), newDecoder(b, m, threads, 8)
		var t1, t8 time.Duration
		for range b.N {
			start := time.Now()
			one.step(b)
			mid := time.Now()
			eight.step(b)
			t1, t8 = t1+mid.Sub(start), t8+time.Since(mid)
		}
		r1, r8 := float64(b.N)/t1.Seconds(), float64(8*b.N)/t8.Seconds()
		b.ReportMetric(r1, "tok/s-1")
		b.ReportMetric(r8, "tok/s-8")
		b.ReportMetric(r8/r1, "x-single")
	})
}

// decoder is an Executor with convs conversations past a 4-token prompt,
// for the decode benchmarks.
type decoder struct {
	exec *Executor
	cs   []*Conversation
}

func newDecoder(b *testing.B, m *model.Model, threads, convs int) *decoder {
	pool := kernels.NewPool(threads)
	b.Cleanup(pool.Close)
	ctx, err := m.NewContext(model.Options{MaxBatch: 64, MaxOutputs: convs, MaxSeqs: convs, Cells: convs * 96, Pool: pool})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ctx.Close() })
	d := &decoder{exec: NewExecutor(ctx), cs: make([]*Conversation, convs)}
	for i := range d.cs {
		if d.cs[i], err = d.exec.Create(); err != nil {
			b.Fatal(err)
		}
		d.cs[i].Prompt(1, int32(2+i), 3, 4)
	}
	if err := d.exec.Infer(); err != nil {
		b.Fatal(err)
	}
	return d
}

// step decodes each conversation's greedy next token in one Infer. At 64
// tokens a conversation drops back to 16 before queueing it, so the
// attention cost stays steady (truncating costs nothing; Rewind would
// evaluate a token alone, a forward pass the step is not about).
func (d *decoder) step(b *testing.B) {
	for _, c := range d.cs {
		next := int32(kernels.Argmax(c.Logits()))
		if c.Session().Len() >= 64 {
			if err := c.Session().Truncate(16); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Prompt(next); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.exec.Infer(); err != nil {
		b.Fatal(err)
	}
}
