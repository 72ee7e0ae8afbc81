package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/tokenizer"
)

func init() {
	register(&command{name: "eval", summary: "evaluate a prompt: top logits per position and a greedy continuation, as JSON", run: runEval})
}

// evalResult is the format of the reference files in testdata/reference.
type evalResult struct {
	Prompt     string         `json:"prompt"`
	NVocab     int            `json:"n_vocab"`
	Tokens     []int32        `json:"tokens"`
	Top        [][][2]float64 `json:"top"`
	Greedy     []int32        `json:"greedy"`
	GreedyText string         `json:"greedy_text"`
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	modelPath := fs.String("m", "", "model GGUF `file`")
	prompt := fs.String("p", "", "prompt `text`")
	file := fs.String("f", "", "read the prompt from `file`")
	tokensFlag := fs.String("tokens", "", "comma-separated token `ids` to evaluate instead of a prompt")
	top := fs.Int("top", 10, "logits to list per prompt position")
	nGreedy := fs.Int("n", 24, "greedy tokens to generate after the prompt")
	threads := fs.Int("t", 0, "threads (default: all CPUs)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama eval -m MODEL (-p TEXT | -f FILE | --tokens IDS) [--top K] [-n N] [-t THREADS]")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	sources := 0
	for _, s := range []string{*prompt, *file, *tokensFlag} {
		if s != "" {
			sources++
		}
	}
	switch {
	case *modelPath == "":
		fmt.Fprintln(stderr, "gollama eval: -m MODEL is required")
		return errUsage
	case len(pos) > 0:
		fmt.Fprintf(stderr, "gollama eval: unexpected argument %q (the prompt goes in -p)\n", pos[0])
		return errUsage
	case sources != 1:
		fmt.Fprintln(stderr, "gollama eval: give exactly one of -p, -f and --tokens")
		return errUsage
	case *top < 0 || *nGreedy < 0:
		fmt.Fprintln(stderr, "gollama eval: --top and -n must not be negative")
		return errUsage
	}
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		*prompt = string(b)
	}

	f, err := gguf.Open(*modelPath)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := model.Load(f)
	if err != nil {
		return err
	}
	var tok *tokenizer.Tokenizer
	var ids []int32
	if *tokensFlag != "" {
		if ids, err = parseIDs(*tokensFlag); err != nil {
			return err
		}
		tok, _ = tokenizer.FromGGUF(f) // optional here: only for greedy_text
	} else {
		if tok, err = tokenizer.FromGGUF(f); err != nil {
			return err
		}
		if ids, err = tok.Encode(*prompt, true, true); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("the prompt has no tokens")
	}
	// The KV cache is sized for prompt + -n up front: keep a typo in -n
	// from asking for gigabytes.
	if m.ContextLength > 0 && len(ids)+*nGreedy > m.ContextLength {
		return fmt.Errorf("%d prompt tokens + -n %d exceed the model's context length %d", len(ids), *nGreedy, m.ContextLength)
	}
	res, err := evaluate(m, ids, *top, *nGreedy, *threads)
	if err != nil {
		return err
	}
	res.Prompt = *prompt
	if tok != nil {
		// As the reference: the pieces concatenated (the first keeps its
		// leading space, unlike a full detokenize).
		var b strings.Builder
		for _, id := range res.Greedy {
			b.WriteString(tok.Piece(id, true))
		}
		res.GreedyText = strings.ToValidUTF8(b.String(), "\uFFFD")
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

// evaluate runs the prompt (in batches of up to 512) keeping the top
// logits of every position, then decodes nGreedy tokens greedily.
func evaluate(m *model.Model, ids []int32, top, nGreedy, threads int) (*evalResult, error) {
	const maxBatch = 512
	ctx, err := m.NewContext(model.Options{
		MaxBatch: min(len(ids), maxBatch),
		Cells:    len(ids) + nGreedy,
		Threads:  threads,
	})
	if err != nil {
		return nil, err
	}
	defer ctx.Close()
	res := &evalResult{NVocab: m.Vocab, Tokens: ids, Top: make([][][2]float64, 0, len(ids)), Greedy: []int32{}}
	var last []float32
	batch := make([]model.Entry, 0, maxBatch)
	for start := 0; start < len(ids); start += maxBatch {
		batch = batch[:0]
		for i := start; i < min(start+maxBatch, len(ids)); i++ {
			batch = append(batch, model.Entry{Token: ids[i], Pos: int32(i), Logits: true})
		}
		logits, err := ctx.Forward(batch)
		if err != nil {
			return nil, err
		}
		for j := range batch {
			row := logits[j*m.Vocab : (j+1)*m.Vocab]
			res.Top = append(res.Top, topK(row, top))
			last = row
		}
	}
	next := int32(len(ids))
	for range nGreedy {
		t := int32(kernels.Argmax(last))
		res.Greedy = append(res.Greedy, t)
		out, err := ctx.Forward([]model.Entry{{Token: t, Pos: next, Logits: true}})
		if err != nil {
			return nil, err
		}
		last = out
		next++
	}
	return res, nil
}

// topK returns the k largest logits as [id, logit], highest first (ties
// by lower id).
func topK(row []float32, k int) [][2]float64 {
	idx := make([]int, len(row))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
	k = min(k, len(row))
	out := make([][2]float64, k)
	for i := range out {
		out[i] = [2]float64{float64(idx[i]), float64(row[idx[i]])}
	}
	return out
}

func parseIDs(s string) ([]int32, error) {
	var ids []int32
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.ParseInt(part, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("--tokens: %q is not a token id", part)
		}
		ids = append(ids, int32(v))
	}
	return ids, nil
}
