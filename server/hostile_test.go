package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

// hostileModel is a tiny random model (byte vocabulary, 64-token slots):
// always available, fast enough that every request may generate.
func hostileModel(t testing.TB) *gollama.Model {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	err := synth.WriteFile(path, synth.Options{Shape: synth.Shape{Arch: "llama", Embd: 32, Layers: 1, Heads: 4, KVHeads: 2,
		FF: 64, Vocab: 1, Context: 64, RopeTheta: 10000, RMSEps: 1e-5}, Type: tensor.F32, Seed: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := gollama.Load(path, gollama.Options{Threads: 1, ContextLength: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func hostileServer(t testing.TB) (*Server, *httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := New(hostileModel(t), Options{Parallel: 2, SlotSavePath: dir, MaxBodyBytes: 1 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, hs, dir
}

// rawPost posts body and returns the status and the raw response.
func rawPost(t testing.TB, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v (is the server down?)", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// checkAPIError asserts a 4xx answer in the OpenAI error shape.
func checkAPIError(t *testing.T, what string, code int, b []byte) {
	t.Helper()
	var out struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Type    string `json:"type"`
		} `json:"error"`
	}
	if code < 400 || code > 499 {
		t.Errorf("%s: status %d, want 4xx; body %.200q", what, code, b)
		return
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Error == nil || out.Error.Code != code || out.Error.Message == "" || out.Error.Type == "" {
		t.Errorf("%s: %d body %.200q is not an OpenAI error", what, code, b)
	}
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// Every endpoint answers malformed requests with a 4xx in the OpenAI error
// shape, streamed or not, and the server stays up.
func TestHostileRequests(t *testing.T) {
	_, hs, dir := hostileServer(t)
	os.WriteFile(filepath.Join(dir, "junk.bin"), []byte("GGSSjunkjunkjunk"), 0o644)
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	bad := map[string][]string{
		"/completion": {
			``, `null`, `[]`, `"x"`, `{`, `{"prompt":null}`, `{"prompt":[]}`, `{"prompt":{}}`, `{"prompt":1.5}`,
			`{"prompt":[1,-1]}`, `{"prompt":[1,99999999999]}`, `{"prompt":[1,"a",[2]]}`, `{"prompt":[1,2.5]}`, `{"prompt":[true]}`,
			`{"prompt":"x","n_predict":"7"}`, `{"prompt":"x","n_predict":-2}`, `{"prompt":"x","n_predict":1e300}`,
			`{"prompt":"x","temperature":null,"top_k":"a"}`, `{"prompt":"x","top_p":-0.1}`, `{"prompt":"x","min_p":2}`,
			`{"prompt":"x","typical_p":"nan"}`, `{"prompt":"x","repeat_last_n":1e12}`, `{"prompt":"x","repeat_last_n":99999999}`,
			`{"prompt":"x","repeat_penalty":0}`, `{"prompt":"x","mirostat":7}`, `{"prompt":"x","mirostat":2,"mirostat_tau":-1}`,
			`{"prompt":"x","seed":"s"}`, `{"prompt":"x","seed":1e30}`, `{"prompt":"x","stop":5}`, `{"prompt":"x","stop":[1]}`,
			`{"prompt":"x","stop":[""]}`, `{"prompt":"x","logit_bias":5}`, `{"prompt":"x","logit_bias":[[1]]}`,
			`{"prompt":"x","logit_bias":[[99999,1]]}`, `{"prompt":"x","logit_bias":{"a":1}}`, `{"prompt":"x","logit_bias":{"1":"x"}}`,
			`{"prompt":"x","logit_bias":{"1":1e40}}`, `{"prompt":"x","logit_bias":[[1,true]]}`, `{"prompt":"x","id_slot":7}`,
			`{"prompt":"x","id_slot":"0"}`, `{"prompt":"x","cache_prompt":"yes"}`, `{"prompt":"x","stream":"yes"}`,
			`{"prompt":"` + strings.Repeat("ab", 40) + `"}`, `{"prompt":"` + strings.Repeat("ab", 40) + `","stream":true}`,
			`{"prompt":"x","id_slot":7,"stream":true}`, `{"prompt":[],"stream":true}`,
			`{"prompt":"x","extra":` + nested(100000) + `}`, `{"prompt":` + nested(5000) + `}`,
		},
		"/v1/completions": {
			`{}`, `{"prompt":"x","n":0}`, `{"prompt":"x","n":-1}`, `{"prompt":"x","n":1000000}`, `{"prompt":"x","n":"2"}`,
			`{"prompt":["a","b"]}`, `{"prompt":"x","max_tokens":-7}`, `{"prompt":"x","stream_options":5}`,
			`{"prompt":"` + strings.Repeat("ab", 40) + `","stream":true}`, `{"prompt":"x","n":3,"logit_bias":{"-1":1},"stream":true}`,
		},
		"/v1/chat/completions": {
			`{}`, `{"messages":null}`, `{"messages":{}}`, `{"messages":[null]}`, `{"messages":[1]}`, `{"messages":[{}]}`,
			`{"messages":[{"role":"user","content":5}]}`, `{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`,
			`{"messages":[{"role":"user","content":[5]}]}`, `{"messages":[{"role":5,"content":"x"}]}`,
			`{"messages":[{"role":"user","content":"x","tool_calls":"no"}]}`, `{"messages":[{"role":"user","content":"x"}],"tools":{}}`,
			`{"messages":[{"role":"user","content":"x"}],"chat_template_kwargs":[]}`,
			`{"messages":[{"role":"user","content":"` + strings.Repeat("ab", 40) + `"}],"stream":true}`,
			`{"messages":[{"role":"user","content":"x"}],"n":0,"stream":true}`,
		},
		"/tokenize":   {``, `[]`, `{"content":5}`, `{"content":"x","parse_special":"y"}`, `{"content":"x","with_pieces":1}`},
		"/detokenize": {``, `{"tokens":"x"}`, `{"tokens":[-1]}`, `{"tokens":[1e10]}`, `{"tokens":[99999]}`, `{"tokens":[1.5]}`, `{"tokens":[[1]]}`},
		"/slots/0?action=save": {``, `{"filename":""}`, `{"filename":"../x"}`, `{"filename":"a/b"}`, `{"filename":"` + strings.Repeat("a", 300) + `"}`,
			`{"filename":5}`, `{"filename":"adir"}`},
		"/slots/0?action=restore":                     {`{"filename":"junk.bin"}`, `{"filename":"missing"}`, `{"filename":"adir"}`, `{"filename":"."}`, `{"filename":".."}`},
		"/slots/0?action=explode":                     {`{}`},
		"/slots/0":                                    {`{}`},
		"/slots/-1?action=erase":                      {`{}`},
		"/slots/2?action=erase":                       {`{}`},
		"/slots/abc?action=erase":                     {`{}`},
		"/slots/1e3?action=erase":                     {`{}`},
		"/slots/99999999999999999999999?action=erase": {`{}`},
	}
	for path, bodies := range bad {
		for _, body := range bodies {
			code, b := rawPost(t, hs.URL+path, body)
			if strings.Contains(body, `"stream":true`) && code == 200 {
				t.Errorf("%s %.80s: a bad streamed request started a 200 stream: %.200q", path, body, b)
				continue
			}
			checkAPIError(t, fmt.Sprintf("%s %.80s", path, body), code, b)
		}
	}
	// Wrong methods and unknown paths.
	for _, u := range []string{"/completion", "/v1/chat/completions", "/slots/0"} {
		resp, err := http.Get(hs.URL + u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		checkAPIError(t, "GET "+u, resp.StatusCode, b)
	}
	// A 64 KiB header: net/http refuses it (431); the server stays up.
	req, _ := http.NewRequest("POST", hs.URL+"/completion", strings.NewReader(`{"prompt":"x","n_predict":1}`))
	req.Header.Set("X-Huge", strings.Repeat("h", 2<<20))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		if resp.StatusCode < 400 {
			t.Errorf("2 MiB header: status %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
	// Still serving, and the good requests still work.
	if code, b := rawPost(t, hs.URL+"/completion", `{"prompt":"hello","n_predict":3,"temperature":0}`); code != 200 {
		t.Errorf("after the hostile requests: %d %s", code, b)
	}
	if code, b := rawPost(t, hs.URL+"/v1/completions", `{"prompt":[1,"a",5],"max_tokens":2,"n":2}`); code != 200 {
		t.Errorf("mixed prompt array: %d %s", code, b)
	}
}

// Slot save, restore and erase hammered while slots generate: each answers
// 200 or 409, generation is unaffected, nothing panics.
func TestHostileSlotActionsDuringGeneration(t *testing.T) {
	_, hs, _ := hostileServer(t)
	if code, b := rawPost(t, hs.URL+"/completion", `{"prompt":"ab","n_predict":4,"id_slot":1}`); code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	if code, b := rawPost(t, hs.URL+"/slots/1?action=save", `{"filename":"s1"}`); code != 200 {
		t.Fatalf("save: %d %s", code, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, a := range []string{"save", "restore", "erase"} {
		for slot := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					body := `{"filename":"s1"}`
					if a == "save" {
						body = fmt.Sprintf(`{"filename":"s%d"}`, slot)
					}
					code, b := rawPost(t, fmt.Sprintf("%s/slots/%d?action=%s", hs.URL, slot, a), body)
					if code != 200 && code != 409 {
						t.Errorf("%s slot %d: %d %s", a, slot, code, b)
					}
				}
			}()
		}
	}
	for i := range 6 {
		req, _ := http.NewRequestWithContext(ctx, "POST", hs.URL+"/completion",
			strings.NewReader(fmt.Sprintf(`{"prompt":"go %d","n_predict":20,"stream":true,"id_slot":%d}`, i, i%2)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		var last string
		for sc.Scan() {
			if l := sc.Text(); l != "" {
				last = l
			}
		}
		resp.Body.Close()
		if !strings.Contains(last, `"stop":true`) {
			t.Errorf("stream %d ended with %q", i, last)
		}
	}
	close(stop)
	wg.Wait()
}

// FuzzRequests throws arbitrary bodies at every POST endpoint: no panic,
// no 5xx, and every non-stream answer is JSON.
func FuzzRequests(f *testing.F) {
	for _, seed := range []string{
		`{"prompt":"x","n_predict":2}`, `{"prompt":[1,"a",2],"n_predict":1,"stream":true}`,
		`{"messages":[{"role":"user","content":"hi"}],"max_tokens":2,"n":2}`,
		`{"content":"<s>hi</s>","with_pieces":true}`, `{"tokens":[1,2,300]}`, `{"filename":"f"}`,
		`{"prompt":"x","logit_bias":[[1,false]],"stop":["a"],"n_predict":3}`,
	} {
		for path := range 7 {
			f.Add(uint8(path), seed)
		}
	}
	s, err := New(hostileModel(f), Options{Parallel: 2, SlotSavePath: f.TempDir(), MaxBodyBytes: 1 << 16,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	h := s.Handler()
	paths := []string{"/completion", "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize",
		"/slots/0?action=save", "/slots/1?action=restore"}
	f.Fuzz(func(t *testing.T, path uint8, body string) {
		u := paths[int(path)%len(paths)]
		req := httptest.NewRequest("POST", u, strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", u, body, rec.Code, rec.Body.Bytes())
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q: %d body is not JSON: %q", u, body, rec.Code, rec.Body.Bytes())
		}
	})
}

// Absurd server options are errors, not a panic or an out-of-memory crash.
func TestHostileOptions(t *testing.T) {
	m := hostileModel(t)
	for _, o := range []Options{{Parallel: 1 << 30}, {QueueSize: 1 << 62}, {CtxSize: 1 << 40},
		{BatchSize: 1 << 40, Parallel: 1}} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%+v: PANIC %v", o, r)
				}
			}()
			o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			s, err := New(m, o)
			if err == nil {
				s.Close()
				if o.BatchSize == 0 {
					t.Errorf("%+v: accepted", o)
				}
			}
		}()
	}
}

// A slot file from a server with larger slots does not restore into a
// smaller one, and the slot keeps its state.
func TestHostileRestoreTooLarge(t *testing.T) {
	m := hostileModel(t)
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	big, err := New(m, Options{Parallel: 1, CtxSize: 64, SlotSavePath: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	hb := httptest.NewServer(big.Handler())
	defer func() { hb.Close(); big.Close() }()
	if code, b := rawPost(t, hb.URL+"/completion", `{"prompt":"`+strings.Repeat("ab", 20)+`","n_predict":8}`); code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	if code, b := rawPost(t, hb.URL+"/slots/0?action=save", `{"filename":"big"}`); code != 200 {
		t.Fatalf("save: %d %s", code, b)
	}
	small, err := New(m, Options{Parallel: 1, CtxSize: 32, SlotSavePath: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(small.Handler())
	defer func() { hs.Close(); small.Close() }()
	if code, b := rawPost(t, hs.URL+"/completion", `{"prompt":"hi","n_predict":2,"temperature":0}`); code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	code, b := rawPost(t, hs.URL+"/slots/0?action=restore", `{"filename":"big"}`)
	checkAPIError(t, "restore into smaller slots", code, b)
	// The slot still holds its own conversation: the same prompt reuses it.
	code, b = rawPost(t, hs.URL+"/completion", `{"prompt":"hi","n_predict":2,"temperature":0}`)
	if code != 200 || !strings.Contains(string(b), `"prompt_n":1`) {
		t.Errorf("after the failed restore: %d %s", code, b)
	}
}
