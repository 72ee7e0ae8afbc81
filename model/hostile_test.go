// Files that parse but lie about hyperparameters: Load refuses each with
// an error naming the key, before anything is sized from it.
package model

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

func qaFile(t *testing.T, key string, val any) *gguf.File {
	return synthFile(t, synth.Options{Shape: synth.Shape{Arch: "llama", Embd: 32, Layers: 1, Heads: 4, KVHeads: 2,
		FF: 64, Vocab: 1, Context: 64, RopeTheta: 10000, RMSEps: 1e-5}, Type: tensor.F32, Seed: 1, Threads: 1},
		func(w *gguf.Writer) { w.Set(key, val) })
}

// synthFile writes the random-weight model opt describes, lets edit change
// the writer (nil: no change) and parses the result.
func synthFile(t *testing.T, opt synth.Options, edit func(*gguf.Writer)) *gguf.File {
	t.Helper()
	w, _, err := synth.Build(opt)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(w)
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

func TestLoadRefusesLyingHyperparameters(t *testing.T) {
	for _, c := range []struct {
		key  string
		val  any
		want string
	}{
		{"llama.rope.freq_base", float32(math.NaN()), "freq_base"},
		{"llama.rope.freq_base", float32(0), "freq_base"},
		{"llama.rope.freq_base", float32(-1), "freq_base"},
		{"llama.rope.freq_base", float32(math.Inf(1)), "freq_base"},
		{"llama.attention.layer_norm_rms_epsilon", float32(math.NaN()), "epsilon"},
		{"llama.attention.layer_norm_rms_epsilon", float32(math.Inf(1)), "epsilon"},
		{"llama.rope.scaling.factor", float32(math.NaN()), "scaling.factor"},
		{"llama.rope.scaling.factor", float32(math.Inf(1)), "scaling.factor"},
		{"llama.block_count", uint32(math.MaxUint32), "block_count"},
	} {
		_, err := Load(qaFile(t, c.key, c.val))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s = %v: Load error %v, want one naming %q", c.key, c.val, err, c.want)
		}
	}
}

func TestNewContextRefusesAbsurdSizes(t *testing.T) {
	m, err := Load(qaFile(t, "general.name", "x"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{MaxBatch: 1 << 40}, {MaxSeqs: 1 << 40}, {MaxOutputs: 1 << 40, MaxBatch: 8}} {
		if _, err := m.NewContext(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
