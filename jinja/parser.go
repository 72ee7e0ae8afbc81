package jinja

import (
	"strings"
)

// maxNesting bounds parser recursion so hostile templates fail cleanly.
const maxNesting = 400

type parser struct {
	toks  []token
	i     int
	depth int
}

// Template is a parsed template, safe to render concurrently.
type Template struct {
	body []node
}

// Parse parses template source.
func Parse(src string) (*Template, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	body, end, err := p.parseBody(nil)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, syntaxErr(p.cur().line, "Encountered unknown tag '%s'.", end)
	}
	return &Template{body: body}, nil
}

func (p *parser) cur() token  { return p.toks[p.i] }
func (p *parser) peek() token { return p.toks[min(p.i+1, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) isOp(op string) bool {
	t := p.cur()
	return t.kind == tOp && t.val == op
}

func (p *parser) isName(name string) bool {
	t := p.cur()
	return t.kind == tName && t.val == name
}

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) skipName(name string) bool {
	if p.isName(name) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectOp(op string) error {
	if !p.skipOp(op) {
		t := p.cur()
		return syntaxErr(t.line, "expected token '%s', got %s", op, t.describe())
	}
	return nil
}

func (p *parser) expectName() (string, error) {
	t := p.cur()
	if t.kind != tName {
		return "", syntaxErr(t.line, "expected name, got %s", t.describe())
	}
	p.next()
	return t.val, nil
}

func (p *parser) expectBlockEnd() error {
	t := p.cur()
	if t.kind != tBlockEnd {
		return syntaxErr(t.line, "expected token 'end of statement block', got %s", t.describe())
	}
	p.next()
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return syntaxErr(p.cur().line, "template nested too deeply")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// parseBody parses nodes until one of the end tags (the tag name is
// returned, its block start consumed, the rest of the tag not) or EOF.
func (p *parser) parseBody(ends []string) ([]node, string, error) {
	if err := p.enter(); err != nil {
		return nil, "", err
	}
	defer p.leave()
	var body []node
	for {
		t := p.cur()
		switch t.kind {
		case tEOF:
			if len(ends) > 0 {
				return nil, "", syntaxErr(t.line, "Unexpected end of template. Jinja was looking for the following tags: %s.", quoteTags(ends))
			}
			return body, "", nil
		case tText:
			p.next()
			body = append(body, &textNode{pos{t.line}, t.val})
		case tVarBegin:
			p.next()
			e, err := p.parseTuple(false)
			if err != nil {
				return nil, "", err
			}
			if p.cur().kind != tVarEnd {
				return nil, "", syntaxErr(p.cur().line, "expected token 'end of print statement', got %s", p.cur().describe())
			}
			p.next()
			body = append(body, &outputNode{pos{t.line}, e})
		case tBlockBegin:
			p.next()
			nt := p.cur()
			if nt.kind != tName {
				return nil, "", syntaxErr(nt.line, "tag name expected")
			}
			for _, e := range ends {
				if nt.val == e {
					p.next()
					return body, e, nil
				}
			}
			n, err := p.parseStatement()
			if err != nil {
				return nil, "", err
			}
			if n != nil {
				body = append(body, n...)
			}
		default:
			return nil, "", syntaxErr(t.line, "unexpected %s", t.describe())
		}
	}
}

func quoteTags(ends []string) string {
	q := make([]string, len(ends))
	for i, e := range ends {
		q[i] = "'" + e + "'"
	}
	return strings.Join(q, " or ")
}

func (p *parser) parseStatement() ([]node, error) {
	t := p.next()
	ln := pos{t.line}
	switch t.val {
	case "if":
		n, err := p.parseIf(ln)
		return []node{n}, err
	case "for":
		n, err := p.parseFor(ln)
		return []node{n}, err
	case "set":
		n, err := p.parseSet(ln)
		return []node{n}, err
	case "macro":
		n, err := p.parseMacro(ln)
		return []node{n}, err
	case "call":
		n, err := p.parseCallBlock(ln)
		return []node{n}, err
	case "filter":
		f, err := p.parseFilterChain(nil)
		if err != nil {
			return nil, err
		}
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		body, err := p.parseEnd("endfilter")
		return []node{&filterBlockNode{ln, f, body}}, err
	case "break", "continue":
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		if t.val == "break" {
			return []node{&breakNode{ln}}, nil
		}
		return []node{&continueNode{ln}}, nil
	case "generation":
		// transformers' AssistantTracker tag: renders its body unchanged.
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		return p.parseEnd("endgeneration")
	}
	return nil, syntaxErr(t.line, "Encountered unknown tag '%s'.", t.val)
}

// parseEnd parses a body up to {% end %} and consumes that tag.
func (p *parser) parseEnd(end string) ([]node, error) {
	body, _, err := p.parseBody([]string{end})
	if err != nil {
		return nil, err
	}
	return body, p.expectBlockEnd()
}

func (p *parser) parseIf(ln pos) (node, error) {
	n := &ifNode{pos: ln}
	for {
		c, err := p.parseTuple(false)
		if err != nil {
			return nil, err
		}
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		body, end, err := p.parseBody([]string{"elif", "else", "endif"})
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, c)
		n.bodies = append(n.bodies, body)
		switch end {
		case "elif":
			continue
		case "else":
			if err := p.expectBlockEnd(); err != nil {
				return nil, err
			}
			n.els, err = p.parseEnd("endif")
			return n, err
		default:
			return n, p.expectBlockEnd()
		}
	}
}

func (p *parser) parseAssignTarget(allowAttr bool) (expr, error) {
	t := p.cur()
	var items []expr
	for {
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		var e expr = &nameExpr{pos{t.line}, name}
		if allowAttr && p.isOp(".") && len(items) == 0 {
			p.next()
			attr, err := p.expectName()
			if err != nil {
				return nil, err
			}
			return &getattrExpr{pos{t.line}, e, attr}, nil
		}
		items = append(items, e)
		if !p.skipOp(",") {
			break
		}
		if p.cur().kind != tName {
			break
		}
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return &tupleExpr{pos{t.line}, items}, nil
}

func (p *parser) parseFor(ln pos) (node, error) {
	n := &forNode{pos: ln}
	var err error
	if p.skipOp("(") {
		n.target, err = p.parseAssignTarget(false)
		if err == nil {
			err = p.expectOp(")")
		}
	} else {
		n.target, err = p.parseAssignTarget(false)
	}
	if err != nil {
		return nil, err
	}
	if !p.skipName("in") {
		return nil, syntaxErr(p.cur().line, "expected token 'in', got %s", p.cur().describe())
	}
	if n.iter, err = p.parseTuple(true); err != nil {
		return nil, err
	}
	if p.skipName("if") {
		if n.cond, err = p.parseExpr(true); err != nil {
			return nil, err
		}
	}
	n.recursive = p.skipName("recursive")
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	body, end, err := p.parseBody([]string{"endfor", "else"})
	if err != nil {
		return nil, err
	}
	n.body = body
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	if end == "else" {
		n.els, err = p.parseEnd("endfor")
	}
	return n, err
}

func (p *parser) parseSet(ln pos) (node, error) {
	target, err := p.parseAssignTarget(true)
	if err != nil {
		return nil, err
	}
	if p.skipOp("=") {
		v, err := p.parseTuple(false)
		if err != nil {
			return nil, err
		}
		return &setNode{pos: ln, target: target, value: v}, p.expectBlockEnd()
	}
	n := &setNode{pos: ln, target: target}
	if p.isOp("|") {
		if n.filter, err = p.parseFilterChain(nil); err != nil {
			return nil, err
		}
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	n.body, err = p.parseEnd("endset")
	return n, err
}

func (p *parser) parseSignature() ([]string, []expr, error) {
	var names []string
	var defs []expr
	if err := p.expectOp("("); err != nil {
		return nil, nil, err
	}
	for !p.isOp(")") {
		if len(names) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, nil, err
			}
			if p.isOp(")") {
				break
			}
		}
		name, err := p.expectName()
		if err != nil {
			return nil, nil, err
		}
		var def expr
		if p.skipOp("=") {
			if def, err = p.parseExpr(true); err != nil {
				return nil, nil, err
			}
		}
		names = append(names, name)
		defs = append(defs, def)
	}
	p.next()
	return names, defs, nil
}

func (p *parser) parseMacro(ln pos) (node, error) {
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	params, defs, err := p.parseSignature()
	if err != nil {
		return nil, err
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	start := p.i
	body, err := p.parseEnd("endmacro")
	n := &macroNode{pos: ln, name: name, params: params, defaults: defs, body: body}
	// Like jinja2, a macro accepts extra arguments only if its body
	// mentions varargs / kwargs.
	for _, t := range p.toks[start:p.i] {
		if t.kind == tName {
			n.usesVarargs = n.usesVarargs || t.val == "varargs"
			n.usesKwargs = n.usesKwargs || t.val == "kwargs"
			n.usesCaller = n.usesCaller || t.val == "caller"
		}
	}
	return n, err
}

func (p *parser) parseCallBlock(ln pos) (node, error) {
	n := &callBlockNode{pos: ln}
	var err error
	if p.isOp("(") {
		if n.params, n.defs, err = p.parseSignature(); err != nil {
			return nil, err
		}
	}
	e, err := p.parseExpr(true)
	if err != nil {
		return nil, err
	}
	c, ok := e.(*callExpr)
	if !ok {
		return nil, syntaxErr(ln.line, "expected call")
	}
	n.call = c
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	n.body, err = p.parseEnd("endcall")
	return n, err
}
