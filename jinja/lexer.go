package jinja

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tText tokKind = iota
	tVarBegin
	tVarEnd
	tBlockBegin
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp
	tEOF
)

type token struct {
	kind tokKind
	val  string // text, name, operator, or decoded string literal
	num  Value  // int64 or float64 for numbers
	line int
}

func (t token) describe() string {
	switch t.kind {
	case tText:
		return "template data"
	case tVarBegin:
		return "begin of print statement"
	case tVarEnd:
		return "end of print statement"
	case tBlockBegin:
		return "begin of statement block"
	case tBlockEnd:
		return "end of statement block"
	case tEOF:
		return "end of template"
	case tString:
		return "string"
	case tInt, tFloat:
		return "number"
	}
	return "'" + t.val + "'"
}

// Error is a template error: a syntax error found while parsing or an
// error raised while rendering (including raise_exception). Message is
// what Python's jinja2 would say; Line is the template line (1-based, 0
// when unknown).
type Error struct {
	Message string
	Line    int
	Syntax  bool
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (template line %d)", e.Message, e.Line)
	}
	return e.Message
}

func syntaxErr(line int, format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...), Line: line, Syntax: true}
}

// normalizeSource does what jinja2 does before lexing: split lines as
// Python's str.splitlines (so \r\n, \r and friends become \n) and drop
// one trailing newline (keep_trailing_newline is off).
func normalizeSource(src string) string {
	return strings.Join(splitLines(src, false), "\n")
}

type lexer struct {
	src          string
	pos          int
	line         int
	toks         []token
	lineStarting bool
}

func isPySpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func (lx *lexer) emit(kind tokKind, val string, line int) {
	lx.toks = append(lx.toks, token{kind: kind, val: val, line: line})
}

// advance moves pos to p, counting newlines.
func (lx *lexer) advance(p int) {
	lx.line += strings.Count(lx.src[lx.pos:p], "\n")
	lx.pos = p
}

// emitText emits the text before a tag, applying the tag's whitespace
// control ('-' strips all whitespace) or lstrip_blocks for block and
// comment tags.
func (lx *lexer) emitText(text string, sign byte, lstrip bool) {
	line := lx.line
	if sign == '-' {
		text = strings.TrimRightFunc(text, pyIsSpace)
	} else if sign != '+' && lstrip {
		l := strings.LastIndexByte(text, '\n') + 1
		if l > 0 || lx.lineStarting {
			rest := text[l:]
			if rest != "" && strings.TrimLeftFunc(rest, pyIsSpace) == "" {
				text = text[:l]
			}
		}
	}
	if text != "" {
		lx.emit(tText, text, line)
	}
}

// afterTagEnd applies the closing whitespace control at p (just past the
// closing delimiter): '-' eats all whitespace; trim_blocks eats one newline
// after block and comment tags.
func (lx *lexer) afterTagEnd(p int, sign byte, trim bool) int {
	if sign == '-' {
		for p < len(lx.src) && isPySpaceByte(lx.src[p]) {
			p++
		}
	} else if sign != '+' && trim && p < len(lx.src) && lx.src[p] == '\n' {
		p++
	}
	lx.lineStarting = p > 0 && lx.src[p-1] == '\n'
	return p
}

func tokenize(src string) ([]token, error) {
	lx := &lexer{src: normalizeSource(src), line: 1, lineStarting: true}
	if err := lx.run(); err != nil {
		return nil, err
	}
	lx.emit(tEOF, "", lx.line)
	return lx.toks, nil
}

func (lx *lexer) run() error {
	src := lx.src
	for lx.pos < len(src) {
		idx := -1
		for i := lx.pos; i+1 < len(src); i++ {
			if src[i] == '{' && (src[i+1] == '{' || src[i+1] == '%' || src[i+1] == '#') {
				idx = i
				break
			}
		}
		if idx < 0 {
			lx.emit(tText, src[lx.pos:], lx.line)
			lx.advance(len(src))
			break
		}
		kind := src[idx+1]
		var sign byte
		if idx+2 < len(src) && (src[idx+2] == '-' || src[idx+2] == '+') {
			sign = src[idx+2]
		}
		lx.emitText(src[lx.pos:idx], sign, kind != '{')
		lx.advance(idx)
		p := idx + 2
		if sign != 0 {
			p++
		}
		switch kind {
		case '#':
			j := strings.Index(src[p:], "#}")
			if j < 0 {
				return syntaxErr(lx.line, "Missing end of comment tag")
			}
			j += p
			var endSign byte
			if j > p && (src[j-1] == '-' || src[j-1] == '+') {
				endSign = src[j-1]
			}
			end := lx.afterTagEnd(j+2, endSign, true)
			lx.advance(end)
		case '{':
			lx.emit(tVarBegin, "", lx.line)
			lx.advance(p)
			if err := lx.lexInside(false); err != nil {
				return err
			}
		case '%':
			lx.emit(tBlockBegin, "", lx.line)
			lx.advance(p)
			start := len(lx.toks)
			if err := lx.lexInside(true); err != nil {
				return err
			}
			if len(lx.toks) == start+2 && lx.toks[start].kind == tName && lx.toks[start].val == "raw" {
				// Drop the raw tag tokens; emit its body verbatim.
				lx.toks = lx.toks[:start-1]
				if err := lx.lexRaw(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// lexRaw consumes up to and including {% endraw %}.
func (lx *lexer) lexRaw() error {
	src := lx.src
	for i := lx.pos; i+1 < len(src); i++ {
		if src[i] != '{' || src[i+1] != '%' {
			continue
		}
		p := i + 2
		var sign byte
		if p < len(src) && (src[p] == '-' || src[p] == '+') {
			sign = src[p]
			p++
		}
		for p < len(src) && isPySpaceByte(src[p]) {
			p++
		}
		if !strings.HasPrefix(src[p:], "endraw") {
			continue
		}
		p += len("endraw")
		for p < len(src) && isPySpaceByte(src[p]) {
			p++
		}
		var endSign byte
		if p < len(src) && (src[p] == '-' || src[p] == '+') {
			endSign = src[p]
			p++
		}
		if !strings.HasPrefix(src[p:], "%}") {
			continue
		}
		lx.emitText(src[lx.pos:i], sign, true)
		end := lx.afterTagEnd(p+2, endSign, true)
		lx.advance(end)
		return nil
	}
	return syntaxErr(lx.line, "Missing end of raw directive")
}

var operators2 = []string{"//", "**", "==", "!=", "<=", ">="}

const operators1 = "+-/*%~[](){}<>=.:|,;"

// lexInside lexes expression tokens up to the closing %} or }}.
func (lx *lexer) lexInside(block bool) error {
	src := lx.src
	closer := "}}"
	endKind := tVarEnd
	if block {
		closer = "%}"
		endKind = tBlockEnd
	}
	depth := 0 // open brackets: a "}}" inside {...} is not the end
	for {
		p := lx.pos
		if p >= len(src) {
			if block {
				return syntaxErr(lx.line, "Unexpected end of template. Jinja was looking for the end of a statement block")
			}
			return syntaxErr(lx.line, "unexpected end of template, expected 'end of print statement'.")
		}
		// End delimiter, possibly with whitespace control.
		if depth <= 0 {
			if (src[p] == '-' || src[p] == '+') && strings.HasPrefix(src[p+1:], closer) {
				lx.emit(endKind, "", lx.line)
				end := lx.afterTagEnd(p+3, src[p], block)
				lx.advance(end)
				return nil
			}
			if strings.HasPrefix(src[p:], closer) {
				lx.emit(endKind, "", lx.line)
				end := lx.afterTagEnd(p+2, 0, block)
				lx.advance(end)
				return nil
			}
		}
		c := src[p]
		switch {
		case isPySpaceByte(c):
			lx.advance(p + 1)
		case c == '\'' || c == '"':
			s, end, err := lexString(src, p)
			if err != nil {
				return syntaxErr(lx.line, "%s", err.Error())
			}
			lx.emit(tString, s, lx.line)
			lx.advance(end)
		case c >= '0' && c <= '9':
			afterDot := len(lx.toks) > 0 && lx.toks[len(lx.toks)-1].kind == tOp && lx.toks[len(lx.toks)-1].val == "."
			tok, end, err := lexNumber(src, p, afterDot)
			if err != nil {
				return syntaxErr(lx.line, "%s", err.Error())
			}
			tok.line = lx.line
			lx.toks = append(lx.toks, tok)
			lx.advance(end)
		case c == '_' || c < utf8.RuneSelf && unicode.IsLetter(rune(c)) || c >= utf8.RuneSelf:
			end := p
			for end < len(src) {
				r, size := utf8.DecodeRuneInString(src[end:])
				if r == '_' || unicode.IsLetter(r) || (end > p && unicode.IsDigit(r)) {
					end += size
					continue
				}
				break
			}
			if end == p {
				r, _ := utf8.DecodeRuneInString(src[p:])
				return syntaxErr(lx.line, "unexpected char %s at %d", reprString(string(r)), p)
			}
			lx.emit(tName, src[p:end], lx.line)
			lx.advance(end)
		default:
			op := ""
			for _, o := range operators2 {
				if strings.HasPrefix(src[p:], o) {
					op = o
					break
				}
			}
			if op == "" && strings.IndexByte(operators1, c) >= 0 {
				op = string(c)
			}
			if op == "" {
				return syntaxErr(lx.line, "unexpected char %s at %d", reprString(string(c)), p)
			}
			switch op {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
			lx.emit(tOp, op, lx.line)
			lx.advance(p + len(op))
		}
	}
}

// lexString decodes a quoted literal the way jinja2 does (Python
// unicode-escape: known escapes decoded, unknown ones kept).
func lexString(src string, p int) (string, int, error) {
	q := src[p]
	var b strings.Builder
	i := p + 1
	for i < len(src) {
		c := src[i]
		if c == q {
			return b.String(), i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(src) {
			break
		}
		e := src[i+1]
		i += 2
		switch e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'v':
			b.WriteByte(11)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+n > len(src) {
				return "", 0, fmt.Errorf("truncated \\%c escape", e)
			}
			v, err := strconv.ParseUint(src[i:i+n], 16, 32)
			if err != nil || v > unicode.MaxRune {
				return "", 0, fmt.Errorf("truncated \\%c escape", e)
			}
			b.WriteRune(rune(v))
			i += n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && i < len(src) && src[i] >= '0' && src[i] <= '7'; k++ {
				v = v*8 + int(src[i]-'0')
				i++
			}
			b.WriteRune(rune(v))
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return "", 0, fmt.Errorf("unexpected end of string literal")
}

func lexNumber(src string, p int, intOnly bool) (token, int, error) {
	digits := func(i int) int {
		for i < len(src) && (src[i] >= '0' && src[i] <= '9' || src[i] == '_' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9') {
			i++
		}
		return i
	}
	end := digits(p)
	isFloat := false
	if !intOnly {
		if end+1 < len(src) && src[end] == '.' && src[end+1] >= '0' && src[end+1] <= '9' {
			end = digits(end + 1)
			isFloat = true
		}
		if end < len(src) && (src[end] == 'e' || src[end] == 'E') {
			k := end + 1
			if k < len(src) && (src[k] == '+' || src[k] == '-') {
				k++
			}
			if k < len(src) && src[k] >= '0' && src[k] <= '9' {
				end = digits(k)
				isFloat = true
			}
		}
	}
	text := strings.ReplaceAll(src[p:end], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return token{}, 0, fmt.Errorf("bad number %q", text)
		}
		return token{kind: tFloat, val: text, num: f}, end, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return token{}, 0, fmt.Errorf("integer %s out of range", text)
	}
	return token{kind: tInt, val: text, num: n}, end, nil
}
