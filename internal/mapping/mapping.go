// Package mapping records which byte slices are read-only mappings of
// files, so code handed only a slice (a weight tensor's data) can tell
// whether dropping its pages loses anything: a file's pages come back from
// the page cache, anonymous memory's would come back zeroed.
package mapping

import (
	"sync"
	"unsafe"
)

type span struct{ start, end uintptr }

var (
	mu    sync.Mutex
	spans []span
)

func bounds(b []byte) span {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return span{p, p + uintptr(len(b))}
}

// Add records b as a read-only file mapping, until Remove.
func Add(b []byte) {
	if len(b) == 0 {
		return
	}
	mu.Lock()
	spans = append(spans, bounds(b))
	mu.Unlock()
}

// Remove forgets b (call it before unmapping).
func Remove(b []byte) {
	s := bounds(b)
	mu.Lock()
	defer mu.Unlock()
	for i, t := range spans {
		if t == s {
			spans = append(spans[:i], spans[i+1:]...)
			return
		}
	}
}

// FileBacked reports whether b lies wholly inside one recorded mapping.
func FileBacked(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	s := bounds(b)
	mu.Lock()
	defer mu.Unlock()
	for _, t := range spans {
		if s.start >= t.start && s.end <= t.end {
			return true
		}
	}
	return false
}
