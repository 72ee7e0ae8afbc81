package jinja

import (
	"fmt"
	"unicode/utf8"
)

// Subscripts, slices and attribute lookup, as jinja2's sandbox does them.

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
