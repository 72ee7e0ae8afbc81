package session

import (
	"testing"
	"time"
)

func TestMemoryEviction(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evicted []Key
	m := NewMemory[int](2, time.Hour, func(k Key, v int) { evicted = append(evicted, k) })
	m.now = func() time.Time { return now }

	m.Put("ann", "general", 1)
	now = now.Add(time.Minute)
	m.Put("bob", "general", 2)
	now = now.Add(time.Minute)
	m.Touch("ann", "general") // ann is now the most recent
	now = now.Add(time.Minute)
	m.Put("cid", "dm", 3) // over the count: bob, least recently updated, goes
	if len(evicted) != 1 || evicted[0] != (Key{"bob", "general"}) || m.Len() != 2 {
		t.Fatalf("evicted %v, %d left", evicted, m.Len())
	}
	if v, ok := m.Get("ann", "general"); !ok || v != 1 {
		t.Errorf("ann: %v %v", v, ok)
	}
	es := m.Entries()
	if es[0].User != "cid" || es[1].User != "ann" || !es[1].Started.Equal(es[1].Updated.Add(-2*time.Minute)) {
		t.Errorf("entries %+v", es)
	}
	// Age: ann was updated at 2m, cid at 3m.
	now = now.Add(time.Hour - 30*time.Second)
	if _, ok := m.Get("ann", "general"); ok {
		t.Error("expired entry returned")
	}
	if n := m.Evict(); n != 1 || m.Len() != 1 {
		t.Errorf("evicted %d by age, %d left", n, m.Len())
	}
	m.Delete("cid", "dm")
	if m.Len() != 0 || len(evicted) != 3 {
		t.Errorf("after delete: %d left, evicted %v", m.Len(), evicted)
	}
}
