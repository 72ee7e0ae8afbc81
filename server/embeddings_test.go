package server

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gollama/gollama"
	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

// oaiEmbeddings is the OpenAI response, decoded into float32 as sent.
type oaiEmbeddings struct {
	Object string `json:"object"`
	Model  string `json:"model"`
	Data   []struct {
		Object    string          `json:"object"`
		Index     int             `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

func postRaw(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func postEmbeddings(t *testing.T, url, body string) oaiEmbeddings {
	t.Helper()
	code, b := postRaw(t, url+"/v1/embeddings", body)
	if code != 200 {
		t.Fatalf("%s: status %d: %s", body, code, b)
	}
	var out oaiEmbeddings
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func floats(t *testing.T, raw json.RawMessage) []float32 {
	t.Helper()
	var v []float32
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("embedding %.40s: %v", raw, err)
	}
	return v
}

// direct embeds as the library does, outside the server.
func direct(t *testing.T, m *gollama.Model, opts gollama.EmbedOptions, texts ...string) [][]float32 {
	t.Helper()
	v, err := m.Embed(context.Background(), texts, opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ntok(t *testing.T, m *gollama.Model, text string) int {
	toks, err := m.Tokenize(text, true, true)
	if err != nil {
		t.Fatal(err)
	}
	return len(toks)
}

func TestEmbeddingsOpenAI(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 2})
	a, b := "Once upon a time", "The little dog ran home."
	want := direct(t, m, gollama.EmbedOptions{}, a, b)

	one := postEmbeddings(t, hs.URL, `{"input":"Once upon a time","model":"x"}`)
	if one.Object != "list" || one.Model == "" || len(one.Data) != 1 || one.Data[0].Object != "embedding" || one.Data[0].Index != 0 {
		t.Fatalf("shape: %+v", one)
	}
	if got := floats(t, one.Data[0].Embedding); !slices.Equal(got, want[0]) {
		t.Errorf("string input: %v…, want %v…", got[:3], want[0][:3])
	}
	if n := ntok(t, m, a); one.Usage.PromptTokens != n || one.Usage.TotalTokens != n {
		t.Errorf("usage %+v, want %d tokens", one.Usage, n)
	}

	two := postEmbeddings(t, hs.URL, `{"input":["Once upon a time","The little dog ran home."]}`)
	if len(two.Data) != 2 || two.Data[1].Index != 1 || two.Usage.PromptTokens != ntok(t, m, a)+ntok(t, m, b) {
		t.Fatalf("two inputs: %+v", two)
	}
	for i := range 2 {
		if !slices.Equal(floats(t, two.Data[i].Embedding), want[i]) {
			t.Errorf("array input %d differs from Embed", i)
		}
	}

	// Token ids: one array, or an array of arrays; used as given.
	ta, _ := m.Tokenize(a, true, true)
	tb, _ := m.Tokenize(b, true, true)
	ids, _ := json.Marshal(ta)
	both, _ := json.Marshal([][]int32{ta, tb})
	if !slices.Equal(floats(t, postEmbeddings(t, hs.URL, `{"input":`+string(ids)+`}`).Data[0].Embedding), want[0]) {
		t.Error("token input differs")
	}
	tt := postEmbeddings(t, hs.URL, `{"input":`+string(both)+`}`)
	if len(tt.Data) != 2 || !slices.Equal(floats(t, tt.Data[1].Embedding), want[1]) {
		t.Error("token arrays input differs")
	}
	// llama-server's mix: a text and token ids, each an input.
	mixed := postEmbeddings(t, hs.URL, `{"input":["Once upon a time",`+string(ids)+`]}`)
	if len(mixed.Data) != 2 || !slices.Equal(floats(t, mixed.Data[0].Embedding), want[0]) || !slices.Equal(floats(t, mixed.Data[1].Embedding), want[0]) {
		t.Error("mixed list input differs")
	}

	// base64: the little-endian float32s.
	b64 := postEmbeddings(t, hs.URL, `{"input":"Once upon a time","encoding_format":"base64"}`)
	var s string
	if err := json.Unmarshal(b64.Data[0].Embedding, &s); err != nil {
		t.Fatalf("base64 embedding is not a string: %s", b64.Data[0].Embedding)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != 4*len(want[0]) {
		t.Fatalf("base64: %d bytes, %v", len(raw), err)
	}
	for i, x := range want[0] {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])); got != x {
			t.Fatalf("base64 element %d: %v, want %v", i, got, x)
		}
	}

	// llama-server's embd_normalize -1: the raw mean.
	rawMean := direct(t, m, gollama.EmbedOptions{Normalize: gollama.NormNone}, a)[0]
	if !slices.Equal(floats(t, postEmbeddings(t, hs.URL, `{"input":"Once upon a time","embd_normalize":-1}`).Data[0].Embedding), rawMean) {
		t.Error("embd_normalize -1 differs from NormNone")
	}
}

func TestEmbeddingsLlamaServer(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 1})
	want := direct(t, m, gollama.EmbedOptions{}, "Once upon a time", "Hello")
	for _, c := range []struct {
		path, body string
		want       [][]float32
	}{
		{"/embedding", `{"content":"Once upon a time"}`, want[:1]},
		{"/embeddings", `{"content":["Once upon a time","Hello"]}`, want},
		{"/embeddings", `{"input":"Hello"}`, want[1:]},
	} {
		code, b := postRaw(t, hs.URL+c.path, c.body)
		var out []struct {
			Index     int         `json:"index"`
			Embedding [][]float32 `json:"embedding"`
		}
		if code != 200 || json.Unmarshal(b, &out) != nil || len(out) != len(c.want) {
			t.Fatalf("%s %s: %d %.200s", c.path, c.body, code, b)
		}
		for i, o := range out {
			if o.Index != i || len(o.Embedding) != 1 || !slices.Equal(o.Embedding[0], c.want[i]) {
				t.Errorf("%s %s: element %d differs", c.path, c.body, i)
			}
		}
	}
}

func TestEmbeddingsErrors(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 1, CtxSize: 64})
	long := strings.Repeat("Once upon a time ", 40)
	for _, c := range []struct {
		path, body, typ string
	}{
		{"/v1/embeddings", `{"input":`, "invalid_request_error"},
		{"/v1/embeddings", `{}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":null}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":""}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":[]}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":["a",""]}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":[[1,2],[]]}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":[1,99999]}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":{"a":1}}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":[["a","b"]]}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":["a",{}]}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":"a","encoding_format":"int8"}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":"a","dimensions":3}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":"a","embd_normalize":7}`, "invalid_request_error"},
		{"/v1/embeddings", `{"input":["a","` + long + `"]}`, "exceed_context_size_error"},
		{"/embedding", `{"content":""}`, "invalid_request_error"},
		{"/embedding", `{"content":"` + long + `"}`, "exceed_context_size_error"},
		{"/embeddings", `{"prompt":"a"}`, "invalid_request_error"},
	} {
		code, out := post(t, hs.URL+c.path, c.body)
		e, _ := out["error"].(map[string]any)
		if code != 400 || e == nil || e["type"] != c.typ || e["code"] != 400.0 || e["message"] == "" {
			t.Errorf("%s %.50s: %d %v, want 400 %s", c.path, c.body, code, out, c.typ)
		}
	}
}

// Embeddings run between the slots' decode steps: a completion running
// meanwhile generates what it generates alone, and the vectors are those
// of the library.
func TestEmbeddingsBesideGeneration(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 2, BatchSize: 8})
	wantText := greedyAlone(t, m, "Once upon a time", 40)
	texts := []string{"Lily liked to play in the garden with her friends.", "Tom had a red ball."}
	want := direct(t, m, gollama.EmbedOptions{}, texts...)
	body, _ := json.Marshal(map[string]any{"input": texts})
	var wg sync.WaitGroup
	var got string
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, out := post(t, hs.URL+"/completion", `{"prompt":"Once upon a time","n_predict":40,"temperature":0}`)
		got, _ = out["content"].(string)
	}()
	for range 5 {
		e := postEmbeddings(t, hs.URL, string(body))
		for i := range texts {
			if !slices.Equal(floats(t, e.Data[i].Embedding), want[i]) {
				t.Fatalf("input %d differs while a completion runs", i)
			}
		}
	}
	wg.Wait()
	if got != wantText {
		t.Errorf("completion beside embeddings: %q, want %q", got, wantText)
	}
}

// The official OpenAI Go client reads the response.
func TestEmbeddingsOpenAIClient(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 1, APIKey: "k"})
	client := openai.NewClient(option.WithBaseURL(hs.URL+"/v1/"), option.WithAPIKey("k"), option.WithMaxRetries(0))
	ctx := context.Background()
	texts := []string{"Once upon a time", "The end."}
	want := direct(t, m, gollama.EmbedOptions{}, texts...)
	res, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model: "gollama", Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: texts},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Data) != 2 || res.Usage.PromptTokens != int64(ntok(t, m, texts[0])+ntok(t, m, texts[1])) {
		t.Fatalf("response %+v", res)
	}
	for i, d := range res.Data {
		if int(d.Index) != i || len(d.Embedding) != len(want[i]) {
			t.Fatalf("data %d: index %d, %d floats", i, d.Index, len(d.Embedding))
		}
		for k, x := range d.Embedding {
			if float32(x) != want[i][k] {
				t.Fatalf("data %d element %d: %v, want %v", i, k, x, want[i][k])
			}
		}
	}
	_, err = client.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "gollama", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("")}})
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("empty input: %v", err)
	}
}
