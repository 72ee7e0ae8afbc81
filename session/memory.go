package session

import (
	"sort"
	"sync"
	"time"
)

// Key identifies a conversation in a Memory: who is talking, and where.
type Key struct {
	User, Channel string
}

// Entry is a value held by a Memory, with when its conversation started
// and was last updated.
type Entry[V any] struct {
	Key
	Value   V
	Started time.Time
	Updated time.Time
}

// Memory keeps one value per user and channel (a *Session, a chat
// history, …) and evicts the least recently updated when it holds more
// than MaxEntries, and those not updated for MaxAge. OnEvict, if set, is
// called for each value evicted or deleted (to close a session), outside
// the lock. It is safe for concurrent use.
type Memory[V any] struct {
	MaxEntries int           // 0: no limit
	MaxAge     time.Duration // 0: no limit
	OnEvict    func(Key, V)

	mu      sync.Mutex
	entries map[Key]*Entry[V]
	now     func() time.Time // the clock; tests replace it
}

// NewMemory returns a Memory with the given limits.
func NewMemory[V any](maxEntries int, maxAge time.Duration, onEvict func(Key, V)) *Memory[V] {
	return &Memory[V]{MaxEntries: maxEntries, MaxAge: maxAge, OnEvict: onEvict}
}

func (m *Memory[V]) clock() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

// Get returns the value for user and channel, if held and not expired.
// It does not count as an update.
func (m *Memory[V]) Get(user, channel string) (V, bool) {
	m.mu.Lock()
	e, ok := m.entries[Key{user, channel}]
	if ok && m.MaxAge > 0 && m.clock().Sub(e.Updated) > m.MaxAge {
		ok = false
	}
	var v V
	if ok {
		v = e.Value
	}
	m.mu.Unlock()
	return v, ok
}

// Put stores v for user and channel, marking it updated now (a new key
// starts now), then evicts what the limits say. A value it replaces is not
// reported to OnEvict (it may be v again): close it yourself.
func (m *Memory[V]) Put(user, channel string, v V) {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[Key]*Entry[V]{}
	}
	now := m.clock()
	k := Key{user, channel}
	if e, ok := m.entries[k]; ok {
		e.Value, e.Updated = v, now
	} else {
		m.entries[k] = &Entry[V]{Key: k, Value: v, Started: now, Updated: now}
	}
	evicted := m.evictLocked()
	m.mu.Unlock()
	m.report(evicted)
}

// Touch marks the conversation updated now. It reports whether it exists.
func (m *Memory[V]) Touch(user, channel string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[Key{user, channel}]
	if ok {
		e.Updated = m.clock()
	}
	return ok
}

// Delete removes the conversation (calling OnEvict).
func (m *Memory[V]) Delete(user, channel string) {
	m.mu.Lock()
	k := Key{user, channel}
	e, ok := m.entries[k]
	if ok {
		delete(m.entries, k)
	}
	m.mu.Unlock()
	if ok {
		m.report([]Entry[V]{*e})
	}
}

// Evict applies the limits now (Put does it too) and returns how many
// conversations left.
func (m *Memory[V]) Evict() int {
	m.mu.Lock()
	evicted := m.evictLocked()
	m.mu.Unlock()
	m.report(evicted)
	return len(evicted)
}

// Len is the number of conversations held (expired ones included until
// the next Put or Evict).
func (m *Memory[V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Entries lists the conversations, most recently updated first.
func (m *Memory[V]) Entries() []Entry[V] {
	m.mu.Lock()
	out := make([]Entry[V], 0, len(m.entries))
	for _, e := range m.entries {
		out = append(out, *e)
	}
	m.mu.Unlock()
	sortByUpdate(out)
	return out
}

func sortByUpdate[V any](es []Entry[V]) {
	sort.Slice(es, func(i, j int) bool {
		if !es[i].Updated.Equal(es[j].Updated) {
			return es[i].Updated.After(es[j].Updated)
		}
		if es[i].User != es[j].User {
			return es[i].User < es[j].User
		}
		return es[i].Channel < es[j].Channel
	})
}

func (m *Memory[V]) evictLocked() []Entry[V] {
	var out []Entry[V]
	if m.MaxAge > 0 {
		now := m.clock()
		for k, e := range m.entries {
			if now.Sub(e.Updated) > m.MaxAge {
				out = append(out, *e)
				delete(m.entries, k)
			}
		}
	}
	if m.MaxEntries > 0 && len(m.entries) > m.MaxEntries {
		all := make([]Entry[V], 0, len(m.entries))
		for _, e := range m.entries {
			all = append(all, *e)
		}
		sortByUpdate(all)
		for _, e := range all[m.MaxEntries:] {
			out = append(out, e)
			delete(m.entries, e.Key)
		}
	}
	return out
}

func (m *Memory[V]) report(es []Entry[V]) {
	if m.OnEvict == nil {
		return
	}
	for _, e := range es {
		m.OnEvict(e.Key, e.Value)
	}
}
