// Package model runs the forward pass of llama-family transformers stored
// in GGUF files, matching llama.cpp's numbers: weights stay in the mapped
// file in their GGUF type, every weight product goes through
// kernels.MatMul, and keys and values live in a paged kvcache.
package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/tensor"
)

// Model is a loaded model: its hyperparameters and tensors bound by name.
// It is read-only after Load and may be shared by several Contexts.
type Model struct {
	Config
	arch *arch

	tokEmbd    *tensor.Tensor // token_embd.weight {Embd, Vocab}
	outputNorm []float32      // output_norm.weight
	output     *tensor.Tensor // output.weight, or token_embd.weight when tied
	ropeFreqs  []float32      // rope_freqs.weight (Llama 3 scaling), nil if absent
	layers     []layer
}

// layer holds one transformer block's tensors. Optional ones are nil.
type layer struct {
	attnNorm       []float32
	wq, wk, wv, wo *tensor.Tensor
	bq, bk, bv, bo []float32
	qNorm, kNorm   []float32 // per-head, HeadDimK long (qwen3)

	ffnNorm          []float32
	gate, up, down   *tensor.Tensor
	bGate, bUp, bDwn []float32
}

// Load binds the tensors of a llama-family model. Weights are not copied:
// the Model refers to f's mapping, so f must stay open while it is used.
// A missing, mis-shaped or unsupported tensor is an error naming it.
func Load(f *gguf.File) (*Model, error) {
	name := f.Architecture()
	a, ok := archs[name]
	if !ok {
		known := make([]string, 0, len(archs))
		for k := range archs {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("model: unsupported architecture %q (supported: %s)", name, strings.Join(known, ", "))
	}
	cfg, err := readConfig(f, a)
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", name, err)
	}
	m := &Model{Config: cfg, arch: a}
	b := binder{f: f}
	if m.Vocab == 0 {
		// No vocab size anywhere else: the embedding table defines it.
		if ti, ok := f.TensorInfo("token_embd.weight"); ok && len(ti.Shape) == 2 {
			m.Vocab = int(ti.Shape[1])
		}
	}
	m.tokEmbd = b.weight("token_embd.weight", m.Embd, m.Vocab)
	m.outputNorm = b.vector("output_norm.weight", m.Embd, required)
	if _, ok := f.TensorInfo("output.weight"); ok {
		m.output = b.weight("output.weight", m.Embd, m.Vocab)
	} else {
		m.output = m.tokEmbd // tied embeddings
	}
	m.ropeFreqs = b.vector("rope_freqs.weight", m.RopeDims/2, optional)

	qDim, kDim, vDim := m.Heads*m.HeadDimK, m.KVHeads*m.HeadDimK, m.KVHeads*m.HeadDimV
	// Every block has tensors of its own: a block count the file's tensors
	// cannot back is a lie, refused before it sizes an allocation (smaller
	// lies end at the first missing block's tensor, named).
	if m.Layers > len(f.Tensors) {
		return nil, fmt.Errorf("model: %s is %d but the file holds only %d tensors", f.ArchKey("block_count"), m.Layers, len(f.Tensors))
	}
	m.layers = make([]layer, m.Layers)
	for i := range m.layers {
		l := &m.layers[i]
		p := fmt.Sprintf("blk.%d.", i)
		l.attnNorm = b.vector(p+"attn_norm.weight", m.Embd, required)
		l.wq = b.weight(p+"attn_q.weight", m.Embd, qDim)
		l.wk = b.weight(p+"attn_k.weight", m.Embd, kDim)
		l.wv = b.weight(p+"attn_v.weight", m.Embd, vDim)
		l.wo = b.weight(p+"attn_output.weight", m.Heads*m.HeadDimV, m.Embd)
		l.bq = b.vector(p+"attn_q.bias", qDim, a.qkvBias)
		l.bk = b.vector(p+"attn_k.bias", kDim, a.qkvBias)
		l.bv = b.vector(p+"attn_v.bias", vDim, a.qkvBias)
		l.bo = b.vector(p+"attn_output.bias", m.Embd, optional)
		if a.qkNorm {
			l.qNorm = b.vector(p+"attn_q_norm.weight", m.HeadDimK, required)
			l.kNorm = b.vector(p+"attn_k_norm.weight", m.HeadDimK, required)
		}
		l.ffnNorm = b.vector(p+"ffn_norm.weight", m.Embd, required)
		l.gate = b.weight(p+"ffn_gate.weight", m.Embd, m.FF)
		l.up = b.weight(p+"ffn_up.weight", m.Embd, m.FF)
		l.down = b.weight(p+"ffn_down.weight", m.FF, m.Embd)
		l.bGate = b.vector(p+"ffn_gate.bias", m.FF, optional)
		l.bUp = b.vector(p+"ffn_up.bias", m.FF, optional)
		l.bDwn = b.vector(p+"ffn_down.bias", m.Embd, optional)
		if b.err != nil {
			break
		}
	}
	if b.err != nil {
		return nil, fmt.Errorf("model: %s: %w", name, b.err)
	}
	return m, nil
}

// binder looks tensors up by name and checks them; the first failure sticks.
type binder struct {
	f   *gguf.File
	err error
}

// weight binds a 2-D matrix, shape {in, out} in GGUF order: out
// rows of in elements, in any type the kernels can multiply.
func (b *binder) weight(name string, in, out int) *tensor.Tensor {
	if b.err != nil {
		return nil
	}
	t, err := b.f.Tensor(name)
	if err != nil {
		b.err = fmt.Errorf("tensor %s: missing", name)
		return nil
	}
	if len(t.Shape) != 2 || t.Shape[0] != int64(in) || t.Shape[1] != int64(out) {
		b.err = fmt.Errorf("tensor %s: shape %v, want [%d %d]", name, t.Shape, in, out)
		return nil
	}
	if !t.Type.Supported() || !matmulType(t.Type) {
		b.err = fmt.Errorf("tensor %s: unsupported type %s", name, t.Type)
		return nil
	}
	if err := t.Type.CheckRowLen(int64(in)); err != nil {
		b.err = fmt.Errorf("tensor %s: %v", name, err)
		return nil
	}
	return t
}

// vector binds a 1-D tensor of n elements and widens it to float32 (norm
// weights and biases are tiny; this is the only copy Load makes).
func (b *binder) vector(name string, n int, need need) []float32 {
	if b.err != nil || need == absent {
		return nil
	}
	t, err := b.f.Tensor(name)
	if err != nil {
		if need == required {
			b.err = fmt.Errorf("tensor %s: missing", name)
		}
		return nil
	}
	if len(t.Shape) != 1 || t.Shape[0] != int64(n) {
		b.err = fmt.Errorf("tensor %s: shape %v, want [%d]", name, t.Shape, n)
		return nil
	}
	if !t.Type.Supported() {
		b.err = fmt.Errorf("tensor %s: unsupported type %s", name, t.Type)
		return nil
	}
	v := make([]float32, n)
	if err := tensor.Dequantize(v, t.Data, t.Type); err != nil {
		b.err = fmt.Errorf("tensor %s: %v", name, err)
		return nil
	}
	return v
}

// matmulType reports whether kernels.MatMul takes weights of type t.
func matmulType(t tensor.Type) bool {
	switch t {
	case tensor.F32, tensor.F16, tensor.BF16,
		tensor.Q4_0, tensor.Q4_1, tensor.Q5_0, tensor.Q5_1, tensor.Q8_0,
		tensor.Q2_K, tensor.Q3_K, tensor.Q4_K, tensor.Q5_K, tensor.Q6_K,
		tensor.IQ4_NL, tensor.IQ4_XS:
		return true
	}
	return false
}
