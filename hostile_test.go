package gollama

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

// hostileBase is a tiny, valid random model (one layer, byte vocab) that
// the cases below rewrite into files that parse but lie.
func hostileBase(t *testing.T) *gguf.File {
	t.Helper()
	w, _, err := synth.Build(synth.Options{Shape: synth.Shape{Arch: "llama", Embd: 32, Layers: 1, Heads: 4, KVHeads: 2,
		FF: 64, Vocab: 1, Context: 64, RopeTheta: 10000, RMSEps: 1e-5}, Type: tensor.F32, Seed: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// del marks a metadata key to drop.
type del struct{}

// hostileTensor rewrites (or drops, returning false) one tensor of the base.
type hostileTensor func(name string, typ tensor.Type, shape []int64, data []byte) (tensor.Type, []int64, []byte, bool)

type hostileCase struct {
	name    string
	set     map[string]any // key → new value, or del{}
	tensors hostileTensor
	extra   func(w *gguf.Writer)
	want    string // substring of the error; "" means it must load and generate
}

// rewrite writes base with c's changes to a file and returns its path.
func (c hostileCase) rewrite(t *testing.T, base *gguf.File) string {
	t.Helper()
	w := gguf.NewWriter()
	for _, kv := range base.KV {
		if v, ok := c.set[kv.Key]; ok {
			if _, drop := v.(del); !drop {
				w.Set(kv.Key, v)
			}
			continue
		}
		w.Set(kv.Key, kv.Value)
	}
	for k, v := range c.set {
		if _, ok := base.Get(k); !ok {
			if _, drop := v.(del); !drop {
				w.Set(k, v)
			}
		}
	}
	for _, ti := range base.Tensors {
		tt, err := base.Tensor(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		typ, shape, data := tt.Type, tt.Shape, tt.Data
		if c.tensors != nil {
			var keep bool
			if typ, shape, data, keep = c.tensors(ti.Name, typ, shape, data); !keep {
				continue
			}
		}
		w.AddTensor(ti.Name, typ, shape, data)
	}
	if c.extra != nil {
		c.extra(w)
	}
	path := filepath.Join(t.TempDir(), "m.gguf")
	if err := w.WriteFile(path); err != nil {
		t.Fatalf("writing the hostile file: %v", err)
	}
	return path
}

// only rewrites the tensor called name with fn, keeping the others.
func only(name string, fn hostileTensor) hostileTensor {
	return func(n string, typ tensor.Type, shape []int64, data []byte) (tensor.Type, []int64, []byte, bool) {
		if n != name {
			return typ, shape, data, true
		}
		return fn(n, typ, shape, data)
	}
}

func drop(string, tensor.Type, []int64, []byte) (tensor.Type, []int64, []byte, bool) {
	return 0, nil, nil, false
}

// asType relabels a tensor as typ with a byte size that matches typ.
func asType(typ tensor.Type) hostileTensor {
	return func(_ string, _ tensor.Type, shape []int64, _ []byte) (tensor.Type, []int64, []byte, bool) {
		rows := int64(1)
		for _, d := range shape[1:] {
			rows *= d
		}
		return typ, shape, make([]byte, rows*int64(typ.RowSize(int(shape[0])))), true
	}
}

// loadAndRun loads path and, if that works, generates a couple of tokens,
// turning a panic anywhere into an error that says so.
func loadAndRun(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v\n%s", r, debug.Stack())
		}
	}()
	m, err := Load(path, Options{Threads: 1, ContextLength: 32})
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := m.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	p := DefaultParams()
	p.Temperature = 0
	p.MaxTokens = 2
	if _, err := s.Generate(context.Background(), "hi", p, nil); err != nil {
		return err
	}
	return nil
}

// Files that parse but whose metadata or tensors lie are refused with an
// error naming the problem; nothing panics or allocates without bound.
func TestHostileModels(t *testing.T) {
	base := hostileBase(t)
	onesVocab := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("t%d", i)
		}
		return out
	}
	nVocab := int64(synth.MinBuiltinVocab)
	cases := []hostileCase{
		{name: "valid", want: ""},
		{name: "embedding_length 0", set: map[string]any{"llama.embedding_length": uint32(0)}, want: "embedding_length"},
		{name: "embedding_length negative", set: map[string]any{"llama.embedding_length": int32(-32)}, want: "embedding_length"},
		{name: "embedding_length huge", set: map[string]any{"llama.embedding_length": uint32(1 << 31)}, want: "token_embd"},
		{name: "embedding_length string", set: map[string]any{"llama.embedding_length": "32"}, want: "embedding_length"},
		{name: "head_count 0", set: map[string]any{"llama.attention.head_count": uint32(0)}, want: "head_count"},
		{name: "head_count_kv 0", set: map[string]any{"llama.attention.head_count_kv": uint32(0)}, want: "head_count_kv"},
		{name: "head_count_kv > head_count", set: map[string]any{"llama.attention.head_count_kv": uint32(8)}, want: "head_count"},
		{name: "head_count not dividing", set: map[string]any{"llama.attention.head_count": uint32(3)}, want: "head_count"},
		{name: "head_count_kv not dividing", set: map[string]any{"llama.attention.head_count_kv": uint32(3)}, want: "head_count"},
		{name: "head_count huge", set: map[string]any{"llama.attention.head_count": uint32(math.MaxUint32)}, want: "head_count"},
		{name: "key_length huge", set: map[string]any{"llama.attention.key_length": uint32(math.MaxUint32)}, want: "attn_q"},
		{name: "value_length 0", set: map[string]any{"llama.attention.value_length": uint32(0)}, want: "value_length"},
		{name: "block_count 0", set: map[string]any{"llama.block_count": uint32(0)}, want: "block_count"},
		{name: "block_count 2", set: map[string]any{"llama.block_count": uint32(2)}, want: "blk.1."},
		{name: "block_count 1e6", set: map[string]any{"llama.block_count": uint32(1_000_000)}, want: "block_count"},
		{name: "block_count max", set: map[string]any{"llama.block_count": uint32(math.MaxUint32)}, want: "block_count"},
		{name: "feed_forward_length 0", set: map[string]any{"llama.feed_forward_length": uint32(0)}, want: "feed_forward_length"},
		{name: "context_length 0", set: map[string]any{"llama.context_length": uint32(0)}, want: ""},
		{name: "context_length 2^31", set: map[string]any{"llama.context_length": uint32(1 << 31)}, want: ""},
		{name: "rope dims odd", set: map[string]any{"llama.rope.dimension_count": uint32(7)}, want: "rope.dimension_count"},
		{name: "rope dims too big", set: map[string]any{"llama.rope.dimension_count": uint32(64)}, want: "rope.dimension_count"},
		// model.Load refuses these, naming the key.
		{name: "rope freq_base NaN", set: map[string]any{"llama.rope.freq_base": float32(math.NaN())}, want: "freq_base"},
		{name: "rope freq_base 0", set: map[string]any{"llama.rope.freq_base": float32(0)}, want: "freq_base"},
		{name: "rope scaling factor NaN", set: map[string]any{"llama.rope.scaling.factor": float32(math.NaN())}, want: "scaling.factor"},
		{name: "rope scaling factor negative", set: map[string]any{"llama.rope.scaling.factor": float32(-2)}, want: "scaling.factor"},
		{name: "rms eps 0", set: map[string]any{"llama.attention.layer_norm_rms_epsilon": float32(0)}, want: "epsilon"},
		{name: "rms eps NaN", set: map[string]any{"llama.attention.layer_norm_rms_epsilon": float32(math.NaN())}, want: "layer_norm_rms_epsilon"},
		{name: "vocab_size > tokens", set: map[string]any{"llama.vocab_size": uint32(nVocab + 5)}, want: "token_embd"},
		{name: "vocab_size < tokens", set: map[string]any{"llama.vocab_size": uint32(nVocab - 5)}, want: "token_embd"},
		{name: "unknown architecture", set: map[string]any{"general.architecture": "mamba"}, want: "architecture"},
		{name: "architecture absent", set: map[string]any{"general.architecture": del{}}, want: "architecture"},
		{name: "token_embd rows != vocab", tensors: only("token_embd.weight", func(_ string, typ tensor.Type, shape []int64, data []byte) (tensor.Type, []int64, []byte, bool) {
			return typ, []int64{shape[0], shape[1] - 1}, data[:len(data)-int(shape[0])*4], true
		}), want: "token_embd"},
		{name: "missing attn_q", tensors: only("blk.0.attn_q.weight", drop), want: "attn_q"},
		{name: "missing output_norm", tensors: only("output_norm.weight", drop), want: "output_norm"},
		{name: "missing token_embd", tensors: only("token_embd.weight", drop), want: "token_embd"},
		{name: "extra tensor", extra: func(w *gguf.Writer) {
			w.AddTensor("blk.7.attn_q.weight", tensor.F32, []int64{4}, make([]byte, 16))
		}, want: ""},
		{name: "attn_q iq2_xxs", tensors: only("blk.0.attn_q.weight", func(_ string, _ tensor.Type, _ []int64, _ []byte) (tensor.Type, []int64, []byte, bool) {
			return tensor.IQ2_XXS, []int64{256, 4}, make([]byte, 4*tensor.IQ2_XXS.RowSize(256)), true
		}), want: "attn_q"},
		{name: "token_embd q4_0 row of 32", tensors: only("token_embd.weight", asType(tensor.Q4_0)), want: ""},
		{name: "attn_norm iq2_xxs", tensors: only("blk.0.attn_norm.weight", func(_ string, _ tensor.Type, _ []int64, _ []byte) (tensor.Type, []int64, []byte, bool) {
			return tensor.IQ2_XXS, []int64{256}, make([]byte, tensor.IQ2_XXS.RowSize(256)), true
		}), want: "attn_norm"},
		{name: "attn_q 3-D", tensors: only("blk.0.attn_q.weight", func(_ string, typ tensor.Type, _ []int64, data []byte) (tensor.Type, []int64, []byte, bool) {
			return typ, []int64{32, 16, 2}, data, true
		}), want: "attn_q"},
		{name: "norm wrong length", tensors: only("blk.0.ffn_norm.weight", func(_ string, typ tensor.Type, _ []int64, data []byte) (tensor.Type, []int64, []byte, bool) {
			return typ, []int64{16}, data[:64], true
		}), want: "ffn_norm"},

		// Tokenizer metadata.
		{name: "tokenizer model absent", set: map[string]any{"tokenizer.ggml.model": del{}}, want: "tokenizer"},
		{name: "tokenizer model unknown", set: map[string]any{"tokenizer.ggml.model": "rwkv"}, want: "rwkv"},
		{name: "tokens absent", set: map[string]any{"tokenizer.ggml.tokens": del{}}, want: "tokens"},
		{name: "empty vocab", set: map[string]any{"tokenizer.ggml.tokens": []string{}, "tokenizer.ggml.scores": []float32{}, "tokenizer.ggml.token_type": []int32{}}, want: "vocab"},
		{name: "tokens not strings", set: map[string]any{"tokenizer.ggml.tokens": []int32{1, 2, 3}}, want: "tokens"},
		{name: "scores shorter", set: map[string]any{"tokenizer.ggml.scores": []float32{0, 1}}, want: "scores"},
		{name: "scores strings", set: map[string]any{"tokenizer.ggml.scores": []string{"a"}}, want: "scores"},
		{name: "token_type shorter", set: map[string]any{"tokenizer.ggml.token_type": []int32{1}}, want: "token type"},
		{name: "token_type out of range", set: map[string]any{"tokenizer.ggml.token_type": func() []int32 {
			ty := make([]int32, nVocab)
			for i := range ty {
				ty[i] = int32(i*977) - 1000
			}
			return ty
		}()}, want: ""},
		{name: "tokens fewer than vocab_size", set: map[string]any{"tokenizer.ggml.tokens": onesVocab(int(nVocab) - 100),
			"tokenizer.ggml.scores": del{}, "tokenizer.ggml.token_type": del{}}, want: ""},
		{name: "tokens more than the model's vocab", set: map[string]any{"llama.vocab_size": uint32(nVocab - 50)},
			tensors: func(name string, typ tensor.Type, shape []int64, data []byte) (tensor.Type, []int64, []byte, bool) {
				if name == "token_embd.weight" || name == "output.weight" {
					return typ, []int64{shape[0], shape[1] - 50}, data[:len(data)-50*int(shape[0])*4], true
				}
				return typ, shape, data, true
			}, want: "tokenizer has"},
		{name: "duplicate tokens", set: map[string]any{"tokenizer.ggml.tokens": func() []string {
			v := onesVocab(int(nVocab))
			v[5] = v[4]
			return v
		}()}, want: "duplicate"},
		{name: "bos out of range", set: map[string]any{"tokenizer.ggml.bos_token_id": uint32(1 << 30)}, want: ""},
		{name: "eos out of range", set: map[string]any{"tokenizer.ggml.eos_token_id": uint32(math.MaxUint32)}, want: ""},
		{name: "bos negative", set: map[string]any{"tokenizer.ggml.bos_token_id": int32(-5)}, want: "bos_token_id"},
		{name: "gpt2 malformed merges", set: map[string]any{"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "gpt-2",
			"tokenizer.ggml.merges": []string{"a", "", " ", "a b c", "\x00 \xff", "t1 t2"}}, want: ""},
		{name: "gpt2 merges absent", set: map[string]any{"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "gpt-2"}, want: "merges"},
		{name: "gpt2 unknown pre", set: map[string]any{"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "no-such-pre",
			"tokenizer.ggml.merges": []string{"a b"}}, want: "no-such-pre"},
		{name: "bert vocab", set: map[string]any{"tokenizer.ggml.model": "bert"}, want: ""},
		{name: "huge chat template", set: map[string]any{"tokenizer.chat_template": strings.Repeat("{{ x }}", 1<<17)}, want: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := loadAndRun(c.rewrite(t, base))
			switch {
			case err != nil && strings.HasPrefix(err.Error(), "PANIC"):
				t.Fatal(err)
			case c.want == "" && err != nil:
				t.Fatalf("want it to load and run, got %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("loaded and ran; want an error about %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

// hostileModel loads the tiny synthetic model with a 32-token context.
func hostileModel(t *testing.T) *Model {
	t.Helper()
	path := hostileCase{}.rewrite(t, hostileBase(t))
	m, err := Load(path, Options{Threads: 1, ContextLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// noPanic runs fn, failing the test (not crashing the binary) on a panic.
func noPanic(t *testing.T, what string, fn func() error) error {
	t.Helper()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s: PANIC %v\n%s", what, r, debug.Stack())
			}
		}()
		err = fn()
	}()
	return err
}

// Generation with edge-case parameters fails cleanly or works; a failed
// call leaves the session as it was.
func TestHostileGeneration(t *testing.T) {
	m := hostileModel(t)
	ctx := context.Background()
	gen := func(prompt string, mut func(*Params)) error {
		s, err := m.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p := DefaultParams()
		p.Seed = 1
		p.MaxTokens = 3
		mut(&p)
		_, err = s.Generate(ctx, prompt, p, nil)
		return err
	}
	type tc struct {
		name   string
		prompt string
		mut    func(*Params)
		want   string // "" = must succeed
	}
	long := strings.Repeat("a", 30) // BOS, "▁" and 30 × "a": 32 tokens with the byte vocab
	cases := []tc{
		{"MaxTokens huge", "hi", func(p *Params) { p.MaxTokens = math.MaxInt }, "context full"},
		{"MaxTokens -1", "hi", func(p *Params) { p.MaxTokens = -1; p.IgnoreEOS = true }, "context full"},
		{"MaxTokens -5", "hi", func(p *Params) { p.MaxTokens = -5; p.IgnoreEOS = true }, "context full"},
		{"prompt at context", long, func(p *Params) { p.MaxTokens = 0 }, ""},
		{"prompt at context, one token", long, func(p *Params) { p.MaxTokens = 1 }, ""},
		{"prompt one past", long + "a", func(p *Params) {}, "context full"},
		{"prompt far past", strings.Repeat("ab", 5000), func(p *Params) {}, "context full"},
		{"prompt past with shift", strings.Repeat("ab", 100), func(p *Params) { p.ContextShift = true }, "context full"},
		{"empty prompt", "", func(p *Params) {}, "empty"},
		{"empty stop string", "hi", func(p *Params) { p.Stop = []string{""} }, "empty"},
		{"huge stop string", "hi", func(p *Params) { p.Stop = []string{strings.Repeat("x", 1<<20)} }, ""},
		{"logit bias -1", "hi", func(p *Params) { p.LogitBias = map[int32]float32{-1: 1} }, "LogitBias"},
		{"logit bias past vocab", "hi", func(p *Params) { p.LogitBias = map[int32]float32{1 << 30: 1} }, "LogitBias"},
		{"logit bias +Inf", "hi", func(p *Params) { p.LogitBias = map[int32]float32{5: float32(math.Inf(1))} }, "LogitBias"},
		{"RepeatLastN > context", "hi", func(p *Params) { p.RepeatLastN = 1000; p.RepeatPenalty = 1.3 }, ""},
		{"RepeatLastN -1", "hi", func(p *Params) { p.RepeatLastN = -1; p.RepeatPenalty = 1.3 }, ""},
		{"RepeatLastN huge", "hi", func(p *Params) { p.RepeatLastN = math.MaxInt; p.RepeatPenalty = 1.3 }, "RepeatLastN"},
		{"RepeatPenalty 0", "hi", func(p *Params) { p.RepeatPenalty = 0 }, "RepeatPenalty"},
		{"mirostat tau NaN", "hi", func(p *Params) { p.Mirostat = 2; p.MirostatTau = float32(math.NaN()) }, "MirostatTau"},
		{"mirostat tau 0", "hi", func(p *Params) { p.Mirostat = 1; p.MirostatTau = 0 }, ""},
		{"mirostat tau huge", "hi", func(p *Params) { p.Mirostat = 1; p.MirostatTau = 1e30; p.MirostatEta = 1e30 }, ""},
		{"mirostat v2 tau huge", "hi", func(p *Params) { p.Mirostat = 2; p.MirostatTau = math.MaxFloat32 }, ""},
		{"mirostat 3", "hi", func(p *Params) { p.Mirostat = 3 }, "Mirostat"},
		{"seed 0", "hi", func(p *Params) { p.Seed = 0 }, ""},
		{"seed max-1", "hi", func(p *Params) { p.Seed = math.MaxUint64 - 1 }, ""},
		{"seed random", "hi", func(p *Params) { p.Seed = math.MaxUint64 }, ""},
		{"temperature -1", "hi", func(p *Params) { p.Temperature = -1 }, ""},
		{"temperature huge", "hi", func(p *Params) { p.Temperature = math.MaxFloat32 }, ""},
		{"temperature tiny", "hi", func(p *Params) { p.Temperature = 1e-38 }, ""},
		{"top-k huge", "hi", func(p *Params) { p.TopK = math.MaxInt }, ""},
		{"min keep huge", "hi", func(p *Params) { p.MinKeep = math.MaxInt }, ""},
		{"keep tokens huge", strings.Repeat("ab", 20), func(p *Params) { p.ContextShift = true; p.KeepTokens = math.MaxInt }, "context full"},
		{"parse special", "<s></s><unk><0x41>", func(p *Params) { p.ParseSpecial = true }, ""},
		{"invalid utf-8", "\xff\xfe\x00\xc3", func(p *Params) {}, ""},
	}
	for _, c := range cases {
		err := noPanic(t, c.name, func() error { return gen(c.prompt, c.mut) })
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && err == nil:
			t.Errorf("%s: no error, want one about %q", c.name, c.want)
		case c.want != "" && !strings.Contains(err.Error(), c.want):
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.want)
		}
	}

	// Cancelled before it starts: nothing is evaluated or lost.
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := greedy(2)
	if _, err := s.Generate(ctx, "hi", p, nil); err != nil {
		t.Fatal(err)
	}
	before := s.Tokens()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Generate(cctx, "more", p, nil); err == nil {
		t.Error("cancelled generation returned no error")
	}
	// A prompt that does not fit, and out-of-range prompt ids, leave the
	// session untouched.
	if _, err := s.Generate(ctx, strings.Repeat("z", 40), p, nil); err == nil {
		t.Error("overlong prompt accepted")
	}
	for _, bad := range [][]int32{{-1}, {math.MaxInt32}, {5, int32(m.Internal().Vocab)}} {
		if _, err := noPanicRes(t, func() (*Result, error) { return s.GenerateTokens(ctx, bad, p, nil) }); err == nil {
			t.Errorf("prompt ids %v accepted", bad)
		}
	}
	if got := s.Tokens(); !slicesEqual(got, before) {
		t.Errorf("failed calls changed the session: %v → %v", before, got)
	}
	if _, err := s.Generate(ctx, "", p, nil); err != nil {
		t.Errorf("session unusable after failed calls: %v", err)
	}

	// GenerateN and beam search with absurd sizes refuse rather than allocate.
	for _, n := range []int{0, -1, 1 << 40, math.MaxInt} {
		q := greedy(2)
		if _, err := noPanicRes(t, func() ([]*Result, error) { return m.GenerateN(ctx, "hi", n, q) }); err == nil {
			t.Errorf("GenerateN n=%d accepted", n)
		}
	}
	for _, mt := range []int{math.MaxInt, math.MaxInt - 1, 1 << 62} {
		q := greedy(mt)
		if _, err := noPanicRes(t, func() ([]*Result, error) { return m.GenerateN(ctx, "hi", 2, q) }); err == nil {
			t.Errorf("GenerateN MaxTokens=%d accepted", mt)
		}
	}
	for _, bp := range []BeamParams{{Width: 0, MaxTokens: 2}, {Width: 1 << 40, MaxTokens: 2}, {Width: 2, MaxTokens: math.MaxInt},
		{Width: math.MaxInt, MaxTokens: math.MaxInt}} {
		if _, err := noPanicRes(t, func() ([]Beam, error) { return m.BeamSearch(ctx, "hi", bp) }); err == nil {
			t.Errorf("BeamSearch %+v accepted", bp)
		}
	}
}

func noPanicRes[T any](t *testing.T, fn func() (T, error)) (T, error) {
	t.Helper()
	var v T
	err := noPanic(t, "call", func() error {
		var err error
		v, err = fn()
		return err
	})
	return v, err
}

func slicesEqual(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Absurd Options fail at NewSession with an error, not a panic.
func TestHostileOptions(t *testing.T) {
	path := hostileCase{}.rewrite(t, hostileBase(t))
	for _, o := range []Options{
		{ContextLength: 1 << 40},
		{ContextLength: math.MaxInt},
		{ContextLength: 1 << 40, BatchSize: 1 << 40},
		{ContextLength: 64, BatchSize: math.MaxInt},
		{Threads: -5, ContextLength: 16},
	} {
		err := noPanic(t, fmt.Sprintf("%+v", o), func() error {
			m, err := Load(path, o)
			if err != nil {
				return err
			}
			defer m.Close()
			s, err := m.NewSession()
			if err != nil {
				return err
			}
			s.Close()
			return nil
		})
		if o.ContextLength > 1<<20 && err == nil {
			t.Errorf("%+v: a context of %d tokens was allocated", o, o.ContextLength)
		}
	}
}

// errReader fails after n bytes.
type errReader struct {
	b []byte
	n int
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, fmt.Errorf("disk on fire")
	}
	k := copy(p[:min(len(p), r.n)], r.b)
	r.b, r.n = r.b[k:], r.n-k
	return k, nil
}

// Sessions: truncated, failing, foreign and too-large inputs are errors;
// a full session loads and then reports a full context, never panics.
func TestHostileSessions(t *testing.T) {
	base := hostileBase(t)
	path := hostileCase{}.rewrite(t, base)
	big, err := Load(path, Options{Threads: 1, ContextLength: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	small, err := Load(path, Options{Threads: 1, ContextLength: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	ctx := context.Background()

	s, err := big.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Generate(ctx, strings.Repeat("ab", 20), greedy(4), nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	saved := buf.Bytes()

	// Into a context too small for it.
	if _, err := small.LoadSession(bytes.NewReader(saved)); err == nil {
		t.Errorf("a %d-token session loaded into a %d-token context", len(s.Tokens()), small.ContextLength())
	}
	// Every truncation, and a reader that fails part-way.
	for _, n := range []int{0, 1, 4, 8, 16, 64, len(saved) / 2, len(saved) - 1} {
		if _, err := noPanicRes(t, func() (*Session, error) { return big.LoadSession(bytes.NewReader(saved[:n])) }); err == nil {
			t.Errorf("session truncated to %d of %d bytes loaded", n, len(saved))
		}
		if _, err := noPanicRes(t, func() (*Session, error) { return big.LoadSession(&errReader{b: saved, n: n}) }); err == nil {
			t.Errorf("session failing after %d bytes loaded", n)
		}
	}
	// A session of another model (different weights).
	other := hostileCase{name: "other", tensors: only("blk.0.attn_q.weight", func(_ string, typ tensor.Type, shape []int64, data []byte) (tensor.Type, []int64, []byte, bool) {
		d := append([]byte(nil), data...)
		d[0] ^= 1
		return typ, shape, d, true
	})}.rewrite(t, base)
	om, err := Load(other, Options{Threads: 1, ContextLength: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer om.Close()
	if _, err := om.LoadSession(bytes.NewReader(saved)); err == nil {
		t.Error("a session of another model loaded")
	}

	// A session filled to the brim: it loads; generating says the context
	// is full; nothing panics and the loaded state is kept.
	full, err := small.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	p := greedy(-1)
	p.IgnoreEOS = true
	if _, err := full.Generate(ctx, "ab", p, nil); err == nil {
		t.Fatal("filling the context reported no error")
	}
	buf.Reset()
	if _, err := full.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	re, err := small.LoadSession(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("a full session does not load back: %v", err)
	}
	defer re.Close()
	before := re.Tokens()
	for _, prompt := range []string{"", "x"} {
		if _, err := noPanicRes(t, func() (*Result, error) { return re.Generate(ctx, prompt, greedy(3), nil) }); err == nil {
			t.Errorf("generating %q in a full session: no error", prompt)
		}
	}
	if got := re.Tokens(); !slicesEqual(got, before) {
		t.Errorf("failed generation changed the full session: %d → %d tokens", len(before), len(got))
	}
}
