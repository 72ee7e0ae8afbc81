package synth

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/tensor"
	"github.com/gollama/gollama/tokenizer"
)

func build(t *testing.T, opt Options) []byte {
	t.Helper()
	w, _, err := Build(opt)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTinyModel(t *testing.T) {
	shape, err := LookupShape("tiny")
	if err != nil {
		t.Fatal(err)
	}
	b := build(t, Options{Shape: shape, Type: tensor.Q8_0, Seed: 1, Threads: 2})
	f, err := gguf.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int64{
		"llama.embedding_length": 256, "llama.block_count": 2, "llama.attention.head_count": 4,
		"llama.attention.head_count_kv": 2, "llama.feed_forward_length": 512, "llama.vocab_size": 512,
		"llama.context_length": 512, "general.file_type": 7,
	} {
		v, ok := f.Get(key)
		if got, isInt := v.Int(); !ok || !isInt || got != want {
			t.Errorf("%s = %v, want %d", key, v.Any(), want)
		}
	}
	if eps, err := f.Float32("llama.attention.layer_norm_rms_epsilon"); err != nil || eps != 1e-5 {
		t.Errorf("rms eps = %v, %v", eps, err)
	}
	wantTensors := 3 + 2*9 // token_embd, output_norm, output + 9 per layer
	if len(f.Tensors) != wantTensors {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), wantTensors)
	}
	check := func(name string, typ tensor.Type, shape []int64, std float64) {
		t.Helper()
		tt, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		if tt.Type != typ || len(tt.Shape) != len(shape) || tt.Shape[0] != shape[0] || (len(shape) > 1 && tt.Shape[1] != shape[1]) {
			t.Fatalf("%s: %s %v, want %s %v", name, tt.Type, tt.Shape, typ, shape)
		}
		x := make([]float32, tt.NumElements())
		if err := tensor.Dequantize(x, tt.Data, tt.Type); err != nil {
			t.Fatal(err)
		}
		var sum, sum2 float64
		for _, v := range x {
			sum += float64(v)
			sum2 += float64(v) * float64(v)
		}
		n := float64(len(x))
		mean, sd := sum/n, math.Sqrt(sum2/n-(sum/n)*(sum/n))
		if std == 0 {
			if mean != 1 || sd != 0 {
				t.Errorf("%s: mean %g sd %g, want all ones", name, mean, sd)
			}
			return
		}
		if math.Abs(mean) > 4*std/math.Sqrt(n) || math.Abs(sd-std) > 0.03*std {
			t.Errorf("%s: mean %g sd %g, want N(0, %g²)", name, mean, sd, std)
		}
	}
	check("token_embd.weight", tensor.Q8_0, []int64{256, 512}, 1.0/16)
	check("output.weight", tensor.Q8_0, []int64{256, 512}, 1.0/16)
	check("output_norm.weight", tensor.F32, []int64{256}, 0)
	check("blk.1.attn_k.weight", tensor.Q8_0, []int64{256, 128}, 1.0/16)
	check("blk.1.ffn_down.weight", tensor.Q8_0, []int64{512, 256}, 1/math.Sqrt(512))
	check("blk.0.ffn_norm.weight", tensor.F32, []int64{256}, 0)

	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.Encode("Hello, world! é", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != 1 || len(ids) > 20 {
		t.Errorf("tokens %v: want BOS then about one token per character", ids)
	}
	if got := tok.Detokenize(ids[1:], false, false); got != "Hello, world! é" {
		t.Errorf("round trip gave %q", got)
	}
}

// TestDeterministic: the same seed gives the same bytes whatever the
// thread count; another seed gives other weights.
func TestDeterministic(t *testing.T) {
	shape, _ := LookupShape("tiny")
	a := build(t, Options{Shape: shape, Type: tensor.Q8_0, Seed: 7, Threads: 1})
	b := build(t, Options{Shape: shape, Type: tensor.Q8_0, Seed: 7, Threads: 3})
	c := build(t, Options{Shape: shape, Type: tensor.Q8_0, Seed: 8, Threads: 1})
	if !bytes.Equal(a, b) {
		t.Error("thread count changed the file")
	}
	if bytes.Equal(a, c) {
		t.Error("seed did not change the file")
	}
}

func TestQwen2ShapeAndFallback(t *testing.T) {
	s := Shape{Name: "q", Arch: "qwen2", Embd: 96, Layers: 1, Heads: 6, KVHeads: 2, FF: 256, Vocab: 400,
		Context: 256, RopeTheta: 1e6, RMSEps: 1e-6, Tied: true, QKVBias: true}
	f, err := gguf.Parse(build(t, Options{Shape: s, Type: tensor.Q4_K}))
	if err != nil {
		t.Fatal(err)
	}
	if f.Architecture() != "qwen2" {
		t.Fatalf("architecture %q", f.Architecture())
	}
	if _, ok := f.TensorInfo("output.weight"); ok {
		t.Error("tied model has output.weight")
	}
	for name, want := range map[string]tensor.Type{
		"blk.0.attn_q.weight":   tensor.Q5_0, // rows of 96: Q4_K's fallback
		"blk.0.ffn_down.weight": tensor.Q4_K, "blk.0.attn_k.bias": tensor.F32, "token_embd.weight": tensor.Q5_0,
	} {
		ti, ok := f.TensorInfo(name)
		if !ok || ti.Type != want {
			t.Errorf("%s: %v %v, want %s", name, ok, ti, want)
		}
	}
}

func TestVocabFile(t *testing.T) {
	vf, err := gguf.Open(testdata.Path(t, "vocab/ggml-vocab-llama-spm.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer vf.Close()
	shape := Shape{Arch: "llama", Embd: 64, Layers: 1, Heads: 2, KVHeads: 1, FF: 64, Vocab: 500,
		Context: 128, RopeTheta: 10000, RMSEps: 1e-5}
	path := filepath.Join(t.TempDir(), "m.gguf")
	if err := WriteFile(path, Options{Shape: shape, Type: tensor.F16, Vocab: vf}); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, _ := vf.Strings("tokenizer.ggml.tokens")
	got, _ := f.Strings("tokenizer.ggml.tokens")
	if len(got) != len(want) || got[1000] != want[1000] {
		t.Fatalf("tokens not copied: %d vs %d", len(got), len(want))
	}
	ti, _ := f.TensorInfo("token_embd.weight")
	if n, _ := f.Uint32("llama.vocab_size"); int(n) != len(want) || ti.Shape[1] != int64(len(want)) {
		t.Errorf("vocab_size %d, token_embd %v; want %d", n, ti.Shape, len(want))
	}
	if st, err := os.Stat(path); err != nil || st.Size() < 2*64*int64(len(want))*2 {
		t.Errorf("file size %v", st)
	}
}

func TestBadOptions(t *testing.T) {
	shape, _ := LookupShape("tiny")
	if _, _, err := Build(Options{Shape: shape, Type: tensor.Q8_K}); err == nil {
		t.Error("Q8_K weights accepted")
	}
	bad := shape
	bad.Heads = 3
	if _, _, err := Build(Options{Shape: bad, Type: tensor.F32}); err == nil {
		t.Error("embedding not divisible by heads accepted")
	}
	if _, err := LookupShape("gpt-5"); err == nil {
		t.Error("unknown shape accepted")
	}
}

// BenchmarkSynthTinyllamaQ4_0Layer times one tinyllama-1.1b layer's worth
// of weights (about 44M values) generated and quantized to Q4_0.
func BenchmarkSynthTinyllamaQ4_0Layer(b *testing.B) {
	s, _ := LookupShape("tinyllama-1.1b")
	s.Layers = 1
	s.Vocab = MinBuiltinVocab
	for b.Loop() {
		w, _, err := Build(Options{Shape: s, Type: tensor.Q4_0})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.WriteTo(discard{}); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
