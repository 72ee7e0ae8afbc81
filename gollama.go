// Package gollama runs llama-family language models (GGUF files) in pure Go:
// no cgo, SIMD kernels in Go assembly, weights read straight from the
// memory-mapped file. Load a model, open a session (the conversation's KV
// cache), and generate text from a prompt or chat messages, token by token,
// with llama.cpp's samplers:
//
//	m, err := gollama.Load("stories260K.gguf", gollama.Options{})
//	if err != nil { ... }
//	defer m.Close()
//	s, err := m.NewSession()
//	if err != nil { ... }
//	defer s.Close()
//	p := gollama.DefaultParams()
//	p.MaxTokens = 64
//	res, err := s.Generate(ctx, "Once upon a time", p, func(t gollama.Token) error {
//		fmt.Print(t.Text) // streamed as it is sampled
//		return nil
//	})
//	fmt.Println(res.Metrics.GenTokensPerSecond)
//
// The packages below do the work: gguf (files), tensor (number formats),
// kernels (SIMD dot products), model (forward passes), tokenizer, sample
// (samplers), chat (templates) and session (KV state).
package gollama

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/kvcache"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/tokenizer"
)

// Errors returned (wrapped) by this package.
var (
	// ErrContextFull: the prompt and the tokens to generate do not fit in
	// the session's context.
	ErrContextFull = errors.New("gollama: context full")
	// ErrClosed: the model or session was closed.
	ErrClosed = errors.New("gollama: closed")
)

// Options configure Load. The zero value is a good default.
type Options struct {
	// Threads is the number of worker threads (default runtime.NumCPU()).
	Threads int
	// ContextLength is the tokens a session can hold (default: the model's
	// training context, capped at 4096), rounded up to whole KV cache pages.
	ContextLength int
	// BatchSize is the most tokens evaluated in one forward pass (default 512).
	BatchSize int
	// KVCacheF32 stores keys and values as float32 instead of llama.cpp's
	// default float16 (twice the memory, slightly closer to exact).
	KVCacheF32 bool
	// NoMmap reads the file into memory instead of mapping it.
	NoMmap bool
}

// Model is a loaded model: weights, tokenizer and chat template. It is
// safe to use from several goroutines; each Session is not.
type Model struct {
	file  *gguf.File
	model *model.Model
	tok   *tokenizer.Tokenizer
	pool  *kernels.Pool
	opts  Options

	template string // tokenizer.chat_template, "" if none
	name     string
}

// Load opens a GGUF model file.
func Load(path string, opts Options) (*Model, error) {
	var f *gguf.File
	var err error
	if opts.NoMmap {
		var b []byte
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("gollama: %w", err)
		}
		f, err = gguf.Parse(b)
	} else {
		f, err = gguf.Open(path)
	}
	if err != nil {
		return nil, err
	}
	if opts.Threads > maxThreads {
		f.Close()
		return nil, fmt.Errorf("gollama: %d threads, want at most %d", opts.Threads, maxThreads)
	}
	if err := checkBlockCount(f); err != nil {
		f.Close()
		return nil, err
	}
	m, err := model.Load(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if tok.VocabSize() > m.Vocab {
		// The tokenizer would hand the model ids it has no embedding for.
		f.Close()
		return nil, fmt.Errorf("gollama: the tokenizer has %d tokens but the model's vocabulary (token_embd.weight) only %d", tok.VocabSize(), m.Vocab)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 512
	}
	if opts.ContextLength <= 0 {
		opts.ContextLength = 4096
		if m.ContextLength > 0 {
			opts.ContextLength = min(m.ContextLength, 4096)
		}
	}
	// The KV cache holds whole pages: say so, rather than let a session
	// silently hold more than ContextLength tokens.
	if ps := kvcache.DefaultPageSize; opts.ContextLength%ps != 0 && opts.ContextLength < math.MaxInt-ps {
		opts.ContextLength += ps - opts.ContextLength%ps
	}
	gm := &Model{file: f, model: m, tok: tok, opts: opts, pool: kernels.NewPool(opts.Threads)}
	gm.template, _ = f.String("tokenizer.chat_template")
	gm.name, _ = f.String("general.name")
	return gm, nil
}

// Close releases the model's mapping and threads. Sessions must be closed
// first.
func (m *Model) Close() error {
	if m.file == nil {
		return nil
	}
	m.pool.Close()
	err := m.file.Close()
	m.file = nil
	return err
}

// Name is general.name from the file ("" if absent).
func (m *Model) Name() string { return m.name }

// Architecture is the model's architecture ("llama", "qwen2").
func (m *Model) Architecture() string { return m.file.Architecture() }

// File is the underlying GGUF file.
func (m *Model) File() *gguf.File { return m.file }

// Internal is the forward-pass model, for callers that batch by hand.
func (m *Model) Internal() *model.Model { return m.model }

// Tokenizer is the model's tokenizer.
func (m *Model) Tokenizer() *tokenizer.Tokenizer { return m.tok }

// ChatTemplate is the model's Jinja chat template ("" if it has none).
func (m *Model) ChatTemplate() string { return m.template }

// ContextLength is the tokens a session holds (Options.ContextLength
// rounded up to the KV cache's page size).
func (m *Model) ContextLength() int { return m.opts.ContextLength }

// Threads is the number of worker threads.
func (m *Model) Threads() int { return m.pool.Threads() }

// Tokenize converts text to token ids. addSpecial adds BOS/EOS as the model
// asks; parseSpecial lets special-token text ("<|im_start|>") become its
// token instead of plain text.
func (m *Model) Tokenize(text string, addSpecial, parseSpecial bool) ([]int32, error) {
	return m.tok.Encode(text, addSpecial, parseSpecial)
}

// Detokenize converts token ids to text (special tokens left out).
func (m *Model) Detokenize(ids []int32) string { return m.tok.Decode(ids) }

// maxThreads bounds Options.Threads (llama.cpp's GGML_MAX_N_THREADS): each
// is a goroutine with its own scratch.
const maxThreads = 512

// checkBlockCount refuses a block count the file cannot hold (every block
// has several tensors) before model.Load sizes its layer table by it: a
// lying {arch}.block_count of 2^32-1 would otherwise ask for a terabyte.
func checkBlockCount(f *gguf.File) error {
	n, err := f.Uint32(f.ArchKey("block_count"))
	if err != nil || int64(n) <= int64(len(f.Tensors)) {
		return nil // absent or plausible: model.Load reports the details
	}
	return fmt.Errorf("gollama: %s is %d but the file has only %d tensors", f.ArchKey("block_count"), n, len(f.Tensors))
}
