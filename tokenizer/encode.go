package tokenizer

import (
	"container/heap"
	"fmt"
	"strings"
)

// fragment is a run of raw text or an already-resolved special token.
type fragment struct {
	text  string
	token int32 // -1 for text
}

// partition splits text around special tokens, longest first, as
// llama.cpp's tokenizer_st_partition. User-defined tokens are always
// split out; control and unknown tokens only when parseSpecial is set.
// Tokens with the lstrip/rstrip attribute swallow the whitespace next to
// them.
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	frags := []fragment{{text: text, token: null}}
	var pairs *[1 << 16 / 64]uint64 // byte pairs present in text, when worth it
	if len(text) >= 256 && len(t.specials) > 4 {
		pairs = new([1 << 16 / 64]uint64)
		for i := 0; i+1 < len(text); i++ {
			k := int(text[i])<<8 | int(text[i+1])
			pairs[k/64] |= 1 << (k % 64)
		}
	}
	for _, id := range t.specials {
		a := t.attr[id]
		if !parseSpecial && a&(AttrControl|AttrUnknown) != 0 {
			continue
		}
		s := t.tex[id]
		if pairs != nil && !pairsPresent(pairs, s) || !strings.Contains(text, s) {
			continue
		}
		var out []fragment
		for _, f := range frags {
			if f.token != null || !strings.Contains(f.text, s) {
				out = append(out, f)
				continue
			}
			rest := f.text
			for {
				i := strings.Index(rest, s)
				if i < 0 {
					if rest != "" {
						out = append(out, fragment{text: rest, token: null})
					}
					break
				}
				left := rest[:i]
				if a&AttrLStrip != 0 {
					for left != "" && isCSpace(left[len(left)-1]) {
						left = left[:len(left)-1]
					}
				}
				if left != "" {
					out = append(out, fragment{text: left, token: null})
				}
				out = append(out, fragment{token: id})
				rest = rest[i+len(s):]
				if a&AttrRStrip != 0 {
					for rest != "" && isCSpace(rest[0]) {
						rest = rest[1:]
					}
				}
			}
		}
		frags = out
	}
	return frags
}

// pairsPresent reports whether every byte pair of s occurs in the set, a
// cheap test that rules out most special tokens before searching for them.
func pairsPresent(pairs *[1 << 16 / 64]uint64, s string) bool {
	for i := 0; i+1 < len(s); i++ {
		k := int(s[i])<<8 | int(s[i+1])
		if pairs[k/64]&(1<<(k%64)) == 0 {
			return false
		}
	}
	return true
}

// Encode tokenizes text. addSpecial adds BOS/EOS (and BERT's SEP) as the
// vocabulary asks (see AddBOS); parseSpecial turns the text of control
// tokens such as "<s>" or "<|im_start|>" into those tokens (leave it off
// for untrusted input). The error reports text that cannot be encoded
// (a SentencePiece vocabulary without byte tokens or <unk>).
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) ([]int32, error) {
	var frags []fragment
	if text != "" {
		frags = t.partition(text, parseSpecial)
	}
	out := make([]int32, 0, len(text)/3+2)
	switch t.kind {
	case SPM:
		if addSpecial && t.addBOS {
			out = append(out, t.bos)
		}
		prevSpecial := true // the first fragment gets the space prefix
		var sp spmSession
		for _, f := range frags {
			if f.token != null {
				out = append(out, f.token)
				prevSpecial = true
				continue
			}
			s := f.text
			if t.addSpacePrefix && prevSpecial {
				s = " " + s
			}
			var err error
			out, err = t.encodeSPM(&sp, strings.ReplaceAll(s, " ", "▁"), out)
			if err != nil {
				return nil, err
			}
			prevSpecial = false
		}
		if addSpecial && t.addEOS {
			out = append(out, t.eos)
		}
	case BPE:
		if addSpecial && t.addBOS {
			out = append(out, t.bos)
		}
		stages := splitterFor(t.pre)
		for _, f := range frags {
			if f.token != null {
				out = append(out, f.token)
				continue
			}
			for _, w := range pretokenize(f.text, stages) {
				out = t.bpe.encodeWord(w, out)
			}
		}
		if addSpecial && t.addEOS {
			out = append(out, t.eos)
		}
	case WPM:
		if addSpecial {
			if t.bos == null || t.sep == null {
				return nil, fmt.Errorf("tokenizer: WordPiece vocabulary without CLS/SEP tokens cannot add them")
			}
			out = append(out, t.bos)
		}
		for _, f := range frags {
			if f.token != null {
				out = append(out, f.token)
				continue
			}
			var err error
			if out, err = t.wpm.tokenize(f.text, out); err != nil {
				return nil, err
			}
		}
		if addSpecial {
			out = append(out, t.sep)
		}
	}
	return out, nil
}

// SentencePiece text is cut into pieces that merge independently: a cut
// between two adjacent symbols is exact when no token contains those two
// symbols side by side, since then no merge can join across it, and the
// merge order within each piece is unchanged. Cutting keeps the heap
// small and lets pieces be cached. The adjacent pairs of all tokens are
// kept in a hashed bit set (a false positive only means one cut fewer).
const spmPairBits = 1 << 24

type spmPairs []uint64

func pairHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h % spmPairBits
}

func (p spmPairs) has(s string) bool { h := pairHash(s); return p[h/64]&(1<<(h%64)) != 0 }

func buildSPMPairs(tokens []string) spmPairs {
	p := make(spmPairs, spmPairBits/64)
	for _, s := range tokens {
		prev := 0
		for off := 0; off < len(s); {
			n := min(utf8Len(s[off]), len(s)-off)
			if off > 0 {
				h := pairHash(s[prev : off+n])
				p[h/64] |= 1 << (h % 64)
			}
			prev = off
			off += n
		}
	}
	return p
}

// encodeSPM tokenizes escaped text piece by piece.
func (t *Tokenizer) encodeSPM(sp *spmSession, text string, out []int32) ([]int32, error) {
	t.spmPairsOnce.Do(func() { t.spmPairs = buildSPMPairs(t.tex) })
	start, prev := 0, 0
	for off := 0; off <= len(text); {
		if off == len(text) || (off > start && !t.spmPairs.has(text[prev:off+min(utf8Len(text[off]), len(text)-off)])) {
			chunk := text[start:off]
			if ids, ok := t.spmCache.load(chunk); ok {
				out = append(out, ids...)
			} else {
				n := len(out)
				var err error
				if out, err = sp.tokenize(t, chunk, out); err != nil {
					return nil, err
				}
				t.spmCache.store(chunk, out[n:])
			}
			if off == len(text) {
				break
			}
			start = off
		}
		prev = off
		off += min(utf8Len(text[off]), len(text)-off)
	}
	return out, nil
}

// spmSession holds the scratch space of one SentencePiece encoding
// (llama.cpp's llm_tokenizer_spm_session).
type spmSession struct {
	syms []spmSymbol
	h    spmHeap
}

type spmSymbol struct {
	off, n     int
	prev, next int
}

type spmBigram struct {
	left, right int
	score       float32
	size        int
}

// spmHeap pops the highest score first, ties to the leftmost pair; with
// equal scores everywhere (TinyStories-656K) this alone decides.
type spmHeap []spmBigram

func (h spmHeap) Len() int { return len(h) }
func (h spmHeap) Less(i, j int) bool {
	return h[i].score > h[j].score || (h[i].score == h[j].score && h[i].left < h[j].left)
}
func (h spmHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *spmHeap) Push(x any)   { *h = append(*h, x.(spmBigram)) }
func (h *spmHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (s *spmSession) tokenize(t *Tokenizer, text string, out []int32) ([]int32, error) {
	s.syms = s.syms[:0]
	s.h = s.h[:0]
	for off, i := 0, 0; off < len(text); i++ {
		n := min(utf8Len(text[off]), len(text)-off)
		sym := spmSymbol{off: off, n: n, prev: i - 1, next: i + 1}
		off += n
		if off == len(text) {
			sym.next = -1
		}
		s.syms = append(s.syms, sym)
	}
	add := func(l, r int) {
		if l < 0 || r < 0 {
			return
		}
		a, b := &s.syms[l], &s.syms[r]
		id, ok := t.ids[text[a.off:b.off+b.n]]
		if !ok {
			return
		}
		heap.Push(&s.h, spmBigram{left: l, right: r, score: t.scr[id], size: a.n + b.n})
	}
	for i := 1; i < len(s.syms); i++ {
		add(i-1, i)
	}
	for s.h.Len() > 0 {
		b := heap.Pop(&s.h).(spmBigram)
		l, r := &s.syms[b.left], &s.syms[b.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			s.syms[r.next].prev = b.left
		}
		add(l.prev, b.left)
		add(b.left, l.next)
	}
	for i := 0; i >= 0 && i < len(s.syms); i = s.syms[i].next {
		sym := &s.syms[i]
		piece := text[sym.off : sym.off+sym.n]
		if id, ok := t.ids[piece]; ok {
			out = append(out, id)
			continue
		}
		// byte fallback: <0xXX>, else the byte itself as a token
		for j := 0; j < len(piece); j++ {
			id, err := t.byteToken(piece[j])
			if err != nil {
				return nil, err
			}
			out = append(out, id)
		}
	}
	return out, nil
}

const hexDigits = "0123456789ABCDEF"

// byteToken is llama.cpp's byte_to_token for SentencePiece vocabularies.
// Where llama.cpp would throw (no <0xXX> and no one-byte token) we use
// <unk> if the vocabulary has one.
func (t *Tokenizer) byteToken(b byte) (int32, error) {
	if id, ok := t.ids[string([]byte{'<', '0', 'x', hexDigits[b>>4], hexDigits[b&15], '>'})]; ok {
		return id, nil
	}
	if id, ok := t.ids[string([]byte{b})]; ok {
		return id, nil
	}
	if t.unk != null {
		return t.unk, nil
	}
	return 0, fmt.Errorf("tokenizer: byte 0x%02X has no token and the vocabulary has no <unk>", b)
}
