package chat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/jinja"
)

type expectedFile struct {
	Cases []struct {
		Messages            []Message `json:"messages"`
		AddGenerationPrompt bool      `json:"add_generation_prompt"`
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

func loadExpected(t *testing.T) (*expectedFile, string) {
	t.Helper()
	path := testdata.Path(t, "templates/expected.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ef expectedFile
	if err := json.Unmarshal(b, &ef); err != nil {
		t.Fatal(err)
	}
	return &ef, filepath.Dir(path)
}

// TestExpectedRenderings renders every template against every case and
// compares byte for byte with Hugging Face's renderer.
func TestExpectedRenderings(t *testing.T) {
	ef, dir := loadExpected(t)
	date, err := time.Parse("2006-01-02", ef.Date)
	if err != nil {
		t.Fatal(err)
	}
	if len(ef.Expected) == 0 {
		t.Fatal("no expectations")
	}
	for name, exps := range ef.Expected {
		src, err := os.ReadFile(filepath.Join(dir, name+".jinja"))
		if err != nil {
			t.Fatal(err)
		}
		for i, exp := range exps {
			c := ef.Cases[i]
			got, err := Render(string(src), c.Messages, Options{
				AddGenerationPrompt: c.AddGenerationPrompt, BOS: ef.BOS, EOS: ef.EOS, Date: date,
			})
			if !exp.OK {
				var je *jinja.Error
				if err == nil {
					t.Errorf("%s case %d: rendered %q, want error %q", name, i, got, exp.Error)
				} else if !errors.As(err, &je) || je.Message != exp.Error {
					t.Errorf("%s case %d: error %v, want %q", name, i, err, exp.Error)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s case %d: %v", name, i, err)
				continue
			}
			if got != exp.Text {
				t.Errorf("%s case %d:\n got %q\nwant %q", name, i, got, exp.Text)
			}
		}
	}
}

func TestToolRenderings(t *testing.T) {
	_, dir := loadExpected(t)
	var tools []json.RawMessage
	if err := json.Unmarshal([]byte(toolsJSON), &tools); err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC)
	for _, c := range toolCases {
		src, err := os.ReadFile(filepath.Join(dir, c.template+".jinja"))
		if err != nil {
			t.Fatal(err)
		}
		raw := toolMessagesJSON
		if c.stringArgs {
			raw = toolMessagesStringArgsJSON
		}
		var msgs []Message
		if err := json.Unmarshal([]byte(raw), &msgs); err != nil {
			t.Fatal(err)
		}
		got, err := Render(string(src), msgs, Options{AddGenerationPrompt: true, BOS: "<s>", EOS: "</s>", Date: date, Tools: tools})
		if err != nil {
			t.Errorf("%s: %v", c.template, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.template, got, c.want)
		}
	}
}

func TestMessageValues(t *testing.T) {
	// Built in Go: an assistant turn that only calls tools gets null content.
	m := Message{Role: "assistant", ToolCalls: []ToolCall{{ID: "c1", Function: FunctionCall{Name: "f", Arguments: `{"a":1}`}}}}
	out, err := Render(`{{ messages[0].content is none }}|{{ messages[0]|tojson }}`, []Message{m}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `True|{"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}]}`
	if out != want {
		t.Errorf("\n got %s\nwant %s", out, want)
	}
	// Decoded from JSON: extra keys and their order survive.
	var msgs []Message
	if err := json.Unmarshal([]byte(`[{"content": null, "role": "assistant", "tool_plan": "plan", "tool_calls": [{"function": {"name": "g", "arguments": {"x": [1, 2.5]}}}]}]`), &msgs); err != nil {
		t.Fatal(err)
	}
	if msgs[0].Role != "assistant" || len(msgs[0].ToolCalls) != 1 || msgs[0].ToolCalls[0].Function.Name != "g" {
		t.Fatalf("decoded %+v", msgs[0])
	}
	out, err = Render(`{{ messages[0]|tojson }}|{{ messages[0].tool_plan }}`, msgs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"content": null, "role": "assistant", "tool_plan": "plan", "tool_calls": [{"function": {"name": "g", "arguments": {"x": [1, 2.5]}}}]}|plan`
	if out != want {
		t.Errorf("\n got %s\nwant %s", out, want)
	}
	if err := json.Unmarshal([]byte(`[{"role": 5}]`), &msgs); err == nil {
		t.Error("bad role type accepted")
	}
	if err := json.Unmarshal([]byte(`["x"]`), &msgs); err == nil {
		t.Error("non-object message accepted")
	}
}

func TestOptionsVarsAndUndefinedTools(t *testing.T) {
	out, err := Render(`{{ tools is defined }}|{{ enable_thinking }}|{{ extra.k }}|{{ strftime_now('%d %b %Y') }}`,
		nil, Options{Vars: map[string]any{"enable_thinking": false, "extra": map[string]any{"k": []any{1}}},
			Date: time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if want := "False|False|[1]|04 Jul 2026"; out != want {
		t.Errorf("got %q want %q", out, want)
	}
	out, err = Render(`{{ tools|length }}`, nil, Options{Tools: []json.RawMessage{}})
	if err != nil || out != "0" {
		t.Errorf("empty tools: %q %v", out, err)
	}
}

func TestToolCallJSONRoundTrip(t *testing.T) {
	var tc ToolCall
	in := `{"id":"c","type":"function","function":{"name":"f","arguments":{"z":1,"a":[true,null,"<"]}}}`
	if err := json.Unmarshal([]byte(in), &tc); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(tc)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"c","type":"function","function":{"name":"f","arguments":{"z":1,"a":[true,null,"\u003c"]}}}`; string(out) != want {
		t.Errorf("round trip:\n got %s\nwant %s", out, want)
	}
	got, err := Render(`{{ messages[0].tool_calls[0].function.arguments|tojson }}`, []Message{{Role: "assistant", ToolCalls: []ToolCall{tc}}}, Options{})
	if err != nil || got != `{"z": 1, "a": [true, null, "<"]}` {
		t.Errorf("rendered %q, %v", got, err)
	}
}

func BenchmarkRenderToolTemplate(b *testing.B) {
	src, err := os.ReadFile(testdata.Path(b, "templates/meetkai-functionary-medium-v3.2.jinja"))
	if err != nil {
		b.Fatal(err)
	}
	var tools []json.RawMessage
	var msgs []Message
	if err := json.Unmarshal([]byte(toolsJSON), &tools); err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal([]byte(toolMessagesStringArgsJSON), &msgs); err != nil {
		b.Fatal(err)
	}
	opts := Options{AddGenerationPrompt: true, BOS: "<s>", Tools: tools}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(string(src), msgs, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMessageContentFromJSON(t *testing.T) {
	var msgs []Message
	in := `[{"role": "user", "content": [{"type": "text", "text": "hi"}]}, {"role": "assistant"}, {"role": "user", "content": ""}]`
	if err := json.Unmarshal([]byte(in), &msgs); err != nil {
		t.Fatal(err)
	}
	out, err := Render(`{% for m in messages %}{{ m.content is string }}/{{ m.content is defined }}/{{ m.content[0].text if m.content is sequence and m.content is not string }};{% endfor %}`, msgs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "False/True/hi;False/False/;True/True/;"; out != want {
		t.Errorf("got %q want %q", out, want)
	}
}
