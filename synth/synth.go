// Package synth writes random-weight llama-family models of real shapes as
// GGUF files, for benchmarks and tests that need a model of a given size
// but not a trained one. Weights are drawn N(0, 1/fan_in) (standard
// deviation 1/sqrt(row length)), norms are 1, and everything is generated
// while the file is written, a few rows at a time, so memory stays small
// whatever the model's size. The same seed gives the same file.
package synth

import (
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/tensor"
)

// Shape is the architecture and hyperparameters of a model.
type Shape struct {
	Name      string
	Arch      string // "llama" or "qwen2"
	Embd      int    // embedding length
	Layers    int
	Heads     int
	KVHeads   int
	FF        int // feed-forward length
	Vocab     int // vocabulary size (a vocab file given to Build overrides it)
	Context   int
	RopeTheta float32
	RMSEps    float32
	Tied      bool // output projection shares token_embd.weight
	QKVBias   bool // attn_q/k/v biases (qwen2)
}

// Shapes are named real model shapes, plus "tiny" for tests.
var Shapes = map[string]Shape{
	"tinyllama-1.1b": {Arch: "llama", Embd: 2048, Layers: 22, Heads: 32, KVHeads: 4, FF: 5632, Vocab: 32000,
		Context: 2048, RopeTheta: 10000, RMSEps: 1e-5},
	"llama-3.2-1b": {Arch: "llama", Embd: 2048, Layers: 16, Heads: 32, KVHeads: 8, FF: 8192, Vocab: 128256,
		Context: 131072, RopeTheta: 500000, RMSEps: 1e-5, Tied: true},
	"qwen2.5-0.5b": {Arch: "qwen2", Embd: 896, Layers: 24, Heads: 14, KVHeads: 2, FF: 4864, Vocab: 151936,
		Context: 32768, RopeTheta: 1e6, RMSEps: 1e-6, Tied: true, QKVBias: true},
	"smollm2-135m": {Arch: "llama", Embd: 576, Layers: 30, Heads: 9, KVHeads: 3, FF: 1536, Vocab: 49152,
		Context: 8192, RopeTheta: 100000, RMSEps: 1e-5, Tied: true},
	"tiny": {Arch: "llama", Embd: 256, Layers: 2, Heads: 4, KVHeads: 2, FF: 512, Vocab: 512,
		Context: 512, RopeTheta: 10000, RMSEps: 1e-5},
}

// ShapeNames lists Shapes' keys in order.
func ShapeNames() []string {
	names := make([]string, 0, len(Shapes))
	for n := range Shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupShape returns the named shape with its Name set.
func LookupShape(name string) (Shape, error) {
	s, ok := Shapes[name]
	if !ok {
		return Shape{}, fmt.Errorf("unknown shape %q (have %v)", name, ShapeNames())
	}
	s.Name = name
	return s, nil
}

// Validate reports a shape that cannot make a working model.
func (s Shape) Validate() error {
	switch {
	case s.Arch != "llama" && s.Arch != "qwen2":
		return fmt.Errorf("architecture %q: only llama and qwen2 are supported", s.Arch)
	case s.Embd <= 0 || s.Layers <= 0 || s.Heads <= 0 || s.KVHeads <= 0 || s.FF <= 0 || s.Vocab <= 0 || s.Context <= 0:
		return fmt.Errorf("shape %+v: every size must be positive", s)
	case s.Embd%s.Heads != 0:
		return fmt.Errorf("embedding length %d is not a multiple of the %d heads", s.Embd, s.Heads)
	case s.Heads%s.KVHeads != 0:
		return fmt.Errorf("%d heads is not a multiple of the %d KV heads", s.Heads, s.KVHeads)
	case (s.Embd/s.Heads)%2 != 0:
		return fmt.Errorf("head size %d is odd; rope needs pairs", s.Embd/s.Heads)
	}
	return nil
}

// Options say what to build.
type Options struct {
	Shape Shape
	// Type of every 2-D weight; rows that are not a whole number of its
	// blocks get llama-quantize's fallback type (tensor.FallbackType).
	// 1-D tensors (norms, biases) are F32.
	Type tensor.Type
	Seed uint64
	// Vocab, if set, supplies the tokenizer (every tokenizer.* key is
	// copied) and the vocabulary size. Otherwise a built-in byte-level
	// vocabulary is used, padded to Shape.Vocab.
	Vocab *gguf.File
	// Threads generating and quantizing; 0 means GOMAXPROCS.
	Threads int
}

// fileTypeIDs are the llama_ftype ids written as general.file_type for a
// model whose weights are all of one type (the _M ids for K-quants, as
// llama-quantize --pure writes them).
var fileTypeIDs = map[tensor.Type]tensor.FileType{
	tensor.F32: 0, tensor.F16: 1, tensor.Q4_0: 2, tensor.Q4_1: 3, tensor.Q8_0: 7, tensor.Q5_0: 8, tensor.Q5_1: 9,
	tensor.Q2_K: 10, tensor.Q3_K: 12, tensor.Q4_K: 15, tensor.Q5_K: 17, tensor.Q6_K: 18,
	tensor.IQ4_NL: 25, tensor.IQ4_XS: 30, tensor.BF16: 32,
}

// WeightTypes lists the types Build accepts for weights.
func WeightTypes() []tensor.Type {
	ts := make([]tensor.Type, 0, len(fileTypeIDs))
	for t := range fileTypeIDs {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts
}

// Build prepares the model's GGUF writer; the tensors are generated when
// the writer writes (WriteTo or WriteFile). It returns the vocabulary size
// used, which differs from Shape.Vocab when opt.Vocab says otherwise.
func Build(opt Options) (*gguf.Writer, int, error) {
	s := opt.Shape
	if err := s.Validate(); err != nil {
		return nil, 0, err
	}
	fileType, ok := fileTypeIDs[opt.Type]
	if !ok {
		return nil, 0, fmt.Errorf("weight type %s is not supported (have %v)", opt.Type, WeightTypes())
	}
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	w := gguf.NewWriter()
	arch := s.Arch
	name := s.Name
	if name == "" {
		name = "custom"
	}
	w.Set("general.architecture", arch)
	w.Set("general.name", "synthetic "+name)
	w.Set("general.quantization_version", uint32(2))
	w.Set("general.file_type", uint32(fileType))
	w.Set(arch+".context_length", uint32(s.Context))
	w.Set(arch+".embedding_length", uint32(s.Embd))
	w.Set(arch+".block_count", uint32(s.Layers))
	w.Set(arch+".feed_forward_length", uint32(s.FF))
	w.Set(arch+".attention.head_count", uint32(s.Heads))
	w.Set(arch+".attention.head_count_kv", uint32(s.KVHeads))
	w.Set(arch+".rope.dimension_count", uint32(s.Embd/s.Heads))
	w.Set(arch+".rope.freq_base", s.RopeTheta)
	w.Set(arch+".attention.layer_norm_rms_epsilon", s.RMSEps)
	var nVocab int
	if opt.Vocab != nil {
		n, err := copyVocab(w, opt.Vocab)
		if err != nil {
			return nil, 0, err
		}
		nVocab = n
	} else {
		nVocab = setByteVocab(w, s.Vocab)
	}
	w.Set(arch+".vocab_size", uint32(nVocab))

	g := &generator{seed: opt.Seed, threads: threads}
	embd, ff, kvDim := int64(s.Embd), int64(s.FF), int64(s.Embd/s.Heads*s.KVHeads)
	var err error
	weight := func(name string, rowLen, rows int64) {
		if err != nil {
			return
		}
		var typ tensor.Type
		if typ, err = tensor.FallbackType(opt.Type, rowLen); err != nil {
			err = fmt.Errorf("%s: %w", name, err)
			return
		}
		g.add(w, name, typ, rowLen, rows, float32(1/math.Sqrt(float64(rowLen))))
	}
	ones := func(name string, n int64) { g.add(w, name, tensor.F32, n, 1, 0) }
	weight("token_embd.weight", embd, int64(nVocab))
	ones("output_norm.weight", embd)
	if !s.Tied {
		weight("output.weight", embd, int64(nVocab))
	}
	for l := range s.Layers {
		p := fmt.Sprintf("blk.%d.", l)
		ones(p+"attn_norm.weight", embd)
		weight(p+"attn_q.weight", embd, embd)
		weight(p+"attn_k.weight", embd, kvDim)
		weight(p+"attn_v.weight", embd, kvDim)
		if s.QKVBias {
			bias := float32(1 / math.Sqrt(float64(embd)))
			g.add(w, p+"attn_q.bias", tensor.F32, embd, 1, bias)
			g.add(w, p+"attn_k.bias", tensor.F32, kvDim, 1, bias)
			g.add(w, p+"attn_v.bias", tensor.F32, kvDim, 1, bias)
		}
		weight(p+"attn_output.weight", embd, embd)
		ones(p+"ffn_norm.weight", embd)
		weight(p+"ffn_gate.weight", embd, ff)
		weight(p+"ffn_up.weight", embd, ff)
		weight(p+"ffn_down.weight", ff, embd)
	}
	if err != nil {
		return nil, 0, err
	}
	return w, nVocab, nil
}

// WriteFile builds the model and writes it atomically to path.
func WriteFile(path string, opt Options) error {
	w, _, err := Build(opt)
	if err != nil {
		return err
	}
	return w.WriteFile(path)
}

// generator makes each tensor's values from a stream seeded by the model
// seed, the tensor's name and the row chunk, so the output does not depend
// on the number of threads.
type generator struct {
	seed    uint64
	threads int
}

const chunkValues = 1 << 20

// add registers a tensor of rows×rowLen values in typ, drawn N(0, std²),
// or all ones when std is 0.
func (g *generator) add(w *gguf.Writer, name string, typ tensor.Type, rowLen, rows int64, std float32) {
	h := fnv.New64a()
	h.Write([]byte(name))
	stream := h.Sum64()
	w.AddTensorFunc(name, typ, []int64{rowLen, rows}[:shapeDims(rows)], func(out io.Writer) error {
		rowBytes := int64(typ.RowSize(int(rowLen)))
		chunkRows := max(1, chunkValues/rowLen)
		batch := chunkRows * int64(g.threads)
		f32 := make([]float32, min(rows, batch)*rowLen)
		buf := make([]byte, min(rows, batch)*rowBytes)
		for r0 := int64(0); r0 < rows; r0 += batch {
			n := min(batch, rows-r0)
			errs := make([]error, g.threads)
			var wg sync.WaitGroup
			for t := range g.threads {
				lo := int64(t) * chunkRows
				if lo >= n {
					break
				}
				hi := min(n, lo+chunkRows)
				wg.Add(1)
				go func() {
					defer wg.Done()
					x := f32[lo*rowLen : hi*rowLen]
					fill(x, std, g.seed^stream, uint64((r0+lo)/chunkRows))
					errs[t] = tensor.Quantize(buf[lo*rowBytes:hi*rowBytes], x, typ)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			if _, err := out.Write(buf[:n*rowBytes]); err != nil {
				return err
			}
		}
		return nil
	})
}

func shapeDims(rows int64) int {
	if rows == 1 {
		return 1
	}
	return 2
}

func fill(x []float32, std float32, seed, chunk uint64) {
	if std == 0 {
		for i := range x {
			x[i] = 1
		}
		return
	}
	rng := rand.New(rand.NewPCG(seed, chunk))
	for i := range x {
		x[i] = float32(rng.NormFloat64()) * std
	}
}
