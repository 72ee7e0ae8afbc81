package worker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/sample"
	"github.com/gollama/gollama/worker/protocol"
)

// optionSpec is one predict option: its llama-server name, what it means,
// how to read its default from Params and how to set it from JSON.
type optionSpec struct {
	name, description string
	get               func(p *gollama.Params) any
	set               func(w *Worker, p *gollama.Params, raw json.RawMessage) error
}

// float32JSON renders a float32 as the short decimal it was written as
// (0.8, not 0.800000011920929).
func float32JSON(f float32) any {
	if math.IsInf(float64(f), 0) || math.IsNaN(float64(f)) {
		return strconv.FormatFloat(float64(f), 'g', -1, 32)
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return v
}

func intOption(name, desc string, field func(p *gollama.Params) *int) optionSpec {
	return optionSpec{name: name, description: desc,
		get: func(p *gollama.Params) any { return *field(p) },
		set: func(_ *Worker, p *gollama.Params, raw json.RawMessage) error {
			v, err := decodeInt(raw, math.MinInt32, math.MaxInt32)
			*field(p) = int(v)
			return err
		}}
}

func floatOption(name, desc string, field func(p *gollama.Params) *float32) optionSpec {
	return optionSpec{name: name, description: desc,
		get: func(p *gollama.Params) any { return float32JSON(*field(p)) },
		set: func(_ *Worker, p *gollama.Params, raw json.RawMessage) error {
			n, err := decodeNumber(raw)
			if err != nil {
				return fmt.Errorf("want a number, got %s", raw)
			}
			f, err := n.Float64()
			if err != nil || math.IsInf(f, 0) || math.Abs(f) > math.MaxFloat32 {
				return fmt.Errorf("%s is out of range", n)
			}
			*field(p) = float32(f)
			return nil
		}}
}

// decodeNumber reads a JSON number; a string holding digits ("40") is a
// type error, though encoding/json would accept it into a json.Number.
func decodeNumber(raw json.RawMessage) (json.Number, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || (t[0] != '-' && (t[0] < '0' || t[0] > '9')) {
		return "", fmt.Errorf("not a number")
	}
	var n json.Number
	err := decodeStrict(t, &n)
	return n, err
}

// decodeStrict decodes one JSON value, numbers as json.Number, null rejected.
func decodeStrict(raw json.RawMessage, v any) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("null")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(v)
}

// decodeInt accepts JSON integers only: 1.5, "3" and 1e3 are type errors.
func decodeInt(raw json.RawMessage, lo, hi int64) (int64, error) {
	n, err := decodeNumber(raw)
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %s", raw)
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want an integer in [%d, %d], got %s", lo, hi, n)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%d is out of range [%d, %d]", v, lo, hi)
	}
	return v, nil
}

// optionSpecs are the options predict accepts, by llama.cpp server names.
var optionSpecs = []optionSpec{
	intOption("n_predict", "tokens to generate; -1 until end of text or the context is full",
		func(p *gollama.Params) *int { return &p.MaxTokens }),
	floatOption("temperature", "sampling temperature; 0 picks the most likely token (deterministic)",
		func(p *gollama.Params) *float32 { return &p.Temperature }),
	intOption("top_k", "keep the K most likely tokens; 0 disables",
		func(p *gollama.Params) *int { return &p.TopK }),
	floatOption("top_p", "keep the most likely tokens whose probabilities sum to P; 1 disables",
		func(p *gollama.Params) *float32 { return &p.TopP }),
	floatOption("min_p", "drop tokens less likely than P times the most likely one; 0 disables",
		func(p *gollama.Params) *float32 { return &p.MinP }),
	floatOption("typical_p", "locally typical sampling mass; 1 disables",
		func(p *gollama.Params) *float32 { return &p.TypicalP }),
	intOption("min_keep", "fewest tokens top_p, min_p and typical_p leave",
		func(p *gollama.Params) *int { return &p.MinKeep }),
	intOption("repeat_last_n", "tokens the repetition penalties look back over; -1 the whole context, 0 disables",
		func(p *gollama.Params) *int { return &p.RepeatLastN }),
	floatOption("repeat_penalty", "divide the logits of recent tokens by this; 1 disables",
		func(p *gollama.Params) *float32 { return &p.RepeatPenalty }),
	floatOption("presence_penalty", "subtract this from the logits of tokens present in the window; 0 disables",
		func(p *gollama.Params) *float32 { return &p.PresencePenalty }),
	floatOption("frequency_penalty", "subtract this per occurrence in the window; 0 disables",
		func(p *gollama.Params) *float32 { return &p.FrequencyPenalty }),
	intOption("mirostat", "mirostat sampling version: 0 off, 1 or 2",
		func(p *gollama.Params) *int { return &p.Mirostat }),
	floatOption("mirostat_tau", "mirostat target entropy",
		func(p *gollama.Params) *float32 { return &p.MirostatTau }),
	floatOption("mirostat_eta", "mirostat learning rate",
		func(p *gollama.Params) *float32 { return &p.MirostatEta }),
	{name: "seed", description: "sampling seed; -1 random",
		get: func(p *gollama.Params) any {
			if p.Seed == sample.RandomSeed {
				return -1
			}
			return p.Seed
		},
		set: func(_ *Worker, p *gollama.Params, raw json.RawMessage) error {
			n, err := decodeNumber(raw)
			if err != nil {
				return fmt.Errorf("want an integer, got %s", raw)
			}
			if n.String() == "-1" {
				p.Seed = sample.RandomSeed
				return nil
			}
			v, err := strconv.ParseUint(n.String(), 10, 64)
			if err != nil || v == sample.RandomSeed {
				return fmt.Errorf("want -1 or an integer in [0, 2^64-2], got %s", n)
			}
			p.Seed = v
			return nil
		}},
	{name: "stop", description: "strings that end generation (a list, or one string); never part of the output",
		get: func(p *gollama.Params) any { return append([]string{}, p.Stop...) },
		set: func(_ *Worker, p *gollama.Params, raw json.RawMessage) error {
			var one string
			if decodeStrict(raw, &one) == nil {
				p.Stop = []string{one}
			} else if err := decodeStrict(raw, &p.Stop); err != nil {
				return fmt.Errorf("want a list of strings, got %s", raw)
			}
			for i, s := range p.Stop {
				if s == "" {
					return fmt.Errorf("stop string %d is empty", i)
				}
			}
			return nil
		}},
	{name: "ignore_eos", description: "keep generating past end-of-text tokens",
		get: func(p *gollama.Params) any { return p.IgnoreEOS },
		set: func(_ *Worker, p *gollama.Params, raw json.RawMessage) error {
			if err := decodeStrict(raw, &p.IgnoreEOS); err != nil {
				return fmt.Errorf("want true or false, got %s", raw)
			}
			return nil
		}},
	{name: "logit_bias", description: "bias added to token logits: [[token, bias], ...] or {\"token\": bias}; a token is an id or a text (each of its tokens); bias false bans it",
		get: func(p *gollama.Params) any { return logitBiasJSON(p.LogitBias) },
		set: setLogitBias},
}

// logitBiasJSON is a bias map in the [[id, bias], ...] form, sorted.
func logitBiasJSON(m map[int32]float32) [][2]any {
	out := [][2]any{}
	for id, b := range m {
		var v any = float32JSON(b)
		if math.IsInf(float64(b), -1) {
			v = false
		}
		out = append(out, [2]any{id, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0].(int32) < out[j][0].(int32) })
	return out
}

// setLogitBias reads llama-server's two logit_bias forms. The request's
// biases replace the defaults.
func setLogitBias(w *Worker, p *gollama.Params, raw json.RawMessage) error {
	bias := map[int32]float32{}
	add := func(tokRaw json.RawMessage, biasRaw json.RawMessage) error {
		var b float32
		var banned bool
		if decodeStrict(biasRaw, &banned) == nil {
			if banned {
				return fmt.Errorf("bias true is meaningless: give a number, or false to ban the token")
			}
			b = float32(math.Inf(-1))
		} else {
			n, err := decodeNumber(biasRaw)
			if err != nil {
				return fmt.Errorf("bias %s: want a number or false", biasRaw)
			}
			f, err := n.Float64()
			if err != nil || math.IsInf(f, 0) || math.Abs(f) > math.MaxFloat32 {
				return fmt.Errorf("bias %s is out of range", n)
			}
			b = float32(f)
		}
		ids, err := w.biasTokens(tokRaw)
		if err != nil {
			return err
		}
		for _, id := range ids {
			bias[id] = b
		}
		return nil
	}
	var pairs []json.RawMessage
	var obj map[string]json.RawMessage
	switch {
	case decodeStrict(raw, &pairs) == nil:
		for i, pr := range pairs {
			var pair []json.RawMessage
			if err := decodeStrict(pr, &pair); err != nil || len(pair) != 2 {
				return fmt.Errorf("entry %d: want [token, bias], got %s", i, pr)
			}
			if err := add(pair[0], pair[1]); err != nil {
				return fmt.Errorf("entry %d: %v", i, err)
			}
		}
	case decodeStrict(raw, &obj) == nil:
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			key := json.RawMessage(strconv.Quote(k))
			if _, err := strconv.ParseInt(k, 10, 32); err == nil {
				key = json.RawMessage(k) // {"15043": 1} names a token id
			}
			if err := add(key, obj[k]); err != nil {
				return fmt.Errorf("token %q: %v", k, err)
			}
		}
	default:
		return fmt.Errorf("want [[token, bias], ...] or {\"token\": bias}, got %s", raw)
	}
	p.LogitBias = bias
	return nil
}

// biasTokens resolves a logit_bias token: an id, or a text whose tokens
// all get the bias.
func (w *Worker) biasTokens(raw json.RawMessage) ([]int32, error) {
	var text string
	if decodeStrict(raw, &text) == nil {
		ids, err := w.m.Tokenize(text, false, false)
		if err != nil {
			return nil, fmt.Errorf("tokenizing %q: %v", text, err)
		}
		return ids, nil
	}
	id, err := decodeInt(raw, 0, int64(w.vocab-1))
	if err != nil {
		return nil, fmt.Errorf("token: %v", err)
	}
	return []int32{int32(id)}, nil
}

// params applies a request's options over the worker's defaults and checks
// the result the way the sampler will.
func (w *Worker) params(opts map[string]json.RawMessage) (gollama.Params, error) {
	p := w.defaults
	p.Stop = append([]string(nil), p.Stop...)
	names := make([]string, 0, len(opts))
	for name := range opts {
		names = append(names, name)
	}
	sort.Strings(names) // report the same error for the same request
	for _, name := range names {
		spec, ok := w.specs[name]
		if !ok {
			return p, fmt.Errorf("unknown option %q (the list command names them all)", name)
		}
		if err := spec.set(w, &p, opts[name]); err != nil {
			return p, fmt.Errorf("option %s: %v", name, err)
		}
	}
	ctxLen := w.m.ContextLength()
	if p.MaxTokens < -1 || p.MaxTokens >= ctxLen {
		return p, fmt.Errorf("option n_predict: %d is out of range [-1, %d] (context %d)", p.MaxTokens, ctxLen-1, ctxLen)
	}
	if p.RepeatLastN < -1 {
		return p, fmt.Errorf("option repeat_last_n: %d, want -1 or more", p.RepeatLastN)
	}
	check := p.Params
	if check.RepeatLastN < 0 {
		check.RepeatLastN = ctxLen
	}
	if _, err := sample.New(check, w.vocab); err != nil {
		return p, err
	}
	if _, err := sample.NewStopMatcher(p.Stop...); err != nil {
		return p, err
	}
	return p, nil
}

// optionList is the list command's description of every option.
func (w *Worker) optionList() []protocol.Option {
	out := make([]protocol.Option, len(optionSpecs))
	for i, s := range optionSpecs {
		out[i] = protocol.Option{Name: s.name, Default: s.get(&w.defaults), Description: s.description}
	}
	return out
}
