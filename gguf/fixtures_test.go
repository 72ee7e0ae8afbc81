package gguf

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/tensor"
)

// expectedShapes derives every tensor a llama-family model must hold, with
// its shape, from the file's own hyperparameters.
func expectedShapes(t *testing.T, f *File) map[string][]int64 {
	t.Helper()
	u := func(k string) int64 {
		v, err := f.Uint32(f.ArchKey(k))
		if err != nil {
			t.Fatal(err)
		}
		return int64(v)
	}
	embd, layers, ff, heads := u("embedding_length"), u("block_count"), u("feed_forward_length"), u("attention.head_count")
	kvHeads := u("attention.head_count_kv")
	headDim := embd / heads
	toks, err := f.Strings("tokenizer.ggml.tokens")
	if err != nil {
		t.Fatal(err)
	}
	vocab := int64(len(toks))
	want := map[string][]int64{
		"token_embd.weight":  {embd, vocab},
		"output_norm.weight": {embd},
	}
	if _, ok := f.TensorInfo("output.weight"); ok {
		want["output.weight"] = []int64{embd, vocab}
	}
	for l := int64(0); l < layers; l++ {
		b := fmt.Sprintf("blk.%d.", l)
		want[b+"attn_norm.weight"] = []int64{embd}
		want[b+"ffn_norm.weight"] = []int64{embd}
		want[b+"attn_q.weight"] = []int64{embd, heads * headDim}
		want[b+"attn_k.weight"] = []int64{embd, kvHeads * headDim}
		want[b+"attn_v.weight"] = []int64{embd, kvHeads * headDim}
		want[b+"attn_output.weight"] = []int64{heads * headDim, embd}
		want[b+"ffn_gate.weight"] = []int64{embd, ff}
		want[b+"ffn_up.weight"] = []int64{embd, ff}
		want[b+"ffn_down.weight"] = []int64{ff, embd}
		if f.Architecture() == "qwen2" {
			want[b+"attn_q.bias"] = []int64{heads * headDim}
			want[b+"attn_k.bias"] = []int64{kvHeads * headDim}
			want[b+"attn_v.bias"] = []int64{kvHeads * headDim}
		}
	}
	return want
}

func TestFixtureModels(t *testing.T) {
	for _, path := range testdata.Glob(t, "models/*.gguf") {
		name := strings.TrimSuffix(filepath.Base(path), ".gguf")
		t.Run(name, func(t *testing.T) {
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want := expectedShapes(t, f)
			if len(f.Tensors) != len(want) {
				t.Errorf("%d tensors, want %d", len(f.Tensors), len(want))
			}
			// The --pure fixtures hold every 2-D weight in the type their
			// name says; the mixtures only types llama.cpp's mixture uses.
			quant := name[strings.LastIndex(name, "-")+1:]
			pure, pureErr := tensor.ParseType(quant)
			var end int64
			for _, ti := range f.Tensors {
				shape, ok := want[ti.Name]
				if !ok {
					t.Errorf("unexpected tensor %q", ti.Name)
					continue
				}
				if fmt.Sprint(ti.Shape) != fmt.Sprint(shape) {
					t.Errorf("%s: shape %v, want %v", ti.Name, ti.Shape, shape)
				}
				switch {
				case len(ti.Shape) == 1:
					if ti.Type != tensor.F32 {
						t.Errorf("%s: 1-D tensor of type %s, want f32", ti.Name, ti.Type)
					}
				case pureErr == nil && strings.HasPrefix(name, "llama-spm1k"):
					if ti.Type != pure {
						t.Errorf("%s: type %s, want %s", ti.Name, ti.Type, pure)
					}
				default:
					if !ti.Type.Supported() {
						t.Errorf("%s: type %s", ti.Name, ti.Type)
					}
				}
				tt, err := f.Tensor(ti.Name)
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(tt.Data)) != tt.ByteSize() || tt.ByteSize() != ti.Size {
					t.Errorf("%s: %d bytes of data, want %d", ti.Name, len(tt.Data), tt.ByteSize())
				}
				end = max(end, f.DataOffset+int64(ti.Offset)+ti.Size)
			}
			if end != f.Size() {
				t.Errorf("last tensor ends at %d, file size %d", end, f.Size())
			}
		})
	}
}

func TestFixtureVocabs(t *testing.T) {
	for _, path := range testdata.Glob(t, "vocab/*.gguf") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			toks, err := f.Strings("tokenizer.ggml.tokens")
			if err != nil || len(toks) == 0 {
				t.Fatalf("tokens: %d, %v", len(toks), err)
			}
			if _, err := f.String("tokenizer.ggml.model"); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	f, err := Open(testdata.Path(t, "models/stories260K-F32.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Architecture() != "llama" {
		t.Fatalf("architecture %q", f.Architecture())
	}
	if n, err := f.Uint32(f.ArchKey("embedding_length")); err != nil || n != 64 {
		t.Errorf("embedding_length %d, %v", n, err)
	}
	if _, err := f.Uint32("no.such.key"); !IsNotFound(err) {
		t.Errorf("missing key: %v", err)
	}
	if _, err := f.Uint32("general.architecture"); err == nil || !strings.Contains(err.Error(), "has type string") {
		t.Errorf("wrong type: %v", err)
	}
	if scores, err := f.Float32s("tokenizer.ggml.scores"); err != nil || len(scores) != 512 {
		t.Errorf("scores: %d %v", len(scores), err)
	}
	if _, err := f.Tensor("nope"); !IsNotFound(err) {
		t.Errorf("missing tensor: %v", err)
	}
}
