package sample

import (
	"strings"
	"testing"
)

// splits calls f with every way of cutting s into at most maxPieces pieces
// (empty pieces included, as a token may decode to nothing).
func splits(s string, maxPieces int, f func([]string)) {
	var rec func(rest string, acc []string)
	rec = func(rest string, acc []string) {
		if len(acc) == maxPieces-1 {
			f(append(acc, rest))
			return
		}
		for i := 0; i <= len(rest); i++ {
			rec(rest[i:], append(acc[:len(acc):len(acc)], rest[:i]))
		}
	}
	rec(s, nil)
}

func TestStopMatcherEverySplit(t *testing.T) {
	cases := []struct {
		stops []string
		text  string
		emit  string // expected emitted text
		stop  string // expected matched stop string ("" = none)
	}{
		{[]string{"</s>"}, "hello</s>world", "hello", "</s>"},
		{[]string{"</s>"}, "a<b</</s", "a<b</</s", ""},
		{[]string{"abc", "ab"}, "xxabcd", "xx", "ab"}, // "ab" completes first
		{[]string{"abcd", "bc"}, "xabcd", "xa", "bc"},
		{[]string{"abc", "bc"}, "xabcd", "x", "abc"}, // same end: the longer
		{[]string{"aab"}, "aaaab!", "aa", "aab"},
		{[]string{"\n\n", "User:"}, "Hi.\nUse\n\nUser:", "Hi.\nUse", "\n\n"},
		{[]string{"\n\n", "User:"}, "Hi.\nUser: x", "Hi.\n", "User:"},
		{[]string{"END"}, "no stop here EN", "no stop here EN", ""},
		{[]string{"ééé"}, "caféééé", "caf", "ééé"},
		{nil, "plain text", "plain text", ""},
	}
	for _, tc := range cases {
		n := 0
		splits(tc.text, 4, func(pieces []string) {
			n++
			m, err := NewStopMatcher(tc.stops...)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			stopped := false
			for _, p := range pieces {
				e, st := m.Feed(p)
				if stopped && e != "" {
					t.Fatalf("%q %q: emitted %q after stop", tc.text, pieces, e)
				}
				out.WriteString(e)
				for _, s := range tc.stops {
					if strings.Contains(out.String(), s) {
						t.Fatalf("%q %q: emitted text %q contains stop %q", tc.text, pieces, out.String(), s)
					}
				}
				stopped = stopped || st
			}
			if !stopped {
				out.WriteString(m.Flush())
			}
			if got := out.String(); got != tc.emit || m.Matched() != tc.stop || stopped != (tc.stop != "") {
				t.Fatalf("%q split %q: emitted %q matched %q stopped %v, want %q %q", tc.text, pieces, got, m.Matched(), stopped, tc.emit, tc.stop)
			}
		})
		if n < 10 {
			t.Fatalf("%q: only %d splits tried", tc.text, n)
		}
	}
}

func TestStopMatcherHoldsBackOnlyPossiblePrefixes(t *testing.T) {
	m, _ := NewStopMatcher("STOP")
	if e, _ := m.Feed("abcST"); e != "abc" {
		t.Errorf("emitted %q, want abc (ST held)", e)
	}
	if e, _ := m.Feed("x"); e != "STx" {
		t.Errorf("emitted %q, want STx once the prefix broke", e)
	}
	if e, st := m.Feed("ST"); e != "" || st {
		t.Errorf("emitted %q stopped %v", e, st)
	}
	if e, st := m.Feed("OP and more"); e != "" || !st {
		t.Errorf("emitted %q stopped %v, want stop", e, st)
	}
	if e, st := m.Feed("later"); e != "" || !st {
		t.Errorf("after stop: %q %v", e, st)
	}
	m.Reset()
	if e, st := m.Feed("fresh"); e != "fresh" || st {
		t.Errorf("after Reset: %q %v", e, st)
	}
	if _, err := NewStopMatcher("ok", ""); err == nil {
		t.Error("empty stop string accepted")
	}
}
