package tokenizer

import (
	"sync"
	"unicode"
)

// Codepoint classes, as llama.cpp's unicode_cpt_flags sees them (generated
// there from Python's regex module: \p{N}, \p{L}, \p{P}, \p{S}, \p{M}, \s).
// Every codepoint has exactly one of the category bits or none ("other":
// separators, controls, unassigned); whitespace is independent of them.
const (
	cNumber uint8 = 1 << iota
	cLetter
	cPunct
	cSymbol
	cMark
	cSpace
	cSeparator
)

var (
	cpFlagsOnce sync.Once
	cpFlags     []uint8 // indexed by codepoint, 0..0x10FFFF
)

func buildCPFlags() {
	f := make([]uint8, unicode.MaxRune+1)
	set := func(t *unicode.RangeTable, bit uint8) {
		for _, r := range t.R16 {
			for c := uint32(r.Lo); c <= uint32(r.Hi); c += uint32(r.Stride) {
				f[c] |= bit
			}
		}
		for _, r := range t.R32 {
			for c := r.Lo; c <= r.Hi; c += r.Stride {
				f[c] |= bit
			}
		}
	}
	set(unicode.N, cNumber)
	set(unicode.L, cLetter)
	set(unicode.P, cPunct)
	set(unicode.S, cSymbol)
	set(unicode.M, cMark)
	set(unicode.White_Space, cSpace)
	set(unicode.Z, cSeparator)
	cpFlags = f
}

// flagsOf returns the class bits of codepoint c (0 beyond U+10FFFF).
func flagsOf(c rune) uint8 {
	cpFlagsOnce.Do(buildCPFlags)
	if uint32(c) > unicode.MaxRune {
		return 0
	}
	return cpFlags[c]
}

// decodeLax splits text into codepoints exactly as llama.cpp's
// unicode_cpts_from_utf8 does: lead bytes are trusted for the length, only
// continuation bytes are checked (so overlong forms and surrogates decode
// to their numeric value), and each byte that starts no valid sequence
// becomes one U+FFFD. Values above U+10FFFF (which make llama.cpp throw
// when re-encoding) become U+FFFD too.
func decodeLax(s string) []rune {
	out := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		b := s[i]
		cont := func(k int) bool { return i+k < len(s) && s[i+k]&0xC0 == 0x80 }
		switch {
		case b < 0x80:
			out = append(out, rune(b))
			i++
		case b&0x40 == 0:
			out = append(out, 0xFFFD)
			i++
		case b&0x20 == 0:
			if !cont(1) {
				out = append(out, 0xFFFD)
				i++
				continue
			}
			out = append(out, rune(b&0x1F)<<6|rune(s[i+1]&0x3F))
			i += 2
		case b&0x10 == 0:
			if !cont(1) || !cont(2) {
				out = append(out, 0xFFFD)
				i++
				continue
			}
			out = append(out, rune(b&0x0F)<<12|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F))
			i += 3
		case b&0x08 == 0:
			if !cont(1) || !cont(2) || !cont(3) {
				out = append(out, 0xFFFD)
				i++
				continue
			}
			c := rune(b&0x07)<<18 | rune(s[i+1]&0x3F)<<12 | rune(s[i+2]&0x3F)<<6 | rune(s[i+3]&0x3F)
			if c > unicode.MaxRune {
				c = 0xFFFD
			}
			out = append(out, c)
			i += 4
		default:
			out = append(out, 0xFFFD)
			i++
		}
	}
	return out
}

// appendCP encodes c like llama.cpp's unicode_cpt_to_utf8, which (unlike
// utf8.EncodeRune) keeps surrogates as their three-byte form.
func appendCP(b []byte, c rune) []byte {
	switch {
	case c < 0x80:
		return append(b, byte(c))
	case c < 0x800:
		return append(b, 0xC0|byte(c>>6), 0x80|byte(c&0x3F))
	case c < 0x10000:
		return append(b, 0xE0|byte(c>>12), 0x80|byte(c>>6&0x3F), 0x80|byte(c&0x3F))
	default:
		return append(b, 0xF0|byte(c>>18), 0x80|byte(c>>12&0x3F), 0x80|byte(c>>6&0x3F), 0x80|byte(c&0x3F))
	}
}

// cpLen is the length of appendCP's encoding of c.
func cpLen(c rune) int {
	switch {
	case c < 0x80:
		return 1
	case c < 0x800:
		return 2
	case c < 0x10000:
		return 3
	}
	return 4
}

// utf8Len is llama.cpp's unicode_len_utf8: the sequence length announced
// by a lead byte (continuation and invalid bytes count as 1).
func utf8Len(b byte) int {
	switch b >> 4 {
	case 0xC, 0xD:
		return 2
	case 0xE:
		return 3
	case 0xF:
		return 4
	}
	return 1
}

// GPT-2's byte-level alphabet: every byte maps to a printable codepoint,
// bytes that are printable Latin-1 to themselves, the rest to U+0100 on.
var (
	byteToRune [256]rune
	runeToByte [324]int16 // -1 where a codepoint is not in the alphabet
)

func init() {
	for i := range runeToByte {
		runeToByte[i] = -1
	}
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			byteToRune[b] = rune(b)
		} else {
			byteToRune[b] = rune(256 + n)
			n++
		}
		runeToByte[byteToRune[b]] = int16(b)
	}
}

// isCSpace is C's isspace in the "C" locale, used by llama.cpp for the
// lstrip/rstrip attributes of special tokens.
func isCSpace(b byte) bool {
	return b == ' ' || (b >= '\t' && b <= '\r')
}
