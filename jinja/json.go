package jinja

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// toJSON is Hugging Face's tojson filter: Python json.dumps with
// ensure_ascii=False by default (no HTML escaping, unlike jinja2's own).
func toJSON(v Value, a *argReader) (Value, error) {
	ensureASCII, _ := a.arg(100, "ensure_ascii", false)
	indentV, _ := a.arg(0, "indent", nil)
	seps, _ := a.arg(100, "separators", nil)
	sortKeys, _ := a.arg(100, "sort_keys", false)
	e := &jsonEncoder{ascii: truthy(ensureASCII), sortKeys: truthy(sortKeys), itemSep: ", ", keySep: ": "}
	switch x := indentV.(type) {
	case nil:
	case int64:
		e.hasIndent = true
		if x > 1000 {
			return nil, fmt.Errorf("indent too large")
		}
		if x > 0 {
			e.indent = strings.Repeat(" ", int(x))
		}
	case string:
		e.hasIndent, e.indent = true, x
	default:
		return nil, fmt.Errorf("indent must be int or str, not %s", typeName(indentV))
	}
	if e.hasIndent {
		e.itemSep = ","
	}
	if seps != nil {
		var pair []Value
		switch s := seps.(type) {
		case Tuple:
			pair = s
		case []Value:
			pair = s
		}
		if len(pair) != 2 {
			return nil, fmt.Errorf("separators must be a (item_separator, key_separator) pair")
		}
		e.itemSep, e.keySep = str(pair[0]), str(pair[1])
	}
	if err := e.encode(v, 0); err != nil {
		return nil, err
	}
	return e.b.String(), nil
}

type jsonEncoder struct {
	b               strings.Builder
	ascii, sortKeys bool
	hasIndent       bool
	indent          string
	itemSep, keySep string
}

func (e *jsonEncoder) newline(level int) {
	if e.hasIndent {
		e.b.WriteByte('\n')
		for i := 0; i < level; i++ {
			e.b.WriteString(e.indent)
		}
	}
}

func (e *jsonEncoder) encode(v Value, level int) error {
	if level > maxNesting {
		return fmt.Errorf("Circular reference detected")
	}
	if e.b.Len() > maxOutputSize {
		return fmt.Errorf("JSON output too large")
	}
	switch x := v.(type) {
	case nil:
		e.b.WriteString("null")
	case bool:
		if x {
			e.b.WriteString("true")
		} else {
			e.b.WriteString("false")
		}
	case int64:
		e.b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		e.b.WriteString(jsonFloat(x))
	case string:
		e.str(x)
	case Markup:
		e.str(string(x))
	case []Value:
		return e.seq(x, level)
	case Tuple:
		return e.seq(x, level)
	case *Dict:
		if x.Len() == 0 {
			e.b.WriteString("{}")
			return nil
		}
		type kv struct {
			k string
			v Value
		}
		items := make([]kv, 0, x.Len())
		for i, k := range x.keys {
			var ks string
			switch kk := k.(type) {
			case string:
				ks = kk
			case int64:
				ks = strconv.FormatInt(kk, 10)
			case float64:
				ks = jsonFloat(kk)
			case bool:
				ks = map[bool]string{true: "true", false: "false"}[kk]
			case nil:
				ks = "null"
			default:
				return fmt.Errorf("keys must be str, int, float, bool or None, not %s", typeName(k))
			}
			items = append(items, kv{ks, x.vals[i]})
		}
		if e.sortKeys {
			sort.SliceStable(items, func(i, j int) bool { return items[i].k < items[j].k })
		}
		e.b.WriteByte('{')
		for i, it := range items {
			if i > 0 {
				e.b.WriteString(e.itemSep)
			}
			e.newline(level + 1)
			e.str(it.k)
			e.b.WriteString(e.keySep)
			if err := e.encode(it.v, level+1); err != nil {
				return err
			}
		}
		e.newline(level)
		e.b.WriteByte('}')
	default:
		return fmt.Errorf("Object of type %s is not JSON serializable", typeName(v))
	}
	return nil
}

func (e *jsonEncoder) seq(items []Value, level int) error {
	if len(items) == 0 {
		e.b.WriteString("[]")
		return nil
	}
	e.b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			e.b.WriteString(e.itemSep)
		}
		e.newline(level + 1)
		if err := e.encode(it, level+1); err != nil {
			return err
		}
	}
	e.newline(level)
	e.b.WriteByte(']')
	return nil
}

func jsonFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return formatFloat(f)
}

func (e *jsonEncoder) str(s string) {
	b := &e.b
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				fmt.Fprintf(b, `\u%04x`, r)
			case e.ascii && r > 0x7e: // Python escapes DEL too
				if r > 0xffff {
					r -= 0x10000
					fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// MarshalJSON encodes the dict with its keys in order (compact).
func (d *Dict) MarshalJSON() ([]byte, error) {
	e := &jsonEncoder{itemSep: ",", keySep: ":"}
	if err := e.encode(d, 0); err != nil {
		return nil, err
	}
	return []byte(e.b.String()), nil
}
