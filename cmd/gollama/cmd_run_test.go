package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/internal/testdata"
)

// gollama run with --temp 0 prints llama.cpp's greedy continuation.
func TestRunGreedyMatchesReference(t *testing.T) {
	model := testdata.Path(t, "models/stories260K-F32.gguf")
	b, err := os.ReadFile(testdata.Path(t, "reference/stories260K-F32/p1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Prompt string  `json:"prompt"`
		Greedy []int32 `json:"greedy"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	m, err := gollama.Load(model, gollama.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The continuation as a stream: each token's piece, leading space kept.
	var want string
	for _, id := range ref.Greedy[:16] {
		want += m.Tokenizer().Piece(id, false)
	}
	want += "\n"
	m.Close()

	var out, errOut bytes.Buffer
	code := runMain([]string{"run", "-m", model, "-p", ref.Prompt, "-n", "16", "--temp", "0", "-t", "2"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "generated 16 tokens") {
		t.Errorf("no metrics line: %q", errOut.String())
	}
}

func TestRunErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runMain([]string{"run", "-m", "/nonexistent/model.gguf", "-p", "x"}, &out, &errOut); code != 1 {
		t.Errorf("missing model: exit %d", code)
	}
	if code := runMain([]string{"run", "--top-p", "x"}, &out, &errOut); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	model := testdata.Path(t, "models/stories260K-F32.gguf")
	errOut.Reset()
	if code := runMain([]string{"run", "-m", model, "--logit-bias", "nope"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "logit-bias") {
		t.Errorf("bad logit bias: exit %d, %s", code, errOut.String())
	}
}

func TestChatSession(t *testing.T) {
	model := testdata.Path(t, "models/stories260K-F32.gguf")
	chatInput = strings.NewReader("Hello\n\nTell me more\n/exit\nnot read\n")
	defer func() { chatInput = os.Stdin }()
	var out, errOut bytes.Buffer
	code := runMain([]string{"chat", "-m", model, "-n", "8", "--seed", "3", "--system", "Be kind."}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if n := strings.Count(errOut.String(), "generated 8 tokens"); n != 2 {
		t.Errorf("%d replies, want 2: %s", n, errOut.String())
	}
	// The second turn reuses the first turn's KV cache: its prompt is only
	// what was added since.
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	first, second := lines[len(lines)-2], lines[len(lines)-1]
	if !strings.Contains(first, "prompt ") || promptTokens(second) >= promptTokens(first)+8+5 {
		t.Errorf("second turn evaluated %d tokens (first %d)", promptTokens(second), promptTokens(first))
	}
}

func promptTokens(line string) int {
	var n int
	i := strings.Index(line, "prompt ")
	if i >= 0 {
		for _, c := range line[i+len("prompt "):] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
	}
	return n
}
