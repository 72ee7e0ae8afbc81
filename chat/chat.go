// Package chat turns a conversation into the prompt text a model expects,
// by rendering the model's Jinja chat template (tokenizer.chat_template in
// GGUF) exactly as Hugging Face transformers does, or, for models without
// one, with llama.cpp's built-in formats for the known template families.
package chat

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/gollama/gollama/jinja"
)

// Message is one turn of a conversation.
type Message struct {
	Role       string     `json:"role"` // system, user, assistant or tool
	Content    string     `json:"content"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	Name       string     `json:"name,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`

	// raw keeps every key of a message decoded from JSON, in order, so
	// templates see extra fields (tool_plan, ...) and null contents.
	raw *jinja.Dict
}

// ToolCall is an assistant's request to call a function.
type ToolCall struct {
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"` // "function"
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and its arguments: a JSON string (as
// the OpenAI API sends them) or a decoded object (as many templates want).
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments any    `json:"arguments"`
}

// UnmarshalJSON keeps object arguments' key order (templates print them
// with tojson); they decode to a *jinja.Dict, strings stay strings.
func (fc *FunctionCall) UnmarshalJSON(data []byte) error {
	var raw struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	fc.Name, fc.Arguments = raw.Name, nil
	if len(raw.Arguments) > 0 {
		v, err := jinja.ParseJSON(raw.Arguments)
		if err != nil {
			return err
		}
		fc.Arguments = v
	}
	return nil
}

// UnmarshalJSON decodes a message keeping all its keys (in order).
func (m *Message) UnmarshalJSON(data []byte) error {
	type plain Message
	var p plain
	v, err := jinja.ParseJSON(data)
	if err != nil {
		return err
	}
	d, ok := v.(*jinja.Dict)
	if !ok {
		return fmt.Errorf("chat message must be a JSON object")
	}
	// Content may legitimately be null; decode the rest normally.
	var loose struct {
		Role       string     `json:"role"`
		Content    any        `json:"content"`
		ToolCalls  []ToolCall `json:"tool_calls"`
		Name       string     `json:"name"`
		ToolCallID string     `json:"tool_call_id"`
	}
	if err := json.Unmarshal(data, &loose); err != nil {
		return err
	}
	p.Role, p.ToolCalls, p.Name, p.ToolCallID = loose.Role, loose.ToolCalls, loose.Name, loose.ToolCallID
	if s, ok := loose.Content.(string); ok {
		p.Content = s
	}
	*m = Message(p)
	m.raw = d
	return nil
}

// value is the message as the template sees it: a dict with role and
// content first, then the optional fields that are set.
func (m Message) value() (*jinja.Dict, error) {
	d := jinja.NewDict()
	if m.raw != nil {
		for _, kv := range m.raw.Items() {
			pair := kv.(jinja.Tuple)
			_ = d.Set(pair[0], pair[1])
		}
	}
	_ = d.Set("role", m.Role)
	rawContent, hadContent := jinja.Value(nil), false
	if m.raw != nil {
		rawContent, hadContent = m.raw.Get("content")
	}
	switch {
	case m.Content != "":
		_ = d.Set("content", m.Content)
	case m.raw != nil:
		// Decoded from JSON: the template sees what the JSON said (null,
		// a list of parts, or no content key at all).
		if hadContent {
			_ = d.Set("content", rawContent)
		}
	case len(m.ToolCalls) > 0:
		// OpenAI convention: an assistant turn that only calls tools has
		// null content (templates test "content is none").
		_ = d.Set("content", nil)
	default:
		_ = d.Set("content", "")
	}
	if len(m.ToolCalls) > 0 {
		var calls []jinja.Value
		if raw, ok := d.Get("tool_calls"); ok && m.raw != nil {
			if l, ok := raw.([]jinja.Value); ok && len(l) == len(m.ToolCalls) {
				calls = l
			}
		}
		if calls == nil {
			for _, tc := range m.ToolCalls {
				v, err := tc.value()
				if err != nil {
					return nil, err
				}
				calls = append(calls, v)
			}
		}
		_ = d.Set("tool_calls", calls)
	}
	if m.Name != "" {
		_ = d.Set("name", m.Name)
	}
	if m.ToolCallID != "" {
		_ = d.Set("tool_call_id", m.ToolCallID)
	}
	return d, nil
}

func (tc ToolCall) value() (jinja.Value, error) {
	d := jinja.NewDict()
	if tc.ID != "" {
		_ = d.Set("id", tc.ID)
	}
	typ := tc.Type
	if typ == "" {
		typ = "function"
	}
	_ = d.Set("type", typ)
	fn := jinja.NewDict()
	_ = fn.Set("name", tc.Function.Name)
	args, err := anyToValue(tc.Function.Arguments)
	if err != nil {
		return nil, err
	}
	_ = fn.Set("arguments", args)
	_ = d.Set("function", fn)
	return d, nil
}

// anyToValue converts Go data to a template value through JSON for the
// types FromGo does not know (structs, json.RawMessage).
func anyToValue(v any) (jinja.Value, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case json.RawMessage:
		return jinja.ParseJSON(x)
	case *jinja.Dict, jinja.Func, jinja.Tuple, jinja.Markup:
		return x, nil
	case map[string]any, []any, int64, float64, bool:
		return jinja.FromGo(x), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jinja.ParseJSON(b)
}

// Options are the template variables besides the messages.
type Options struct {
	AddGenerationPrompt bool
	BOS, EOS            string            // bos_token, eos_token
	Date                time.Time         // what strftime_now formats; zero means now
	Tools               []json.RawMessage // tool definitions; nil leaves `tools` undefined
	Vars                map[string]any    // extra variables (e.g. enable_thinking, documents)
}

// Render renders a Jinja chat template with the messages, as Hugging Face's
// apply_chat_template does (trim_blocks, lstrip_blocks, raise_exception,
// strftime_now). A template that raises returns a *jinja.Error whose
// Message is the template's message.
func Render(template string, msgs []Message, opts Options) (string, error) {
	t, err := parseCached(template)
	if err != nil {
		return "", err
	}
	vars, err := Context(msgs, opts)
	if err != nil {
		return "", err
	}
	return t.Render(vars)
}

// A chat renders the same template every turn; parsed templates are
// immutable, so a few are kept.
var (
	cacheMu sync.Mutex
	cache   = map[string]*jinja.Template{}
)

func parseCached(src string) (*jinja.Template, error) {
	cacheMu.Lock()
	t, ok := cache[src]
	cacheMu.Unlock()
	if ok {
		return t, nil
	}
	t, err := jinja.Parse(src)
	if err != nil {
		return nil, err
	}
	cacheMu.Lock()
	if len(cache) >= 8 {
		clear(cache)
	}
	cache[src] = t
	cacheMu.Unlock()
	return t, nil
}

// Context builds the template variables for msgs and opts.
func Context(msgs []Message, opts Options) (map[string]any, error) {
	list := make([]jinja.Value, 0, len(msgs))
	for i, m := range msgs {
		d, err := m.value()
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		list = append(list, d)
	}
	date := opts.Date
	if date.IsZero() {
		date = time.Now()
	}
	vars := map[string]any{}
	for k, v := range opts.Vars {
		val, err := anyToValue(v)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", k, err)
		}
		vars[k] = val
	}
	vars["messages"] = list
	vars["add_generation_prompt"] = opts.AddGenerationPrompt
	vars["bos_token"] = opts.BOS
	vars["eos_token"] = opts.EOS
	vars["strftime_now"] = jinja.StrftimeNow(date)
	if opts.Tools != nil {
		tools := make([]jinja.Value, 0, len(opts.Tools))
		for i, raw := range opts.Tools {
			v, err := jinja.ParseJSON(raw)
			if err != nil {
				return nil, fmt.Errorf("tool %d: %w", i, err)
			}
			tools = append(tools, v)
		}
		vars["tools"] = tools
	}
	return vars, nil
}
