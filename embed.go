package gollama

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/gollama/gollama/kvcache"
	"github.com/gollama/gollama/model"
)

// Pooling is how Embed turns a text's per-token hidden states into one
// vector (llama.cpp's --pooling).
type Pooling int

const (
	// PoolDefault is the model's {arch}.pooling_type when it names mean,
	// cls or last, else PoolMean.
	PoolDefault Pooling = iota
	PoolMean            // the mean over all tokens (llama.cpp --pooling mean)
	PoolCLS             // the first token's state
	PoolLast            // the last token's state (decoder embedding models)
)

// EmbedNorm is how Embed scales each pooled vector (llama-server's
// embd_normalize).
type EmbedNorm int

const (
	NormL2      EmbedNorm = iota // unit Euclidean length (embd_normalize 2, llama-server's default)
	NormNone                     // as pooled (-1)
	NormMaxAbs                   // largest |x| scaled to 32760, an int16 range (0)
	NormTaxicab                  // unit sum of |x| (1)
)

// EmbedOptions configure Embed. The zero value is mean pooling with L2
// normalisation, as llama-server --pooling mean answers /v1/embeddings.
type EmbedOptions struct {
	Pooling   Pooling
	Normalize EmbedNorm
	// ParseSpecial lets special-token text in the input become its token.
	ParseSpecial bool
	// MaxTokens is the longest input accepted (default the model's
	// ContextLength); a longer one is an ErrContextFull error.
	MaxTokens int
	// BatchSize is the most tokens per forward pass (default the model's
	// Options.BatchSize).
	BatchSize int
	// Exec, if set, runs each forward pass (the function it is given) and
	// returns once it has run, or an error that aborts Embed: a server
	// uses it to run the passes between its decode steps, never beside
	// them. Default: call directly.
	Exec func(pass func()) error
}

// Embed returns one embedding per text, Embd floats each: the text is
// tokenized (with BOS/EOS as the model asks), evaluated on a sequence of
// its own, its final normed hidden states pooled and normalised. Texts are
// evaluated together in shared batches, each unaffected by the others.
// Each call has a KV cache of its own, sized to its inputs, so calls from
// several goroutines do not interfere.
func (m *Model) Embed(ctx context.Context, texts []string, opts EmbedOptions) ([][]float32, error) {
	if m.file == nil {
		return nil, ErrClosed
	}
	inputs := make([][]int32, len(texts))
	for i, t := range texts {
		if t == "" {
			// It would embed BOS alone (or nothing): surely not what was meant.
			return nil, fmt.Errorf("gollama: embed: input %d is empty", i)
		}
		toks, err := m.tok.Encode(t, true, opts.ParseSpecial)
		if err != nil {
			return nil, fmt.Errorf("gollama: embed: input %d: %w", i, err)
		}
		inputs[i] = toks
	}
	return m.EmbedTokens(ctx, inputs, opts)
}

// embedMaxSeqs bounds the texts evaluated in one batch: each in flight
// may leave up to a KV page unused.
const embedMaxSeqs = 32

// EmbedTokens is Embed for inputs already tokenized (used as given: no
// BOS is added).
func (m *Model) EmbedTokens(ctx context.Context, inputs [][]int32, opts EmbedOptions) ([][]float32, error) {
	if m.file == nil {
		return nil, ErrClosed
	}
	if len(inputs) == 0 {
		return nil, errors.New("gollama: embed: no input")
	}
	limit := opts.MaxTokens
	if limit <= 0 {
		limit = m.opts.ContextLength
	}
	pool := opts.Pooling
	if pool == PoolDefault {
		pool = m.defaultPooling()
	}
	if pool < PoolMean || pool > PoolLast {
		return nil, fmt.Errorf("gollama: embed: unknown pooling %d", pool)
	}
	if opts.Normalize < NormL2 || opts.Normalize > NormTaxicab {
		return nil, fmt.Errorf("gollama: embed: unknown normalisation %d", opts.Normalize)
	}
	vocab := m.model.Vocab
	total, longest := 0, 0
	for i, in := range inputs {
		if len(in) == 0 {
			return nil, fmt.Errorf("gollama: embed: input %d is empty", i)
		}
		if len(in) > limit {
			return nil, fmt.Errorf("%w: input %d is %d tokens, the context holds %d", ErrContextFull, i, len(in), limit)
		}
		for _, t := range in {
			if t < 0 || int(t) >= vocab {
				return nil, fmt.Errorf("gollama: embed: input %d: token %d not in [0, %d)", i, t, vocab)
			}
		}
		total += len(in)
		longest = max(longest, len(in))
	}
	batch := opts.BatchSize
	if batch <= 0 {
		batch = m.opts.BatchSize
	}
	e := &embedder{inputs: inputs, pool: pool, batch: min(batch, total), seqs: min(len(inputs), embedMaxSeqs)}
	// At most one text outlives a batch (the one the batch ends in); the
	// others in flight fit in the batch, each wasting less than a page.
	mc, err := m.model.NewContext(model.Options{
		MaxBatch: e.batch, MaxOutputs: 1, MaxSeqs: e.seqs, CacheF32: m.opts.KVCacheF32, Pool: m.pool,
		Cells: longest + e.batch + e.seqs*kvcache.DefaultPageSize,
	})
	if err != nil {
		return nil, err
	}
	defer mc.Close()
	out, err := e.run(ctx, mc, opts.Exec)
	if err != nil {
		return nil, err
	}
	for _, v := range out {
		normalize(v, opts.Normalize)
	}
	return out, nil
}

// defaultPooling is the model's pooling_type (llama.cpp's enum: 1 mean,
// 2 cls, 3 last) or mean.
func (m *Model) defaultPooling() Pooling {
	switch v, _ := m.file.Uint32(m.file.ArchKey("pooling_type")); v {
	case 2:
		return PoolCLS
	case 3:
		return PoolLast
	}
	return PoolMean
}

// embedder packs texts into batches, a sequence each, and pools the rows.
type embedder struct {
	inputs      [][]int32
	pool        Pooling
	batch, seqs int
}

func (e *embedder) wants(pos, n int) bool {
	switch e.pool {
	case PoolCLS:
		return pos == 0
	case PoolLast:
		return pos == n-1
	}
	return true
}

func (e *embedder) run(ctx context.Context, mc *model.Context, exec func(func()) error) ([][]float32, error) {
	embd := mc.Model().Embd
	out := make([][]float32, len(e.inputs))
	sums := make([][]float64, e.seqs)
	for i := range sums {
		sums[i] = make([]float64, embd)
	}
	seqOf := make([]int, len(e.inputs))
	free := make([]int, 0, e.seqs)
	for s := e.seqs - 1; s >= 0; s-- {
		free = append(free, s)
	}
	batch := make([]model.Entry, 0, e.batch)
	owner := make([]int, 0, e.batch) // input of each batch entry
	next, off := 0, 0                // first token not yet in a batch
	for next < len(e.inputs) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch, owner = batch[:0], owner[:0]
		for next < len(e.inputs) && len(batch) < e.batch {
			in := e.inputs[next]
			if off == 0 {
				if len(free) == 0 {
					break
				}
				seqOf[next] = free[len(free)-1]
				free = free[:len(free)-1]
				clear(sums[seqOf[next]])
			}
			k := min(e.batch-len(batch), len(in)-off)
			for p := off; p < off+k; p++ {
				batch = append(batch, model.Entry{Token: in[p], Pos: int32(p), Seq: seqOf[next], Logits: e.wants(p, len(in))})
				owner = append(owner, next)
			}
			if off += k; off == len(in) {
				next, off = next+1, 0
			}
		}
		var rows []float32
		var ferr error
		pass := func() { rows, ferr = mc.ForwardEmbeddings(batch) }
		if exec == nil {
			pass()
		} else if err := exec(pass); err != nil {
			return nil, err
		}
		if ferr != nil {
			return nil, ferr
		}
		j := 0
		for i, en := range batch {
			sum := sums[en.Seq]
			if en.Logits {
				for d, v := range rows[j*embd : (j+1)*embd] {
					sum[d] += float64(v) // in token order, whatever the batches
				}
				j++
			}
			in := owner[i]
			if int(en.Pos) != len(e.inputs[in])-1 {
				continue
			}
			// The text's last token: pool, and give its sequence back.
			n := 1.0
			if e.pool == PoolMean {
				n = float64(len(e.inputs[in]))
			}
			v := make([]float32, embd)
			for d := range v {
				v[d] = float32(sum[d] / n)
			}
			out[in] = v
			if err := mc.Cache().Clear(en.Seq); err != nil {
				return nil, err
			}
			free = append(free, en.Seq)
		}
	}
	return out, nil
}

// normalize scales v in place as llama.cpp's common_embd_normalize.
func normalize(v []float32, how EmbedNorm) {
	var sum float64
	switch how {
	case NormNone:
		return
	case NormMaxAbs:
		for _, x := range v {
			sum = max(sum, math.Abs(float64(x)))
		}
		sum /= 32760
	case NormTaxicab:
		for _, x := range v {
			sum += math.Abs(float64(x))
		}
	default:
		for _, x := range v {
			sum += float64(x * x) // a float product, as llama.cpp's inp[i]*inp[i]
		}
		sum = math.Sqrt(sum)
	}
	var norm float32
	if sum > 0 {
		norm = float32(1 / sum)
	}
	for i := range v {
		v[i] *= norm
	}
}
