package tokenizer

import (
	"fmt"

	"github.com/gollama/gollama/gguf"
)

// FromGGUF builds the tokenizer described by a GGUF file's tokenizer.*
// metadata (vocab-only files included).
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	c, err := ConfigFromGGUF(f)
	if err != nil {
		return nil, err
	}
	return New(c)
}

// ConfigFromGGUF reads the tokenizer.* metadata into a Config.
func ConfigFromGGUF(f *gguf.File) (Config, error) {
	const p = "tokenizer.ggml."
	var c Config
	var err error
	if c.Model, err = f.String(p + "model"); err != nil {
		return c, fmt.Errorf("tokenizer: %w", err)
	}
	if c.Pre, err = f.String(p + "pre"); err != nil && !gguf.IsNotFound(err) {
		return c, fmt.Errorf("tokenizer: %w", err)
	}
	if c.Tokens, err = f.Strings(p + "tokens"); err != nil {
		return c, fmt.Errorf("tokenizer: %w", err)
	}
	if c.Scores, err = f.Float32s(p + "scores"); err != nil {
		if gguf.IsNotFound(err) {
			c.Scores = nil
		} else {
			// llama.cpp also accepts integer scores
			ints, ierr := f.Int32s(p + "scores")
			if ierr != nil {
				return c, fmt.Errorf("tokenizer: %w", err)
			}
			c.Scores = make([]float32, len(ints))
			for i, v := range ints {
				c.Scores[i] = float32(v)
			}
		}
	}
	if c.Types, err = f.Int32s(p + "token_type"); err != nil {
		if !gguf.IsNotFound(err) {
			return c, fmt.Errorf("tokenizer: %w", err)
		}
		c.Types = nil
	}
	if c.Merges, err = f.Strings(p + "merges"); err != nil {
		if !gguf.IsNotFound(err) || c.Model == "gpt2" {
			return c, fmt.Errorf("tokenizer: %w", err)
		}
		c.Merges = nil
	}
	c.IDs = map[string]uint32{}
	for _, k := range []string{"bos_token_id", "eos_token_id", "eot_token_id", "eom_token_id",
		"unknown_token_id", "seperator_token_id", "padding_token_id", "mask_token_id",
		"fim_pre_token_id", "fim_suf_token_id", "fim_mid_token_id", "fim_pad_token_id",
		"fim_rep_token_id", "fim_sep_token_id", "prefix_token_id", "suffix_token_id", "middle_token_id"} {
		v, err := f.Uint32(p + k)
		if gguf.IsNotFound(err) {
			continue
		}
		if err != nil {
			return c, fmt.Errorf("tokenizer: %w", err)
		}
		c.IDs[k] = v
	}
	c.Flags = map[string]bool{}
	for _, k := range []string{"add_bos_token", "add_eos_token", "add_sep_token", "add_space_prefix",
		"normalizer.lowercase", "normalizer.strip_accents"} {
		v, err := f.Bool(p + k)
		if gguf.IsNotFound(err) {
			continue
		}
		if err != nil {
			return c, fmt.Errorf("tokenizer: %w", err)
		}
		c.Flags[k] = v
	}
	if name, err := f.String("general.name"); err == nil {
		c.Name = name
	}
	return c, nil
}
