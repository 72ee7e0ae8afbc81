package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gollama/gollama/internal/testdata"
)

// tinySPM is a hand-made SentencePiece vocabulary: byte tokens for the
// bytes of "é" and "▁", and scores that make "▁ab" win over "▁a"+"b".
func tinySPM(t *testing.T) *Tokenizer {
	t.Helper()
	tokens := []string{"<unk>", "<s>", "</s>", "<0xC3>", "<0xA9>", "<0xE2>", "<0x96>", "<0x81>",
		"▁", "a", "b", "▁a", "ab", "▁ab", "<|user|>", "\n"}
	scores := make([]float32, len(tokens))
	scores[11], scores[12], scores[13] = -1, -2, -0.5
	types := slices.Repeat([]int32{TypeNormal}, len(tokens))
	types[0], types[1], types[2] = TypeUnknown, TypeControl, TypeControl
	for i := 3; i <= 7; i++ {
		types[i] = TypeByte
	}
	types[14] = TypeUserDefined
	tok, err := New(Config{Model: "llama", Tokens: tokens, Scores: scores, Types: types})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestSPMBasics(t *testing.T) {
	tok := tinySPM(t)
	for _, c := range []struct {
		text                     string
		addSpecial, parseSpecial bool
		want                     []int32
	}{
		{"ab", true, false, []int32{1, 13}},
		{"ab", false, false, []int32{13}},
		{"", true, false, []int32{1}},
		{"é", false, false, []int32{8, 3, 4}},
		{"<s>ab", false, true, []int32{1, 13}},               // special text parsed, then space prefix
		{"<s>", false, false, []int32{8, 0, 0, 0}},           // plain text: no such pieces, <unk> per byte
		{"a<|user|>b", false, false, []int32{11, 14, 8, 10}}, // user-defined tokens always split out
		{"ba", false, false, []int32{8, 10, 9}},
	} {
		got, err := tok.Encode(c.text, c.addSpecial, c.parseSpecial)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q, %v, %v) = %v, want %v", c.text, c.addSpecial, c.parseSpecial, got, c.want)
		}
	}
	if tok.BOS() != 1 || tok.EOS() != 2 || !tok.AddBOS() || tok.AddEOS() || !tok.IsEOG(2) || tok.IsEOG(1) {
		t.Errorf("specials: bos %d eos %d addBOS %v addEOS %v", tok.BOS(), tok.EOS(), tok.AddBOS(), tok.AddEOS())
	}
	// llama.cpp's detokenize: one leading space dropped, but not after a
	// BOS that removeSpecial takes away; control tokens only when rendered
	ids := []int32{1, 13, 11}
	for _, c := range []struct {
		remove, render bool
		want           string
	}{
		{false, false, " ab a"}, // the unrendered BOS used up the strip
		{false, true, "<s> ab a"},
		{true, false, " ab a"},
		{true, true, " ab a"},
	} {
		if got := tok.Detokenize(ids, c.remove, c.render); got != c.want {
			t.Errorf("Detokenize(%v, %v, %v) = %q, want %q", ids, c.remove, c.render, got, c.want)
		}
	}
	if got := tok.Decode([]int32{13, -1, 99, 13}); got != "ab ab" {
		t.Errorf("out of range ids: %q", got)
	}
}

func TestNoByteFallback(t *testing.T) {
	tok, err := New(Config{Model: "llama", Tokens: []string{"<s>", "</s>", "▁", "a"},
		IDs: map[string]uint32{"bos_token_id": 0, "eos_token_id": 1, "unknown_token_id": 99}})
	if err != nil {
		t.Fatal(err)
	}
	// an out-of-range id keeps the default (0), as in llama.cpp, and bytes
	// without tokens become it (where llama.cpp would throw)
	if tok.UNK() != 0 || len(tok.Warnings()) == 0 {
		t.Errorf("out-of-range unknown_token_id: UNK() = %d, warnings %q", tok.UNK(), tok.Warnings())
	}
	ids, err := tok.Encode("é", false, false)
	if err != nil || !slices.Equal(ids, []int32{2, 0, 0}) {
		t.Errorf("got %v, %v", ids, err)
	}
}

func TestStreamDecoder(t *testing.T) {
	tok := tinySPM(t)
	d := tok.NewStreamDecoder(false)
	var got []string
	for _, id := range []int32{13, 3, 4, 5, 6} { // "ab", then é in two bytes, then two of ▁'s three
		got = append(got, d.Add(id))
	}
	if want := []string{" ab", "", "é", "", ""}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if s := d.Add(7); s != "▁" {
		t.Errorf("completing ▁: %q", s)
	}
	d.Add(5)
	if s := d.Flush(); s != "\xe2" {
		t.Errorf("Flush: %q", s)
	}
	// a byte that can never start UTF-8 is passed through at once
	if s := d.Add(6); s != "\x96" {
		t.Errorf("stray continuation byte: %q", s)
	}
}

func TestStreamDecoderMatchesDecode(t *testing.T) {
	tok := loadTokenizer(t, testdata.Path(t, "vocab/ggml-vocab-gpt-2.gguf"))
	text := "Hello 🦙 world, ünïcödé 我想在 \n done"
	ids, _ := tok.Encode(text, false, false)
	d := tok.NewStreamDecoder(false)
	var b strings.Builder
	for _, id := range ids {
		s := d.Add(id)
		if !utf8.ValidString(s) {
			t.Fatalf("partial UTF-8 emitted: %q", s)
		}
		b.WriteString(s)
	}
	b.WriteString(d.Flush())
	if b.String() != text {
		t.Errorf("streamed %q", b.String())
	}
}

func TestCleanSpaces(t *testing.T) {
	for in, want := range map[string]string{
		"Hello , world !": "Hello, world!",
		"a ' b":           "a'b",
		"it 's he 'll we 're they 've I 'm do 't": "it's he 'll we're they've I'm do 't",
		"":  "",
		" ": " ",
	} {
		if got := string(cleanSpaces([]byte(in))); got != want {
			t.Errorf("cleanSpaces(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSPMChunking checks that cutting SentencePiece text between symbols
// no token joins gives the same tokens as merging the whole text at once.
func TestSPMChunking(t *testing.T) {
	for _, p := range []string{"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf", "models/tinystories656k-F16.gguf"} {
		tok := loadTokenizer(t, testdata.Path(t, p))
		text := mixedText(t, 20000)
		a, err1 := tok.Encode(text, true, false)
		var sp spmSession
		b, err2 := sp.tokenize(tok, strings.ReplaceAll(" "+text, " ", "▁"), []int32{tok.BOS()})
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !slices.Equal(a, b) {
			t.Errorf("%s: chunked encoding differs", p)
		}
	}
}

func TestEOG(t *testing.T) {
	tok, err := New(Config{Model: "gpt2", Pre: "qwen2",
		Tokens: []string{"a", "b", "<|endoftext|>", "<|im_start|>", "<|im_end|>"},
		Types:  []int32{1, 1, 3, 3, 3},
		IDs:    map[string]uint32{"eos_token_id": 2, "bos_token_id": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.EOGs(); !slices.Equal(got, []int32{2, 4}) {
		t.Errorf("EOG set %v", got)
	}
	if tok.EOT() != 2 {
		// <|endoftext|> is first in llama.cpp's EOT list... by map order;
		// we take the lowest id among candidates
		t.Errorf("EOT %d", tok.EOT())
	}
	ids, _ := tok.Encode("<|im_start|>a<|im_end|>", false, true)
	if !slices.Equal(ids, []int32{3, 0, 4}) {
		t.Errorf("parse special: %v", ids)
	}
	ids, _ = tok.Encode("<|im_start|>", false, false)
	if slices.Contains(ids, 3) {
		t.Errorf("control token parsed from plain text: %v", ids)
	}
}
