package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/sample"
)

// genFlags are the model and sampling flags run, chat and serve share,
// spelled as llama.cpp's tools spell them.
type genFlags struct {
	model       string
	threads     int
	ctxSize     int
	batch       int
	kvF32       bool
	noMmap      bool
	quiet       bool
	nPredict    int
	seed        int64
	ignoreEOS   bool
	ctxShift    bool
	keep        int
	stops       stringList
	logitBias   stringList
	p           sample.Params
	mirostatLR  float64
	mirostatEnt float64
}

type stringList []string

// nonNegative is an int flag that refuses negative values at parse time,
// so "-c -5" is a usage error rather than silently the default.
type nonNegative int

func (n *nonNegative) String() string { return strconv.Itoa(int(*n)) }
func (n *nonNegative) Set(v string) error {
	i, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("not an integer")
	}
	if i < 0 {
		return errors.New("must not be negative")
	}
	*n = nonNegative(i)
	return nil
}

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func (g *genFlags) register(fs *flag.FlagSet) {
	d := sample.DefaultParams()
	g.p = d
	fs.StringVar(&g.model, "m", "", "model: a .gguf path, hf:author/repo/file.gguf, or a known name (default: $GOLLAMA_MODEL, else a tiny TinyStories model)")
	g.batch = 512
	fs.Var((*nonNegative)(&g.threads), "t", "threads (default: all cores)")
	fs.Var((*nonNegative)(&g.ctxSize), "c", "context size in tokens (default: the model's, at most 4096)")
	fs.Var((*nonNegative)(&g.batch), "b", "batch size for prompt processing")
	fs.BoolVar(&g.kvF32, "kv-f32", false, "keep the KV cache in float32 instead of float16")
	fs.BoolVar(&g.noMmap, "no-mmap", false, "read the model into memory instead of mapping it")
	fs.BoolVar(&g.quiet, "quiet", false, "no progress or metrics on stderr")
	fs.IntVar(&g.nPredict, "n", 128, "tokens to generate (-1: until end of text or context full)")
	fs.Int64Var(&g.seed, "seed", -1, "sampling seed (-1: random)")
	fs.BoolVar(&g.ignoreEOS, "ignore-eos", false, "keep generating past end-of-text tokens")
	fs.BoolVar(&g.ctxShift, "context-shift", false, "when the context fills, drop the older half of the tokens after --keep and go on")
	fs.IntVar(&g.keep, "keep", 0, "tokens of the prompt kept by --context-shift (BOS is always kept)")
	fs.Var(&g.stops, "stop", "stop string (repeatable); never printed")
	fs.Var(&g.logitBias, "logit-bias", "TOKEN_ID(+|-)BIAS, e.g. 15043+1 or 2-inf (repeatable)")
	f32 := func(p *float32, name string, usage string) {
		fs.Func(name, fmt.Sprintf("%s (default %g)", usage, *p), func(v string) error {
			x, err := strconv.ParseFloat(v, 32)
			*p = float32(x)
			return err
		})
	}
	f32(&g.p.Temperature, "temp", "temperature; 0 = greedy")
	fs.IntVar(&g.p.TopK, "top-k", d.TopK, "top-k (0 = off)")
	f32(&g.p.TopP, "top-p", "top-p (1 = off)")
	f32(&g.p.MinP, "min-p", "min-p (0 = off)")
	f32(&g.p.TypicalP, "typical", "locally typical sampling p (1 = off)")
	fs.IntVar(&g.p.RepeatLastN, "repeat-last-n", d.RepeatLastN, "tokens the repetition penalties look back over")
	f32(&g.p.RepeatPenalty, "repeat-penalty", "repetition penalty (1 = off)")
	f32(&g.p.PresencePenalty, "presence-penalty", "presence penalty (0 = off)")
	f32(&g.p.FrequencyPenalty, "frequency-penalty", "frequency penalty (0 = off)")
	fs.IntVar(&g.p.Mirostat, "mirostat", 0, "mirostat version: 0 off, 1 or 2")
	f32(&g.p.MirostatTau, "mirostat-ent", "mirostat target entropy tau")
	f32(&g.p.MirostatEta, "mirostat-lr", "mirostat learning rate eta")
}

// load finds the model -m names (or the default one) and loads it with
// the flags' options; it returns the model and its file's path.
func (g *genFlags) load(ctx context.Context, stderr io.Writer) (*gollama.Model, string, error) {
	path, err := findModel(ctx, g.model, g.quiet, stderr)
	if err != nil {
		return nil, "", err
	}
	m, err := gollama.Load(path, g.options())
	return m, path, err
}

func (g *genFlags) options() gollama.Options {
	return gollama.Options{Threads: g.threads, ContextLength: g.ctxSize, BatchSize: g.batch, KVCacheF32: g.kvF32, NoMmap: g.noMmap}
}

func (g *genFlags) params() (gollama.Params, error) {
	p := gollama.Params{Params: g.p, MaxTokens: g.nPredict, Stop: g.stops, IgnoreEOS: g.ignoreEOS,
		ContextShift: g.ctxShift, KeepTokens: g.keep}
	p.Seed = sample.RandomSeed
	if g.seed >= 0 {
		p.Seed = uint64(g.seed)
	}
	for _, b := range g.logitBias {
		i := strings.LastIndexAny(b, "+-")
		if i <= 0 {
			return p, fmt.Errorf("--logit-bias %q: want TOKEN_ID+BIAS or TOKEN_ID-BIAS", b)
		}
		id, err := strconv.ParseInt(b[:i], 10, 32)
		if err != nil {
			return p, fmt.Errorf("--logit-bias %q: %v", b, err)
		}
		bias, err := strconv.ParseFloat(b[i:], 32)
		if strings.EqualFold(b[i+1:], "inf") {
			bias, err = math.Inf(1), nil
			if b[i] == '-' {
				bias = math.Inf(-1)
			}
		}
		if err != nil {
			return p, fmt.Errorf("--logit-bias %q: %v", b, err)
		}
		if p.LogitBias == nil {
			p.LogitBias = map[int32]float32{}
		}
		p.LogitBias[int32(id)] = float32(bias)
	}
	return p, nil
}

// metricsLine is the one-line summary run and chat print to stderr.
func metricsLine(r *gollama.Result) string {
	m := r.Metrics
	return fmt.Sprintf("prompt %d tokens %.1f tok/s, generated %d tokens %.1f tok/s, first token %s, stop %s, kv %d/%d, seed %d",
		m.PromptTokens, m.PromptTokensPerSecond, m.GeneratedTokens, m.GenTokensPerSecond,
		m.TimeToFirstToken.Round(1e5), r.StopReason, m.KVCacheTokens, m.KVCacheSize, r.Seed)
}
