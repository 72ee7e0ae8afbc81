package worker

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/sample"
)

func testWorker(t *testing.T) *Worker {
	t.Helper()
	m, err := gollama.Load(testdata.Path(t, "models/stories260K-F32.gguf"), gollama.Options{Threads: 1, ContextLength: 128})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	w, err := newWorker(m, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func parse(t *testing.T, w *Worker, js string) (gollama.Params, error) {
	t.Helper()
	var opts map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &opts); err != nil {
		t.Fatal(err)
	}
	return w.params(opts)
}

func TestOptionsParse(t *testing.T) {
	w := testWorker(t)
	p, err := parse(t, w, `{"n_predict":7,"temperature":0.5,"top_k":3,"top_p":0.9,"min_p":0.1,"typical_p":0.8,"min_keep":2,
		"repeat_last_n":-1,"repeat_penalty":1.1,"presence_penalty":0.2,"frequency_penalty":0.3,"mirostat":2,
		"mirostat_tau":4,"mirostat_eta":0.2,"seed":42,"stop":"END","ignore_eos":true,"logit_bias":[[5,false],[6,1.5]]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := gollama.Params{Params: sample.Params{Temperature: 0.5, TopK: 3, TopP: 0.9, MinP: 0.1, TypicalP: 0.8, MinKeep: 2,
		RepeatLastN: -1, RepeatPenalty: 1.1, PresencePenalty: 0.2, FrequencyPenalty: 0.3, Mirostat: 2, MirostatTau: 4,
		MirostatEta: 0.2, Seed: 42, LogitBias: map[int32]float32{5: float32(math.Inf(-1)), 6: 1.5}},
		MaxTokens: 7, Stop: []string{"END"}, IgnoreEOS: true}
	if p.MaxTokens != want.MaxTokens || !slices.Equal(p.Stop, want.Stop) || p.IgnoreEOS != want.IgnoreEOS {
		t.Errorf("params %+v, want %+v", p, want)
	}
	gotBias, wantBias := p.LogitBias, want.Params.LogitBias
	p.LogitBias, want.Params.LogitBias = nil, nil
	if !reflect.DeepEqual(p.Params, want.Params) {
		t.Errorf("sampling %+v, want %+v", p.Params, want.Params)
	}
	if len(gotBias) != 2 || gotBias[6] != 1.5 || !math.IsInf(float64(gotBias[5]), -1) {
		t.Errorf("logit bias %v, want %v", gotBias, wantBias)
	}

	// No options: the defaults, llama.cpp's; seed -1 is random.
	p, err = parse(t, w, `{"seed":-1}`)
	if err != nil || p.Seed != sample.RandomSeed || p.Temperature != 0.8 || p.MaxTokens != 128/4 {
		t.Errorf("defaults: %+v, %v (n_predict 128 is capped to a quarter of the 128-token context)", p, err)
	}
	// The object form, with a text key: every token of the text is biased.
	p, err = parse(t, w, `{"logit_bias":{"12":-2," the dog":false}}`)
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := w.m.Tokenize(" the dog", false, false)
	if len(ids) == 0 || p.LogitBias[12] != -2 || len(p.LogitBias) != 1+len(ids) {
		t.Errorf("object logit bias %v (text tokens %v)", p.LogitBias, ids)
	}
	for _, id := range ids {
		if !math.IsInf(float64(p.LogitBias[id]), -1) {
			t.Errorf("token %d of the text not banned: %v", id, p.LogitBias)
		}
	}
}

func TestOptionsRejected(t *testing.T) {
	w := testWorker(t)
	for _, tc := range []struct{ opts, says string }{
		{`{"nope":1}`, `unknown option "nope"`},
		{`{"top_k":"40"}`, "top_k"},
		{`{"top_k":4.5}`, "top_k"},
		{`{"top_k":1e3}`, "top_k"},
		{`{"top_k":null}`, "top_k"},
		{`{"temperature":true}`, "temperature"},
		{`{"temperature":1e39}`, "temperature"},
		{`{"ignore_eos":1}`, "ignore_eos"},
		{`{"seed":-2}`, "seed"},
		{`{"seed":1.5}`, "seed"},
		{`{"stop":[""]}`, "empty"},
		{`{"stop":{"a":1}}`, "stop"},
		{`{"logit_bias":[[1]]}`, "entry 0"},
		{`{"logit_bias":[[1,true]]}`, "true"},
		{`{"logit_bias":[[-1,1]]}`, "out of range"},
		{`{"logit_bias":[[1,"x"]]}`, "bias"},
		{`{"logit_bias":5}`, "logit_bias"},
		{`{"n_predict":-2}`, "n_predict"},
		{`{"n_predict":128}`, "n_predict"},
		{`{"repeat_last_n":-5}`, "repeat_last_n"},
		{`{"mirostat":3}`, "Mirostat"},
		{`{"top_p":-0.1}`, "TopP"},
	} {
		_, err := parse(t, w, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.opts, err, tc.says)
		}
	}
}

func TestListDefaults(t *testing.T) {
	w := testWorker(t)
	opts := w.optionList()
	if len(opts) != len(optionSpecs) {
		t.Fatalf("%d options listed, %d known", len(opts), len(optionSpecs))
	}
	b, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"top_p","default":0.95`, `"name":"seed","default":-1`, `"name":"stop","default":[]`, `"name":"logit_bias","default":[]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("list lacks %s:\n%s", want, b)
		}
	}
}

// fitPrompt with a tokenizer that makes one token per byte, plus BOS.
func TestFitPrompt(t *testing.T) {
	bytesTok := func(s string) ([]int32, error) { return make([]int32, len(s)+1), nil }
	input := []string{"aaaa", "bbbb", "cccc"} // "S\naaaa\nbbbb\ncccc": 16 bytes + BOS
	for _, tc := range []struct {
		room, ctx, wantDrop int
	}{
		{room: 3, ctx: 20, wantDrop: 0},  // 17+3 fits exactly
		{room: 4, ctx: 20, wantDrop: 1},  // "S\nbbbb\ncccc" is 12 tokens
		{room: 9, ctx: 20, wantDrop: 2},  // "S\ncccc" is 7
		{room: 14, ctx: 20, wantDrop: 3}, // 7+14 > 20: even the last line does not fit
	} {
		toks, drop, err := fitPrompt(bytesTok, "S", input, tc.room, tc.ctx)
		if tc.wantDrop == len(input) {
			if err == nil || !strings.Contains(err.Error(), "last input line") {
				t.Errorf("room %d: %v, want an error", tc.room, err)
			}
			continue
		}
		if err != nil || drop != tc.wantDrop || len(toks)+tc.room > tc.ctx {
			t.Errorf("room %d: dropped %d (%d tokens, %v), want %d", tc.room, drop, len(toks), err, tc.wantDrop)
		}
	}
	if _, _, err := fitPrompt(bytesTok, strings.Repeat("s", 30), nil, 4, 20); err == nil {
		t.Error("an oversize system prompt with no input fit")
	}
	if got := promptText("", []string{"a", "b"}); got != "a\nb" {
		t.Errorf("promptText without system: %q", got)
	}
	if got := promptText("sys", nil); got != "sys" {
		t.Errorf("promptText without input: %q", got)
	}
}
