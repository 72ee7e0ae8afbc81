package tokenizer

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// Pre-tokenization splits text into words before BPE merging, as
// llama.cpp's unicode_regex_split does: each stage (one regex of the
// pre-tokenizer's list) splits every piece of the previous stage into its
// matches and the unmatched gaps between them. Pieces are counted in
// codepoints.
//
// llama.cpp runs two of the regexes (GPT-2's and Llama 3's) through
// hand-written scanners and the rest through std::regex over a "collapsed"
// text in which every non-ASCII codepoint stands for its category: the
// scanners here reproduce both, including where those differ from the
// Unicode regexes they are named after.

// stage splits pieces (codepoint lengths) of cps into finer pieces.
type stage func(cps []rune, pieces []int) []int

// matcher returns the length of the match starting at pos (0: none), the
// text ending at end.
type matcher func(cps []rune, pos, end int) int

// byRegex applies a matcher like std::regex_iterator: leftmost matches,
// with each unmatched gap between them kept as a piece of its own.
func byRegex(m matcher) stage {
	return func(cps []rune, pieces []int) []int {
		out := make([]int, 0, len(pieces))
		start := 0
		for _, n := range pieces {
			end := start + n
			last := start
			for p := start; p < end; {
				k := m(cps, p, end)
				if k == 0 {
					p++
					continue
				}
				if p > last {
					out = append(out, p-last)
				}
				out = append(out, k)
				p += k
				last = p
			}
			if last < end {
				out = append(out, end-last)
			}
			start = end
		}
		return out
	}
}

func errUnknownPre(pre string) error {
	return fmt.Errorf("tokenizer: unknown or unsupported pre-tokenizer type %q (tokenizer.ggml.pre)", pre)
}

// Flags llama.cpp sets along with a pre-tokenizer.
const (
	preKeepSpaces   = 1 << iota // clean_spaces = false
	preIgnoreMerges             // a word that is a token is taken whole
	preAddBOS                   // add_bos = true (unless the metadata says otherwise)
	preAddSep                   // add_sep = true
	preNoBOS                    // no default BOS id
)

type preSpec struct {
	stages []stage
	flags  int
}

var (
	gpt2Stages  = []stage{byRegex(matchGPT2)}
	llama3Spec  = preSpec{[]stage{byRegex(matchLlama3)}, preIgnoreMerges | preAddBOS}
	qwen2Stages = []stage{byRegex(matchQwen2)}
	starcoder   = []stage{byRegex(matchOneDigit), byRegex(matchGPT2)}
	gpt4o       = preSpec{[]stage{byRegex(matchGPT4o)}, preKeepSpaces}
	deepseekV3  = preSpec{[]stage{byRegex(matchDigits3), byRegex(matchCJKKana), byRegex(matchDeepseekV3)}, preKeepSpaces}
	bloom       = []stage{byRegex(matchBloom)}
)

// preTokenizers maps the tokenizer.ggml.pre values llama.cpp knows (those
// implemented here) to their splitting stages and flags, as in
// llama_vocab::impl::load and llm_tokenizer_bpe.
var preTokenizers = map[string]preSpec{
	"default": {[]stage{byRegex(matchDefaultPunct), byRegex(matchGPT2), byRegex(matchDigitRun), byRegex(matchThreeASCIIDigits)}, 0},

	"gpt-2": {gpt2Stages, 0}, "phi-2": {gpt2Stages, 0}, "mpt": {gpt2Stages, 0}, "olmo": {gpt2Stages, 0},
	"jais": {gpt2Stages, 0}, "jina-es": {gpt2Stages, 0}, "jina-de": {gpt2Stages, 0}, "gigachat": {gpt2Stages, 0},
	"jina-v2-es": {gpt2Stages, 0}, "jina-v2-de": {gpt2Stages, 0}, "a.x-4.0": {gpt2Stages, 0},
	"mellum": {gpt2Stages, 0}, "modern-bert": {gpt2Stages, 0}, "exaone4": {gpt2Stages, 0},
	"jina-v1-en": {gpt2Stages, preAddSep}, "jina-v2-code": {gpt2Stages, preAddSep}, "roberta-bpe": {gpt2Stages, preAddSep},
	"trillion": {gpt2Stages, preKeepSpaces}, "granite-docling": {gpt2Stages, preKeepSpaces},
	// not a llama.cpp name: GPT-NeoX's tokenizer is MPT's
	"gpt-neox": {gpt2Stages, 0},

	"llama3": llama3Spec, "llama-v3": llama3Spec, "llama-bpe": llama3Spec, "falcon3": llama3Spec,
	"falcon-h1": llama3Spec, "pixtral": llama3Spec, "midm-2.0": llama3Spec, "lfm2": llama3Spec,
	"jina-v5-nano": llama3Spec, "dbrx": {llama3Spec.stages, 0}, "smaug-bpe": {llama3Spec.stages, 0},
	"chatglm-bpe": {llama3Spec.stages, preNoBOS}, "glm4": {llama3Spec.stages, preNoBOS},

	"qwen2": {qwen2Stages, preKeepSpaces}, "deepseek-r1-qwen": {qwen2Stages, preKeepSpaces},
	"kormo": {qwen2Stages, preKeepSpaces}, "f2llmv2": {qwen2Stages, preKeepSpaces},
	"hunyuan": {qwen2Stages, preKeepSpaces}, "solar-open": {qwen2Stages, preKeepSpaces},
	"grok-2": {qwen2Stages, preKeepSpaces}, "stablelm2": {qwen2Stages, 0}, "megrez": {qwen2Stages, 0},
	// '(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|...|\s*[\r\n]|...: Qwen2's splits
	"bailingmoe": {qwen2Stages, preKeepSpaces}, "bailingmoe2": {qwen2Stages, preKeepSpaces},
	"llada-moe": {qwen2Stages, preKeepSpaces}, "qwen35": {[]stage{byRegex(matchQwen35)}, preKeepSpaces},
	"seed-coder": {[]stage{byRegex(qwen2Variant(true, false))}, preKeepSpaces},
	"ufakzeka":   {[]stage{byRegex(qwen2Variant(false, true))}, preKeepSpaces},
	"laguna":     {[]stage{byRegex(matchLines), byRegex(matchQwen2)}, preKeepSpaces},

	"starcoder": {starcoder, 0}, "refact": {starcoder, 0}, "codeshell": {starcoder, 0},
	"exaone": {starcoder, 0}, "minerva-7b": {starcoder, 0}, "mellum2": {starcoder, 0},
	"command-r": {starcoder, preKeepSpaces}, "smollm": {starcoder, preKeepSpaces},

	"falcon": {[]stage{byRegex(matchFalconPunct), byRegex(matchGPT2), byRegex(matchThreeASCIIDigits)}, 0},

	"deepseek-llm": {[]stage{byRegex(matchNewline), byRegex(matchDeepseekLetters), byRegex(matchDeepseekPunct),
		trailingSpace, byRegex(matchCJK), byRegex(matchDigitRun)}, preKeepSpaces},
	"deepseek-coder": {[]stage{byRegex(matchNewline), byRegex(matchSpaceLetters), byRegex(matchSpacePunct),
		byRegex(matchCJK), byRegex(matchOneDigit)}, preKeepSpaces},
	"deepseek-v3": deepseekV3, "hunyuan-dense": deepseekV3, "joyai-llm": deepseekV3, "hy_v4": deepseekV3,

	"gpt-4o": gpt4o, "llama4": gpt4o, "kanana2": gpt4o, "talkie": gpt4o, "minimax-m2": gpt4o,
	"tekken": {[]stage{byRegex(matchTekken)}, preKeepSpaces | preIgnoreMerges | preAddBOS},

	"bloom": {bloom, 0}, "gpt3-finnish": {bloom, 0}, "poro-chat": {bloom, preKeepSpaces},
	"viking": {[]stage{byRegex(matchBloom), byRegex(matchOneDigit)}, preKeepSpaces},
}

// PreTokenizers lists the tokenizer.ggml.pre values supported.
func PreTokenizers() []string {
	names := make([]string, 0, len(preTokenizers))
	for n := range preTokenizers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// splitterFor returns the stages of a pre-tokenizer, nil if unknown.
func splitterFor(pre string) []stage { return preTokenizers[pre].stages }

// pretokenize returns the words of text for BPE: each re-encoded from its
// codepoints (so invalid UTF-8 has become U+FFFD, as in llama.cpp).
func pretokenize(text string, stages []stage) []string {
	cps := decodeLax(text)
	if len(cps) == 0 {
		return nil
	}
	pieces := []int{len(cps)}
	for _, s := range stages {
		pieces = s(cps, pieces)
	}
	// Words are the pieces re-encoded from their codepoints; valid UTF-8
	// re-encodes to itself, so then they are slices of text.
	src := text
	if !utf8.ValidString(text) {
		buf := make([]byte, 0, len(text)+8)
		for _, c := range cps {
			buf = appendCP(buf, c)
		}
		src = string(buf)
	}
	words := make([]string, 0, len(pieces))
	start, off := 0, 0
	for _, n := range pieces {
		end := off
		for _, c := range cps[start : start+n] {
			end += cpLen(c)
		}
		words = append(words, src[off:end])
		start += n
		off = end
	}
	return words
}

// Codepoint predicates. Whitespace is Unicode White_Space, which agrees
// with C's isspace on ASCII (the collapsed std::regex view) and with the
// vertical-tab stand-in llama.cpp uses for non-ASCII whitespace.
func isL(c rune) bool  { return flagsOf(c)&cLetter != 0 }
func isN(c rune) bool  { return flagsOf(c)&cNumber != 0 }
func isP(c rune) bool  { return flagsOf(c)&cPunct != 0 }
func isWS(c rune) bool { return flagsOf(c)&cSpace != 0 }

// isOther is [^\s\p{L}\p{N}].
func isOther(c rune) bool { return flagsOf(c)&(cSpace|cLetter|cNumber) == 0 }

func run(cps []rune, p, end int, pred func(rune) bool) int {
	q := p
	for q < end && pred(cps[q]) {
		q++
	}
	return q - p
}

// contraction matches (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])
// at pos (caseFold false: 's|'t|'re|'ve|'m|'ll|'d).
func contraction(cps []rune, pos, end int, caseFold bool) int {
	if pos+1 >= end || cps[pos] != '\'' {
		return 0
	}
	low := func(c rune) rune {
		if caseFold && c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	switch low(cps[pos+1]) {
	case 's', 't', 'm', 'd':
		return 2
	}
	if pos+2 < end {
		a, b := low(cps[pos+1]), low(cps[pos+2])
		if (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') {
			return 3
		}
	}
	return 0
}

// matchGPT2 is llama.cpp's unicode_regex_split_custom_gpt2, implementing
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// (an unmatched codepoint becomes a piece of its own).
func matchGPT2(cps []rune, pos, end int) int {
	if k := contraction(cps, pos, end, false); k > 0 {
		return k
	}
	c := cps[pos]
	q := pos // where the class run starts (after an optional space)
	if c == ' ' {
		q = pos + 1
	}
	if q < end {
		d := cps[q]
		switch {
		case isL(d):
			return q - pos + run(cps, q, end, isL)
		case isN(d):
			return q - pos + run(cps, q, end, isN)
		case isOther(d):
			return q - pos + run(cps, q, end, isOther)
		}
	}
	return matchSpaces(cps, pos, end, false)
}

// matchSpaces implements the whitespace tail shared by the GPT-2 family
// (withNewline false: \s+(?!\S)|\s+) and the Llama 3 family
// (\s*[\r\n]+|\s+(?!\S)|\s+); it returns 1 for a non-space codepoint.
func matchSpaces(cps []rune, pos, end int, withNewline bool) int {
	n, lastNL := 0, -1
	for pos+n < end && isWS(cps[pos+n]) {
		if c := cps[pos+n]; c == '\r' || c == '\n' {
			lastNL = n
		}
		n++
	}
	switch {
	case withNewline && lastNL >= 0:
		return lastNL + 1
	case n > 1 && pos+n < end:
		return n - 1
	case n > 0:
		return n
	}
	return 1
}

// matchLlama3 is llama.cpp's unicode_regex_split_custom_llama3:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func matchLlama3(cps []rune, pos, end int) int { return llama3Family(cps, pos, end, 3) }

// matchQwen2 implements Qwen2's regex, which llama.cpp runs via std::regex:
//
//	(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func matchQwen2(cps []rune, pos, end int) int { return llama3Family(cps, pos, end, 1) }

func llama3Family(cps []rune, pos, end, maxDigits int) int {
	if k := contraction(cps, pos, end, true); k > 0 {
		return k
	}
	c := cps[pos]
	if c != '\r' && c != '\n' && !isN(c) {
		if isL(c) || (pos+1 < end && isL(cps[pos+1])) {
			return 1 + run(cps, pos+1, end, isL)
		}
	}
	if isN(c) {
		return min(maxDigits, run(cps, pos, end, isN))
	}
	q := pos
	if c == ' ' {
		q = pos + 1
	}
	if q < end && isOther(cps[q]) {
		e := q + run(cps, q, end, isOther)
		for e < end && (cps[e] == '\r' || cps[e] == '\n') {
			e++
		}
		return e - pos
	}
	return matchSpaces(cps, pos, end, true)
}

// isUpperish and isLowerish are (?=[\p{L}])([^a-z]) and (?=[\p{L}])([^A-Z])
// as llama.cpp's collapsed std::regex sees them: a non-ASCII letter is
// both.
func isUpperish(c rune) bool { return isL(c) && !(c >= 'a' && c <= 'z') }
func isLowerish(c rune) bool { return isL(c) && !(c >= 'A' && c <= 'Z') }

// matchGPT4o implements the gpt-4o / Llama 4 regex:
//
//	[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|
//	[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|
//	\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
func matchGPT4o(cps []rune, pos, end int) int { return casedWords(cps, pos, end, true, 3) }

// matchTekken implements Mistral's tekken regex (no contractions, single
// digits):
//
//	[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|
//	\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
func matchTekken(cps []rune, pos, end int) int { return casedWords(cps, pos, end, false, 1) }

func casedWords(cps []rune, pos, end int, contractions bool, maxDigits int) int {
	c := cps[pos]
	starts := []int{pos}
	if c != '\r' && c != '\n' && !isL(c) && !isN(c) {
		starts = []int{pos + 1, pos} // the optional prefix, then without it
	}
	tail := func(e int) int {
		if contractions {
			e += contraction(cps, e, end, true)
		}
		return e - pos
	}
	// alternative 1: upper* lower+, the upper run backtracking as needed
	for _, q := range starts {
		u := run(cps, q, end, isUpperish)
		for k := u; k >= 0; k-- {
			if q+k < end && isLowerish(cps[q+k]) {
				return tail(q + k + run(cps, q+k, end, isLowerish))
			}
		}
	}
	// alternative 2: upper+ lower*
	for _, q := range starts {
		if u := run(cps, q, end, isUpperish); u > 0 {
			return tail(q + u + run(cps, q+u, end, isLowerish))
		}
	}
	if isN(c) {
		return min(maxDigits, run(cps, pos, end, isN))
	}
	q := pos
	if c == ' ' {
		q = pos + 1
	}
	if q < end && isOther(cps[q]) {
		e := q + run(cps, q, end, isOther)
		for e < end && (cps[e] == '\r' || cps[e] == '\n' || cps[e] == '/') {
			e++
		}
		return e - pos
	}
	if !isWS(c) {
		return 0 // cannot happen: every codepoint is a letter, number, other or space
	}
	return matchSpaces(cps, pos, end, true)
}
