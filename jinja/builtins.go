package jinja

import (
	"fmt"
	"time"
)

// builtinGlobals are the functions every template sees (jinja2's defaults
// plus Hugging Face's raise_exception and strftime_now).
func builtinGlobals() map[string]Value {
	return map[string]Value{
		"range":           Func(rangeFunc),
		"dict":            Func(dictFunc),
		"namespace":       Func(namespaceFunc),
		"raise_exception": Func(raiseException),
		"strftime_now": Func(func(args []Value, kw *Dict) (Value, error) {
			return strftimeNow(time.Now(), args)
		}),
	}
}

// StrftimeNow returns a strftime_now global fixed to t (templates use it
// for "today"; tests pin the date).
func StrftimeNow(t time.Time) Func {
	return func(args []Value, kw *Dict) (Value, error) { return strftimeNow(t, args) }
}

func strftimeNow(t time.Time, args []Value) (Value, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("strftime_now() takes exactly one argument")
	}
	f, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("strftime() argument 1 must be str, not %s", typeName(args[0]))
	}
	return Strftime(t, f), nil
}

func raiseException(args []Value, kw *Dict) (Value, error) {
	msg := ""
	if len(args) > 0 {
		msg = str(args[0])
	}
	return nil, &Error{Message: msg}
}

func rangeFunc(args []Value, kw *Dict) (Value, error) {
	ints := make([]int64, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case int64:
			ints[i] = x
		case bool:
			ints[i] = boolInt(x)
		default:
			return nil, fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(a))
		}
	}
	var start, stop, step int64 = 0, 0, 1
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return nil, fmt.Errorf("range expected at most 3 arguments, got %d", len(ints))
	}
	if step == 0 {
		return nil, fmt.Errorf("range() arg 3 must not be zero")
	}
	n := int64(0)
	if step > 0 && stop > start {
		n = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		n = (start - stop - step - 1) / -step
	}
	// jinja2's sandbox caps ranges (MAX_RANGE) for the same reason.
	if n > 100000 {
		return nil, fmt.Errorf("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).")
	}
	out := make([]Value, n)
	for i := range out {
		out[i] = start + int64(i)*step
	}
	return out, nil
}

func dictFunc(args []Value, kw *Dict) (Value, error) {
	d := NewDict()
	if len(args) > 0 {
		if src, ok := args[0].(*Dict); ok {
			for i, k := range src.keys {
				_ = d.Set(k, src.vals[i])
			}
		}
	}
	for i, k := range kw.keys {
		_ = d.Set(k, kw.vals[i])
	}
	return d, nil
}

func namespaceFunc(args []Value, kw *Dict) (Value, error) {
	d, _ := dictFunc(args, kw)
	return &Namespace{attrs: d.(*Dict)}, nil
}

// applyTest evaluates "v is name(args)".
func (r *renderer) applyTest(name string, v Value, args []Value) (bool, error) {
	arg := func() Value {
		if len(args) > 0 {
			return args[0]
		}
		return Undefined{Name: "arg"}
	}
	if name == "escaped" {
		_, ok := v.(Markup)
		return ok, nil
	}
	v = plain(v)
	switch name {
	case "defined":
		_, u := v.(Undefined)
		return !u, nil
	case "undefined":
		_, u := v.(Undefined)
		return u, nil
	case "none":
		return v == nil, nil
	case "boolean":
		_, ok := v.(bool)
		return ok, nil
	case "true":
		b, ok := v.(bool)
		return ok && b, nil
	case "false":
		b, ok := v.(bool)
		return ok && !b, nil
	case "integer":
		_, ok := v.(int64)
		return ok, nil
	case "float":
		_, ok := v.(float64)
		return ok, nil
	case "number":
		_, ok := toNumber(v)
		return ok, nil
	case "string":
		_, ok := v.(string)
		return ok, nil
	case "mapping":
		_, ok := v.(*Dict)
		return ok, nil
	case "iterable":
		switch v.(type) {
		case string, []Value, Tuple, *Dict, Undefined, *generator:
			return true, nil
		}
		return false, nil
	case "sequence":
		switch v.(type) {
		case string, []Value, Tuple, *Dict:
			return true, nil
		}
		return false, nil
	case "callable":
		switch v.(type) {
		case *Macro, Func, boundMethod:
			return true, nil
		}
		return false, nil
	case "sameas":
		a := arg()
		switch v.(type) {
		case nil, bool:
			return v == a, nil
		}
		return equal(v, a) && fmt.Sprintf("%p", v) == fmt.Sprintf("%p", a), nil
	case "lower", "upper":
		b, _ := strMethod(str(v), &argReader{method: "is" + name})
		return b.(bool), nil
	case "odd", "even", "divisibleby":
		// Python: value % 2 == 1, value % 2 == 0, value % num == 0.
		var d Value = int64(2)
		if name == "divisibleby" {
			d = arg()
		}
		m, err := binop("%", v, d)
		if err != nil {
			return false, err
		}
		if name == "odd" {
			return equal(m, int64(1)), nil
		}
		return equal(m, int64(0)), nil
	case "eq", "equalto", "==":
		return equal(v, arg()), nil
	case "ne", "!=":
		return !equal(v, arg()), nil
	case "lt", "lessthan", "<":
		return compare("<", v, arg())
	case "le", "<=":
		return compare("<=", v, arg())
	case "gt", "greaterthan", ">":
		return compare(">", v, arg())
	case "ge", ">=":
		return compare(">=", v, arg())
	case "in":
		return contains(arg(), v)
	case "filter":
		s, _ := v.(string)
		return filterExists(s), nil
	case "test":
		s, _ := v.(string)
		_, err := r.applyTest(s, nil, nil)
		return err == nil || !isNoSuchTest(err), nil
	}
	return false, &Error{Message: fmt.Sprintf("No test named '%s'.", name)}
}

func isNoSuchTest(err error) bool {
	e, ok := err.(*Error)
	return ok && len(e.Message) > 13 && e.Message[:13] == "No test named"
}
