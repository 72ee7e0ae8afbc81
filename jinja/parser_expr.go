package jinja

// Expression grammar, following jinja2's parser precedence:
// condexpr > or > and > not > compare > + - > ~ > * / // % > ** > unary >
// primary with postfix (. [] ()) and filters/tests.

// parseTuple parses "a, b, c" (a tuple when a comma appears). noCond
// disables the inline "x if y else z" at top level (for loop iterables).
func (p *parser) parseTuple(noCond bool) (expr, error) {
	ln := pos{p.cur().line}
	var items []expr
	isTuple := false
	for {
		if len(items) > 0 {
			if !p.skipOp(",") {
				break
			}
			isTuple = true
			if p.tupleEnds() {
				break
			}
		}
		e, err := p.parseExpr(!noCond)
		if err != nil {
			return nil, err
		}
		items = append(items, e)
	}
	if !isTuple {
		return items[0], nil
	}
	return &tupleExpr{ln, items}, nil
}

func (p *parser) tupleEnds() bool {
	t := p.cur()
	switch t.kind {
	case tVarEnd, tBlockEnd, tEOF:
		return true
	case tOp:
		return t.val == ")"
	case tName:
		return t.val == "recursive" || t.val == "if"
	}
	return false
}

func (p *parser) parseExpr(withCond bool) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if !withCond {
		return p.parseOr()
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.isName("if") {
		ln := pos{p.next().line}
		c, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var no expr
		if p.skipName("else") {
			if no, err = p.parseExpr(true); err != nil {
				return nil, err
			}
		}
		e = &condExpr{ln, c, e, no}
	}
	return e, nil
}

func (p *parser) parseOr() (expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isName("or") {
		ln := pos{p.next().line}
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &binExpr{ln, "or", l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (expr, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isName("and") {
		ln := pos{p.next().line}
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = &binExpr{ln, "and", l, r}
	}
	return l, nil
}

func (p *parser) parseNot() (expr, error) {
	if p.isName("not") {
		ln := pos{p.next().line}
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{ln, "not", x}, nil
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() (expr, error) {
	ln := pos{p.cur().line}
	first, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	c := &compareExpr{pos: ln, first: first}
	for {
		t := p.cur()
		var op string
		switch {
		case t.kind == tOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.next()
		case p.isName("in"):
			op = "in"
			p.next()
		case p.isName("not") && p.peek().kind == tName && p.peek().val == "in":
			op = "notin"
			p.next()
			p.next()
		}
		if op == "" {
			break
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		c.ops = append(c.ops, op)
		c.rest = append(c.rest, r)
	}
	if len(c.ops) == 0 {
		return first, nil
	}
	return c, nil
}

func (p *parser) parseMath1() (expr, error) {
	l, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		r, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos{t.line}, t.val, l, r}
	}
	return l, nil
}

func (p *parser) parseConcat() (expr, error) {
	l, err := p.parseMath2()
	if err != nil {
		return nil, err
	}
	for p.isOp("~") {
		t := p.next()
		r, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos{t.line}, "~", l, r}
	}
	return l, nil
}

func (p *parser) parseMath2() (expr, error) {
	l, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		t := p.next()
		r, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos{t.line}, t.val, l, r}
	}
	return l, nil
}

func (p *parser) parsePow() (expr, error) {
	l, err := p.parseUnary(true)
	if err != nil {
		return nil, err
	}
	for p.isOp("**") {
		t := p.next()
		r, err := p.parseUnary(true)
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos{t.line}, "**", l, r}
	}
	return l, nil
}

func (p *parser) parseUnary(withFilter bool) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.cur()
	var e expr
	var err error
	if t.kind == tOp && (t.val == "-" || t.val == "+") {
		p.next()
		x, err := p.parseUnary(false)
		if err != nil {
			return nil, err
		}
		e = &unaryExpr{pos{t.line}, t.val, x}
	} else if e, err = p.parsePrimary(); err != nil {
		return nil, err
	}
	if e, err = p.parsePostfix(e); err != nil {
		return nil, err
	}
	if withFilter {
		return p.parseFilterTests(e)
	}
	return e, nil
}

func (p *parser) parsePrimary() (expr, error) {
	t := p.cur()
	ln := pos{t.line}
	switch t.kind {
	case tName:
		p.next()
		switch t.val {
		case "true", "True":
			return &constExpr{ln, true}, nil
		case "false", "False":
			return &constExpr{ln, false}, nil
		case "none", "None":
			return &constExpr{ln, nil}, nil
		}
		return &nameExpr{ln, t.val}, nil
	case tString:
		p.next()
		s := t.val
		for p.cur().kind == tString {
			s += p.next().val
		}
		return &constExpr{ln, s}, nil
	case tInt, tFloat:
		p.next()
		return &constExpr{ln, t.num}, nil
	case tOp:
		switch t.val {
		case "(":
			p.next()
			if p.skipOp(")") {
				return &tupleExpr{ln, nil}, nil
			}
			e, err := p.parseTuple(false)
			if err != nil {
				return nil, err
			}
			return e, p.expectOp(")")
		case "[":
			p.next()
			l := &listExpr{pos: ln}
			for !p.isOp("]") {
				if len(l.items) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.isOp("]") {
						break
					}
				}
				e, err := p.parseExpr(true)
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, e)
			}
			p.next()
			return l, nil
		case "{":
			p.next()
			d := &dictExpr{pos: ln}
			for !p.isOp("}") {
				if len(d.keys) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.isOp("}") {
						break
					}
				}
				k, err := p.parseExpr(true)
				if err != nil {
					return nil, err
				}
				if err := p.expectOp(":"); err != nil {
					return nil, err
				}
				v, err := p.parseExpr(true)
				if err != nil {
					return nil, err
				}
				d.keys = append(d.keys, k)
				d.vals = append(d.vals, v)
			}
			p.next()
			return d, nil
		}
	}
	if t.kind == tVarEnd || t.kind == tBlockEnd || t.kind == tEOF {
		return nil, syntaxErr(t.line, "Expected an expression, got '%s'", t.describe())
	}
	return nil, syntaxErr(t.line, "unexpected %s", t.describe())
}

func (p *parser) parsePostfix(e expr) (expr, error) {
	for {
		t := p.cur()
		if t.kind != tOp {
			return e, nil
		}
		var err error
		switch t.val {
		case ".":
			p.next()
			a := p.next()
			switch a.kind {
			case tName:
				e = &getattrExpr{pos{t.line}, e, a.val}
			case tInt:
				e = &getitemExpr{pos{t.line}, e, &constExpr{pos{t.line}, a.num}}
			default:
				return nil, syntaxErr(a.line, "expected name or number")
			}
		case "[":
			p.next()
			if e, err = p.parseSubscript(e, pos{t.line}); err != nil {
				return nil, err
			}
		case "(":
			if e, err = p.parseCall(e); err != nil {
				return nil, err
			}
		default:
			return e, nil
		}
	}
}

func (p *parser) parseSubscript(obj expr, ln pos) (expr, error) {
	var parts [3]expr
	n := 0
	isSlice := false
	for {
		if !p.isOp(":") && !p.isOp("]") {
			e, err := p.parseExpr(true)
			if err != nil {
				return nil, err
			}
			parts[n] = e
		}
		if p.isOp(":") && n < 2 {
			p.next()
			isSlice = true
			n++
			continue
		}
		break
	}
	if err := p.expectOp("]"); err != nil {
		return nil, err
	}
	if !isSlice {
		if parts[0] == nil {
			return nil, syntaxErr(ln.line, "expected subscript expression")
		}
		return &getitemExpr{ln, obj, parts[0]}, nil
	}
	return &getitemExpr{ln, obj, &sliceExpr{ln, parts[0], parts[1], parts[2]}}, nil
}

// parseArgs parses "(a, b, k=v, *x, **y)".
func (p *parser) parseArgs() (args []expr, kwNames []string, kwVals []expr, star, dstar expr, err error) {
	if err = p.expectOp("("); err != nil {
		return
	}
	first := true
	for !p.isOp(")") {
		if !first {
			if err = p.expectOp(","); err != nil {
				return
			}
			if p.isOp(")") {
				break
			}
		}
		first = false
		switch {
		case p.isOp("*"):
			p.next()
			if star, err = p.parseExpr(true); err != nil {
				return
			}
		case p.isOp("**"):
			p.next()
			if dstar, err = p.parseExpr(true); err != nil {
				return
			}
		case p.cur().kind == tName && p.peek().kind == tOp && p.peek().val == "=":
			name := p.next().val
			p.next()
			var v expr
			if v, err = p.parseExpr(true); err != nil {
				return
			}
			kwNames = append(kwNames, name)
			kwVals = append(kwVals, v)
		default:
			if len(kwNames) > 0 {
				err = syntaxErr(p.cur().line, "positional argument follows keyword argument")
				return
			}
			var v expr
			if v, err = p.parseExpr(true); err != nil {
				return
			}
			args = append(args, v)
		}
	}
	p.next()
	return
}

func (p *parser) parseCall(fn expr) (expr, error) {
	ln := pos{p.cur().line}
	args, kn, kv, star, dstar, err := p.parseArgs()
	if err != nil {
		return nil, err
	}
	return &callExpr{ln, fn, args, kn, kv, star, dstar}, nil
}

// parseFilterChain parses "|f1(args)|f2" (the leading | optional when
// operand is nil, as in {% filter f %}).
func (p *parser) parseFilterChain(operand expr) (*filterExpr, error) {
	var f *filterExpr
	first := true
	for first || p.isOp("|") {
		if !first || p.isOp("|") {
			p.next()
		}
		first = false
		t := p.cur()
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		for p.isOp(".") {
			p.next()
			part, err := p.expectName()
			if err != nil {
				return nil, err
			}
			name += "." + part
		}
		nf := &filterExpr{pos: pos{t.line}, name: name}
		if f != nil {
			nf.operand = f
		} else {
			nf.operand = operand
		}
		if p.isOp("(") {
			args, kn, kv, _, _, err := p.parseArgs()
			if err != nil {
				return nil, err
			}
			nf.args, nf.kwNames, nf.kwVals = args, kn, kv
		}
		f = nf
	}
	return f, nil
}

func (p *parser) parseFilterTests(e expr) (expr, error) {
	for {
		switch {
		case p.isOp("|"):
			f, err := p.parseFilterChain(e)
			if err != nil {
				return nil, err
			}
			e = f
		case p.isName("is"):
			t := p.next()
			negate := p.skipName("not")
			name, err := p.expectName()
			if err != nil {
				return nil, err
			}
			for p.isOp(".") {
				p.next()
				part, err := p.expectName()
				if err != nil {
					return nil, err
				}
				name += "." + part
			}
			te := &testExpr{pos: pos{t.line}, operand: e, name: name, negate: negate}
			c := p.cur()
			if p.isOp("(") {
				args, _, _, _, _, err := p.parseArgs()
				if err != nil {
					return nil, err
				}
				te.args = args
			} else if (c.kind == tName || c.kind == tString || c.kind == tInt || c.kind == tFloat || (c.kind == tOp && (c.val == "[" || c.val == "{"))) &&
				!(c.kind == tName && (c.val == "else" || c.val == "or" || c.val == "and")) {
				if c.kind == tName && c.val == "is" {
					return nil, syntaxErr(c.line, "You cannot chain multiple tests with is")
				}
				a, err := p.parsePrimary()
				if err != nil {
					return nil, err
				}
				if a, err = p.parsePostfix(a); err != nil {
					return nil, err
				}
				te.args = []expr{a}
			}
			e = te
		case p.isOp("("):
			var err error
			if e, err = p.parseCall(e); err != nil {
				return nil, err
			}
		default:
			return e, nil
		}
	}
}
