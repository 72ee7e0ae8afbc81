package jinja

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type refCase struct {
	name, src string
	ok        bool
	want      string // rendering, or the error message when !ok
}

func refContext(t *testing.T) map[string]any {
	t.Helper()
	v, err := ParseJSON([]byte(refVars))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{
		"bos_token":    "<s>",
		"eos_token":    "</s>",
		"strftime_now": StrftimeNow(time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC)),
	}
	for _, kv := range v.(*Dict).Items() {
		p := kv.(Tuple)
		vars[p[0].(string)] = p[1]
	}
	return vars
}

// TestReferenceCases compares with renderings made by Python's jinja2.
func TestReferenceCases(t *testing.T) {
	vars := refContext(t)
	for _, c := range refCases {
		t.Run(c.name, func(t *testing.T) {
			tmpl, err := Parse(c.src)
			var got string
			if err == nil {
				got, err = tmpl.Render(vars)
			}
			if !c.ok {
				var je *Error
				if !errors.As(err, &je) {
					t.Fatalf("got %q, %v; want error %q", got, err, c.want)
				}
				if je.Message != c.want {
					t.Fatalf("error %q, want %q", je.Message, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != c.want {
				t.Fatalf("\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func render(t *testing.T, src string, vars map[string]any) (string, error) {
	t.Helper()
	tmpl, err := Parse(src)
	if err != nil {
		return "", err
	}
	return tmpl.Render(vars)
}

func TestErrorLines(t *testing.T) {
	cases := []struct {
		src  string
		line int
		msg  string
	}{
		{"a\nb\n{{ raise_exception('x') }}", 3, "x"},
		{"{% for m in l %}\n{% if m %}\n{{ m + 'a' }}\n{% endif %}{% endfor %}", 3, "unsupported operand type(s) for +: 'int' and 'str'"},
		{"{% macro f() %}\n\n{{ missing.x }}{% endmacro %}\n{{ f() }}", 3, "'missing' is undefined"},
		{"ok\n{% if %}", 2, "Expected an expression, got 'end of statement block'"},
		{"{% if true %}\n\n", 2, "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'."},
		{"\n{% nosuch %}", 2, "Encountered unknown tag 'nosuch'."},
		{"{{ 'abc }}", 1, "unexpected end of string literal"},
		{"{# open", 1, "Missing end of comment tag"},
	}
	for _, c := range cases {
		_, err := render(t, c.src, map[string]any{"l": []any{1}})
		var je *Error
		if !errors.As(err, &je) {
			t.Errorf("%q: got %v, want *Error", c.src, err)
			continue
		}
		if je.Line != c.line || je.Message != c.msg {
			t.Errorf("%q: got line %d %q, want line %d %q", c.src, je.Line, je.Message, c.line, c.msg)
		}
		if !strings.Contains(je.Error(), "line") {
			t.Errorf("%q: Error() %q does not name the line", c.src, je.Error())
		}
	}
}

func TestLimits(t *testing.T) {
	defer func(n int) { maxSteps = n }(maxSteps)
	maxSteps = 200_000
	cases := map[string]string{
		"recursion":   "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
		"steps":       "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
		"big string":  "{{ 'x' * 1000000000 }}",
		"big range":   "{{ range(10**9)|length }}",
		"doubling":    "{% set ns = namespace(s='xxxxxxxxxxxxxxxx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
		"deep parens": strings.Repeat("{{ ", 1) + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + " }}",
		"overflow":    "{{ 2 ** 64 }}",
	}
	for name, src := range cases {
		start := time.Now()
		_, err := render(t, src, nil)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

func TestMarkupEscapesOnConcat(t *testing.T) {
	// functionary v3.1 relies on this: "..."|safe + plain string escapes it.
	got, err := render(t, `{{ "'"|safe + d|tojson }}`, map[string]any{"d": map[string]any{"a": "<b>"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `'{&#34;a&#34;: &#34;&lt;b&gt;&#34;}`; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestFromGoAndJSONOrder(t *testing.T) {
	v, err := ParseJSON([]byte(`{"z": 1, "a": [1.0, 2, "x", null, true], "m": {"k": 1e3}}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := render(t, "{{ v|tojson }}|{{ v }}|{{ g }}", map[string]any{"v": v, "g": map[string]any{"b": 1, "a": []string{"x"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"z": 1, "a": [1.0, 2, "x", null, true], "m": {"k": 1000.0}}|{'z': 1, 'a': [1.0, 2, 'x', None, True], 'm': {'k': 1000.0}}|{'a': ['x'], 'b': 1}`
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	for _, bad := range []string{`{"a":`, `[1,]`, `{"a":1} x`, `{1:2}`} {
		if _, err := ParseJSON([]byte(bad)); err == nil {
			t.Errorf("ParseJSON(%q): no error", bad)
		}
	}
}

func TestStrftime(t *testing.T) {
	tm := time.Date(2026, 7, 4, 15, 4, 5, 0, time.UTC)
	got := Strftime(tm, "%d %b %Y|%-d %B|%H:%M:%S %p %I|%A %a %j|%y-%m|%%|%F %T")
	want := "04 Jul 2026|4 July|15:04:05 PM 03|Saturday Sat 185|26-07|%|2026-07-04 15:04:05"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestRenderConcurrent(t *testing.T) {
	tmpl, err := Parse("{% set ns = namespace(n=0) %}{% for i in range(50) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 4)
	for i := 0; i < 4; i++ {
		go func() {
			s, _ := tmpl.Render(nil)
			done <- s
		}()
	}
	for i := 0; i < 4; i++ {
		if s := <-done; s != "1225" {
			t.Errorf("got %q", s)
		}
	}
}

// FuzzRender checks that no template or context panics or hangs.
func FuzzRender(f *testing.F) {
	for _, c := range refCases {
		f.Add(c.src, `{"l": [1, "a", null], "d": {"k": [1.5]}}`)
	}
	f.Add("{% for x in l %}{{ x|tojson(indent=2) }}{% endfor %}", `{"l": [[[[[]]]]]}`)
	f.Fuzz(func(t *testing.T, src, ctx string) {
		vars := map[string]any{}
		if v, err := ParseJSON([]byte(ctx)); err == nil {
			if d, ok := v.(*Dict); ok {
				for _, kv := range d.Items() {
					p := kv.(Tuple)
					vars[str(p[0])] = p[1]
				}
			}
		}
		tmpl, err := Parse(src)
		if err != nil {
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("parse error is %T", err)
			}
			return
		}
		if _, err := tmpl.Render(vars); err != nil && strings.HasPrefix(err.Error(), "internal error") {
			t.Fatalf("render panicked: %v", err)
		}
	})
}
