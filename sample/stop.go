package sample

import (
	"fmt"
	"strings"
)

// StopMatcher finds stop strings in streamed text. Feed it each decoded
// piece; it returns the text that is safe to show now, holding back any tail
// that could still become the start of a stop string, so a stop string split
// across tokens is caught and never shown. Matching is on bytes.
type StopMatcher struct {
	stops   []string
	pending string // held-back text: the longest suffix that prefixes a stop string
	matched string
	done    bool
}

// NewStopMatcher returns a matcher for the given stop strings (none is
// allowed: then every piece passes straight through). Empty stop strings
// are rejected.
func NewStopMatcher(stops ...string) (*StopMatcher, error) {
	for i, s := range stops {
		if s == "" {
			return nil, fmt.Errorf("sample: stop string %d is empty", i)
		}
	}
	return &StopMatcher{stops: append([]string(nil), stops...)}, nil
}

// Feed adds piece to the stream. It returns the text to emit now and whether
// a stop string has been completed. On a match, emit is the text up to the
// stop string, which itself is never emitted, and Matched reports it; later
// calls return ("", true). When stop strings overlap, the one that
// completes first in the text wins.
func (m *StopMatcher) Feed(piece string) (emit string, stopped bool) {
	if m.done {
		return "", true
	}
	text := m.pending + piece
	// The stop string that completes first wins (ties: the longer one), so
	// the result does not depend on how the text was cut into pieces.
	at, which := -1, ""
	for _, s := range m.stops {
		i := strings.Index(text, s)
		if i < 0 {
			continue
		}
		end, bestEnd := i+len(s), at+len(which)
		if at < 0 || end < bestEnd || (end == bestEnd && i < at) {
			at, which = i, s
		}
	}
	if at >= 0 {
		m.done, m.matched, m.pending = true, which, ""
		return text[:at], true
	}
	hold := m.partialSuffix(text)
	m.pending = text[len(text)-hold:]
	return text[:len(text)-hold], false
}

// partialSuffix returns the length of the longest proper suffix of text
// that is a prefix of some stop string.
func (m *StopMatcher) partialSuffix(text string) int {
	best := 0
	for _, s := range m.stops {
		n := min(len(s)-1, len(text))
		for ; n > best; n-- {
			if strings.HasPrefix(s, text[len(text)-n:]) {
				best = n
				break
			}
		}
	}
	return best
}

// Flush returns the held-back text at the end of the stream (no stop string
// completed). After a match it returns "".
func (m *StopMatcher) Flush() string {
	p := m.pending
	m.pending = ""
	return p
}

// Matched returns the stop string that ended the stream, or "".
func (m *StopMatcher) Matched() string { return m.matched }

// Stopped reports whether a stop string has matched.
func (m *StopMatcher) Stopped() bool { return m.done }

// Reset clears the matcher for a new stream with the same stop strings.
func (m *StopMatcher) Reset() { m.pending, m.matched, m.done = "", "", false }
