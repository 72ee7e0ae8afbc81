package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

// The expected splits below come from the regexes themselves, run with
// Python's re over llama.cpp's collapsed text (every non-ASCII codepoint
// replaced by its category byte, non-ASCII whitespace by \v) — an
// independent implementation of what llama.cpp's std::regex path does.

var preCases = []string{
	"Hello, y'all! How are you 😁 ?我想在apple工作1314151天～",
	"   Hello\n\n  World  \t\n",
	"3333333 12345 ½²٣",
	"HTTPServer's camelCase İstanbul ÉCOLE don'T",
	"\u00a0x\u3000y\u2009 z  ",
	"a/b//\n//c\r\n\r\n",
}

var preWant = map[string][][]string{
	"gpt-2": {
		{"Hello", ",", " y", "'", "all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1314151", "天", "～"},
		{"  ", " Hello", "\n\n ", " World", "  \t\n"},
		{"3333333", " 12345", " ½²٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'", "T"},
		{"\u00a0", "x", "\u3000", "y", "\u2009", " z", "  "},
		{"a", "/", "b", "//", "\n", "//", "c", "\r\n\r\n"},
	},
	"llama-bpe": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "131", "415", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"333", "333", "3", " ", "123", "45", " ", "½²٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//\n", "//", "c", "\r\n\r\n"},
	},
	"qwen2": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//\n", "//", "c", "\r\n\r\n"},
	},
	"starcoder": {
		{"Hello", ",", " y", "'", "all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n\n ", " World", "  \t\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'", "T"},
		{"\u00a0", "x", "\u3000", "y", "\u2009", " z", "  "},
		{"a", "/", "b", "//", "\n", "//", "c", "\r\n\r\n"},
	},
	"falcon": {
		{"Hello", ",", " y", "'", "all", "!", " How", " are", " you", " 😁", " ", "?", "我想在apple工作", "131", "415", "1", "天", "～"},
		{"  ", " Hello", "\n\n ", " World", "  \t\n"},
		{"333", "333", "3", " ", "123", "45", " ½²٣"},
		{"HTTPServer", "'", "s", " camelCase", " İstanbul", " ÉCOLE", " don", "'", "T"},
		{"\u00a0", "x", "\u3000", "y", "\u2009", " z", "  "},
		{"a", "/", "b", "//", "\n", "//", "c", "\r\n\r\n"},
	},
	"default": {
		{"Hello", ",", " y", "'", "all", "!", " How", " are", " you", " 😁", " ", "?", "我想在apple工作", "131", "415", "1", "天", "～"},
		{"  ", " Hello", "\n\n ", " World", "  \t\n"},
		{"333", "333", "3", " ", "123", "45", " ", "½²٣"},
		{"HTTPServer", "'", "s", " camelCase", " İstanbul", " ÉCOLE", " don", "'", "T"},
		{"\u00a0", "x", "\u3000", "y", "\u2009", " z", "  "},
		{"a", "/", "b", "//", "\n", "//", "c", "\r\n\r\n"},
	},
	"deepseek-llm": {
		{"Hello", ",", " y", "'", "all", "!", " How", " are", " you", " 😁", " ?", "我想在", "apple", "工作", "1314151", "天", "～"},
		{"  ", " Hello", "\n", "\n", " ", " World", "  \t", "\n"},
		{"3333333", " ", "12345", " ", "½²٣"},
		{"HTTPServer", "'", "s", " camelCase", " İ", "stanbul", " É", "COLE", " don", "'", "T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/", "b", "//", "\n", "//", "c", "\r", "\n", "\r", "\n"},
	},
	"deepseek-coder": {
		{"Hello", ",", " y", "'", "all", "!", " How", " are", " you", " 😁", " ?", "我想在", "apple", "工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n", "\n", " ", " World", "  \t", "\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'", "s", " camelCase", " İstanbul", " ÉCOLE", " don", "'", "T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/", "b", "//", "\n", "//", "c", "\r", "\n", "\r", "\n"},
	},
	"gpt-4o": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "131", "415", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"333", "333", "3", " ", "123", "45", " ", "½²٣"},
		{"HTTPServer's", " camel", "Case", " İstanbul", " É", "COLE", " don'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//\n//", "c", "\r\n\r\n"},
	},
	"tekken": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'s", " camel", "Case", " İstanbul", " É", "COLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//\n//", "c", "\r\n\r\n"},
	},
	"deepseek-v3": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在", "apple", "工作", "131", "415", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"333", "333", "3", " ", "123", "45", " ", "½²٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//\n", "//", "c", "\r\n\r\n"},
	},
	"qwen35": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//\n", "//", "c", "\r\n\r\n"},
	},
	"bailingmoe": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//\n", "//", "c", "\r\n\r\n"},
	},
	"seed-coder": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//", "\n", "//", "c", "\r\n\r\n"},
	},
	"ufakzeka": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//\n", "//", "c", "\r\n\r\n"},
	},
	"laguna": {
		{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天", "～"},
		{"  ", " Hello", "\n\n", " ", " World", "  \t", "\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer", "'s", " camelCase", " İstanbul", " ÉCOLE", " don", "'T"},
		{"\u00a0x", "\u3000y", "\u2009", " z", "  "},
		{"a", "/b", "//", "\n", "//", "c", "\r", "\n", "\r", "\n"},
	},
	"bloom": {
		{"Hello", ",", " y'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作1314151天～"},
		{"  ", " Hello", "\n\n ", " World", "  \t\n"},
		{"3333333", " 12345", " ½²٣"},
		{"HTTPServer's", " camelCase", " İstanbul", " ÉCOLE", " don'T"},
		{"\u00a0", "x", "\u3000", "y", "\u2009", " z", "  "},
		{"a/b//", "\n", "//c", "\r\n\r\n"},
	},
	"viking": {
		{"Hello", ",", " y'all", "!", " How", " are", " you", " 😁", " ?", "我想在apple工作", "1", "3", "1", "4", "1", "5", "1", "天～"},
		{"  ", " Hello", "\n\n ", " World", "  \t\n"},
		{"3", "3", "3", "3", "3", "3", "3", " ", "1", "2", "3", "4", "5", " ", "½", "²", "٣"},
		{"HTTPServer's", " camelCase", " İstanbul", " ÉCOLE", " don'T"},
		{"\u00a0", "x", "\u3000", "y", "\u2009", " z", "  "},
		{"a/b//", "\n", "//c", "\r\n\r\n"},
	},
}

func TestPreTokenizers(t *testing.T) {
	for pre, wants := range preWant {
		stages := splitterFor(pre)
		if stages == nil {
			t.Fatalf("%s: no splitter", pre)
		}
		for i, text := range preCases {
			cps := decodeLax(text)
			pieces := []int{len(cps)}
			for _, s := range stages {
				pieces = s(cps, pieces)
			}
			var got []string
			start := 0
			for _, n := range pieces {
				got = append(got, string(cps[start:start+n]))
				start += n
			}
			if !slices.Equal(got, wants[i]) {
				t.Errorf("%s %q:\n got %q\nwant %q", pre, text, got, wants[i])
			}
		}
	}
}

func TestUnknownPre(t *testing.T) {
	_, err := New(Config{Model: "gpt2", Pre: "no-such-pre", Tokens: []string{"a", "b"}, Merges: []string{"a b"}})
	if err == nil {
		t.Fatal("unknown pre-tokenizer accepted")
	}
	tok, err := New(Config{Model: "gpt2", Tokens: []string{"a", "b", "ab"}, Merges: []string{"a b"}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Pre() != "default" || len(tok.Warnings()) == 0 {
		t.Errorf("missing pre: got %q, warnings %q", tok.Pre(), tok.Warnings())
	}
}

func TestPreTokenizerList(t *testing.T) {
	have := PreTokenizers()
	for _, want := range []string{"default", "gpt-2", "llama-bpe", "qwen2", "deepseek-llm", "deepseek-coder",
		"falcon", "mpt", "starcoder", "refact", "command-r", "gpt-4o", "smollm", "tekken", "phi-2", "gpt-neox"} {
		if !slices.Contains(have, want) {
			t.Errorf("pre-tokenizer %q missing", want)
		}
	}
	for _, name := range have {
		c := Config{Model: "gpt2", Pre: name, Tokens: []string{"a", "b", "ab"}, Merges: []string{"a b"},
			IDs: map[string]uint32{"bos_token_id": 0, "eos_token_id": 1, "seperator_token_id": 1}}
		tok, err := New(c)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if ids, err := tok.Encode("ab", false, false); err != nil || !slices.Equal(ids, []int32{2}) {
			t.Errorf("%s: %v, %v", name, ids, err)
		}
		if _, err := New(Config{Model: "gpt2", Pre: name, Tokens: []string{"a"}}); err != nil && !strings.Contains(err.Error(), "is not set") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
