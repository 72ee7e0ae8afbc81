package jinja

// Statement nodes (what a template body is made of).
type node interface{ nodeLine() int }

type pos struct{ line int }

func (p pos) nodeLine() int { return p.line }

type textNode struct {
	pos
	text string
}

type outputNode struct {
	pos
	expr expr
}

type ifNode struct {
	pos
	conds  []expr
	bodies [][]node
	els    []node
}

type forNode struct {
	pos
	target    expr // nameExpr or tupleExpr of names
	iter      expr
	cond      expr // optional "if" filter
	body, els []node
	recursive bool
}

type setNode struct {
	pos
	target expr // nameExpr, tupleExpr or getattrExpr (namespace attribute)
	value  expr
	body   []node      // block form: {% set x %}...{% endset %}
	filter *filterExpr // block form's optional filter chain
}

type macroNode struct {
	pos
	name     string
	params   []string
	defaults []expr // per param, nil when it has none
	body     []node

	usesVarargs, usesKwargs, usesCaller bool
}

type callBlockNode struct {
	pos
	call   *callExpr
	params []string
	defs   []expr
	body   []node
}

type filterBlockNode struct {
	pos
	filter *filterExpr // chain; innermost operand is nil (the body)
	body   []node
}

type breakNode struct{ pos }
type continueNode struct{ pos }

// Expression nodes.
type expr interface{ nodeLine() int }

type constExpr struct {
	pos
	v Value
}

type nameExpr struct {
	pos
	name string
}

type listExpr struct {
	pos
	items []expr
}

type tupleExpr struct {
	pos
	items []expr
}

type dictExpr struct {
	pos
	keys, vals []expr
}

type getattrExpr struct {
	pos
	obj  expr
	name string
}

type getitemExpr struct {
	pos
	obj expr
	key expr
}

type sliceExpr struct {
	pos
	start, stop, step expr // nil when omitted
}

type callExpr struct {
	pos
	fn        expr
	args      []expr
	kwNames   []string
	kwVals    []expr
	starArgs  expr
	dstarArgs expr
}

type filterExpr struct {
	pos
	operand expr // nil inside {% filter %} blocks: the body
	name    string
	args    []expr
	kwNames []string
	kwVals  []expr
}

type testExpr struct {
	pos
	operand expr
	name    string
	args    []expr
	negate  bool
}

type binExpr struct {
	pos
	op   string // + - * / // % ** ~ and or
	l, r expr
}

type unaryExpr struct {
	pos
	op string // not - +
	x  expr
}

type compareExpr struct {
	pos
	first expr
	ops   []string // == != < <= > >= in notin
	rest  []expr
}

type condExpr struct {
	pos
	cond, yes, no expr // no may be nil: undefined
}
