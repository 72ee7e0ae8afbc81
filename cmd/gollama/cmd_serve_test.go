package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollama/gollama/internal/testdata"
)

// gollama serve answers over a real listener and shuts down gracefully.
func TestServeCommand(t *testing.T) {
	model := testdata.Path(t, "models/stories260K-F32.gguf")
	addrc := make(chan string, 1)
	stop := make(chan struct{})
	serveReady = func(a string) { addrc <- a }
	serveStop = stop
	defer func() { serveReady, serveStop = nil, nil }()
	var errOut bytes.Buffer
	var wg sync.WaitGroup
	var code int
	wg.Add(1)
	go func() {
		defer wg.Done()
		code = runMain([]string{"serve", "-m", model, "--port", "0", "--parallel", "2", "-c", "256"}, io.Discard, &errOut)
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start: %s", errOut.String())
	}
	resp, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi"}],"max_tokens":4}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Choices []struct{ Message struct{ Content string } }
		Usage   struct {
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(out.Choices) != 1 || out.Usage.CompletionTokens != 4 {
		t.Errorf("chat: %d %+v", resp.StatusCode, out)
	}
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"listening", "path=/v1/chat/completions", "completion_tokens=4", "shutting down"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, errOut.String())
		}
	}
}
