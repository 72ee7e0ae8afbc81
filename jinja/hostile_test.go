package jinja

import (
	"runtime/debug"
	"strings"
	"testing"
)

// Hostile templates (a model file's chat template is input) fail with an
// error or render within the limits; none panics, overflows the stack or
// allocates without bound.
func TestHostileTemplates(t *testing.T) {
	n := 200000 // chains far past maxExprDepth (a million overflowed the stack)
	if testing.Short() {
		n = 30000
	}
	cases := map[string]string{
		"parens":   "{{ " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + " }}",
		"lists":    "{{ " + strings.Repeat("[", n) + strings.Repeat("]", n) + " }}",
		"nots":     "{{ " + strings.Repeat("not ", n) + "1 }}",
		"minus":    "{{ " + strings.Repeat("-", n) + "1 }}",
		"ifs":      strings.Repeat("{% if 1 %}", n/10) + strings.Repeat("{% endif %}", n/10),
		"fors":     strings.Repeat("{% for x in [1] %}", n/10) + strings.Repeat("{% endfor %}", n/10),
		"filters":  "{{ 1" + strings.Repeat("|string", n) + " }}",
		"attrs":    "{{ x" + strings.Repeat(".a", n) + " }}",
		"items":    "{{ x" + strings.Repeat("[0]", n) + " }}",
		"calls":    "{{ x" + strings.Repeat("()", n) + " }}",
		"concat":   "{{ 'a'" + strings.Repeat(" ~ 'a'", n) + " }}",
		"sums":     "{{ 1" + strings.Repeat(" + 1", n) + " }}",
		"ors":      "{{ 0" + strings.Repeat(" or 0", n) + " }}",
		"tests":    "{{ 1" + strings.Repeat(" is defined", n) + " }}",
		"strmul":   "{{ 'x' * 1000000000000 }}",
		"range":    "{% for i in range(1000000000000) %}{% endfor %}",
		"rec":      "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
		"recchain": "{% macro f() %}{{ 1" + strings.Repeat(" + 1", 5000) + " + f() }}{% endmacro %}{{ f() }}",
		"pow":      "{{ 10 ** 100000 }}",
		"doubling": "{% set s = namespace(v='x') %}{% for i in range(100) %}{% set s.v = s.v ~ s.v %}{% endfor %}{{ s.v|length }}",
		"listmul":  "{{ ([1] * 1000000000000)|length }}",
		"fmt":      "{{ '%999999999d' % 1 }}",
		"center":   "{{ 'x'|center(1000000000000) }}",
		"indent":   "{{ 'x\nx'|indent(1000000000000) }}",
		"unclosed": "{% for x in y %}" + strings.Repeat("{{", 1000),
		"comments": strings.Repeat("{#", n),
	}
	chains := map[string]bool{"filters": true, "attrs": true, "items": true, "calls": true, "concat": true, "sums": true, "ors": true}
	for name, src := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: PANIC %v\n%s", name, r, debug.Stack())
				}
			}()
			tpl, err := Parse(src)
			if err != nil {
				return
			}
			out, err := tpl.Render(map[string]any{"x": map[string]any{}})
			if len(out) > maxOutputSize {
				t.Errorf("%s: %d bytes of output", name, len(out))
			}
			if chains[name] && (err == nil || !strings.Contains(err.Error(), "too deeply")) {
				t.Errorf("%s: a chain of %d links: %v, want an error about nesting", name, n, err)
			}
		}()
	}
}
