package jinja

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Values are Python-like and carried as plain Go values:
//
//	nil      None
//	bool     bool
//	int64    int
//	float64  float
//	string   str
//	[]Value  list
//	Tuple    tuple
//	*Dict    dict (insertion ordered)
//
// plus the template-only kinds below (Undefined, *Namespace, *Macro, ...).
type Value = any

// Tuple is a Python tuple: a list that prints with parentheses.
type Tuple []Value

// Markup is markupsafe's Markup: a string marked safe (the safe and escape
// filters make one). Autoescape is off, but concatenating a Markup with a
// plain string still HTML-escapes the plain one, as in Python.
type Markup string

// generator is a one-shot iterator some filters (map, select, items, ...)
// return in jinja2: it is always truthy, has no len(), is not JSON
// serializable, and iterates empty the second time.
type generator struct {
	items []Value
	used  bool
	// thunk computes the items on first iteration: jinja2's generator
	// filters only fail (or not) when consumed.
	thunk func() ([]Value, error)
}

func newGenerator(items []Value) *generator { return &generator{items: items} }

// plain turns a Markup into its string; other values are unchanged.
func plain(v Value) Value {
	if m, ok := v.(Markup); ok {
		return string(m)
	}
	return v
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&#34;", "'", "&#39;").Replace(s)
}

// escapeValue is markupsafe.escape: Markup stays, anything else is
// stringified and escaped.
func escapeValue(v Value) Markup {
	if m, ok := v.(Markup); ok {
		return m
	}
	return Markup(htmlEscape(str(v)))
}

// Dict is a Python dict: keys keep their insertion order.
type Dict struct {
	keys []Value
	vals []Value
	idx  map[any]int
}

// NewDict returns an empty dict.
func NewDict() *Dict { return &Dict{idx: map[any]int{}} }

// hashKey maps equal Python keys (1, 1.0, True) to one Go map key.
func hashKey(k Value) (any, bool) {
	switch v := plain(k).(type) {
	case nil, string, int64:
		return v, true
	case bool:
		if v {
			return int64(1), true
		}
		return int64(0), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e18 {
			return int64(v), true
		}
		return v, true
	case Tuple:
		parts := make([]string, len(v))
		for i, e := range v {
			h, ok := hashKey(e)
			if !ok {
				return nil, false
			}
			parts[i] = fmt.Sprintf("%T:%v", h, h)
		}
		return "\x00tuple:" + strings.Join(parts, "\x00"), true
	}
	return nil, false
}

// Set adds or replaces key k.
func (d *Dict) Set(k, v Value) error {
	h, ok := hashKey(k)
	if !ok {
		return fmt.Errorf("unhashable type: '%s'", typeName(k))
	}
	if i, ok := d.idx[h]; ok {
		d.vals[i] = v
		return nil
	}
	d.idx[h] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

// Get returns the value for k.
func (d *Dict) Get(k Value) (Value, bool) {
	h, ok := hashKey(k)
	if !ok {
		return nil, false
	}
	i, ok := d.idx[h]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

// Len is the number of keys.
func (d *Dict) Len() int { return len(d.keys) }

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []Value { return append([]Value(nil), d.keys...) }

// Items returns (key, value) tuples in insertion order.
func (d *Dict) Items() []Value {
	out := make([]Value, len(d.keys))
	for i := range d.keys {
		out[i] = Tuple{d.keys[i], d.vals[i]}
	}
	return out
}

// Undefined is the value of a missing variable, attribute or item. Like
// jinja2's default Undefined it prints as "" and iterates as empty, but
// fails on arithmetic and attribute access.
type Undefined struct {
	Name   string
	Obj    Value // the object the attribute or item was missing from
	HasObj bool
	Key    Value // missing item key when not an attribute name
	Hint   string
}

func (u Undefined) message() string {
	if u.Hint != "" {
		return u.Hint
	}
	if !u.HasObj {
		return fmt.Sprintf("'%s' is undefined", u.Name)
	}
	if u.Key != nil {
		return fmt.Sprintf("%s has no element %s", reprString(objTypeRepr(u.Obj)), repr(u.Key))
	}
	return fmt.Sprintf("%s has no attribute %s", reprString(objTypeRepr(u.Obj)), reprString(u.Name))
}

func objTypeRepr(v Value) string {
	if v == nil {
		return "None"
	}
	return typeName(v) + " object"
}

// Namespace is the mutable object namespace() makes.
type Namespace struct{ attrs *Dict }

// boundMethod is a Python method looked up on a value (s.split, d.items),
// called later.
type boundMethod struct {
	recv Value
	name string
}

// Func is a callable exposed to templates (globals such as range).
type Func func(args []Value, kwargs *Dict) (Value, error)

func typeName(v Value) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case Markup:
		return "Markup"
	case *generator:
		return "generator"
	case []Value:
		return "list"
	case Tuple:
		return "tuple"
	case *Dict:
		return "dict"
	case Undefined:
		return "Undefined"
	case *Namespace:
		return "Namespace"
	case *Macro:
		return "Macro"
	case *loopState:
		return "LoopContext"
	case boundMethod:
		return "builtin_function_or_method"
	case Func:
		return "function"
	}
	return fmt.Sprintf("%T", v)
}

func truthy(v Value) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case Markup:
		return x != ""
	case []Value:
		return len(x) > 0
	case Tuple:
		return len(x) > 0
	case *Dict:
		return x.Len() > 0
	case Undefined:
		return false
	}
	return true
}

// str is Python's str() as jinja2 prints values.
func str(v Value) string {
	switch x := v.(type) {
	case string:
		return x
	case Markup:
		return string(x)
	case Undefined:
		return ""
	case *Macro:
		return fmt.Sprintf("<Macro '%s'>", x.name)
	}
	return repr(v)
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	// Python's repr: shortest round-trip digits; scientific when the
	// exponent is < -4 or >= 16.
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, exp)
	}
	out := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(out, ".") {
		out += ".0"
	}
	return out
}

func reprString(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, "\"") {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0x7f && !unicode.IsPrint(r) && r != ' ':
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// repr is Python's repr(), used for values inside printed containers.
func repr(v Value) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x)
	case string:
		return reprString(x)
	case Markup:
		return "Markup(" + reprString(string(x)) + ")"
	case *generator:
		return "<generator object>"
	case []Value:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = repr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Tuple:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = repr(e)
		}
		if len(x) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case *Dict:
		parts := make([]string, len(x.keys))
		for i := range x.keys {
			parts[i] = repr(x.keys[i]) + ": " + repr(x.vals[i])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case Undefined:
		return "Undefined"
	case *Namespace:
		return "<Namespace " + repr(x.attrs) + ">"
	case *Macro:
		return fmt.Sprintf("<Macro '%s'>", x.name)
	case boundMethod:
		return fmt.Sprintf("<built-in method %s of %s object>", x.name, typeName(x.recv))
	}
	return fmt.Sprintf("<%s object>", typeName(v))
}

// FromGo converts ordinary Go data (as from encoding/json, or built by
// hand) to template values. Go maps have no order, so their keys are
// sorted; use *Dict to keep an order.
func FromGo(v any) Value {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, Markup, *Dict, Tuple, Undefined, *Namespace, Func:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case []Value:
		out := make([]Value, len(x))
		for i, e := range x {
			out[i] = FromGo(e)
		}
		return out
	case []string:
		out := make([]Value, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []map[string]any:
		out := make([]Value, len(x))
		for i, e := range x {
			out[i] = FromGo(e)
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := NewDict()
		for _, k := range keys {
			_ = d.Set(k, FromGo(x[k]))
		}
		return d
	case func(args []Value, kwargs *Dict) (Value, error):
		return Func(x)
	}
	// Anything else prints as Go formats it; callers wanting structs as
	// dicts convert them first (chat does, through JSON).
	return fmt.Sprintf("%v", v)
}

// pyIsSpace matches Python's str.isspace for one rune.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func pyStrip(s, chars string, hasChars, left, right bool) string {
	match := pyIsSpace
	if hasChars {
		match = func(r rune) bool { return strings.ContainsRune(chars, r) }
	}
	if left {
		s = strings.TrimLeftFunc(s, match)
	}
	if right {
		s = strings.TrimRightFunc(s, match)
	}
	return s
}

// splitLines is Python's str.splitlines().
func splitLines(s string, keepends bool) []string {
	var out []string
	start := 0
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		end := -1
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			end = i + size
		case '\r':
			end = i + 1
			if i+1 < len(s) && s[i+1] == '\n' {
				end = i + 2
			}
		}
		if end < 0 {
			i += size
			continue
		}
		if keepends {
			out = append(out, s[start:end])
		} else {
			out = append(out, s[start:i])
		}
		start = end
		i = end
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
