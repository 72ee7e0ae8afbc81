package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/tensor"
)

// TestQuantizeMatchesLlamaQuantize runs "gollama quantize --pure" on the F32
// fixture and wants the tensors llama-quantize wrote, byte for byte.
func TestQuantizeMatchesLlamaQuantize(t *testing.T) {
	in := testdata.Path(t, "models/llama-spm1k-F32.gguf")
	types := []string{"Q4_0", "Q6_K", "Q4_K_M"}
	if testing.Short() {
		types = types[:1]
	}
	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			want, err := gguf.Open(testdata.Path(t, "models/llama-spm1k-"+typ+".gguf"))
			if err != nil {
				t.Fatal(err)
			}
			defer want.Close()
			out := filepath.Join(t.TempDir(), "out.gguf")
			var stdout, stderr bytes.Buffer
			if err := runQuantize([]string{in, out, typ, "--pure"}, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "blk.1.ffn_down.weight") {
				t.Errorf("no per-tensor progress on stderr:\n%s", stderr.String())
			}
			got, err := gguf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer got.Close()
			if len(got.Tensors) != len(want.Tensors) {
				t.Fatalf("%d tensors, llama-quantize wrote %d", len(got.Tensors), len(want.Tensors))
			}
			for _, wi := range want.Tensors {
				gt, err := got.Tensor(wi.Name)
				if err != nil {
					t.Fatal(err)
				}
				wt, _ := want.Tensor(wi.Name)
				if gt.Type != wt.Type || !bytes.Equal(gt.Data, wt.Data) {
					t.Errorf("%s: got %s, llama-quantize %s; bytes equal: %v", wi.Name, gt.Type, wt.Type, bytes.Equal(gt.Data, wt.Data))
				}
			}
			for _, key := range []string{"general.file_type", "general.quantization_version", "tokenizer.ggml.tokens", "llama.rope.freq_base"} {
				gv, ok1 := got.Get(key)
				wv, ok2 := want.Get(key)
				if !ok1 || !ok2 || gv.TypeString() != wv.TypeString() {
					t.Errorf("%s: got %v (%v), want %v (%v)", key, gv.TypeString(), ok1, wv.TypeString(), ok2)
				}
			}
			g, _ := got.Uint32("general.file_type")
			w, _ := want.Uint32("general.file_type")
			if g != w {
				t.Errorf("general.file_type = %d, llama-quantize wrote %d", g, w)
			}
		})
	}
}

// TestMixturePlan checks llama.cpp's Q4_K_M rules against a file
// llama-quantize made with them.
func TestMixturePlan(t *testing.T) {
	f, err := gguf.Open(testdata.Path(t, "models/llama-spm32k-Q4_K_M.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ft, _ := parseFileType("q4_k")
	plan, err := planMixture(f, ft, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, ti := range f.Tensors {
		if plan[i] != ti.Type {
			t.Errorf("%s: planned %s, llama-quantize chose %s", ti.Name, plan[i], ti.Type)
		}
	}
	pure, _ := planMixture(f, ft, true)
	for i, ti := range f.Tensors {
		if want := map[bool]tensor.Type{true: tensor.Q4_K, false: tensor.F32}[len(ti.Shape) > 1]; pure[i] != want {
			t.Errorf("--pure: %s planned %s, want %s", ti.Name, pure[i], want)
		}
	}
}

func TestMixtureRules(t *testing.T) {
	get := func(ftName string, tied bool, name string, shape ...int64) tensor.Type {
		ft, err := parseFileType(ftName)
		if err != nil {
			t.Fatal(err)
		}
		st := &mixState{ft: ft, arch: "llama", gqa: 4, nLayer: 16, tied: tied, nAttnV: 16}
		typ, err := fallbackType(name, shape[0], st.pick(name, shape, ft.base))
		if err != nil {
			t.Fatal(err)
		}
		return typ
	}
	cases := []struct {
		ft, name string
		tied     bool
		shape    []int64
		want     tensor.Type
	}{
		{"Q4_0", "output.weight", false, []int64{2048, 32000}, tensor.Q6_K},
		{"Q4_0", "token_embd.weight", true, []int64{2048, 32000}, tensor.Q6_K},
		{"Q4_0", "token_embd.weight", false, []int64{2048, 32000}, tensor.Q4_0},
		{"Q8_0", "output.weight", false, []int64{2048, 32000}, tensor.Q8_0},
		{"Q4_K_M", "output.weight", false, []int64{896, 151936}, tensor.Q8_0}, // 896 is no multiple of 256
		{"Q4_K_M", "blk.0.attn_v.weight", false, []int64{2048, 512}, tensor.Q6_K},
		{"Q4_K_M", "blk.3.attn_v.weight", false, []int64{2048, 512}, tensor.Q4_K},
		{"Q4_K_M", "blk.4.ffn_down.weight", false, []int64{8192, 2048}, tensor.Q6_K},
		{"Q4_K_M", "blk.5.ffn_down.weight", false, []int64{8192, 2048}, tensor.Q4_K},
		{"Q4_K_M", "blk.5.ffn_up.weight", false, []int64{896, 4864}, tensor.Q5_0},
		{"Q3_K_M", "blk.0.attn_v.weight", false, []int64{2048, 512}, tensor.Q5_K},
		{"Q3_K_M", "blk.0.ffn_down.weight", false, []int64{8192, 2048}, tensor.Q5_K},
		{"Q3_K_M", "blk.5.ffn_down.weight", false, []int64{8192, 2048}, tensor.Q4_K},
		{"Q3_K_M", "blk.5.attn_output.weight", false, []int64{2048, 2048}, tensor.Q4_K},
		{"Q2_K", "blk.5.attn_v.weight", false, []int64{2048, 512}, tensor.Q4_K},
		{"Q6_K", "blk.5.ffn_down.weight", false, []int64{172, 64}, tensor.F16},
		{"IQ4_XS", "blk.0.ffn_down.weight", false, []int64{8192, 2048}, tensor.Q5_K},
		{"IQ4_XS", "blk.5.attn_q.weight", false, []int64{2048, 2048}, tensor.IQ4_XS},
	}
	for _, c := range cases {
		if got := get(c.ft, c.tied, c.name, c.shape...); got != c.want {
			t.Errorf("%s %s %v (tied %v): got %s, want %s", c.ft, c.name, c.shape, c.tied, got, c.want)
		}
	}
	if allowsQuantization("blk.0.attn_norm.weight", []int64{2048}) || allowsQuantization("x.weight", []int64{2048, 1}) ||
		!allowsQuantization("blk.0.attn_q.weight", []int64{64, 64}) || allowsQuantization("blk.0.attn_q.bias", []int64{64, 64}) {
		t.Error("allowsQuantization disagrees with llama.cpp")
	}
	if _, err := parseFileType("IQ2_XXS"); err == nil {
		t.Error("an unsupported type was accepted")
	}
}
