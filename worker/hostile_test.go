package worker

import (
	"path/filepath"
	"testing"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

// FuzzRequest feeds arbitrary bytes through what a worker does with a
// message before it generates: decoding, option parsing and fitting the
// prompt. Any input is an error with a code or a prompt that fits.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"job":"1","list":{}}`, `{"job":"1","predict":{"input":["a","b"],"options":{"n_predict":4,"stop":["x"]}}}`,
		`{"job":"1","predict":{"system":"s","input":["a"],"options":{"logit_bias":[[1,false],[2,-1.5]],"seed":-1}}}`,
		`{"job":"1","predict":{"input":[""],"options":{"n_predict":-1,"repeat_last_n":-1,"mirostat":2}}}`,
		`{"job":"2","interrupt":{"job":"1"}}`, `{"job":"1","predict":null,"list":null}`, `[1]`, `{"job":1}`, ``,
		`{"job":"1","predict":{"input":["a"],"options":{"top_k":1e400,"temperature":"hot","n_predict":9007199254740993}}}`,
	} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "tiny.gguf")
	if err := synth.WriteFile(path, synth.Options{Shape: synth.Shape{Arch: "llama", Embd: 32, Layers: 1, Heads: 4, KVHeads: 2,
		FF: 64, Vocab: 1, Context: 64, RopeTheta: 10000, RMSEps: 1e-5}, Type: tensor.F32, Seed: 1, Threads: 1}); err != nil {
		f.Fatal(err)
	}
	m, err := gollama.Load(path, gollama.Options{Threads: 1, ContextLength: 64})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { m.Close() })
	w, err := newWorker(m, Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, perr := decodeRequest(data)
		if req == nil {
			t.Fatal("nil request")
		}
		if perr != nil {
			if perr.Code == 0 || perr.Message == "" {
				t.Fatalf("%q: error without code or message: %+v", data, perr)
			}
			return
		}
		if req.Predict == nil {
			return
		}
		p, err := w.params(req.Predict.Options)
		if err != nil {
			return
		}
		ctxLen := m.ContextLength()
		toks, dropped, err := fitPrompt(func(s string) ([]int32, error) { return m.Tokenize(s, true, false) },
			req.Predict.System, req.Predict.Input, reserve(p.MaxTokens, ctxLen), ctxLen)
		if err != nil {
			return
		}
		if len(toks)+reserve(p.MaxTokens, ctxLen) > ctxLen || dropped < 0 || dropped > len(req.Predict.Input) {
			t.Fatalf("%q: %d tokens + %d reserved in a %d context, %d dropped", data, len(toks), reserve(p.MaxTokens, ctxLen), ctxLen, dropped)
		}
	})
}
