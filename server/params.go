package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/sample"
)

// samplingFields are the generation fields OpenAI and llama-server clients
// send, under both APIs' names. Absent fields keep llama-server's defaults.
type samplingFields struct {
	Temperature         *float32        `json:"temperature"`
	TopK                *int            `json:"top_k"`
	TopP                *float32        `json:"top_p"`
	MinP                *float32        `json:"min_p"`
	TypicalP            *float32        `json:"typical_p"`
	RepeatPenalty       *float32        `json:"repeat_penalty"`
	RepeatLastN         *int            `json:"repeat_last_n"`
	PresencePenalty     *float32        `json:"presence_penalty"`
	FrequencyPenalty    *float32        `json:"frequency_penalty"`
	Mirostat            *int            `json:"mirostat"`
	MirostatTau         *float32        `json:"mirostat_tau"`
	MirostatEta         *float32        `json:"mirostat_eta"`
	Seed                *int64          `json:"seed"`
	Stop                stopList        `json:"stop"`
	LogitBias           json.RawMessage `json:"logit_bias"`
	IgnoreEOS           bool            `json:"ignore_eos"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	NPredict            *int            `json:"n_predict"`
	N                   *int            `json:"n"`
	CachePrompt         *bool           `json:"cache_prompt"`
	IDSlot              *int            `json:"id_slot"`
}

// stopList accepts a string or an array of strings.
type stopList []string

func (s *stopList) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*s = nil
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = stopList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("stop: want a string or an array of strings")
	}
	*s = many
	return nil
}

// params turns the fields into generation parameters; maxTokens is the
// default when no length field is given.
func (f *samplingFields) params(vocab int, maxTokens int) (gollama.Params, error) {
	p := gollama.Params{Params: sample.DefaultParams(), MaxTokens: maxTokens}
	set32 := func(dst *float32, src *float32) {
		if src != nil {
			*dst = *src
		}
	}
	set32(&p.Temperature, f.Temperature)
	set32(&p.TopP, f.TopP)
	set32(&p.MinP, f.MinP)
	set32(&p.TypicalP, f.TypicalP)
	set32(&p.RepeatPenalty, f.RepeatPenalty)
	set32(&p.PresencePenalty, f.PresencePenalty)
	set32(&p.FrequencyPenalty, f.FrequencyPenalty)
	set32(&p.MirostatTau, f.MirostatTau)
	set32(&p.MirostatEta, f.MirostatEta)
	if f.TopK != nil {
		p.TopK = *f.TopK
	}
	if f.RepeatLastN != nil {
		p.RepeatLastN = *f.RepeatLastN
	}
	if f.Mirostat != nil {
		p.Mirostat = *f.Mirostat
	}
	p.Seed = sample.RandomSeed
	if f.Seed != nil && *f.Seed >= 0 {
		p.Seed = uint64(*f.Seed)
	}
	for _, n := range []*int{f.NPredict, f.MaxTokens, f.MaxCompletionTokens} {
		if n != nil {
			p.MaxTokens = *n
		}
	}
	if p.MaxTokens < -1 {
		return p, fmt.Errorf("max_tokens/n_predict %d: want -1 or more", p.MaxTokens)
	}
	p.Stop = f.Stop
	p.IgnoreEOS = f.IgnoreEOS
	bias, err := parseLogitBias(f.LogitBias, vocab)
	if err != nil {
		return p, err
	}
	p.LogitBias = bias
	// Validate now, so a bad request is a 400 and never reaches a slot.
	q := p.Params
	if q.RepeatLastN < 0 {
		q.RepeatLastN = 0
	}
	if _, err := sample.New(q, vocab); err != nil {
		return p, err
	}
	if _, err := sample.NewStopMatcher(p.Stop...); err != nil {
		return p, fmt.Errorf("stop: %w", err)
	}
	return p, nil
}

// parseLogitBias accepts OpenAI's {"token id": bias} and llama-server's
// [[token id, bias], ...] where a bias of false bans the token.
func parseLogitBias(raw json.RawMessage, vocab int) (map[int32]float32, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	out := map[int32]float32{}
	put := func(key string, v json.RawMessage) error {
		id, err := strconv.Atoi(key)
		if err != nil || id < 0 || id >= vocab {
			return fmt.Errorf("logit_bias: token %s is not an id in [0, %d)", key, vocab)
		}
		var b float64
		if bytes.Equal(bytes.TrimSpace(v), []byte("false")) {
			b = math.Inf(-1)
		} else if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("logit_bias: token %s: bias must be a number or false", key)
		}
		out[int32(id)] = float32(b)
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err == nil {
		for k, v := range obj {
			if err := put(k, v); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var pairs [][2]json.RawMessage
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("logit_bias: want an object {\"id\": bias} or an array [[id, bias], ...]")
	}
	for _, pr := range pairs {
		if err := put(string(bytes.TrimSpace(pr[0])), pr[1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
