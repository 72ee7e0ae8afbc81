package jinja

import (
	"fmt"
	"math"
	"strings"
)

// Python semantics of the operators: arithmetic, comparison, membership.

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// toNumber returns v as int64 or float64 (bools count as ints).
func toNumber(v Value) (Value, bool) {
	switch x := v.(type) {
	case bool:
		return boolInt(x), true
	case int64, float64:
		return x, true
	}
	return nil, false
}

func toFloat(v Value) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case bool:
		return float64(boolInt(x))
	}
	return 0
}

func opErr(op string, l, r Value) error {
	return fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), typeName(r))
}

func binop(op string, l, r Value) (Value, error) {
	if op == "~" {
		s := str(l) + str(r)
		if len(s) > maxOutputSize {
			return nil, fmt.Errorf("string too long")
		}
		return s, nil
	}
	if u, ok := l.(Undefined); ok {
		return nil, undefErr(u)
	}
	if u, ok := r.(Undefined); ok {
		return nil, undefErr(u)
	}
	if lm, lIsM := l.(Markup); lIsM {
		return markupOp(op, lm, r, true)
	}
	if rm, rIsM := r.(Markup); rIsM {
		return markupOp(op, rm, l, false)
	}
	ln, lok := toNumber(l)
	rn, rok := toNumber(r)
	if lok && rok {
		return numOp(op, ln, rn)
	}
	switch op {
	case "+":
		switch x := l.(type) {
		case string:
			if y, ok := r.(string); ok {
				if len(x)+len(y) > maxOutputSize {
					return nil, fmt.Errorf("string too long")
				}
				return x + y, nil
			}
			return nil, fmt.Errorf("can only concatenate str (not \"%s\") to str", typeName(r))
		case []Value:
			if y, ok := r.([]Value); ok {
				out := make([]Value, 0, len(x)+len(y))
				return append(append(out, x...), y...), nil
			}
			return nil, fmt.Errorf("can only concatenate list (not \"%s\") to list", typeName(r))
		case Tuple:
			if y, ok := r.(Tuple); ok {
				out := make(Tuple, 0, len(x)+len(y))
				return append(append(out, x...), y...), nil
			}
			return nil, fmt.Errorf("can only concatenate tuple (not \"%s\") to tuple", typeName(r))
		}
	case "*":
		if lok {
			l, r = r, l
			rn = ln
			rok = true
		}
		if rok {
			n, isInt := rn.(int64)
			if !isInt {
				return nil, fmt.Errorf("can't multiply sequence by non-int of type 'float'")
			}
			if n < 0 {
				n = 0
			}
			switch x := l.(type) {
			case string:
				if n > 0 && int64(len(x)) > maxOutputSize/n {
					return nil, fmt.Errorf("string too long")
				}
				return strings.Repeat(x, int(n)), nil
			case []Value, Tuple:
				items, _ := (&renderer{}).iterate(x)
				if n > 0 && int64(len(items)) > maxOutputSize/16/n {
					return nil, fmt.Errorf("list too long")
				}
				out := make([]Value, 0, int(n)*len(items))
				for i := int64(0); i < n; i++ {
					out = append(out, items...)
				}
				if _, ok := x.(Tuple); ok {
					return Tuple(out), nil
				}
				return out, nil
			}
		}
	case "%":
		if s, ok := l.(string); ok {
			return percentFormat(s, r)
		}
	}
	return nil, opErr(op, l, r)
}

// markupOp is an operator with a Markup operand m (on the left when
// mLeft): plain strings joining it are HTML-escaped first.
func markupOp(op string, m Markup, other Value, mLeft bool) (Value, error) {
	switch op {
	case "+":
		switch o := other.(type) {
		case string, Markup:
			e := escapeValue(o)
			if mLeft {
				return m + e, nil
			}
			return e + m, nil
		}
	case "*":
		if n, ok := other.(int64); ok {
			v, err := binop("*", string(m), n)
			if err != nil {
				return nil, err
			}
			return Markup(v.(string)), nil
		}
	case "%":
		if mLeft {
			args := other
			if t, ok := other.(Tuple); ok {
				esc := make(Tuple, len(t))
				for i, a := range t {
					esc[i] = escapeValue(a)
				}
				args = esc
			} else {
				args = escapeValue(other)
			}
			v, err := percentFormat(string(m), args)
			if err != nil {
				return nil, err
			}
			return Markup(v.(string)), nil
		}
	}
	l, r := Value(m), other
	if !mLeft {
		l, r = other, m
	}
	return nil, opErr(op, l, r)
}

func numOp(op string, l, r Value) (Value, error) {
	li, lInt := l.(int64)
	ri, rInt := r.(int64)
	if lInt && rInt {
		switch op {
		case "+":
			if s := li + ri; (s > li) == (ri > 0) {
				return s, nil
			}
			return nil, errOverflow
		case "-":
			if s := li - ri; (s < li) == (ri > 0) {
				return s, nil
			}
			return nil, errOverflow
		case "*":
			if li == 0 || ri == 0 {
				return int64(0), nil
			}
			p := li * ri
			if p/ri != li || (li == -1 && ri == math.MinInt64) || (ri == -1 && li == math.MinInt64) {
				return nil, errOverflow
			}
			return p, nil
		case "/":
			if ri == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			return float64(li) / float64(ri), nil
		case "//":
			if ri == 0 {
				return nil, fmt.Errorf("integer division or modulo by zero")
			}
			q := li / ri
			if (li%ri != 0) && ((li < 0) != (ri < 0)) {
				q--
			}
			return q, nil
		case "%":
			if ri == 0 {
				return nil, fmt.Errorf("integer division or modulo by zero")
			}
			m := li % ri
			if m != 0 && ((m < 0) != (ri < 0)) {
				m += ri
			}
			return m, nil
		case "**":
			if ri < 0 {
				return math.Pow(float64(li), float64(ri)), nil
			}
			switch li {
			case 0, 1:
				if ri == 0 {
					return int64(1), nil
				}
				return li, nil
			case -1:
				return 1 - 2*(ri&1), nil
			}
			if f := math.Pow(float64(li), float64(ri)); math.Abs(f) >= 1<<63 {
				return nil, errOverflow
			}
			res := int64(1)
			for e := int64(0); e < ri; e++ {
				res *= li
			}
			return res, nil
		}
	}
	a, b := toFloat(l), toFloat(r)
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return nil, fmt.Errorf("float division by zero")
		}
		return a / b, nil
	case "//":
		if b == 0 {
			return nil, fmt.Errorf("float floor division by zero")
		}
		return math.Floor(a / b), nil
	case "%":
		if b == 0 {
			return nil, fmt.Errorf("float modulo")
		}
		m := math.Mod(a, b)
		if m != 0 && ((m < 0) != (b < 0)) {
			m += b
		}
		return m, nil
	case "**":
		return math.Pow(a, b), nil
	}
	return nil, opErr(op, l, r)
}

// equal is Python ==.
func equal(a, b Value) bool {
	a, b = plain(a), plain(b)
	an, aok := toNumber(a)
	bn, bok := toNumber(b)
	if aok && bok {
		ai, aInt := an.(int64)
		bi, bInt := bn.(int64)
		if aInt && bInt {
			return ai == bi
		}
		return toFloat(an) == toFloat(bn)
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []Value:
		y, ok := b.([]Value)
		return ok && equalSeq(x, y)
	case Tuple:
		y, ok := b.(Tuple)
		return ok && equalSeq(x, y)
	case *Dict:
		y, ok := b.(*Dict)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i, k := range x.keys {
			v, ok := y.Get(k)
			if !ok || !equal(x.vals[i], v) {
				return false
			}
		}
		return true
	case Undefined:
		_, ok := b.(Undefined)
		return ok
	case *Namespace, *Macro, *loopState:
		return a == b
	}
	return false
}

func equalSeq(x, y []Value) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !equal(x[i], y[i]) {
			return false
		}
	}
	return true
}

// less is Python <; it errors on unorderable types.
func less(a, b Value) (bool, error) {
	a, b = plain(a), plain(b)
	an, aok := toNumber(a)
	bn, bok := toNumber(b)
	if aok && bok {
		ai, aInt := an.(int64)
		bi, bInt := bn.(int64)
		if aInt && bInt {
			return ai < bi, nil
		}
		return toFloat(an) < toFloat(bn), nil
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return x < y, nil
		}
	case []Value:
		if y, ok := b.([]Value); ok {
			return lessSeq(x, y)
		}
	case Tuple:
		if y, ok := b.(Tuple); ok {
			return lessSeq(x, y)
		}
	case Undefined:
		return false, undefErr(x)
	}
	if u, ok := b.(Undefined); ok {
		return false, undefErr(u)
	}
	return false, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func lessSeq(x, y []Value) (bool, error) {
	for i := 0; i < len(x) && i < len(y); i++ {
		if !equal(x[i], y[i]) {
			return less(x[i], y[i])
		}
	}
	return len(x) < len(y), nil
}

func contains(container, item Value) (bool, error) {
	container, item = plain(container), plain(item)
	if g, ok := container.(*generator); ok {
		items, err := (&renderer{}).iterate(g)
		if err != nil {
			return false, err
		}
		container = items
	}
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			if u, isU := item.(Undefined); isU {
				return false, undefErr(u)
			}
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(c, s), nil
	case []Value:
		for _, v := range c {
			if equal(v, item) {
				return true, nil
			}
		}
		return false, nil
	case Tuple:
		for _, v := range c {
			if equal(v, item) {
				return true, nil
			}
		}
		return false, nil
	case *Dict:
		_, ok := c.Get(item)
		return ok, nil
	case Undefined:
		return false, nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(container))
}

func compare(op string, a, b Value) (bool, error) {
	switch op {
	case "==":
		return equal(a, b), nil
	case "!=":
		return !equal(a, b), nil
	case "<":
		return less(a, b)
	case ">":
		return less(b, a)
	case "<=":
		lt, err := less(a, b)
		return lt || (err == nil && equal(a, b)), err
	case ">=":
		lt, err := less(b, a)
		return lt || (err == nil && equal(a, b)), err
	case "in":
		return contains(b, a)
	case "notin":
		ok, err := contains(b, a)
		return !ok, err
	}
	return false, fmt.Errorf("unknown comparison %s", op)
}

// errOverflow: Python ints are unbounded, ours are 64-bit; say so rather
// than print a wrapped number.
var errOverflow = fmt.Errorf("integer result does not fit in 64 bits")
