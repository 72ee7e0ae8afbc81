package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

var filterNames = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`trim tojson length count upper lower title capitalize replace join default d
		first last list map select reject selectattr rejectattr items string int float safe round abs unique
		dictsort indent wordcount reverse sort sum min max center format escape e attr batch truncate groupby`) {
		filterNames[n] = true
	}
}

func filterExists(name string) bool { return filterNames[name] }

func (r *renderer) applyFilter(fe *filterExpr, v Value, f *frame) (Value, error) {
	args := make([]Value, len(fe.args))
	for i, a := range fe.args {
		var err error
		if args[i], err = r.eval(a, f); err != nil {
			return nil, err
		}
	}
	kw := NewDict()
	for i, n := range fe.kwNames {
		a, err := r.eval(fe.kwVals[i], f)
		if err != nil {
			return nil, err
		}
		_ = kw.Set(n, a)
	}
	return r.filter(fe.name, v, args, kw)
}

// lazyFilters are generator functions in jinja2: nothing runs until the
// result is iterated.
var lazyFilters = map[string]bool{"map": true, "select": true, "reject": true, "selectattr": true,
	"rejectattr": true, "items": true, "unique": true, "batch": true}

func (r *renderer) filter(name string, v Value, args []Value, kw *Dict) (Value, error) {
	if !lazyFilters[name] {
		return r.filterNow(name, v, args, kw)
	}
	return &generator{thunk: func() ([]Value, error) {
		out, err := r.filterNow(name, v, args, kw)
		if err != nil {
			return nil, err
		}
		return r.iterate(out)
	}}, nil
}

func (r *renderer) filterNow(name string, v Value, args []Value, kw *Dict) (Value, error) {
	a := &argReader{method: name, args: args, kw: kw}
	switch name {
	case "safe":
		if _, ok := v.(Markup); ok {
			return v, nil
		}
		return Markup(str(v)), nil
	case "escape", "e":
		return escapeValue(v), nil
	case "string":
		if _, ok := v.(Markup); ok {
			return v, nil
		}
		return str(v), nil
	case "trim":
		chars, has, err := a.str(0, "chars")
		if err != nil {
			return nil, err
		}
		return keepMarkup(v, pyStrip(str(v), chars, has, true, true)), nil
	case "upper":
		return keepMarkup(v, pyUpper(str(v))), nil
	case "lower":
		return keepMarkup(v, pyLower(str(v))), nil
	case "capitalize":
		return keepMarkup(v, pyCapitalize(str(v))), nil
	case "title":
		return jinjaTitle(str(v)), nil
	case "replace":
		old, _ := a.arg(0, "old", "")
		nw, _ := a.arg(1, "new", "")
		count, err := a.int(2, "count", -1)
		if err != nil {
			return nil, err
		}
		return pyReplace(str(v), str(old), str(nw), int(count))
	case "length", "count":
		return length(v)
	case "wordcount":
		n := 0
		inWord := false
		for _, c := range str(v) {
			w := c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c)
			if w && !inWord {
				n++
			}
			inWord = w
		}
		return int64(n), nil
	case "default", "d":
		def, _ := a.arg(0, "default_value", "")
		boolean, _ := a.arg(1, "boolean", false)
		if _, u := v.(Undefined); u || (truthy(boolean) && !truthy(v)) {
			return def, nil
		}
		return v, nil
	case "tojson":
		return toJSON(v, a)
	case "list":
		items, err := r.iterate(v)
		if err != nil {
			return nil, err
		}
		return append([]Value{}, items...), nil
	case "first", "last":
		if _, ok := v.(*generator); ok && name == "last" {
			return nil, fmt.Errorf("'generator' object is not reversible")
		}
		items, err := r.iterate(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return Undefined{Hint: fmt.Sprintf("No %s item, sequence was empty.", name)}, nil
		}
		if name == "first" {
			return items[0], nil
		}
		return items[len(items)-1], nil
	case "reverse":
		if s, ok := plain(v).(string); ok {
			rs := []rune(s)
			for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
				rs[i], rs[j] = rs[j], rs[i]
			}
			return string(rs), nil
		}
		items, err := r.iterate(v)
		if err != nil {
			return nil, err
		}
		out := make([]Value, len(items))
		for i, it := range items {
			out[len(items)-1-i] = it
		}
		return newGenerator(out), nil
	case "join":
		items, err := r.iterate(v)
		if err != nil {
			return nil, err
		}
		sep, _ := a.arg(0, "d", "")
		if attr, ok := a.arg(1, "attribute", nil); ok {
			if items, err = mapAttr(items, attr); err != nil {
				return nil, err
			}
		}
		parts := make([]string, len(items))
		total := 0
		for i, it := range items {
			parts[i] = str(it)
			total += len(parts[i])
			if total > maxOutputSize {
				return nil, fmt.Errorf("string too long")
			}
		}
		return strings.Join(parts, str(sep)), nil
	case "items":
		switch d := v.(type) {
		case Undefined:
			return newGenerator(nil), nil
		case *Dict:
			return newGenerator(d.Items()), nil
		}
		return nil, fmt.Errorf("Can only get item pairs from a mapping.")
	case "map":
		if !truthy(v) {
			return newGenerator(nil), nil
		}
		items, err := r.iterate(v)
		if err != nil {
			return nil, err
		}
		if attr, ok := kw.Get("attribute"); ok {
			def, hasDef := kw.Get("default")
			if !hasDef {
				def = nil
			}
			out, err := mapAttrDefault(items, attr, def, hasDef)
			return newGenerator(out), err
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("map requires a filter argument")
		}
		fname, _ := args[0].(string)
		out := make([]Value, len(items))
		for i, it := range items {
			if out[i], err = r.filter(fname, it, args[1:], kw); err != nil {
				return nil, err
			}
		}
		return newGenerator(out), nil
	case "select", "reject", "selectattr", "rejectattr":
		return r.selectFilter(name, v, args)
	case "int", "float":
		if u, ok := v.(Undefined); ok {
			return nil, undefErr(u)
		}
		if name == "float" {
			def, _ := a.arg(0, "default", 0.0)
			return toFloatFilter(v, def), nil
		}
		def, _ := a.arg(0, "default", int64(0))
		base, err := a.int(1, "base", 10)
		if err != nil {
			return nil, err
		}
		return toInt(v, def, int(base)), nil
	case "abs":
		switch x := v.(type) {
		case int64:
			if x < 0 {
				return -x, nil
			}
			return x, nil
		case float64:
			return math.Abs(x), nil
		case bool:
			return boolInt(x), nil
		}
		return nil, fmt.Errorf("bad operand type for abs(): '%s'", typeName(v))
	case "round":
		prec, err := a.int(0, "precision", 0)
		if err != nil {
			return nil, err
		}
		method, _ := a.arg(1, "method", "common")
		return roundFilter(v, int(prec), str(method))
	case "unique":
		items, err := r.iterate(v)
		if err != nil {
			return nil, err
		}
		cs, _ := a.arg(0, "case_sensitive", false)
		attr, _ := a.arg(1, "attribute", nil)
		var out, seen []Value
		for _, it := range items {
			key, err := sortKey(it, attr, truthy(cs))
			if err != nil {
				return nil, err
			}
			dup := false
			for _, s := range seen {
				if equal(s, key) {
					dup = true
					break
				}
			}
			if !dup {
				seen = append(seen, key)
				out = append(out, it)
			}
		}
		return newGenerator(out), nil
	case "sort", "dictsort", "min", "max":
		return r.sortFilter(name, v, a)
	case "sum":
		items, err := r.iterate(v)
		if err != nil {
			return nil, err
		}
		attr, _ := a.arg(0, "attribute", nil)
		var total Value = int64(0)
		if s, ok := a.arg(1, "start", nil); ok {
			total = s
		}
		if attr != nil {
			if items, err = mapAttr(items, attr); err != nil {
				return nil, err
			}
		}
		for _, it := range items {
			if total, err = binop("+", total, it); err != nil {
				return nil, err
			}
		}
		return total, nil
	case "indent":
		if _, ok := plain(v).(string); !ok {
			return nil, fmt.Errorf("unsupported operand type(s) for +=: '%s' and 'str'", typeName(v))
		}
		width, _ := a.arg(0, "width", int64(4))
		first, _ := a.arg(1, "first", false)
		blank, _ := a.arg(2, "blank", false)
		return indent(str(v), width, truthy(first), truthy(blank))
	case "center":
		w, err := a.int(0, "width", 80)
		if err != nil {
			return nil, err
		}
		return pad(str(v), int(w), " ", "center"), nil
	case "format":
		if len(args) == 0 {
			return percentFormat(str(v), Tuple{})
		}
		return percentFormat(str(v), Tuple(args))
	case "attr":
		n, _ := a.arg(0, "name", "")
		return getattr(v, str(n))
	case "truncate":
		n, err := a.int(0, "length", 255)
		if err != nil {
			return nil, err
		}
		killwords, _ := a.arg(1, "killwords", false)
		end, _ := a.arg(2, "end", "...")
		leeway, err := a.int(3, "leeway", 5)
		if err != nil {
			return nil, err
		}
		return truncate(str(v), int(n), truthy(killwords), str(end), int(leeway))
	case "groupby":
		attr, ok := a.arg(0, "attribute", nil)
		if !ok {
			return nil, fmt.Errorf("sync_do_groupby() missing 1 required positional argument: 'attribute'")
		}
		def, _ := a.arg(1, "default", nil)
		cs, _ := a.arg(2, "case_sensitive", false)
		return r.groupby(v, attr, def, truthy(cs))
	case "batch":
		items, err := r.iterate(v)
		if err != nil {
			return nil, err
		}
		size, err := a.int(0, "linecount", 1)
		if err != nil {
			return nil, err
		}
		if size <= 0 {
			return nil, fmt.Errorf("batch size must be positive")
		}
		fill, hasFill := a.arg(1, "fill_with", nil)
		var out []Value
		for i := 0; i < len(items); i += int(size) {
			end := min(i+int(size), len(items))
			row := append([]Value{}, items[i:end]...)
			for hasFill && fill != nil && len(row) < int(size) {
				row = append(row, fill)
			}
			out = append(out, row)
		}
		return newGenerator(out), nil
	}
	return nil, &Error{Message: fmt.Sprintf("No filter named '%s'.", name)}
}

// keepMarkup returns s as Markup when the filter input was Markup.
func keepMarkup(in Value, s string) Value {
	if _, ok := in.(Markup); ok {
		return Markup(s)
	}
	return s
}

func length(v Value) (Value, error) {
	switch x := plain(v).(type) {
	case string:
		return int64(utf8.RuneCountInString(x)), nil
	case []Value:
		return int64(len(x)), nil
	case Tuple:
		return int64(len(x)), nil
	case *Dict:
		return int64(x.Len()), nil
	case Undefined:
		return int64(0), nil
	case *Namespace:
		return int64(x.attrs.Len()), nil
	}
	return nil, fmt.Errorf("object of type '%s' has no len()", typeName(v))
}

// jinjaTitle is jinja2's title filter: words start after -, space or
// an opening bracket.
func jinjaTitle(s string) string {
	var b strings.Builder
	start := true
	for _, c := range s {
		if c == '-' || pyIsSpace(c) || c == '(' || c == '{' || c == '[' || c == '<' {
			b.WriteRune(c)
			start = true
			continue
		}
		if start {
			b.WriteRune(unicode.ToUpper(c))
		} else {
			b.WriteRune(unicode.ToLower(c))
		}
		start = false
	}
	return b.String()
}

func toInt(v Value, def Value, base int) Value {
	switch x := v.(type) {
	case int64:
		return x
	case bool:
		return boolInt(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return def
		}
		return int64(x)
	case string:
		s := strings.ReplaceAll(strings.TrimFunc(x, pyIsSpace), "_", "")
		sign := ""
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			sign, s = s[:1], s[1:]
		}
		if len(s) > 2 && s[0] == '0' {
			p := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[1]]
			if p == base {
				s = s[2:]
			}
		}
		s = sign + s
		if n, err := strconv.ParseInt(s, base, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return int64(f)
		}
	}
	return def
}

func toFloatFilter(v Value, def Value) Value {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case bool:
		return float64(boolInt(x))
	case float64:
		return x
	case string:
		if f, err := strconv.ParseFloat(strings.TrimFunc(x, pyIsSpace), 64); err == nil {
			return f
		}
	}
	return def
}

func roundFilter(v Value, prec int, method string) (Value, error) {
	n, ok := toNumber(v)
	if !ok {
		return nil, fmt.Errorf("type %s doesn't define __round__ method", typeName(v))
	}
	scale := math.Pow(10, float64(prec))
	f := toFloat(n)
	switch method {
	case "common":
		if i, isInt := n.(int64); isInt {
			return i, nil
		}
		return math.RoundToEven(f*scale) / scale, nil
	case "ceil":
		return math.Ceil(f*scale) / scale, nil
	case "floor":
		return math.Floor(f*scale) / scale, nil
	}
	return nil, fmt.Errorf("method must be common, ceil or floor")
}
