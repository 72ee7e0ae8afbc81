package synth

import (
	"fmt"
	"strings"

	"github.com/gollama/gollama/gguf"
)

// copyVocab copies every tokenizer.* key of f and returns its token count.
func copyVocab(w *gguf.Writer, f *gguf.File) (int, error) {
	tokens, err := f.Strings("tokenizer.ggml.tokens")
	if err != nil {
		return 0, fmt.Errorf("vocab file: %w", err)
	}
	if len(tokens) == 0 {
		return 0, fmt.Errorf("vocab file has no tokens")
	}
	for _, kv := range f.KV {
		if strings.HasPrefix(kv.Key, "tokenizer.") {
			w.Set(kv.Key, kv.Value)
		}
	}
	return len(tokens), nil
}

// llama.cpp's token types.
const (
	tokenNormal  = 1
	tokenUnknown = 2
	tokenControl = 3
	tokenUnused  = 5
	tokenByte    = 6
)

// MinBuiltinVocab is the size of the built-in vocabulary before padding.
const MinBuiltinVocab = 3 + 256 + 1 + 94

// setByteVocab writes the built-in vocabulary: a SentencePiece ("llama")
// vocabulary of <unk>, <s>, </s>, the 256 byte-fallback tokens, "▁" and
// the printable ASCII characters, padded with unused tokens to n (at
// least MinBuiltinVocab). Text tokenizes into about one token per
// character. It returns the vocabulary size.
func setByteVocab(w *gguf.Writer, n int) int {
	n = max(n, MinBuiltinVocab)
	tokens := make([]string, 0, n)
	scores := make([]float32, 0, n)
	types := make([]int32, 0, n)
	add := func(piece string, typ int32, score float32) {
		tokens = append(tokens, piece)
		types = append(types, typ)
		scores = append(scores, score)
	}
	add("<unk>", tokenUnknown, 0)
	add("<s>", tokenControl, 0)
	add("</s>", tokenControl, 0)
	for b := range 256 {
		add(fmt.Sprintf("<0x%02X>", b), tokenByte, 0)
	}
	add("\u2581", tokenNormal, -1)
	for c := byte('!'); c <= '~'; c++ {
		add(string(c), tokenNormal, -float32(len(tokens)))
	}
	for i := 0; len(tokens) < n; i++ {
		add(fmt.Sprintf("<unused%d>", i), tokenUnused, 0)
	}
	w.Set("tokenizer.ggml.model", "llama")
	w.Set("tokenizer.ggml.pre", "default")
	w.Set("tokenizer.ggml.tokens", tokens)
	w.Set("tokenizer.ggml.scores", scores)
	w.Set("tokenizer.ggml.token_type", types)
	w.Set("tokenizer.ggml.bos_token_id", uint32(1))
	w.Set("tokenizer.ggml.eos_token_id", uint32(2))
	w.Set("tokenizer.ggml.unknown_token_id", uint32(0))
	w.Set("tokenizer.ggml.add_bos_token", true)
	w.Set("tokenizer.ggml.add_eos_token", false)
	return n
}
