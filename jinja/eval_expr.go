package jinja

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

func (r *renderer) eval(e expr, f *frame) (Value, error) {
	v, err := r.evalInner(e, f)
	if err != nil {
		return nil, errAt(e.nodeLine(), err)
	}
	return v, nil
}

func (r *renderer) evalInner(e expr, f *frame) (Value, error) {
	switch e := e.(type) {
	case *constExpr:
		return e.v, nil
	case *nameExpr:
		if v, ok := f.lookup(e.name); ok {
			return v, nil
		}
		return Undefined{Name: e.name}, nil
	case *listExpr:
		out := make([]Value, 0, len(e.items))
		for _, it := range e.items {
			v, err := r.eval(it, f)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *tupleExpr:
		out := make(Tuple, 0, len(e.items))
		for _, it := range e.items {
			v, err := r.eval(it, f)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *dictExpr:
		d := NewDict()
		for i := range e.keys {
			k, err := r.eval(e.keys[i], f)
			if err != nil {
				return nil, err
			}
			v, err := r.eval(e.vals[i], f)
			if err != nil {
				return nil, err
			}
			if err := d.Set(k, v); err != nil {
				return nil, err
			}
		}
		return d, nil
	case *getattrExpr:
		obj, err := r.eval(e.obj, f)
		if err != nil {
			return nil, err
		}
		return getattr(obj, e.name)
	case *getitemExpr:
		obj, err := r.eval(e.obj, f)
		if err != nil {
			return nil, err
		}
		if s, ok := e.key.(*sliceExpr); ok {
			return r.evalSlice(obj, s, f)
		}
		k, err := r.eval(e.key, f)
		if err != nil {
			return nil, err
		}
		return getitem(obj, k)
	case *callExpr:
		fn, err := r.eval(e.fn, f)
		if err != nil {
			return nil, err
		}
		args, kw, err := r.evalArgs(e, f)
		if err != nil {
			return nil, err
		}
		return r.call(fn, args, kw)
	case *filterExpr:
		v, err := r.eval(e.operand, f)
		if err != nil {
			return nil, err
		}
		return r.applyFilter(e, v, f)
	case *testExpr:
		v, err := r.eval(e.operand, f)
		if err != nil {
			return nil, err
		}
		args := make([]Value, len(e.args))
		for i, a := range e.args {
			if args[i], err = r.eval(a, f); err != nil {
				return nil, err
			}
		}
		ok, err := r.applyTest(e.name, v, args)
		if err != nil {
			return nil, err
		}
		return ok != e.negate, nil
	case *unaryExpr:
		v, err := r.eval(e.x, f)
		if err != nil {
			return nil, err
		}
		switch e.op {
		case "not":
			return !truthy(v), nil
		case "-":
			switch x := v.(type) {
			case bool:
				return -boolInt(x), nil
			case int64:
				return -x, nil
			case float64:
				return -x, nil
			case Undefined:
				return nil, undefErr(x)
			}
			return nil, fmt.Errorf("bad operand type for unary -: '%s'", typeName(v))
		default:
			switch x := v.(type) {
			case bool:
				return boolInt(x), nil
			case int64, float64:
				return x, nil
			case Undefined:
				return nil, undefErr(x)
			}
			return nil, fmt.Errorf("bad operand type for unary +: '%s'", typeName(v))
		}
	case *binExpr:
		l, err := r.eval(e.l, f)
		if err != nil {
			return nil, err
		}
		switch e.op {
		case "and":
			if !truthy(l) {
				return l, nil
			}
			return r.eval(e.r, f)
		case "or":
			if truthy(l) {
				return l, nil
			}
			return r.eval(e.r, f)
		}
		rv, err := r.eval(e.r, f)
		if err != nil {
			return nil, err
		}
		return binop(e.op, l, rv)
	case *compareExpr:
		l, err := r.eval(e.first, f)
		if err != nil {
			return nil, err
		}
		for i, op := range e.ops {
			rv, err := r.eval(e.rest[i], f)
			if err != nil {
				return nil, err
			}
			ok, err := compare(op, l, rv)
			if err != nil {
				return nil, err
			}
			if !ok {
				return false, nil
			}
			l = rv
		}
		return true, nil
	case *condExpr:
		c, err := r.eval(e.cond, f)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return r.eval(e.yes, f)
		}
		if e.no == nil {
			return Undefined{Hint: "the inline if-expression on line " + fmt.Sprint(e.line) + " evaluated to false and no else section was defined."}, nil
		}
		return r.eval(e.no, f)
	}
	return nil, fmt.Errorf("cannot evaluate %T", e)
}

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
			case []Value:
				if n > 0 && int64(len(x)) > maxOutputSize/16/n {
					return nil, fmt.Errorf("list too long")
				}
				out := make([]Value, 0, int(n)*len(x))
				for i := int64(0); i < n; i++ {
					out = append(out, x...)
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

// errOverflow: Python ints are unbounded, ours are 64-bit; say so rather
// than print a wrapped number.
var errOverflow = fmt.Errorf("integer result does not fit in 64 bits")

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
		items, _ := (&renderer{}).iterate(g)
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

func (r *renderer) evalSlice(obj Value, s *sliceExpr, f *frame) (Value, error) {
	var idx [3]Value
	for i, e := range []expr{s.start, s.stop, s.step} {
		if e == nil {
			continue
		}
		v, err := r.eval(e, f)
		if err != nil {
			return nil, err
		}
		idx[i] = v
	}
	return slice(obj, idx[0], idx[1], idx[2])
}

func sliceIndex(v Value) (int64, bool, error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case bool:
		return boolInt(x), true, nil
	case int64:
		return x, true, nil
	}
	return 0, false, fmt.Errorf("slice indices must be integers or None or have an __index__ method")
}

// sliceBounds computes Python slice indices for a sequence of length n.
func sliceBounds(n int64, start, stop, step Value) ([]int, error) {
	st, hasStep, err := sliceIndex(step)
	if err != nil {
		return nil, err
	}
	if !hasStep {
		st = 1
	}
	if st == 0 {
		return nil, fmt.Errorf("slice step cannot be zero")
	}
	b, hasB, err := sliceIndex(start)
	if err != nil {
		return nil, err
	}
	e, hasE, err := sliceIndex(stop)
	if err != nil {
		return nil, err
	}
	clamp := func(i int64, lo, hi int64) int64 {
		if i < 0 {
			i += n
			if i < lo {
				i = lo
			}
		} else if i > hi {
			i = hi
		}
		return i
	}
	var out []int
	if st > 0 {
		if !hasB {
			b = 0
		} else {
			b = clamp(b, 0, n)
		}
		if !hasE {
			e = n
		} else {
			e = clamp(e, 0, n)
		}
		for i := b; i < e; i += st {
			out = append(out, int(i))
		}
	} else {
		if !hasB {
			b = n - 1
		} else {
			b = clamp(b, -1, n-1)
		}
		if !hasE {
			e = -1
		} else {
			e = clamp(e, -1, n-1)
		}
		for i := b; i > e; i += st {
			out = append(out, int(i))
		}
	}
	return out, nil
}

func slice(obj Value, start, stop, step Value) (Value, error) {
	obj = plain(obj)
	switch x := obj.(type) {
	case string:
		runes := []rune(x)
		idx, err := sliceBounds(int64(len(runes)), start, stop, step)
		if err != nil {
			return nil, err
		}
		out := make([]rune, len(idx))
		for i, j := range idx {
			out[i] = runes[j]
		}
		return string(out), nil
	case []Value, Tuple:
		var items []Value
		if l, ok := x.([]Value); ok {
			items = l
		} else {
			items = x.(Tuple)
		}
		idx, err := sliceBounds(int64(len(items)), start, stop, step)
		if err != nil {
			return nil, err
		}
		out := make([]Value, len(idx))
		for i, j := range idx {
			out[i] = items[j]
		}
		if _, ok := x.(Tuple); ok {
			return Tuple(out), nil
		}
		return out, nil
	case Undefined:
		return nil, undefErr(x)
	}
	return Undefined{Obj: obj, HasObj: true, Name: "slice", Hint: fmt.Sprintf("'%s' object is not subscriptable", typeName(obj))}, nil
}

// getitem is jinja2's sandboxed environment.getitem: obj[key], falling
// back to an attribute for string keys, else undefined.
func getitem(obj, key Value) (Value, error) {
	obj, key = plain(obj), plain(key)
	if u, ok := obj.(Undefined); ok {
		return nil, undefErr(u)
	}
	switch x := obj.(type) {
	case *Dict:
		if v, ok := x.Get(key); ok {
			return v, nil
		}
	case []Value, Tuple, string:
		if i, ok, _ := sliceIndex(key); ok && key != nil {
			var n int64
			switch s := x.(type) {
			case []Value:
				n = int64(len(s))
			case Tuple:
				n = int64(len(s))
			case string:
				n = int64(utf8.RuneCountInString(s))
			}
			if i < 0 {
				i += n
			}
			if i >= 0 && i < n {
				switch s := x.(type) {
				case []Value:
					return s[i], nil
				case Tuple:
					return s[i], nil
				case string:
					return string([]rune(s)[i]), nil
				}
			}
		}
	case *Namespace:
		// namespace objects are not subscriptable in Python; fall through
	}
	if name, ok := key.(string); ok {
		if v, ok := attribute(obj, name); ok {
			return v, nil
		}
		return Undefined{Obj: obj, HasObj: true, Name: name}, nil
	}
	return Undefined{Obj: obj, HasObj: true, Key: key, Name: str(key)}, nil
}

// getattr is jinja2's sandboxed environment.getattr: a Python attribute
// (methods included), else the item of that name, else undefined.
func getattr(obj Value, name string) (Value, error) {
	if u, ok := obj.(Undefined); ok {
		return nil, undefErr(u)
	}
	if v, ok := attribute(obj, name); ok {
		return v, nil
	}
	if d, ok := obj.(*Dict); ok {
		if v, ok := d.Get(name); ok {
			return v, nil
		}
	}
	return Undefined{Obj: obj, HasObj: true, Name: name}, nil
}

// attribute returns the Python attribute obj.name if it exists.
func attribute(obj Value, name string) (Value, bool) {
	orig := obj
	obj = plain(obj)
	switch x := obj.(type) {
	case *Namespace:
		return x.attrs.Get(name)
	case *loopState:
		return x.attr(name)
	}
	if methodExists(obj, name) {
		if unsafeMethod(obj, name) {
			return Undefined{Obj: obj, HasObj: true, Name: name,
				Hint: fmt.Sprintf("access to attribute %s of %s object is unsafe.", reprString(name), reprString(typeName(obj)))}, true
		}
		return boundMethod{orig, name}, true
	}
	return nil, false
}
