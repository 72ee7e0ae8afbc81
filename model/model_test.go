package model

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/tensor"
)

// tinySpec describes a synthetic model small enough to build in a test.
type tinySpec struct {
	arch                         string
	embd, layers, ff, heads, kvh int
	headDim, vocab               int
	tied                         bool
	skip                         string            // tensor to leave out
	reshape                      string            // tensor to give a wrong shape
	retype                       map[string]string // tensor → type name to store it as (f16 supported here)
	extra                        func(w *gguf.Writer)
	ropeFreqs                    bool
	omitHeadDimKeys, omitKVHeads bool
	ropeScalingType              string
	weightType                   tensor.Type // of the 2-D weights; F32 when 0
	qkNorm, qkvBias              bool
}

func defaultSpec() tinySpec {
	return tinySpec{arch: "llama", embd: 32, layers: 2, ff: 48, heads: 4, kvh: 2, headDim: 8, vocab: 40}
}

// build writes the spec as GGUF bytes with random weights (fixed seed).
func (s tinySpec) build(t testing.TB) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	w := gguf.NewWriter()
	a := s.arch
	w.Set("general.architecture", a)
	w.Set(a+".embedding_length", uint32(s.embd))
	w.Set(a+".block_count", uint32(s.layers))
	w.Set(a+".feed_forward_length", uint32(s.ff))
	w.Set(a+".attention.head_count", uint32(s.heads))
	if !s.omitKVHeads {
		w.Set(a+".attention.head_count_kv", uint32(s.kvh))
	}
	if !s.omitHeadDimKeys {
		w.Set(a+".attention.key_length", uint32(s.headDim))
		w.Set(a+".attention.value_length", uint32(s.headDim))
	}
	w.Set(a+".attention.layer_norm_rms_epsilon", float32(1e-5))
	w.Set(a+".rope.freq_base", float32(10000))
	w.Set(a+".context_length", uint32(256))
	w.Set(a+".vocab_size", uint32(s.vocab))
	if s.ropeScalingType != "" {
		w.Set(a+".rope.scaling.type", s.ropeScalingType)
		w.Set(a+".rope.scaling.factor", float32(2))
	}
	if s.extra != nil {
		s.extra(w)
	}
	add := func(name string, shape []int64, scale float32, typ tensor.Type) {
		if name == s.skip {
			return
		}
		if name == s.reshape {
			shape = append([]int64{shape[0] + 1}, shape[1:]...)
		}
		if tn, ok := s.retype[name]; ok {
			tt, err := tensor.ParseType(tn)
			if err != nil {
				t.Fatal(err)
			}
			typ = tt
		}
		n := int64(1)
		for _, d := range shape {
			n *= d
		}
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = scale * float32(rng.NormFloat64())
		}
		var data []byte
		switch typ {
		case tensor.F32:
			data = make([]byte, 4*n)
			for i, v := range vals {
				binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
			}
		case tensor.F16:
			data = make([]byte, 2*n)
			for i, v := range vals {
				binary.LittleEndian.PutUint16(data[2*i:], tensor.F32ToF16(v))
			}
		default:
			// Types we cannot encode here get zero bytes of the right size.
			data = make([]byte, typ.RowSize(int(shape[0]))*int(n/shape[0]))
		}
		w.AddTensor(name, typ, shape, data)
	}
	wt := s.weightType
	e, q, kv := int64(s.embd), int64(s.heads*s.headDim), int64(s.kvh*s.headDim)
	add("token_embd.weight", []int64{e, int64(s.vocab)}, 1, wt)
	add("output_norm.weight", []int64{e}, 0.2, tensor.F32)
	if !s.tied {
		add("output.weight", []int64{e, int64(s.vocab)}, 0.3, wt)
	}
	if s.ropeFreqs {
		add("rope_freqs.weight", []int64{int64(s.headDim / 2)}, 0.1, tensor.F32)
	}
	for i := range s.layers {
		p := "blk." + string(rune('0'+i)) + "."
		add(p+"attn_norm.weight", []int64{e}, 0.2, tensor.F32)
		add(p+"attn_q.weight", []int64{e, q}, 0.3, wt)
		add(p+"attn_k.weight", []int64{e, kv}, 0.3, wt)
		add(p+"attn_v.weight", []int64{e, kv}, 0.3, wt)
		add(p+"attn_output.weight", []int64{q, e}, 0.3, wt)
		if s.qkvBias {
			add(p+"attn_q.bias", []int64{q}, 0.1, tensor.F32)
			add(p+"attn_k.bias", []int64{kv}, 0.1, tensor.F32)
			add(p+"attn_v.bias", []int64{kv}, 0.1, tensor.F32)
		}
		if s.qkNorm {
			add(p+"attn_q_norm.weight", []int64{int64(s.headDim)}, 0.5, tensor.F32)
			add(p+"attn_k_norm.weight", []int64{int64(s.headDim)}, 0.5, tensor.F32)
		}
		add(p+"ffn_norm.weight", []int64{e}, 0.2, tensor.F32)
		add(p+"ffn_gate.weight", []int64{e, int64(s.ff)}, 0.3, wt)
		add(p+"ffn_up.weight", []int64{e, int64(s.ff)}, 0.3, wt)
		add(p+"ffn_down.weight", []int64{int64(s.ff), e}, 0.3, wt)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (s tinySpec) load(t testing.TB) (*Model, error) {
	t.Helper()
	f, err := gguf.Parse(s.build(t))
	if err != nil {
		t.Fatal(err)
	}
	return Load(f)
}

func (s tinySpec) mustLoad(t testing.TB) *Model {
	t.Helper()
	m, err := s.load(t)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLoadErrorsNameTheTensor(t *testing.T) {
	cases := []struct {
		name string
		edit func(*tinySpec)
		want []string
	}{
		{"missing", func(s *tinySpec) { s.skip = "blk.1.ffn_up.weight" }, []string{"blk.1.ffn_up.weight", "missing"}},
		{"missing norm", func(s *tinySpec) { s.skip = "output_norm.weight" }, []string{"output_norm.weight", "missing"}},
		{"misshaped", func(s *tinySpec) { s.reshape = "blk.0.attn_k.weight" }, []string{"blk.0.attn_k.weight", "shape"}},
		{"misshaped vector", func(s *tinySpec) { s.reshape = "blk.1.attn_norm.weight" }, []string{"blk.1.attn_norm.weight", "shape"}},
		{"unsupported type", func(s *tinySpec) { s.retype = map[string]string{"blk.0.attn_q.weight": "i32"} }, []string{"blk.0.attn_q.weight", "unsupported type i32"}},
		{"qwen2 needs biases", func(s *tinySpec) { s.arch = "qwen2" }, []string{"blk.0.attn_q.bias", "missing"}},
		{"qwen3 needs q norm", func(s *tinySpec) { s.arch = "qwen3" }, []string{"blk.0.attn_q_norm.weight", "missing"}},
		{"unknown arch", func(s *tinySpec) { s.arch = "mamba" }, []string{`unsupported architecture "mamba"`}},
		{"yarn", func(s *tinySpec) { s.ropeScalingType = "yarn" }, []string{"yarn"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := defaultSpec()
			c.edit(&s)
			_, err := s.load(t)
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	s := defaultSpec()
	s.tied = true
	s.omitHeadDimKeys = true // head_dim = 32/4 = 8 by default
	s.ropeScalingType = "linear"
	m := s.mustLoad(t)
	if m.output != m.tokEmbd {
		t.Error("tied embeddings: output is not token_embd.weight")
	}
	if m.HeadDimK != 8 || m.HeadDimV != 8 || m.KVHeads != 2 || m.Vocab != 40 || m.RopeDims != 8 {
		t.Errorf("config %+v", m.Config)
	}
	if m.RopeScale != 0.5 {
		t.Errorf("linear rope scaling factor 2: freq scale %v, want 0.5", m.RopeScale)
	}
	s = defaultSpec()
	s.omitKVHeads, s.kvh = true, s.heads
	if m := s.mustLoad(t); m.KVHeads != m.Heads {
		t.Errorf("absent head_count_kv: %d KV heads, want %d", m.KVHeads, m.Heads)
	}
}

// run evaluates tokens of one sequence, one Forward per chunk, returning
// the logits of every position.
func runSeq(t testing.TB, ctx *Context, seq int, tokens []int32, chunk int) []float32 {
	t.Helper()
	var all []float32
	for start := 0; start < len(tokens); start += chunk {
		end := min(start+chunk, len(tokens))
		var b []Entry
		for i := start; i < end; i++ {
			b = append(b, Entry{Token: tokens[i], Pos: int32(i), Seq: seq, Logits: true})
		}
		out, err := ctx.Forward(b)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out...)
	}
	return all
}

func maxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestBatchedSequences decodes two sequences in shared batches and checks
// each against running it alone; also the prompt as one batch against
// token-by-token evaluation.
func TestBatchedSequences(t *testing.T) {
	for _, s := range []tinySpec{defaultSpec(), func() tinySpec {
		s := defaultSpec()
		s.arch, s.qkvBias = "qwen2", true
		return s
	}(), func() tinySpec {
		s := defaultSpec()
		s.arch, s.qkNorm = "qwen3", true
		return s
	}()} {
		t.Run(s.arch, func(t *testing.T) {
			m := s.mustLoad(t)
			a := []int32{1, 5, 9, 3, 7, 22, 31, 4, 8, 2, 39, 17}
			b := []int32{1, 12, 6, 6, 30, 2, 11}
			opts := Options{MaxBatch: 16, MaxSeqs: 2, Cells: 64, PageSize: 4, Threads: 2}

			alone := func(toks []int32, chunk int) []float32 {
				ctx, err := m.NewContext(opts)
				if err != nil {
					t.Fatal(err)
				}
				defer ctx.Close()
				return runSeq(t, ctx, 0, toks, chunk)
			}
			aRef, bRef := alone(a, 1), alone(b, 1)
			if d := maxDiff(alone(a, len(a)), aRef); d > 1e-4 {
				t.Errorf("prompt as one batch vs token by token: max diff %g", d)
			}

			// Interleave: prefill both prompts' first 3 tokens in one batch,
			// then one token of each sequence per Forward.
			ctx, err := m.NewContext(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer ctx.Close()
			V := m.Vocab
			var gotA, gotB []float32
			var batch []Entry
			for i := range 3 {
				batch = append(batch, Entry{Token: a[i], Pos: int32(i), Seq: 0, Logits: true})
				batch = append(batch, Entry{Token: b[i], Pos: int32(i), Seq: 1, Logits: true})
			}
			for step := 3; ; step++ {
				out, err := ctx.Forward(batch)
				if err != nil {
					t.Fatal(err)
				}
				for j, e := range batch {
					if e.Seq == 0 {
						gotA = append(gotA, out[j*V:(j+1)*V]...)
					} else {
						gotB = append(gotB, out[j*V:(j+1)*V]...)
					}
				}
				batch = batch[:0]
				if step < len(a) {
					batch = append(batch, Entry{Token: a[step], Pos: int32(step), Seq: 0, Logits: true})
				}
				if step < len(b) {
					batch = append(batch, Entry{Token: b[step], Pos: int32(step), Seq: 1, Logits: true})
				}
				if len(batch) == 0 {
					break
				}
			}
			if d := maxDiff(gotA, aRef); d > 1e-4 {
				t.Errorf("sequence 0 batched with sequence 1: max diff %g from alone", d)
			}
			if d := maxDiff(gotB, bRef); d > 1e-4 {
				t.Errorf("sequence 1 batched with sequence 0: max diff %g from alone", d)
			}
		})
	}
}

// TestForkSharesPrefix forks a sequence after a prompt and checks that the
// fork continues exactly as the original would.
func TestForkSharesPrefix(t *testing.T) {
	m := defaultSpec().mustLoad(t)
	ctx, err := m.NewContext(Options{MaxBatch: 8, MaxSeqs: 2, Cells: 64, PageSize: 4, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	prompt := []int32{1, 2, 3, 4, 5, 6}
	runSeq(t, ctx, 0, prompt, 8)
	if err := ctx.Cache().Fork(1, 0); err != nil {
		t.Fatal(err)
	}
	next := []Entry{{Token: 9, Pos: 6, Seq: 1, Logits: true}}
	fork, err := ctx.Forward(next)
	if err != nil {
		t.Fatal(err)
	}
	fork = append([]float32(nil), fork...)
	next[0].Seq = 0
	orig, err := ctx.Forward(next)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(fork, orig); d != 0 {
		t.Errorf("fork and original differ by %g on the same token", d)
	}
}

func TestForwardRejectsBadBatches(t *testing.T) {
	m := defaultSpec().mustLoad(t)
	ctx, err := m.NewContext(Options{MaxBatch: 4, MaxSeqs: 1, Cells: 8, PageSize: 4, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	for _, c := range []struct {
		name  string
		batch []Entry
		want  string
	}{
		{"empty", nil, "empty"},
		{"too big", make([]Entry, 5), "MaxBatch"},
		{"token", []Entry{{Token: 40}}, "token 40"},
		{"seq", []Entry{{Token: 1, Seq: 1}}, "sequence 1"},
		{"pos", []Entry{{Token: 1, Pos: -1}}, "negative position"},
	} {
		if _, err := ctx.Forward(c.batch); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	// Fill the cache, then one more token must fail and leave it as it was.
	runSeq(t, ctx, 0, []int32{1, 2, 3, 4, 5, 6, 7, 8}, 4)
	if _, err := ctx.Forward([]Entry{{Token: 1, Pos: 8}}); err == nil || !strings.Contains(err.Error(), "KV cache full") {
		t.Errorf("overflow: error %v", err)
	}
	if n := ctx.Cache().Len(0); n != 8 {
		t.Errorf("cache holds %d cells after a refused batch, want 8", n)
	}
}

// TestDecodeDoesNotAllocate checks the single-token step is allocation free.
func TestDecodeDoesNotAllocate(t *testing.T) {
	m := defaultSpec().mustLoad(t)
	for _, threads := range []int{1, 2} {
		ctx, err := m.NewContext(Options{MaxBatch: 8, Cells: 256, Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		runSeq(t, ctx, 0, []int32{1, 2, 3}, 8)
		pos := int32(3)
		step := []Entry{{Token: 5, Logits: true}}
		allocs := testing.AllocsPerRun(100, func() {
			step[0].Pos = pos
			pos++
			if _, err := ctx.Forward(step); err != nil {
				t.Fatal(err)
			}
		})
		ctx.Close()
		if allocs != 0 {
			t.Errorf("threads=%d: %v allocations per decode step, want 0", threads, allocs)
		}
	}
}

func TestF32CacheCloseToF16(t *testing.T) {
	m := defaultSpec().mustLoad(t)
	toks := []int32{1, 5, 9, 3, 7, 22}
	get := func(f32 bool) []float32 {
		ctx, err := m.NewContext(Options{MaxBatch: 8, Cells: 32, CacheF32: f32, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer ctx.Close()
		return runSeq(t, ctx, 0, toks, 8)
	}
	if d := maxDiff(get(true), get(false)); d > 0.05 || d == 0 {
		t.Errorf("F32 vs F16 cache: max diff %g (want small but nonzero)", d)
	}
}

// A context whose cell count is not a whole number of pages can still fill
// every cell the cache rounded up to.
func TestCellsRoundedUpToPages(t *testing.T) {
	f, err := gguf.Open(testdata.Path(t, "models/stories260K-F32.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.NewContext(Options{Cells: 40, PageSize: 32, MaxBatch: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Options().Cells != 64 {
		t.Fatalf("Cells %d, want 64 (two pages)", c.Options().Cells)
	}
	for pos := int32(0); pos < 64; pos++ {
		if _, err := c.Forward([]Entry{{Token: 1 + pos%100, Pos: pos, Logits: true}}); err != nil {
			t.Fatalf("position %d: %v", pos, err)
		}
	}
	if _, err := c.Forward([]Entry{{Token: 1, Pos: 64, Logits: true}}); err == nil {
		t.Error("a 65th cell fit in two pages")
	}
}
