package jinja

import (
	"fmt"
)

func (r *renderer) eval(e expr, f *frame) (Value, error) {
	// The parser builds chains (a.b.c..., x|f|g..., a ~ b ~ c ...) in loops,
	// so their length is not bounded by its nesting limit; evaluation
	// recurses along them, and a million links would overflow the stack,
	// which no recover catches.
	r.exprDepth++
	defer func() { r.exprDepth-- }()
	if r.exprDepth > maxExprDepth {
		return nil, fail(e.nodeLine(), "expression nested too deeply (over %d levels)", maxExprDepth)
	}
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
