package jinja

import (
	"errors"
	"fmt"
	"strings"
)

// Limits that keep hostile templates from hanging or exhausting memory.
const (
	maxCallDepth  = 250      // nested macro calls (Python's recursion limit analogue)
	maxExprDepth  = 10000    // nested expression evaluations (chains of attributes, filters, operators)
	maxOutputSize = 16 << 20 // bytes of rendered text (and of any built string); prompts are far smaller
)

// maxSteps bounds loop iterations + statements executed (a var so tests
// can lower it).
var maxSteps = 5_000_000

type frame struct {
	vars   map[string]Value
	parent *frame
}

func newFrame(parent *frame) *frame { return &frame{vars: map[string]Value{}, parent: parent} }

func (f *frame) lookup(name string) (Value, bool) {
	for ; f != nil; f = f.parent {
		if v, ok := f.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// Macro is a template macro (or a call block's caller).
type Macro struct {
	name     string
	params   []string
	defaults []expr
	body     []node
	scope    *frame
	caller   bool

	varargs, kwargs, acceptsCaller bool // extra arguments it accepts
}

type renderer struct {
	out       *strings.Builder
	steps     int
	depth     int
	exprDepth int // nested eval calls, across macro calls
}

var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

// errAt wraps err as an *Error at line unless it already is one.
func errAt(line int, err error) error {
	if err == nil || err == errBreak || err == errContinue {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Line == 0 {
			e.Line = line
		}
		return e
	}
	return &Error{Message: err.Error(), Line: line}
}

func fail(line int, format string, args ...any) error {
	return &Error{Message: fmt.Sprintf(format, args...), Line: line}
}

// undefErr is the error an operation on an undefined value raises.
func undefErr(u Undefined) error { return &Error{Message: u.message()} }

// Render renders the template with the given variables (converted with
// FromGo). It never panics; errors are *Error.
func (t *Template) Render(vars map[string]any) (out string, err error) {
	r := &renderer{out: &strings.Builder{}}
	globals := newFrame(nil)
	for k, v := range builtinGlobals() {
		globals.vars[k] = v
	}
	ctx := newFrame(globals)
	for k, v := range vars {
		ctx.vars[k] = FromGo(v)
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = "", &Error{Message: fmt.Sprintf("internal error: %v", p)}
		}
	}()
	if err := r.exec(t.body, ctx); err != nil {
		if err == errBreak || err == errContinue {
			return "", &Error{Message: "break or continue outside a loop"}
		}
		return "", err
	}
	return r.out.String(), nil
}

func (r *renderer) step(line int) error {
	r.steps++
	if r.steps > maxSteps {
		return fail(line, "template exceeded %d steps", maxSteps)
	}
	if r.out.Len() > maxOutputSize {
		return fail(line, "template output exceeded %d bytes", maxOutputSize)
	}
	return nil
}

// capture renders body into a fresh buffer and returns its text.
func (r *renderer) capture(body []node, f *frame) (string, error) {
	saved := r.out
	r.out = &strings.Builder{}
	err := r.exec(body, f)
	s := r.out.String()
	r.out = saved
	return s, err
}

func (r *renderer) exec(body []node, f *frame) error {
	for _, n := range body {
		if err := r.step(n.nodeLine()); err != nil {
			return err
		}
		if err := r.execNode(n, f); err != nil {
			return errAt(n.nodeLine(), err)
		}
	}
	return nil
}

func (r *renderer) execNode(n node, f *frame) error {
	switch n := n.(type) {
	case *textNode:
		r.out.WriteString(n.text)
	case *outputNode:
		v, err := r.eval(n.expr, f)
		if err != nil {
			return err
		}
		r.out.WriteString(str(v))
	case *ifNode:
		for i, c := range n.conds {
			v, err := r.eval(c, f)
			if err != nil {
				return err
			}
			if truthy(v) {
				return r.exec(n.bodies[i], f)
			}
		}
		return r.exec(n.els, f)
	case *forNode:
		return r.execFor(n, f)
	case *setNode:
		var v Value
		if n.body != nil || n.value == nil {
			s, err := r.capture(n.body, f)
			if err != nil {
				return err
			}
			v = s
			if n.filter != nil {
				if v, err = r.applyFilterChain(n.filter, v, f); err != nil {
					return err
				}
			}
		} else {
			var err error
			if v, err = r.eval(n.value, f); err != nil {
				return err
			}
		}
		return r.assign(n.target, v, f)
	case *macroNode:
		f.vars[n.name] = &Macro{name: n.name, params: n.params, defaults: n.defaults, body: n.body, scope: f,
			varargs: n.usesVarargs, kwargs: n.usesKwargs, acceptsCaller: n.usesCaller}
	case *callBlockNode:
		caller := &Macro{name: "caller", params: n.params, defaults: n.defs, body: n.body, scope: f, caller: true,
			varargs: true, kwargs: true}
		fn, err := r.eval(n.call.fn, f)
		if err != nil {
			return err
		}
		args, kw, err := r.evalArgs(n.call, f)
		if err != nil {
			return err
		}
		_ = kw.Set("caller", caller)
		v, err := r.call(fn, args, kw)
		if err != nil {
			return err
		}
		r.out.WriteString(str(v))
	case *filterBlockNode:
		s, err := r.capture(n.body, f)
		if err != nil {
			return err
		}
		v, err := r.applyFilterChain(n.filter, s, f)
		if err != nil {
			return err
		}
		r.out.WriteString(str(v))
	case *breakNode:
		return errBreak
	case *continueNode:
		return errContinue
	default:
		return fmt.Errorf("unknown node %T", n)
	}
	return nil
}

// applyFilterChain applies a chain whose innermost operand is nil to v.
func (r *renderer) applyFilterChain(fe *filterExpr, v Value, f *frame) (Value, error) {
	if fe.operand != nil {
		inner, ok := fe.operand.(*filterExpr)
		if !ok {
			return nil, fmt.Errorf("bad filter chain")
		}
		var err error
		if v, err = r.applyFilterChain(inner, v, f); err != nil {
			return nil, err
		}
	}
	return r.applyFilter(fe, v, f)
}

func (r *renderer) assign(target expr, v Value, f *frame) error {
	switch t := target.(type) {
	case *nameExpr:
		f.vars[t.name] = v
		return nil
	case *tupleExpr:
		items, err := r.unpack(v, len(t.items))
		if err != nil {
			return err
		}
		for i, it := range t.items {
			if err := r.assign(it, items[i], f); err != nil {
				return err
			}
		}
		return nil
	case *getattrExpr:
		obj, err := r.eval(t.obj, f)
		if err != nil {
			return err
		}
		ns, ok := obj.(*Namespace)
		if !ok {
			return fmt.Errorf("cannot assign attribute on non-namespace object")
		}
		return ns.attrs.Set(t.name, v)
	}
	return fmt.Errorf("cannot assign to %T", target)
}

func (r *renderer) unpack(v Value, n int) ([]Value, error) {
	items, err := r.iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) != n {
		if len(items) > n {
			return nil, fmt.Errorf("too many values to unpack (expected %d)", n)
		}
		return nil, fmt.Errorf("not enough values to unpack (expected %d, got %d)", n, len(items))
	}
	return items, nil
}

// iterate lists the items a for loop visits.
func (r *renderer) iterate(v Value) ([]Value, error) {
	switch x := plain(v).(type) {
	case *generator:
		if x.used {
			return nil, nil
		}
		x.used = true
		if x.thunk != nil {
			return x.thunk()
		}
		return x.items, nil
	case []Value:
		return x, nil
	case Tuple:
		return x, nil
	case *Dict:
		return x.Keys(), nil
	case string:
		out := make([]Value, 0, len(x))
		for _, c := range x {
			out = append(out, string(c))
		}
		return out, nil
	case Undefined:
		return nil, nil
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

type loopState struct {
	items  []Value
	index0 int
	// lastChanged is what loop.changed compares against.
	lastChanged []Value
	hasChanged  bool
	depth       int
	recurse     func(Value) (Value, error) // loop(...) in recursive loops
}

func (r *renderer) execFor(n *forNode, f *frame) error {
	iv, err := r.eval(n.iter, f)
	if err != nil {
		return err
	}
	return r.loop(n, f, iv, 1)
}

// loop runs a for loop over iv; depth counts recursive loop() calls.
func (r *renderer) loop(n *forNode, f *frame, iv Value, depth int) error {
	if depth > maxCallDepth {
		return fmt.Errorf("maximum recursion depth exceeded")
	}
	items, err := r.iterate(iv)
	if err != nil {
		return err
	}
	if n.cond != nil {
		var kept []Value
		for _, it := range items {
			if err := r.step(n.line); err != nil {
				return err
			}
			inner := newFrame(f)
			if err := r.assign(n.target, it, inner); err != nil {
				return err
			}
			c, err := r.eval(n.cond, inner)
			if err != nil {
				return err
			}
			if truthy(c) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		return r.exec(n.els, f)
	}
	ls := &loopState{items: items, depth: depth}
	if n.recursive {
		ls.recurse = func(v Value) (Value, error) {
			saved := r.out
			r.out = &strings.Builder{}
			err := r.loop(n, f, v, depth+1)
			s := r.out.String()
			r.out = saved
			return s, err
		}
	}
	for i, it := range items {
		if err := r.step(n.line); err != nil {
			return err
		}
		ls.index0 = i
		inner := newFrame(f)
		inner.vars["loop"] = ls
		if err := r.assign(n.target, it, inner); err != nil {
			return err
		}
		err := r.exec(n.body, inner)
		if err == errBreak {
			break
		}
		if err != nil && err != errContinue {
			return err
		}
	}
	return nil
}

func (ls *loopState) attr(name string) (Value, bool) {
	n := len(ls.items)
	i := ls.index0
	switch name {
	case "index":
		return int64(i + 1), true
	case "index0":
		return int64(i), true
	case "revindex":
		return int64(n - i), true
	case "revindex0":
		return int64(n - i - 1), true
	case "first":
		return i == 0, true
	case "last":
		return i == n-1, true
	case "length":
		return int64(n), true
	case "depth":
		return int64(ls.depth), true
	case "depth0":
		return int64(ls.depth - 1), true
	case "previtem":
		if i == 0 {
			return Undefined{Hint: "there is no previous item"}, true
		}
		return ls.items[i-1], true
	case "nextitem":
		if i == n-1 {
			return Undefined{Hint: "there is no next item"}, true
		}
		return ls.items[i+1], true
	case "cycle", "changed":
		return boundMethod{ls, name}, true
	}
	return nil, false
}

func (r *renderer) evalArgs(c *callExpr, f *frame) ([]Value, *Dict, error) {
	var args []Value
	for _, a := range c.args {
		v, err := r.eval(a, f)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, v)
	}
	if c.starArgs != nil {
		v, err := r.eval(c.starArgs, f)
		if err != nil {
			return nil, nil, err
		}
		more, err := r.iterate(v)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, more...)
	}
	kw := NewDict()
	for i, name := range c.kwNames {
		v, err := r.eval(c.kwVals[i], f)
		if err != nil {
			return nil, nil, err
		}
		_ = kw.Set(name, v)
	}
	if c.dstarArgs != nil {
		v, err := r.eval(c.dstarArgs, f)
		if err != nil {
			return nil, nil, err
		}
		d, ok := v.(*Dict)
		if !ok {
			return nil, nil, fmt.Errorf("argument after ** must be a mapping, not %s", typeName(v))
		}
		for i, k := range d.keys {
			_ = kw.Set(k, d.vals[i])
		}
	}
	return args, kw, nil
}

func (r *renderer) call(fn Value, args []Value, kw *Dict) (Value, error) {
	if kw == nil {
		kw = NewDict()
	}
	switch x := fn.(type) {
	case *Macro:
		return r.callMacro(x, args, kw)
	case Func:
		return x(args, kw)
	case boundMethod:
		return r.callMethod(x, args, kw)
	case *loopState:
		if x.recurse != nil && len(args) == 1 {
			return x.recurse(args[0])
		}
		return nil, fmt.Errorf("'LoopContext' object is not callable")
	case Undefined:
		return nil, undefErr(x)
	}
	return nil, fmt.Errorf("'%s' object is not callable", typeName(fn))
}

func (r *renderer) callMacro(m *Macro, args []Value, kw *Dict) (Value, error) {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxCallDepth {
		return nil, fmt.Errorf("maximum recursion depth exceeded")
	}
	f := newFrame(m.scope)
	var extra []Value
	for i, a := range args {
		if i < len(m.params) {
			f.vars[m.params[i]] = a
		} else {
			extra = append(extra, a)
		}
	}
	kwargs := NewDict()
	for i, k := range kw.keys {
		name, _ := k.(string)
		found := false
		for _, p := range m.params {
			if p == name {
				f.vars[name] = kw.vals[i]
				found = true
				break
			}
		}
		if !found {
			if name == "caller" && m.acceptsCaller {
				f.vars["caller"] = kw.vals[i]
				continue
			}
			if !m.kwargs {
				return nil, fmt.Errorf("macro '%s' takes no keyword argument '%s'", m.name, name)
			}
			_ = kwargs.Set(name, kw.vals[i])
		}
	}
	if len(extra) > 0 && !m.varargs {
		return nil, fmt.Errorf("macro '%s' takes not more than %d argument(s)", m.name, len(m.params))
	}
	for i, p := range m.params {
		if _, ok := f.vars[p]; ok {
			continue
		}
		if m.defaults[i] != nil {
			v, err := r.eval(m.defaults[i], f)
			if err != nil {
				return nil, err
			}
			f.vars[p] = v
		} else {
			f.vars[p] = Undefined{Name: p, Hint: fmt.Sprintf("parameter %s was not provided", reprString(p))}
		}
	}
	if extra == nil {
		extra = []Value{}
	}
	f.vars["varargs"] = Tuple(extra)
	f.vars["kwargs"] = kwargs
	return r.capture(m.body, f)
}
