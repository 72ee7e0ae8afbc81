package model

import (
	"fmt"
	"math"

	"github.com/gollama/gollama/gguf"
)

// Config holds a model's hyperparameters, read from its GGUF keys.
type Config struct {
	Arch          string
	Embd          int     // {arch}.embedding_length
	Layers        int     // {arch}.block_count
	FF            int     // {arch}.feed_forward_length
	Heads         int     // {arch}.attention.head_count
	KVHeads       int     // {arch}.attention.head_count_kv (defaults to Heads)
	HeadDimK      int     // {arch}.attention.key_length (defaults to Embd/Heads)
	HeadDimV      int     // {arch}.attention.value_length (defaults to HeadDimK)
	Vocab         int     // {arch}.vocab_size, else the tokenizer's token count, else token_embd rows
	ContextLength int     // {arch}.context_length (training context; informative)
	RMSEps        float32 // {arch}.attention.layer_norm_rms_epsilon
	RopeBase      float32 // {arch}.rope.freq_base (default 10000)
	RopeDims      int     // {arch}.rope.dimension_count (default HeadDimK)
	RopeScale     float32 // frequency scale: 1/{arch}.rope.scaling.factor for linear scaling, else 1
	RopeNeoX      bool    // rotate pairs (i, i+d/2) instead of (2i, 2i+1); set by the architecture
}

// readConfig reads the hyperparameters every supported architecture shares.
func readConfig(f *gguf.File, a *arch) (Config, error) {
	c := Config{Arch: a.name, RopeNeoX: a.ropeNeoX}
	var err error
	req := func(dst *int, key string) {
		if err != nil {
			return
		}
		var v uint32
		v, err = f.Uint32(f.ArchKey(key))
		if err == nil && v == 0 {
			err = fmt.Errorf("key %q is 0", f.ArchKey(key))
		}
		*dst = int(v)
	}
	opt := func(dst *int, key string, def int) {
		if err != nil {
			return
		}
		v, e := f.Uint32(f.ArchKey(key))
		switch {
		case gguf.IsNotFound(e):
			*dst = def
		case e != nil:
			err = e
		default:
			*dst = int(v)
		}
	}
	optF := func(dst *float32, key string, def float32) {
		if err != nil {
			return
		}
		v, e := f.Float32(f.ArchKey(key))
		switch {
		case gguf.IsNotFound(e):
			*dst = def
		case e != nil:
			err = e
		default:
			*dst = v
		}
	}
	req(&c.Embd, "embedding_length")
	req(&c.Layers, "block_count")
	req(&c.FF, "feed_forward_length")
	req(&c.Heads, "attention.head_count")
	opt(&c.KVHeads, "attention.head_count_kv", c.Heads)
	if err == nil && c.Embd%c.Heads != 0 {
		if _, e := f.Uint32(f.ArchKey("attention.key_length")); gguf.IsNotFound(e) {
			err = fmt.Errorf("embedding_length %d is not a multiple of head_count %d and attention.key_length is absent", c.Embd, c.Heads)
		}
	}
	if err == nil {
		opt(&c.HeadDimK, "attention.key_length", c.Embd/c.Heads)
		opt(&c.HeadDimV, "attention.value_length", c.HeadDimK)
		opt(&c.ContextLength, "context_length", 0)
		opt(&c.RopeDims, "rope.dimension_count", c.HeadDimK)
		opt(&c.Vocab, "vocab_size", 0)
	}
	optF(&c.RMSEps, "attention.layer_norm_rms_epsilon", 0)
	optF(&c.RopeBase, "rope.freq_base", 10000)
	if err != nil {
		return c, err
	}
	if !finitePositive(c.RMSEps) {
		return c, fmt.Errorf("key %q is %v: want a finite positive number", f.ArchKey("attention.layer_norm_rms_epsilon"), c.RMSEps)
	}
	if !finitePositive(c.RopeBase) {
		return c, fmt.Errorf("key %q is %v: want a finite positive number", f.ArchKey("rope.freq_base"), c.RopeBase)
	}
	if c.KVHeads == 0 || c.Heads%c.KVHeads != 0 {
		return c, fmt.Errorf("head_count %d is not a multiple of head_count_kv %d", c.Heads, c.KVHeads)
	}
	if c.HeadDimK == 0 || c.HeadDimV == 0 {
		return c, fmt.Errorf("attention key_length/value_length is 0")
	}
	if c.RopeDims > c.HeadDimK || c.RopeDims%2 != 0 {
		return c, fmt.Errorf("rope.dimension_count %d must be even and at most key_length %d", c.RopeDims, c.HeadDimK)
	}
	if c.Vocab == 0 {
		if toks, e := f.Strings("tokenizer.ggml.tokens"); e == nil {
			c.Vocab = len(toks)
		}
	}
	c.RopeScale, err = ropeScale(f)
	return c, err
}

// ropeScale returns the frequency scale llama.cpp derives from the rope
// scaling keys. Llama 3's scaling needs no key: it ships as rope_freqs.weight.
func ropeScale(f *gguf.File) (float32, error) {
	typ, err := f.String(f.ArchKey("rope.scaling.type"))
	if gguf.IsNotFound(err) {
		typ, err = "", nil
	}
	if err != nil {
		return 0, err
	}
	factor, err := f.Float32(f.ArchKey("rope.scaling.factor"))
	if gguf.IsNotFound(err) {
		// Older files spell linear scaling rope.scale_linear.
		factor, err = f.Float32(f.ArchKey("rope.scale_linear"))
		if gguf.IsNotFound(err) {
			factor, err = 0, nil
		}
	}
	if err != nil {
		return 0, err
	}
	if typ != "" && typ != "none" && typ != "linear" {
		return 0, fmt.Errorf("unsupported rope scaling type %q (%s)", typ, f.ArchKey("rope.scaling.type"))
	}
	// As llama.cpp: the factor applies whatever the (supported) type says.
	if factor == 0 {
		return 1, nil
	}
	if !finitePositive(factor) {
		return 0, fmt.Errorf("key %q is %v: want a finite positive number", f.ArchKey("rope.scaling.factor"), factor)
	}
	return 1 / factor, nil
}

func finitePositive(x float32) bool {
	return x > 0 && !math.IsInf(float64(x), 1) // NaN fails x > 0
}
