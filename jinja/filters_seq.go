package jinja

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Helpers of the filters that select, sort, group and reshape.

func truncate(s string, n int, killwords bool, end string, leeway int) (Value, error) {
	rs := []rune(s)
	endLen := utf8.RuneCountInString(end)
	if n < endLen {
		return nil, fmt.Errorf("expected length >= %d, got %d", endLen, n)
	}
	if leeway < 0 {
		return nil, fmt.Errorf("expected leeway >= 0, got %d", leeway)
	}
	if len(rs) <= n+leeway {
		return s, nil
	}
	if killwords {
		return string(rs[:n-endLen]) + end, nil
	}
	cut := string(rs[:n-endLen])
	if i := strings.LastIndexByte(cut, ' '); i >= 0 {
		cut = cut[:i]
	}
	return cut + end, nil
}

func (r *renderer) groupby(v, attr, def Value, caseSensitive bool) (Value, error) {
	items, err := r.iterate(v)
	if err != nil {
		return nil, err
	}
	keys := make([]Value, len(items))
	for i, it := range items {
		k, err := attrPath(it, attr)
		if err != nil {
			return nil, err
		}
		if _, u := k.(Undefined); u && def != nil {
			k = def
		}
		keys[i] = k
	}
	norm := func(k Value) Value {
		if s, ok := k.(string); ok && !caseSensitive {
			return strings.ToLower(s)
		}
		return k
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var sortErr error
	sort.SliceStable(idx, func(i, j int) bool {
		lt, err := less(norm(keys[idx[i]]), norm(keys[idx[j]]))
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return lt
	})
	if sortErr != nil {
		return nil, sortErr
	}
	var out []Value
	for _, j := range idx {
		if n := len(out); n > 0 && equal(norm(out[n-1].(Tuple)[0]), norm(keys[j])) {
			g := out[n-1].(Tuple)
			g[1] = append(g[1].([]Value), items[j])
			continue
		}
		out = append(out, Tuple{keys[j], []Value{items[j]}})
	}
	if out == nil {
		out = []Value{}
	}
	return out, nil
}

// attrPath resolves a dotted attribute path ("a.b", "0") on v as jinja2's
// make_attrgetter does: items first, integers as indexes.
func attrPath(v Value, attr Value) (Value, error) {
	s, ok := attr.(string)
	if !ok {
		return getitem(v, attr)
	}
	for _, part := range strings.Split(s, ".") {
		var key Value = part
		if n, err := strconv.ParseInt(part, 10, 64); err == nil {
			key = n
		}
		var err error
		if v, err = getitem(v, key); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func mapAttr(items []Value, attr Value) ([]Value, error) {
	return mapAttrDefault(items, attr, nil, false)
}

func mapAttrDefault(items []Value, attr, def Value, hasDef bool) ([]Value, error) {
	out := make([]Value, len(items))
	for i, it := range items {
		v, err := attrPath(it, attr)
		if err != nil {
			return nil, err
		}
		if _, u := v.(Undefined); u && hasDef {
			v = def
		}
		out[i] = v
	}
	return out, nil
}

func (r *renderer) selectFilter(name string, v Value, args []Value) (Value, error) {
	if !truthy(v) {
		return newGenerator(nil), nil // jinja2 skips falsy inputs entirely
	}
	items, err := r.iterate(v)
	if err != nil {
		return nil, err
	}
	byAttr := name == "selectattr" || name == "rejectattr"
	want := name == "select" || name == "selectattr"
	var attr Value
	if byAttr {
		if len(args) == 0 {
			return nil, fmt.Errorf("Missing parameter for attribute name")
		}
		attr, args = args[0], args[1:]
	}
	out := []Value{}
	for _, it := range items {
		x := it
		if byAttr {
			if x, err = attrPath(it, attr); err != nil {
				return nil, err
			}
		}
		var ok bool
		if len(args) == 0 {
			ok = truthy(x)
		} else {
			tname, _ := args[0].(string)
			if ok, err = r.applyTest(tname, x, args[1:]); err != nil {
				return nil, err
			}
		}
		if ok == want {
			out = append(out, it)
		}
	}
	return newGenerator(out), nil
}

func sortKey(v Value, attr Value, caseSensitive bool) (Value, error) {
	if attr != nil {
		var err error
		if v, err = attrPath(v, attr); err != nil {
			return nil, err
		}
	}
	if s, ok := v.(string); ok && !caseSensitive {
		return strings.ToLower(s), nil
	}
	return v, nil
}

func (r *renderer) sortFilter(name string, v Value, a *argReader) (Value, error) {
	if name == "dictsort" {
		d, ok := v.(*Dict)
		if !ok {
			return nil, fmt.Errorf("dictsort requires a mapping")
		}
		cs, _ := a.arg(0, "case_sensitive", false)
		by, _ := a.arg(1, "by", "key")
		rev, _ := a.arg(2, "reverse", false)
		pos := int64(0)
		if by == "value" {
			pos = 1
		}
		items := d.Items()
		var sortErr error
		sort.SliceStable(items, func(i, j int) bool {
			ki, _ := sortKey(items[i].(Tuple)[pos], nil, truthy(cs))
			kj, _ := sortKey(items[j].(Tuple)[pos], nil, truthy(cs))
			if truthy(rev) {
				ki, kj = kj, ki
			}
			lt, err := less(ki, kj)
			if err != nil && sortErr == nil {
				sortErr = err
			}
			return lt
		})
		return items, sortErr
	}
	items, err := r.iterate(v)
	if err != nil {
		return nil, err
	}
	items = append([]Value{}, items...)
	var rev, cs, attr Value
	if name == "sort" {
		rev, _ = a.arg(0, "reverse", false)
		cs, _ = a.arg(1, "case_sensitive", false)
		attr, _ = a.arg(2, "attribute", nil)
	} else {
		cs, _ = a.arg(0, "case_sensitive", false)
		attr, _ = a.arg(1, "attribute", nil)
	}
	keys := make([]Value, len(items))
	for i, it := range items {
		if keys[i], err = sortKey(it, attr, truthy(cs)); err != nil {
			return nil, err
		}
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var sortErr error
	sort.SliceStable(idx, func(i, j int) bool {
		ki, kj := keys[idx[i]], keys[idx[j]]
		if truthy(rev) {
			ki, kj = kj, ki
		}
		lt, err := less(ki, kj)
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return lt
	})
	if sortErr != nil {
		return nil, sortErr
	}
	if name == "sort" {
		out := make([]Value, len(items))
		for i, j := range idx {
			out[i] = items[j]
		}
		return out, nil
	}
	if len(items) == 0 {
		return Undefined{Hint: "No aggregated item, sequence was empty."}, nil
	}
	if name == "min" {
		return items[idx[0]], nil
	}
	// max: the first of the largest, as Python's max.
	best := idx[len(idx)-1]
	for _, j := range idx {
		if equal(keys[j], keys[best]) {
			return items[j], nil
		}
	}
	return items[best], nil
}

// indent is jinja2's indent filter (lines split as str.splitlines).
func indent(s string, width Value, first, blank bool) (Value, error) {
	var pad string
	switch w := width.(type) {
	case string:
		pad = w
	case int64:
		if w > 10000 {
			return nil, fmt.Errorf("indent width too large")
		}
		if w > 0 {
			pad = strings.Repeat(" ", int(w))
		}
	case bool:
		pad = strings.Repeat(" ", int(boolInt(w)))
	default:
		return nil, fmt.Errorf("indent width must be int or str")
	}
	s += "\n"
	lines := splitLines(s, false)
	if int64(len(lines))*int64(len(pad))+int64(len(s)) > maxOutputSize {
		return nil, fmt.Errorf("string too long")
	}
	var rv string
	if blank {
		rv = strings.Join(lines, "\n"+pad)
	} else {
		rv = lines[0]
		if len(lines) > 1 {
			rest := make([]string, len(lines)-1)
			for i, l := range lines[1:] {
				if l != "" {
					l = pad + l
				}
				rest[i] = l
			}
			rv += "\n" + strings.Join(rest, "\n")
		}
	}
	if first {
		rv = pad + rv
	}
	return rv, nil
}
