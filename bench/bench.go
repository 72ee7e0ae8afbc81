// Package bench measures whole-model speed the way llama-bench does:
// prompt processing (one batch of p tokens from an empty cache) and text
// generation (n tokens one at a time), on random token ids from a fixed
// seed. The helpers here back both `gollama bench` and this package's
// `go test -bench` benchmarks, so the two report comparable figures.
//
// The benchmarks write their models with synth on first use (tinyllama-1.1b
// in Q4_0, Q8_0 and Q4_K_M; the "tiny" shape under -short) and cache them
// in $GOLLAMA_BENCH_CACHE or the user cache directory:
//
//	go test -run XXX -bench . -benchtime 3x ./bench/ | tee new.txt
//	benchstat old.txt new.txt
//
// Read Decode's GB/s against MemBandwidth's: decode streams every weight
// once per token, so their ratio is how close it runs to the machine's
// limit. On a shared machine prefer `gollama bench --cpu-ts`, whose
// tokens per CPU-second moves much less with the load than wall time.
package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/gollama/gollama/model"
)

// Runner evaluates benchmark batches on one model context (sequence 0).
// Its entry buffer is reused so a decode step allocates nothing beyond
// what Context.Forward does.
type Runner struct {
	Ctx     *model.Context
	entries []model.Entry
}

// NewRunner makes a context for m sized for a prompt batch of maxBatch
// tokens and a sequence of cells tokens in all.
func NewRunner(m *model.Model, maxBatch, cells, threads int, cacheF32 bool) (*Runner, error) {
	maxBatch = max(maxBatch, 1)
	c, err := m.NewContext(model.Options{
		MaxBatch: maxBatch, MaxOutputs: 1, MaxSeqs: 1,
		Cells: max(cells, maxBatch), Threads: threads, CacheF32: cacheF32,
	})
	if err != nil {
		return nil, err
	}
	return &Runner{Ctx: c, entries: make([]model.Entry, maxBatch)}, nil
}

// Close releases the context's threads.
func (r *Runner) Close() { r.Ctx.Close() }

// Reset empties the KV cache, as llama-bench does before every run.
func (r *Runner) Reset() error { return r.Ctx.Cache().Clear(0) }

// Prompt evaluates toks from position 0 of an empty cache in batches of
// at most the runner's batch size, logits for the last token only (as
// llama_batch_get_one asks).
func (r *Runner) Prompt(toks []int32) error {
	if err := r.Reset(); err != nil {
		return err
	}
	return r.PromptFrom(toks, 0)
}

// PromptFrom is Prompt after the pos tokens already in the cache (a
// context depth, as llama-bench's -d fills it).
func (r *Runner) PromptFrom(toks []int32, pos int) error {
	for start := 0; start < len(toks); start += len(r.entries) {
		end := min(start+len(r.entries), len(toks))
		b := r.entries[:end-start]
		for i := range b {
			b[i] = model.Entry{Token: toks[start+i], Pos: int32(pos + start + i), Logits: start+i == len(toks)-1}
		}
		if _, err := r.Ctx.Forward(b); err != nil {
			return fmt.Errorf("prompt tokens %d-%d: %w", pos+start, pos+end, err)
		}
	}
	return nil
}

// Generate evaluates toks one at a time from position 0 of an empty
// cache, each with logits, as text generation does.
func (r *Runner) Generate(toks []int32) error {
	if err := r.Reset(); err != nil {
		return err
	}
	return r.GenerateFrom(toks, 0)
}

// GenerateFrom is Generate after the pos tokens already in the cache.
func (r *Runner) GenerateFrom(toks []int32, pos int) error {
	for i, t := range toks {
		if err := r.Step(t, pos+i); err != nil {
			return fmt.Errorf("generated token %d: %w", pos+i, err)
		}
	}
	return nil
}

// Step is one decode step: token tok at position pos, with logits.
func (r *Runner) Step(tok int32, pos int) error {
	b := r.entries[:1]
	b[0] = model.Entry{Token: tok, Pos: int32(pos), Logits: true}
	_, err := r.Ctx.Forward(b)
	return err
}

// Tokens returns n token ids uniform in [0, vocab), the same for the same
// seed.
func Tokens(n, vocab int, seed uint64) []int32 {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	t := make([]int32, n)
	for i := range t {
		t[i] = int32(rng.IntN(vocab))
	}
	return t
}

// MeanStd returns the mean and sample standard deviation (n-1, as
// llama-bench) of xs; the deviation is 0 for fewer than two samples.
func MeanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// PeakRSS is the process's peak resident set size in bytes (VmHWM from
// /proc/self/status). With mmapped weights it counts the file pages the
// model touched, so it reads as "weights + KV cache + scratch".
func PeakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	return parseVmHWM(b)
}

func parseVmHWM(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && string(f[0]) == "VmHWM:" {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil || kb < 0 {
				return 0, fmt.Errorf("peak RSS: bad VmHWM line %q", sc.Text())
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("peak RSS: no VmHWM line in /proc/self/status")
}
