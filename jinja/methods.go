package jinja

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

var strMethods = map[string]bool{
	"strip": true, "lstrip": true, "rstrip": true, "split": true, "rsplit": true, "splitlines": true,
	"startswith": true, "endswith": true, "upper": true, "lower": true, "title": true, "capitalize": true,
	"replace": true, "find": true, "rfind": true, "index": true, "rindex": true, "count": true, "join": true,
	"format": true, "isdigit": true, "isalpha": true, "isalnum": true, "isspace": true, "isupper": true,
	"islower": true, "isnumeric": true, "isdecimal": true, "zfill": true, "center": true, "ljust": true,
	"rjust": true, "partition": true, "rpartition": true, "swapcase": true, "casefold": true,
	"removeprefix": true, "removesuffix": true, "encode": false,
}

var dictMethods = map[string]bool{"items": true, "keys": true, "values": true, "get": true, "copy": true,
	"pop": true, "popitem": true, "update": true, "setdefault": true, "clear": true}

var listMethods = map[string]bool{"index": true, "count": true, "copy": true, "append": true, "extend": true,
	"insert": true, "pop": true, "remove": true, "reverse": true, "sort": true, "clear": true}

// markupKeeping are the str methods whose result stays Markup.
var markupKeeping = map[string]bool{"strip": true, "lstrip": true, "rstrip": true, "upper": true, "lower": true,
	"title": true, "capitalize": true, "swapcase": true, "center": true, "ljust": true, "rjust": true, "zfill": true}

func methodExists(obj Value, name string) bool {
	switch obj.(type) {
	case string:
		return strMethods[name]
	case *Dict:
		return dictMethods[name]
	case []Value:
		return listMethods[name]
	case Tuple:
		return name == "index" || name == "count"
	}
	return false
}

// unsafeMethod reports the mutating methods jinja2's immutable sandbox
// (which Hugging Face renders with) refuses.
func unsafeMethod(obj Value, name string) bool {
	switch obj.(type) {
	case *Dict:
		switch name {
		case "pop", "popitem", "update", "setdefault", "clear":
			return true
		}
	case []Value:
		switch name {
		case "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear":
			return true
		}
	}
	return false
}

type argReader struct {
	method string
	args   []Value
	kw     *Dict
	names  []string
}

// arg returns parameter i (positional or by name) or def.
func (a *argReader) arg(i int, name string, def Value) (Value, bool) {
	if i < len(a.args) {
		return a.args[i], true
	}
	if a.kw != nil {
		if v, ok := a.kw.Get(name); ok {
			return v, true
		}
	}
	return def, false
}

func (a *argReader) str(i int, name string) (string, bool, error) {
	v, ok := a.arg(i, name, nil)
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, fmt.Errorf("%s arg must be None or str", a.method)
	}
	return s, true, nil
}

func (a *argReader) int(i int, name string, def int64) (int64, error) {
	v, ok := a.arg(i, name, nil)
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case int64:
		return x, nil
	case bool:
		return boolInt(x), nil
	}
	return 0, fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(v))
}

func (r *renderer) callMethod(m boundMethod, args []Value, kw *Dict) (Value, error) {
	a := &argReader{method: m.name, args: args, kw: kw}
	switch x := m.recv.(type) {
	case string:
		return strMethod(x, a)
	case Markup:
		v, err := strMethod(string(x), a)
		if s, ok := v.(string); ok && markupKeeping[m.name] {
			return Markup(s), err
		}
		return v, err
	case *Dict:
		switch m.name {
		case "items":
			return x.Items(), nil
		case "keys":
			return x.Keys(), nil
		case "values":
			return append([]Value(nil), x.vals...), nil
		case "get":
			k, _ := a.arg(0, "key", nil)
			def, _ := a.arg(1, "default", nil)
			if v, ok := x.Get(k); ok {
				return v, nil
			}
			return def, nil
		case "copy":
			d := NewDict()
			for i, k := range x.keys {
				_ = d.Set(k, x.vals[i])
			}
			return d, nil
		}
	case []Value, Tuple:
		var items []Value
		if l, ok := x.([]Value); ok {
			items = l
		} else {
			items = x.(Tuple)
		}
		v, _ := a.arg(0, "value", nil)
		switch m.name {
		case "index":
			for i, it := range items {
				if equal(it, v) {
					return int64(i), nil
				}
			}
			return nil, fmt.Errorf("%s is not in list", repr(v))
		case "count":
			n := int64(0)
			for _, it := range items {
				if equal(it, v) {
					n++
				}
			}
			return n, nil
		case "copy":
			return append([]Value{}, items...), nil
		}
	case *loopState:
		switch m.name {
		case "cycle":
			if len(args) == 0 {
				return nil, fmt.Errorf("no items for cycling given")
			}
			return args[x.index0%len(args)], nil
		case "changed":
			if x.hasChanged && equalSeq(x.lastChanged, args) {
				return false, nil
			}
			x.hasChanged = true
			x.lastChanged = args
			return true, nil
		}
	}
	return nil, fmt.Errorf("'%s' object has no method '%s'", typeName(m.recv), m.name)
}

func strMethod(s string, a *argReader) (Value, error) {
	switch a.method {
	case "strip", "lstrip", "rstrip":
		chars, has, err := a.str(0, "chars")
		if err != nil {
			return nil, err
		}
		return pyStrip(s, chars, has, a.method != "rstrip", a.method != "lstrip"), nil
	case "upper":
		return pyUpper(s), nil
	case "lower", "casefold":
		return pyLower(s), nil
	case "swapcase":
		return strings.Map(func(r rune) rune {
			if unicode.IsUpper(r) {
				return unicode.ToLower(r)
			}
			return unicode.ToUpper(r)
		}, s), nil
	case "title":
		return pyTitle(s), nil
	case "capitalize":
		return pyCapitalize(s), nil
	case "split", "rsplit":
		sep, has, err := a.str(0, "sep")
		if err != nil {
			return nil, err
		}
		maxsplit, err := a.int(1, "maxsplit", -1)
		if err != nil {
			return nil, err
		}
		return pySplit(s, sep, has, int(maxsplit), a.method == "rsplit")
	case "splitlines":
		keep, _ := a.arg(0, "keepends", false)
		return strList(splitLines(s, truthy(keep))), nil
	case "startswith", "endswith":
		v, _ := a.arg(0, "prefix", nil)
		var cands []Value
		switch p := v.(type) {
		case string:
			cands = []Value{p}
		case Tuple:
			cands = p
		default:
			return nil, fmt.Errorf("%s first arg must be str or a tuple of str, not %s", a.method, typeName(v))
		}
		for _, c := range cands {
			cs, ok := c.(string)
			if !ok {
				return nil, fmt.Errorf("tuple for %s must only contain str, not %s", a.method, typeName(c))
			}
			if a.method == "startswith" && strings.HasPrefix(s, cs) || a.method == "endswith" && strings.HasSuffix(s, cs) {
				return true, nil
			}
		}
		return false, nil
	case "replace":
		old, _ := a.arg(0, "old", nil)
		nw, _ := a.arg(1, "new", nil)
		os, ok1 := old.(string)
		ns, ok2 := nw.(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("replace() argument must be str")
		}
		count, err := a.int(2, "count", -1)
		if err != nil {
			return nil, err
		}
		return pyReplace(s, os, ns, int(count))
	case "find", "rfind", "index", "rindex", "count":
		sub, _ := a.arg(0, "sub", nil)
		ss, ok := sub.(string)
		if !ok {
			return nil, fmt.Errorf("must be str, not %s", typeName(sub))
		}
		if a.method == "count" {
			if ss == "" {
				return int64(utf8.RuneCountInString(s) + 1), nil
			}
			return int64(strings.Count(s, ss)), nil
		}
		var i int
		if a.method == "find" || a.method == "index" {
			i = strings.Index(s, ss)
		} else {
			i = strings.LastIndex(s, ss)
		}
		if i < 0 {
			if a.method == "index" || a.method == "rindex" {
				return nil, fmt.Errorf("substring not found")
			}
			return int64(-1), nil
		}
		return int64(utf8.RuneCountInString(s[:i])), nil
	case "join":
		v, _ := a.arg(0, "iterable", nil)
		items, err := (&renderer{}).iterate(v)
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			p, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("sequence item %d: expected str instance, %s found", i, typeName(it))
			}
			parts[i] = p
		}
		return strings.Join(parts, s), nil
	case "format":
		return pyFormat(s, a.args, a.kw)
	case "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace":
		if s == "" {
			return false, nil
		}
		for _, c := range s {
			ok := false
			switch a.method {
			case "isdigit", "isnumeric", "isdecimal":
				ok = unicode.IsDigit(c)
			case "isalpha":
				ok = unicode.IsLetter(c)
			case "isalnum":
				ok = unicode.IsLetter(c) || unicode.IsDigit(c)
			case "isspace":
				ok = pyIsSpace(c)
			}
			if !ok {
				return false, nil
			}
		}
		return true, nil
	case "isupper", "islower":
		cased := false
		for _, c := range s {
			if unicode.IsUpper(c) || unicode.IsLower(c) {
				cased = true
				if a.method == "isupper" && unicode.IsLower(c) || a.method == "islower" && unicode.IsUpper(c) {
					return false, nil
				}
			}
		}
		return cased, nil
	case "removeprefix":
		p, _, err := a.str(0, "prefix")
		return strings.TrimPrefix(s, p), err
	case "removesuffix":
		p, _, err := a.str(0, "suffix")
		return strings.TrimSuffix(s, p), err
	case "zfill", "center", "ljust", "rjust":
		w, err := a.int(0, "width", 0)
		if err != nil {
			return nil, err
		}
		fill := " "
		if f, has, err := a.str(1, "fillchar"); err != nil {
			return nil, err
		} else if has {
			fill = f
		}
		return pad(s, int(w), fill, a.method), nil
	case "partition", "rpartition":
		sep, _, err := a.str(0, "sep")
		if err != nil {
			return nil, err
		}
		if sep == "" {
			return nil, fmt.Errorf("empty separator")
		}
		var i int
		if a.method == "partition" {
			i = strings.Index(s, sep)
		} else {
			i = strings.LastIndex(s, sep)
		}
		if i < 0 {
			if a.method == "partition" {
				return Tuple{s, "", ""}, nil
			}
			return Tuple{"", "", s}, nil
		}
		return Tuple{s[:i], sep, s[i+len(sep):]}, nil
	}
	return nil, fmt.Errorf("'str' object has no attribute '%s'", a.method)
}

// Python's upper()/lower() use full case mappings where one character
// becomes several; Go's ToUpper/ToLower map one to one.
var (
	upperSpecial = strings.NewReplacer("ß", "SS", "ﬀ", "FF", "ﬁ", "FI", "ﬂ", "FL", "ﬃ", "FFI", "ﬄ", "FFL",
		"ﬅ", "ST", "ﬆ", "ST", "ŉ", "ʼN", "ǰ", "J̌", "ẖ", "H̱", "ẗ", "T̈", "ẘ", "W̊", "ẙ", "Y̊", "ẚ", "Aʾ")
	lowerSpecial = strings.NewReplacer("İ", "i̇")
)

func pyUpper(s string) string { return strings.ToUpper(upperSpecial.Replace(s)) }
func pyLower(s string) string { return strings.ToLower(lowerSpecial.Replace(s)) }

func strList(ss []string) []Value {
	out := make([]Value, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func pad(s string, w int, fill, how string) string {
	n := utf8.RuneCountInString(s)
	if w <= n || w > maxOutputSize {
		return s
	}
	extra := w - n
	switch how {
	case "zfill":
		sign := ""
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			sign, s = s[:1], s[1:]
		}
		return sign + strings.Repeat("0", extra) + s
	case "ljust":
		return s + strings.Repeat(fill, extra)
	case "rjust":
		return strings.Repeat(fill, extra) + s
	}
	// CPython: left = marg/2 + (marg & width & 1).
	left := extra/2 + (extra & w & 1)
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, extra-left)
}

func pyReplace(s, old, nw string, count int) (Value, error) {
	if count < 0 {
		count = -1
	}
	if old == "" && count != 0 {
		// Python inserts nw between every character.
		n := utf8.RuneCountInString(s)
		if int64(len(nw))*int64(n+1)+int64(len(s)) > maxOutputSize {
			return nil, fmt.Errorf("string too long")
		}
	} else if old != "" && len(nw) > len(old) && strings.Count(s, old)*(len(nw)-len(old))+len(s) > maxOutputSize {
		return nil, fmt.Errorf("string too long")
	}
	return strings.Replace(s, old, nw, count), nil
}

func pySplit(s, sep string, hasSep bool, maxsplit int, fromRight bool) (Value, error) {
	if hasSep {
		if sep == "" {
			return nil, fmt.Errorf("empty separator")
		}
		if maxsplit < 0 {
			return strList(strings.Split(s, sep)), nil
		}
		if !fromRight {
			return strList(strings.SplitN(s, sep, maxsplit+1)), nil
		}
		var parts []string
		for maxsplit > 0 {
			i := strings.LastIndex(s, sep)
			if i < 0 {
				break
			}
			parts = append([]string{s[i+len(sep):]}, parts...)
			s = s[:i]
			maxsplit--
		}
		return strList(append([]string{s}, parts...)), nil
	}
	// Whitespace split: runs of whitespace, no empty strings.
	if maxsplit < 0 {
		return strList(strings.FieldsFunc(s, pyIsSpace)), nil
	}
	var parts []string
	if !fromRight {
		rest := strings.TrimLeftFunc(s, pyIsSpace)
		for rest != "" && maxsplit > 0 {
			i := strings.IndexFunc(rest, pyIsSpace)
			if i < 0 {
				break
			}
			parts = append(parts, rest[:i])
			rest = strings.TrimLeftFunc(rest[i:], pyIsSpace)
			maxsplit--
		}
		if rest != "" {
			parts = append(parts, rest)
		}
		return strList(parts), nil
	}
	rest := strings.TrimRightFunc(s, pyIsSpace)
	for rest != "" && maxsplit > 0 {
		i := strings.LastIndexFunc(rest, pyIsSpace)
		if i < 0 {
			break
		}
		_, size := utf8.DecodeRuneInString(rest[i:])
		parts = append([]string{rest[i+size:]}, parts...)
		rest = strings.TrimRightFunc(rest[:i], pyIsSpace)
		maxsplit--
	}
	if rest != "" {
		parts = append([]string{rest}, parts...)
	}
	return strList(parts), nil
}

// pyTitle is Python's str.title: letters after a non-letter are upper.
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if prevCased {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToTitle(r))
		}
		prevCased = unicode.IsLetter(r)
	}
	return b.String()
}

func pyCapitalize(s string) string {
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToTitle(r)) + strings.ToLower(s[size:])
}
