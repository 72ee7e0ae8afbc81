package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

// TestChatTemplateExpected runs the command over every template and case
// of templates/expected.json: exact output, or exit 1 with the error.
func TestChatTemplateExpected(t *testing.T) {
	path := testdata.Path(t, "templates/expected.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ef struct {
		Cases []struct {
			Messages            json.RawMessage `json:"messages"`
			AddGenerationPrompt bool            `json:"add_generation_prompt"`
		} `json:"cases"`
		BOS      string `json:"bos_token"`
		EOS      string `json:"eos_token"`
		Date     string `json:"date_for_strftime_now"`
		Expected map[string][]struct {
			OK    bool   `json:"ok"`
			Text  string `json:"text"`
			Error string `json:"error"`
		} `json:"expected"`
	}
	if err := json.Unmarshal(b, &ef); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	msgFiles := make([]string, len(ef.Cases))
	for i, c := range ef.Cases {
		msgFiles[i] = filepath.Join(tmp, "m"+string(rune('0'+i))+".json")
		if err := os.WriteFile(msgFiles[i], c.Messages, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for name, exps := range ef.Expected {
		tmpl := filepath.Join(filepath.Dir(path), name+".jinja")
		for i, exp := range exps {
			args := []string{"-t", tmpl, "--messages", msgFiles[i], "--bos", ef.BOS, "--eos", ef.EOS, "--date", ef.Date}
			if ef.Cases[i].AddGenerationPrompt {
				args = append(args, "--add-generation-prompt")
			}
			var stdout, stderr bytes.Buffer
			code := runMain(append([]string{"chat-template"}, args...), &stdout, &stderr)
			n++
			if !exp.OK {
				if code != 1 || !strings.Contains(stderr.String(), exp.Error) || stdout.Len() != 0 {
					t.Errorf("%s case %d: exit %d, stderr %q, want exit 1 with %q", name, i, code, stderr.String(), exp.Error)
				}
				continue
			}
			if code != 0 {
				t.Errorf("%s case %d: exit %d: %s", name, i, code, stderr.String())
				continue
			}
			if stdout.String() != exp.Text {
				t.Errorf("%s case %d:\n got %q\nwant %q", name, i, stdout.String(), exp.Text)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d renderings checked", n)
	}
}

func TestChatTemplateUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runMain([]string{"chat-template"}, &stdout, &stderr); code != 2 {
		t.Errorf("no args: exit %d", code)
	}
	tmp := t.TempDir()
	tmpl := filepath.Join(tmp, "t.jinja")
	msgs := filepath.Join(tmp, "m.json")
	tools := filepath.Join(tmp, "tools.json")
	os.WriteFile(tmpl, []byte("{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}{{ tools|length }}{{ add_generation_prompt }}"), 0o644)
	os.WriteFile(msgs, []byte(`[{"role": "user", "content": "hi"}]`), 0o644)
	os.WriteFile(tools, []byte(`[{"type": "function"}]`), 0o644)
	stdout.Reset()
	err := runChatTemplate([]string{"-t", tmpl, "--messages", msgs, "--tools", tools, "--add-generation-prompt"}, &stdout, &stderr)
	if err != nil || stdout.String() != "user:hi;1True" {
		t.Errorf("got %q, %v", stdout.String(), err)
	}
	os.WriteFile(msgs, []byte(`{"not": "a list"}`), 0o644)
	if err := runChatTemplate([]string{"-t", tmpl, "--messages", msgs}, &stdout, &stderr); err == nil {
		t.Error("bad messages file accepted")
	}
	os.WriteFile(tmpl, []byte("line one\n{% if %}"), 0o644)
	os.WriteFile(msgs, []byte(`[]`), 0o644)
	err = runChatTemplate([]string{"-t", tmpl, "--messages", msgs}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("syntax error: %v", err)
	}
}
