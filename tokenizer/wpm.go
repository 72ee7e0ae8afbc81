package tokenizer

import (
	"fmt"
	"sort"
	"unicode"
)

// wpmModel is BERT's WordPiece as llama.cpp implements it
// (llm_tokenizer_wpm): the vocabulary was converted so that word starts
// carry "▁" and continuations have lost their "##".
type wpmModel struct {
	t            *Tokenizer
	maxTokenLen  int
	lowercase    bool
	stripAccents bool
}

// newWPMModel reads BertNormalizer's options from flags
// ("normalizer.lowercase", "normalizer.strip_accents"): lowercase by
// default, accents stripped when lowercasing unless said otherwise.
func newWPMModel(t *Tokenizer, flags map[string]bool) *wpmModel {
	m := &wpmModel{t: t, lowercase: true}
	if v, ok := flags["normalizer.lowercase"]; ok {
		m.lowercase = v
	}
	m.stripAccents = m.lowercase
	if v, ok := flags["normalizer.strip_accents"]; ok {
		m.stripAccents = v
	}
	for _, s := range t.tex {
		m.maxTokenLen = max(m.maxTokenLen, len(s))
	}
	return m
}

// nfd1 returns the first codepoint of c's NFD decomposition.
func nfd1(c rune) rune {
	i := sort.Search(len(nfdFirst), func(i int) bool { return nfdFirst[i][1] >= c })
	if i < len(nfdFirst) && nfdFirst[i][0] <= c {
		return nfdFirst[i][2]
	}
	return c
}

// isChineseChar is llama.cpp's (and Hugging Face's) CJK test.
func isChineseChar(c rune) bool {
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
		(c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
		(c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
		(c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F)
}

// words is BertNormalizer + BertPreTokenizer as llama.cpp does them:
// lowercase, strip accents (first NFD codepoint, marks dropped), drop
// controls, split on whitespace and around punctuation, ASCII symbols and
// CJK characters.
func (m *wpmModel) words(text string) []string {
	var words []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, c := range decodeLax(text) {
		if m.stripAccents {
			c = nfd1(c)
		}
		f := flagsOf(c)
		if f&cSpace != 0 {
			flush()
			continue
		}
		control := f&(cNumber|cLetter|cPunct|cSymbol|cMark|cSeparator) == 0
		if c == 0 || c == 0xFFFD || control || (m.stripAccents && f&cMark != 0) {
			continue
		}
		if m.lowercase {
			c = unicode.ToLower(c)
		}
		if f&cPunct != 0 || (c < 0x7F && f&cSymbol != 0) || isChineseChar(c) {
			flush()
			words = append(words, string(appendCP(nil, c)))
			continue
		}
		cur = appendCP(cur, c)
	}
	flush()
	return words
}

func (m *wpmModel) tokenize(text string, out []int32) ([]int32, error) {
	for _, w := range m.words(text) {
		word := "▁" + w
		n := len(word)
		start := len(out)
		for i := 0; i < n; i++ {
			match := false
			for j := min(n, i+m.maxTokenLen+1); j > i; j-- {
				if id, ok := m.t.ids[word[i:j]]; ok {
					out = append(out, id)
					match = true
					i = j - 1
					break
				}
			}
			if !match {
				out = out[:start] // no way through the word: all of it is <unk>
				break
			}
		}
		if len(out) == start {
			if m.t.unk == null {
				return nil, fmt.Errorf("tokenizer: %q has no WordPiece tokens and the vocabulary has no [UNK]", w)
			}
			out = append(out, m.t.unk)
		}
	}
	return out, nil
}
