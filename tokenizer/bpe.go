package tokenizer

import (
	"container/heap"
	"strings"
	"sync"
)

// bpeModel holds the merge ranks and a cache of encoded words.
type bpeModel struct {
	t *Tokenizer
	// ranks of merges whose two halves are both vocabulary tokens, keyed by
	// the halves' ids; the rest (rare) by text.
	idRanks   map[uint64]int32
	textRanks map[[2]string]int32
	byteTok   [256]int32 // token of each byte's byte-level character, -1 if none
	byteChar  [256]string

	cache *wordCache
}

// wordCache remembers the tokens of recently seen words; it is emptied
// when it reaches wordCacheMax entries.
type wordCache struct {
	mu sync.RWMutex
	m  map[string][]int32
}

const wordCacheMax = 1 << 16

func (c *wordCache) load(word string) ([]int32, bool) {
	c.mu.RLock()
	ids, ok := c.m[word]
	c.mu.RUnlock()
	return ids, ok
}

func (c *wordCache) store(word string, ids []int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= wordCacheMax {
		c.m = make(map[string][]int32, 1024)
	}
	c.m[strings.Clone(word)] = append([]int32(nil), ids...)
}

func newBPEModel(t *Tokenizer, merges []string) *bpeModel {
	m := &bpeModel{
		t:         t,
		idRanks:   make(map[uint64]int32, len(merges)),
		textRanks: map[[2]string]int32{},
		cache:     new(wordCache),
	}
	for i, w := range merges {
		// llama.cpp splits at the first space after the first byte; a line
		// without one becomes the pair ("", "").
		var first, second string
		if p := strings.IndexByte(w[min(1, len(w)):], ' '); p >= 0 {
			p += min(1, len(w))
			first, second = w[:p], w[p+1:]
		}
		l, lok := t.ids[first]
		r, rok := t.ids[second]
		if lok && rok {
			k := uint64(uint32(l))<<32 | uint64(uint32(r))
			if _, dup := m.idRanks[k]; !dup {
				m.idRanks[k] = int32(i)
			}
			continue
		}
		k := [2]string{first, second}
		if _, dup := m.textRanks[k]; !dup {
			m.textRanks[k] = int32(i)
		}
	}
	for b := 0; b < 256; b++ {
		m.byteChar[b] = string(byteToRune[b])
		m.byteTok[b] = null
		if id, ok := t.ids[m.byteChar[b]]; ok {
			m.byteTok[b] = id
		}
	}
	return m
}

// setPre selects the pre-tokenizer and the flags llama.cpp sets with it.
func (t *Tokenizer) setPre(pre string) error {
	if pre == "" {
		t.warnf("missing pre-tokenizer type, using 'default': generation quality will be degraded")
		pre = "default"
	}
	spec, ok := preTokenizers[pre]
	if !ok {
		return errUnknownPre(pre)
	}
	t.pre = pre
	f := spec.flags
	t.cleanSpaces = f&preKeepSpaces == 0
	t.ignoreMerges = f&preIgnoreMerges != 0
	t.addBOS = f&preAddBOS != 0
	t.addSep = f&preAddSep != 0
	if f&preNoBOS != 0 {
		t.bos = null
	}
	return nil
}

// rank returns the merge rank of two adjacent symbols, -1 if none.
func (m *bpeModel) rank(l, r *bpeSymbol, word string) int32 {
	if l.id >= 0 && r.id >= 0 {
		if v, ok := m.idRanks[uint64(uint32(l.id))<<32|uint64(uint32(r.id))]; ok {
			return v
		}
		return -1
	}
	if len(m.textRanks) == 0 {
		return -1
	}
	if v, ok := m.textRanks[[2]string{word[l.off : l.off+l.n], word[r.off : r.off+r.n]}]; ok {
		return v
	}
	return -1
}

type bpeSymbol struct {
	off, n     int
	prev, next int
	id         int32 // token id of the symbol's text, -1 if not a token
}

type bpeBigram struct {
	left, right int
	rank        int32
	size        int
}

// bigramHeap pops the lowest rank first, ties to the leftmost pair
// (llama.cpp's llm_bigram_bpe comparator).
type bigramHeap []bpeBigram

func (h bigramHeap) Len() int { return len(h) }
func (h bigramHeap) Less(i, j int) bool {
	return h[i].rank < h[j].rank || (h[i].rank == h[j].rank && h[i].left < h[j].left)
}
func (h bigramHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *bigramHeap) Push(x any)   { *h = append(*h, x.(bpeBigram)) }
func (h *bigramHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// encodeWord appends the tokens of one pre-tokenized word (UTF-8, after
// llama.cpp's codepoint round trip) to out.
func (m *bpeModel) encodeWord(word string, out []int32) []int32 {
	if ids, ok := m.cache.load(word); ok {
		return append(out, ids...)
	}
	start := len(out)
	out = m.mergeWord(word, out)
	m.cache.store(word, out[start:])
	return out
}

func (m *bpeModel) mergeWord(raw string, out []int32) []int32 {
	// byte-level encoding: each byte becomes one printable character
	var sb strings.Builder
	sb.Grow(len(raw) * 2)
	for i := 0; i < len(raw); i++ {
		sb.WriteString(m.byteChar[raw[i]])
	}
	word := sb.String()
	t := m.t

	if t.ignoreMerges {
		if id, ok := t.ids[word]; ok {
			return append(out, id)
		}
	}

	syms := make([]bpeSymbol, 0, len(raw))
	for off, i := 0, 0; off < len(word); i++ {
		n := min(utf8Len(word[off]), len(word)-off)
		s := bpeSymbol{off: off, n: n, prev: i - 1, next: i + 1, id: null}
		if id, ok := t.ids[word[off:off+n]]; ok {
			s.id = id
		}
		off += n
		if off == len(word) {
			s.next = -1
		}
		syms = append(syms, s)
	}

	var h bigramHeap
	add := func(l, r int) {
		if l < 0 || r < 0 {
			return
		}
		rk := m.rank(&syms[l], &syms[r], word)
		if rk < 0 {
			return
		}
		heap.Push(&h, bpeBigram{left: l, right: r, rank: rk, size: syms[l].n + syms[r].n})
	}
	for i := 1; i < len(syms); i++ {
		add(i-1, i)
	}
	for h.Len() > 0 {
		b := heap.Pop(&h).(bpeBigram)
		l, r := &syms[b.left], &syms[b.right]
		// skip outdated pairs: one side merged away or grown since
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size || l.next != b.right {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = b.left
		}
		l.id = null
		if id, ok := t.ids[word[l.off:l.off+l.n]]; ok {
			l.id = id
		}
		add(l.prev, b.left)
		add(b.left, l.next)
	}

	for i := 0; i >= 0 && i < len(syms); i = syms[i].next {
		s := &syms[i]
		if s.n == 0 {
			continue
		}
		if s.id >= 0 {
			out = append(out, s.id)
			continue
		}
		// not a token: llama.cpp looks up each byte of the byte-level text
		// as a one-byte token, dropping those that are not (all but ASCII)
		for j := s.off; j < s.off+s.n; j++ {
			if id, ok := t.ids[word[j:j+1]]; ok {
				out = append(out, id)
			}
		}
	}
	return out
}
