package server

import (
	"bufio"
	"bytes"
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
	"github.com/gollama/gollama/internal/testdata"
)

func testModel(t testing.TB) *gollama.Model {
	t.Helper()
	m, err := gollama.Load(testdata.Path(t, "models/stories260K-F32.gguf"), gollama.Options{ContextLength: 256})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func testServer(t testing.TB, m *gollama.Model, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, hs
}

func post(t testing.TB, url, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("POST %s: status %d, body %q is not a JSON object", url, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func get(t testing.TB, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// greedyAlone is what a plain session generates greedily for prompt.
func greedyAlone(t testing.TB, m *gollama.Model, prompt string, n int) string {
	t.Helper()
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := gollama.DefaultParams()
	p.Temperature, p.MaxTokens = 0, n
	res, err := s.Generate(context.Background(), prompt, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Text
}

func TestCompletionEndpoint(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 2})
	want := greedyAlone(t, m, "Once upon a time", 12)
	code, out := post(t, hs.URL+"/completion", `{"prompt":"Once upon a time","n_predict":12,"temperature":0}`)
	if code != 200 || out["content"] != want || out["tokens_predicted"] != 12.0 || out["stop_type"] != "limit" {
		t.Fatalf("status %d, %v; want content %q", code, out, want)
	}
	timings := out["timings"].(map[string]any)
	if timings["predicted_n"] != 12.0 || timings["prompt_n"].(float64) < 1 {
		t.Errorf("timings %v", timings)
	}
	// The same prompt again reuses the slot's cache.
	_, again := post(t, hs.URL+"/completion", `{"prompt":"Once upon a time","n_predict":12,"temperature":0,"id_slot":`+fmt.Sprint(out["id_slot"])+`}`)
	if again["content"] != want || again["timings"].(map[string]any)["prompt_n"] != 1.0 {
		t.Errorf("cached prompt: %v", again)
	}
	// Streamed: the chunks add up to the same text, the last says stop.
	resp, err := http.Post(hs.URL+"/completion", "application/json", strings.NewReader(`{"prompt":"Once upon a time","n_predict":12,"temperature":0,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var text strings.Builder
	var last map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("bad event %q", line)
		}
		text.WriteString(ev["content"].(string))
		last = ev
	}
	if text.String() != want || last["stop"] != true || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("stream %q (last %v), want %q", text.String(), last, want)
	}
}

func TestTokenizeDetokenizePropsHealthSlotsMetrics(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 3})
	code, out := post(t, hs.URL+"/tokenize", `{"content":"Once upon a time","add_special":true}`)
	want, _ := m.Tokenize("Once upon a time", true, true)
	if code != 200 || fmt.Sprint(out["tokens"]) != fmt.Sprint(toAny(want)) {
		t.Fatalf("tokenize: %d %v, want %v", code, out, want)
	}
	_, pieces := post(t, hs.URL+"/tokenize", `{"content":"Once","with_pieces":true}`)
	if p := pieces["tokens"].([]any)[0].(map[string]any); p["piece"] == nil || p["id"] == nil {
		t.Errorf("with_pieces: %v", pieces)
	}
	_, de := post(t, hs.URL+"/detokenize", `{"tokens":[403,407]}`)
	if de["content"] != m.Tokenizer().Piece(403, true)+m.Tokenizer().Piece(407, true) {
		t.Errorf("detokenize: %v", de)
	}
	if code, _ := post(t, hs.URL+"/detokenize", `{"tokens":[99999]}`); code != 400 {
		t.Errorf("detokenize out of range: %d", code)
	}
	if code, b := get(t, hs.URL+"/health"); code != 200 || !bytes.Contains(b, []byte(`"ok"`)) {
		t.Errorf("health: %d %s", code, b)
	}
	code, b := get(t, hs.URL+"/props")
	var props map[string]any
	json.Unmarshal(b, &props)
	if code != 200 || props["total_slots"] != 3.0 || props["bos_token"] != "<s>" {
		t.Errorf("props: %d %v", code, props)
	}
	code, b = get(t, hs.URL+"/slots")
	var slots []map[string]any
	json.Unmarshal(b, &slots)
	if code != 200 || len(slots) != 3 || slots[2]["n_ctx"] != 256.0 {
		t.Errorf("slots: %d %s", code, b)
	}
	post(t, hs.URL+"/completion", `{"prompt":"Hello","n_predict":4}`)
	code, b = get(t, hs.URL+"/metrics")
	for _, name := range []string{"llamacpp:prompt_tokens_total", "llamacpp:tokens_predicted_total 4", "llamacpp:prompt_tokens_seconds",
		"llamacpp:predicted_tokens_seconds", "llamacpp:kv_cache_usage_ratio", "llamacpp:kv_cache_tokens", "llamacpp:requests_processing 0",
		"llamacpp:requests_deferred 0"} {
		if !bytes.Contains(b, []byte(name)) {
			t.Errorf("metrics lack %q", name)
		}
	}
	if code != 200 {
		t.Errorf("metrics status %d", code)
	}
}

func toAny(ids []int32) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = float64(id)
	}
	return out
}

func TestErrors(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 1, APIKey: "secret", MaxBodyBytes: 4096})
	auth := []string{"Authorization", "Bearer secret"}
	cases := []struct {
		path, body string
		header     []string
		status     int
		typ        string
	}{
		{"/completion", `{"prompt":"x"}`, nil, 401, "authentication_error"},
		{"/completion", `{"prompt":"x"}`, []string{"Authorization", "Bearer wrong"}, 401, "authentication_error"},
		{"/completion", `{"prompt":`, auth, 400, "invalid_request_error"},
		{"/completion", `{"prompt":"x","temperature":"hot"}`, auth, 400, "invalid_request_error"},
		{"/completion", `{"prompt":"x","top_p":7}`, auth, 400, "invalid_request_error"},
		{"/completion", `{"prompt":"x","logit_bias":{"-3":1}}`, auth, 400, "invalid_request_error"},
		{"/completion", `{"prompt":"` + strings.Repeat("Once upon a time ", 80) + `"}`, auth, 400, "exceed_context_size_error"},
		{"/completion", `{"prompt":"` + strings.Repeat("x", 5000) + `"}`, auth, 413, "invalid_request_error"},
		{"/v1/chat/completions", `{"messages":[]}`, auth, 400, "invalid_request_error"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":{"bad":1}}]}`, auth, 400, "invalid_request_error"},
		{"/v1/embeddings", `{"input":[]}`, auth, 400, "invalid_request_error"},
		{"/nowhere", `{}`, auth, 404, "not_found_error"},
		{"/slots/9?action=erase", `{}`, auth, 400, "invalid_request_error"},
		{"/slots/0?action=save", `{"filename":"a"}`, auth, 501, "not_supported_error"},
	}
	for _, c := range cases {
		code, out := post(t, hs.URL+c.path, c.body, c.header...)
		e, _ := out["error"].(map[string]any)
		if code != c.status || e == nil || e["type"] != c.typ || e["code"] != float64(c.status) || e["message"] == "" {
			t.Errorf("%s %.40s: %d %v, want %d %s", c.path, c.body, code, out, c.status, c.typ)
		}
		if c.typ == "exceed_context_size_error" && (e["n_ctx"] != 256.0 || e["n_prompt_tokens"].(float64) < 256) {
			t.Errorf("context error lacks counts: %v", e)
		}
	}
	// Public endpoints need no key.
	if code, _ := get(t, hs.URL+"/health"); code != 200 {
		t.Errorf("health with API key set: %d", code)
	}
}

func TestSlotSaveRestoreErase(t *testing.T) {
	m := testModel(t)
	dir := t.TempDir()
	_, hs := testServer(t, m, Options{Parallel: 2, SlotSavePath: dir})
	_, first := post(t, hs.URL+"/completion", `{"prompt":"Once upon a time","n_predict":8,"temperature":0,"id_slot":0}`)
	code, saved := post(t, hs.URL+"/slots/0?action=save", `{"filename":"s0.bin"}`)
	if code != 200 || saved["n_saved"].(float64) < 8 {
		t.Fatalf("save: %d %v", code, saved)
	}
	if code, out := post(t, hs.URL+"/slots/0?action=erase", `{}`); code != 200 || out["n_erased"] != saved["n_saved"] {
		t.Fatalf("erase: %d %v", code, out)
	}
	if code, out := post(t, hs.URL+"/slots/1?action=restore", `{"filename":"s0.bin"}`); code != 200 || out["n_restored"] != saved["n_saved"] {
		t.Fatalf("restore: %d %v", code, out)
	}
	// The restored slot holds the prompt: only the last token is evaluated.
	_, again := post(t, hs.URL+"/completion", `{"prompt":"Once upon a time","n_predict":8,"temperature":0,"id_slot":1}`)
	if again["content"] != first["content"] || again["timings"].(map[string]any)["prompt_n"] != 1.0 {
		t.Errorf("after restore: %v (first %v)", again, first["content"])
	}
	os.WriteFile(filepath.Join(dir, "junk.bin"), []byte("not a session"), 0o644)
	for _, body := range []string{`{"filename":"junk.bin"}`, `{"filename":"missing"}`, `{"filename":"../x"}`} {
		if code, out := post(t, hs.URL+"/slots/1?action=restore", body); code != 400 {
			t.Errorf("restore %s: %d %v", body, code, out)
		}
	}
}

// A client that goes away mid-stream frees its slot.
func TestDisconnectFreesSlot(t *testing.T) {
	m := testModel(t)
	s, hs := testServer(t, m, Options{Parallel: 1})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", hs.URL+"/completion",
		strings.NewReader(`{"prompt":"Once upon a time","n_predict":-1,"ignore_eos":true,"stream":true}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for i := 0; i < 3 && sc.Scan(); i++ {
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, b := get(t, hs.URL+"/metrics")
		if bytes.Contains(b, []byte("llamacpp:requests_processing 0")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot still busy after the client left:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The slot serves the next request.
	if code, out := post(t, hs.URL+"/completion", `{"prompt":"Hi","n_predict":2}`); code != 200 {
		t.Errorf("after disconnect: %d %v", code, out)
	}
	_ = s
}

// Many concurrent streams: no errors, and each stream's text is exactly
// its own prompt's greedy continuation (no mixed-up streams).
func TestConcurrentStreams(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 8, QueueSize: 128})
	prompts := []string{"Once upon a time", "Lily and Tom", "The cat", "One day, a little", "There was a dog", "Tim had a red ball", "The sun was", "A big bird"}
	want := map[string]string{}
	for _, p := range prompts {
		want[p] = greedyAlone(t, m, p, 16)
	}
	n := 64
	if testing.Short() {
		n = 16
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		p := prompts[i%len(prompts)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"prompt":%q,"n_predict":16,"temperature":0,"stream":true}`, p)
			resp, err := http.Post(hs.URL+"/completion", "application/json", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var text strings.Builder
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					var ev map[string]any
					json.Unmarshal([]byte(line), &ev)
					if ev["error"] != nil {
						errs <- fmt.Errorf("%v", ev["error"])
						return
					}
					text.WriteString(ev["content"].(string))
				}
			}
			if text.String() != want[p] {
				errs <- fmt.Errorf("prompt %q streamed %q, want %q", p, text.String(), want[p])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
