package jinja

import (
	"fmt"
	"strings"
)

// Python string formatting: str.format and the % operator.

// pyFormat implements the common subset of str.format: {}, {0}, {name},
// {name.attr}, {!r}/{!s} and simple specs are ignored beyond conversion.
func pyFormat(s string, args []Value, kw *Dict) (Value, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '}' {
			if i+1 < len(s) && s[i+1] == '}' {
				i++
			}
			b.WriteByte('}')
			continue
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("Single '{' encountered in format string")
		}
		field := s[i+1 : i+j]
		i += j
		conv := ""
		if k := strings.IndexByte(field, '!'); k >= 0 {
			conv = field[k+1:]
			field = field[:k]
		}
		if k := strings.IndexByte(field, ':'); k >= 0 {
			field = field[:k]
		}
		var v Value
		switch {
		case field == "":
			if auto >= len(args) {
				return nil, fmt.Errorf("Replacement index %d out of range for positional args tuple", auto)
			}
			v = args[auto]
			auto++
		case field[0] >= '0' && field[0] <= '9':
			n := 0
			fmt.Sscanf(field, "%d", &n)
			if n >= len(args) {
				return nil, fmt.Errorf("Replacement index %d out of range for positional args tuple", n)
			}
			v = args[n]
		default:
			var ok bool
			if kw != nil {
				v, ok = kw.Get(field)
			}
			if !ok {
				return nil, fmt.Errorf("'%s'", field)
			}
		}
		if strings.HasPrefix(conv, "r") {
			b.WriteString(repr(v))
		} else {
			b.WriteString(str(v))
		}
	}
	return b.String(), nil
}

// percentFormat implements "fmt" % args for %s, %r, %d, %i, %f and %%.
func percentFormat(s string, arg Value) (Value, error) {
	var args []Value
	if t, ok := arg.(Tuple); ok {
		args = t
	} else {
		args = []Value{arg}
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return nil, fmt.Errorf("incomplete format")
		}
		i++
		verb := s[i]
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if n >= len(args) {
			return nil, fmt.Errorf("not enough arguments for format string")
		}
		v := args[n]
		n++
		switch verb {
		case 's':
			b.WriteString(str(v))
		case 'r':
			b.WriteString(repr(v))
		case 'd', 'i':
			num, ok := toNumber(v)
			if !ok {
				return nil, fmt.Errorf("%%d format: a real number is required, not %s", typeName(v))
			}
			if f, isF := num.(float64); isF {
				num = int64(f)
			}
			fmt.Fprintf(&b, "%d", num)
		case 'f':
			fmt.Fprintf(&b, "%f", toFloat(v))
		default:
			return nil, fmt.Errorf("unsupported format character '%c'", verb)
		}
	}
	if n < len(args) {
		return nil, fmt.Errorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}
