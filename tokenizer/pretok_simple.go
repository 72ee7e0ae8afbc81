package tokenizer

import (
	"sort"
	"strings"
)

// The single-class regexes of the starcoder, falcon, default and DeepSeek
// pre-tokenizers. Those written with \p{..} run in llama.cpp on the
// collapsed text (ASCII as is, other codepoints by category); those
// without run on the codepoints themselves, except that non-ASCII
// whitespace has been replaced by a vertical tab (wideChar).

// wideChar is the codepoint std::wregex sees in llama.cpp.
func wideChar(c rune) rune {
	if c > 0x7F && isWS(c) {
		return 0x0B
	}
	return c
}

// matchOneDigit: \p{N}
func matchOneDigit(cps []rune, pos, end int) int {
	if isN(cps[pos]) {
		return 1
	}
	return 0
}

// matchDigitRun: \p{N}+
func matchDigitRun(cps []rune, pos, end int) int { return run(cps, pos, end, isN) }

// matchThreeASCIIDigits: [0-9][0-9][0-9]
func matchThreeASCIIDigits(cps []rune, pos, end int) int {
	if pos+3 <= end && isASCIIDigit(cps[pos]) && isASCIIDigit(cps[pos+1]) && isASCIIDigit(cps[pos+2]) {
		return 3
	}
	return 0
}

func isASCIIDigit(c rune) bool { return c >= '0' && c <= '9' }

// matchFalconPunct: [\p{P}\$\+<=>\^~\|`]+
func matchFalconPunct(cps []rune, pos, end int) int {
	return run(cps, pos, end, func(c rune) bool { return isP(c) || strings.ContainsRune("$+<=>^~|`", c) })
}

// matchDefaultPunct: [\p{P}\$\+<=>\^~\|]+
func matchDefaultPunct(cps []rune, pos, end int) int {
	return run(cps, pos, end, func(c rune) bool { return isP(c) || strings.ContainsRune("$+<=>^~|", c) })
}

// matchNewline: [\r\n]
func matchNewline(cps []rune, pos, end int) int {
	if c := cps[pos]; c == '\r' || c == '\n' {
		return 1
	}
	return 0
}

// spaceThen matches \s?X+.
func spaceThen(cps []rune, pos, end int, x func(rune) bool) int {
	if x(cps[pos]) {
		return run(cps, pos, end, x)
	}
	if isWS(cps[pos]) && pos+1 < end && x(cps[pos+1]) {
		return 1 + run(cps, pos+1, end, x)
	}
	return 0
}

// matchSpaceLetters: \s?\p{L}+
func matchSpaceLetters(cps []rune, pos, end int) int { return spaceThen(cps, pos, end, isL) }

// matchSpacePunct: \s?\p{P}+
func matchSpacePunct(cps []rune, pos, end int) int { return spaceThen(cps, pos, end, isP) }

// matchCJK: [一-龥ࠀ-一가-퟿]+
func matchCJK(cps []rune, pos, end int) int {
	return run(cps, pos, end, func(c rune) bool {
		c = wideChar(c)
		return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x0800 && c <= 0x4E00) || (c >= 0xAC00 && c <= 0xD7FF)
	})
}

// matchDeepseekPunct: \s?[!-/:-~！-／：-～‘-‟　-。]+
func matchDeepseekPunct(cps []rune, pos, end int) int {
	return spaceThen(cps, pos, end, func(c rune) bool {
		c = wideChar(c)
		return (c >= '!' && c <= '/') || (c >= ':' && c <= '~') || (c >= 0xFF01 && c <= 0xFF0F) ||
			(c >= 0xFF1A && c <= 0xFF5E) || (c >= 0x2018 && c <= 0x201F) || (c >= 0x3000 && c <= 0x3002)
	})
}

// deepseekLetters is the letter class of DeepSeek LLM's
// \s?[A-Za-zµÀ-ÖØ-öø-ƺ...𞤀-𞥃]+ (cased letters), as codepoint ranges.
var deepseekLetters = [][2]rune{
	{0x0041, 0x005A}, {0x0061, 0x007A}, {0x00B5, 0x00B5}, {0x00C0, 0x00D6}, {0x00D8, 0x00F6},
	{0x00F8, 0x01BA}, {0x01BC, 0x01BF}, {0x01C4, 0x0293}, {0x0295, 0x02AF}, {0x0370, 0x0373},
	{0x0376, 0x0377}, {0x037B, 0x037D}, {0x037F, 0x037F}, {0x0386, 0x0386}, {0x0388, 0x038A},
	{0x038C, 0x038C}, {0x038E, 0x03A1}, {0x03A3, 0x03F5}, {0x03F7, 0x0481}, {0x048A, 0x052F},
	{0x0531, 0x0556}, {0x10A0, 0x10C5}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1C90, 0x1CBA},
	{0x1CBD, 0x1CBF}, {0x1D00, 0x1D2B}, {0x1D6B, 0x1D77}, {0x1D79, 0x1D9A}, {0x1E00, 0x1F15},
	{0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59},
	{0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC},
	{0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB},
	{0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2102, 0x2102}, {0x2107, 0x2107},
	{0x210A, 0x2113}, {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126},
	{0x2128, 0x2128}, {0x212A, 0x212D}, {0x212F, 0x2134}, {0x2139, 0x2139}, {0x213C, 0x213F},
	{0x2145, 0x2149}, {0x214E, 0x214E}, {0x2183, 0x2184}, {0x2C00, 0x2C7B}, {0x2C7E, 0x2CE4},
	{0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3}, {0xA640, 0xA66D}, {0xA680, 0xA69B}, {0xA722, 0xA76F},
	{0xA771, 0xA787}, {0xA78B, 0xA78E}, {0xAB70, 0xABBF}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17},
	{0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
	{0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
}

func isDeepseekLetter(c rune) bool {
	i := sort.Search(len(deepseekLetters), func(i int) bool { return deepseekLetters[i][1] >= c })
	return i < len(deepseekLetters) && deepseekLetters[i][0] <= c
}

// matchDeepseekLetters: \s?[A-Za-zµÀ-ÖØ-öø-ƺ...]+
func matchDeepseekLetters(cps []rune, pos, end int) int {
	return spaceThen(cps, pos, end, isDeepseekLetter)
}

// trailingSpace implements \s+$: the whitespace ending a piece (its
// leftmost match is the start of that run) is split off.
func trailingSpace(cps []rune, pieces []int) []int {
	out := make([]int, 0, len(pieces))
	start := 0
	for _, n := range pieces {
		end := start + n
		p := end
		for p > start && isWS(cps[p-1]) {
			p--
		}
		if p > start && p < end {
			out = append(out, p-start, end-p)
		} else {
			out = append(out, n)
		}
		start = end
	}
	return out
}
