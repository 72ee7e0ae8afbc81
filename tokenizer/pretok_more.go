package tokenizer

import "strings"

// Pre-tokenizers beyond the common families: DeepSeek V3, Qwen 3.5 and
// the Qwen2 variants, and BLOOM's.

// isSymbolCollapsed is \p{S} as llama.cpp's collapsed std::regex sees it:
// its ASCII list ($+<=>^`|) leaves out '~'.
func isSymbolCollapsed(c rune) bool {
	if c < 0x80 {
		return strings.ContainsRune("$+<=>^`|", c)
	}
	return flagsOf(c)&cSymbol != 0
}

func isLM(c rune) bool { return flagsOf(c)&(cLetter|cMark) != 0 }

// matchCJKKana: [一-龥぀-ゟ゠-ヿ]+
func matchCJKKana(cps []rune, pos, end int) int {
	return run(cps, pos, end, func(c rune) bool {
		c = wideChar(c)
		return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x309F) || (c >= 0x30A0 && c <= 0x30FF)
	})
}

// matchDigits3: \p{N}{1,3}
func matchDigits3(cps []rune, pos, end int) int { return min(3, run(cps, pos, end, isN)) }

// matchDeepseekV3 implements DeepSeek V3's third regex (after digits and
// CJK have been split off):
//
//	[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|
//	 ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// Digits and control characters match none of it and stay as gaps.
func matchDeepseekV3(cps []rune, pos, end int) int {
	c := cps[pos]
	isASCIIPunct := func(c rune) bool { return c < 0x80 && (isP(c) || strings.ContainsRune("$+<=>^`|~", c)) }
	isASCIILetter := func(c rune) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
	if isASCIIPunct(c) && pos+1 < end && isASCIILetter(cps[pos+1]) {
		return 1 + run(cps, pos+1, end, isASCIILetter)
	}
	ps := func(c rune) bool { return isP(c) || isSymbolCollapsed(c) }
	if isLM(c) {
		return run(cps, pos, end, isLM)
	}
	if c != '\r' && c != '\n' && !ps(c) && pos+1 < end && isLM(cps[pos+1]) {
		return 1 + run(cps, pos+1, end, isLM)
	}
	q := pos
	if c == ' ' {
		q = pos + 1
	}
	if q < end && ps(cps[q]) {
		e := q + run(cps, q, end, ps)
		for e < end && (cps[e] == '\r' || cps[e] == '\n') {
			e++
		}
		return e - pos
	}
	if isWS(c) {
		return matchSpaces(cps, pos, end, true)
	}
	return 0
}

// matchQwen35 implements Qwen 3.5's regex, Qwen2's with marks joining
// letters:
//
//	(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}|
//	 ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func matchQwen35(cps []rune, pos, end int) int {
	if k := contraction(cps, pos, end, true); k > 0 {
		return k
	}
	c := cps[pos]
	if isLM(c) {
		return run(cps, pos, end, isLM)
	}
	if c != '\r' && c != '\n' && !isN(c) && pos+1 < end && isLM(cps[pos+1]) {
		return 1 + run(cps, pos+1, end, isLM)
	}
	if isN(c) {
		return 1
	}
	other := func(c rune) bool { return flagsOf(c)&(cSpace|cLetter|cMark|cNumber) == 0 }
	q := pos
	if c == ' ' {
		q = pos + 1
	}
	if q < end && other(cps[q]) {
		e := q + run(cps, q, end, other)
		for e < end && (cps[e] == '\r' || cps[e] == '\n') {
			e++
		}
		return e - pos
	}
	return matchSpaces(cps, pos, end, true)
}

// qwen2Variant implements Qwen2's regex with the contraction group
// dropped (ufakzeka: Turkish apostrophe suffixes stay attached) or the
// [\r\n]* after punctuation dropped (seed-coder: ... ?[^\s\p{L}\p{N}\r\n]+...).
func qwen2Variant(contractions, newlineTail bool) matcher {
	return func(cps []rune, pos, end int) int {
		if contractions {
			if k := contraction(cps, pos, end, true); k > 0 {
				return k
			}
		}
		c := cps[pos]
		if c != '\r' && c != '\n' && !isN(c) && (isL(c) || (pos+1 < end && isL(cps[pos+1]))) {
			return 1 + run(cps, pos+1, end, isL)
		}
		if isN(c) {
			return 1
		}
		q := pos
		if c == ' ' {
			q = pos + 1
		}
		if q < end && isOther(cps[q]) {
			e := q + run(cps, q, end, isOther)
			for newlineTail && e < end && (cps[e] == '\r' || cps[e] == '\n') {
				e++
			}
			return e - pos
		}
		return matchSpaces(cps, pos, end, true)
	}
}

// matchLines: [^\n]+|[\n]+
func matchLines(cps []rune, pos, end int) int {
	if cps[pos] == '\n' {
		return run(cps, pos, end, func(c rune) bool { return c == '\n' })
	}
	return run(cps, pos, end, func(c rune) bool { return c != '\n' })
}

// matchBloom implements BLOOM's  ?[^(\s|.,!?…。，、।۔،)]+
func matchBloom(cps []rune, pos, end int) int {
	word := func(c rune) bool {
		c = wideChar(c)
		return !isWS(c) && !strings.ContainsRune("(|.,!?…。，、।۔،)", c)
	}
	q := pos
	if cps[pos] == ' ' && pos+1 < end && word(cps[pos+1]) {
		q = pos + 1
	}
	if k := run(cps, q, end, word); k > 0 {
		return q - pos + k
	}
	return 0
}
