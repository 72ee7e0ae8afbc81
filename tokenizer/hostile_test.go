package tokenizer

import (
	"math"
	"strings"
	"testing"
)

// hostileConfig builds a vocabulary from fuzz input: tokens are blob's
// NUL-separated pieces, their types and scores derived from their bytes,
// special ids and flags from sel, merges pairing neighbours (and some
// malformed ones).
func hostileConfig(model byte, blob string, sel uint32) Config {
	c := Config{Model: []string{"llama", "gpt2", "bert", "", "rwkv"}[int(model)%5], Pre: []string{"", "default", "gpt-2", "llama3", "qwen2", "bogus"}[int(sel)%6]}
	c.Tokens = strings.Split(blob, "\x00")
	for i, tok := range c.Tokens {
		h := uint32(len(tok))*31 + uint32(i)
		if len(tok) > 0 {
			h += uint32(tok[0])
		}
		c.Types = append(c.Types, int32(h%9)-1) // includes -1, 7 and 8: out of range
		c.Scores = append(c.Scores, []float32{0, -1, 1e30, float32(math.Inf(-1)), float32(math.NaN()), -float32(i)}[h%6])
		if i > 0 {
			c.Merges = append(c.Merges, c.Tokens[i-1]+" "+tok)
		}
		c.Merges = append(c.Merges, tok)
	}
	if sel&1 != 0 && len(c.Scores) > 0 {
		c.Scores = c.Scores[:len(c.Scores)-1] // shorter than the tokens
	}
	c.IDs = map[string]uint32{}
	for i, k := range []string{"bos_token_id", "eos_token_id", "unknown_token_id", "seperator_token_id", "padding_token_id", "eot_token_id"} {
		switch (sel >> (2 + 2*i)) & 3 {
		case 1:
			c.IDs[k] = sel >> 16
		case 2:
			c.IDs[k] = math.MaxUint32 - uint32(i)
		case 3:
			c.IDs[k] = uint32(i)
		}
	}
	c.Flags = map[string]bool{"add_bos_token": sel&(1<<14) != 0, "add_eos_token": sel&(1<<15) != 0,
		"add_space_prefix": sel&(1<<1) != 0, "normalizer.lowercase": sel&(1<<3) != 0}
	return c
}

// Vocabularies that lie (out-of-range types, special ids past the end, NaN
// scores, malformed merges, no byte tokens) either fail to load or encode
// and decode anything without panicking, every id in range.
func FuzzHostileVocab(f *testing.F) {
	f.Add(byte(0), "<unk>\x00<s>\x00</s>\x00a\x00b\x00ab\x00\u2581", uint32(0x3ffff), "ab ab\xff<s>", true)
	f.Add(byte(1), "a\x00b\x00ab\x00Ġ\x00<|endoftext|>", uint32(12345), "a b <|endoftext|> ab", true)
	f.Add(byte(2), "[PAD]\x00[UNK]\x00[CLS]\x00[SEP]\x00a\x00##b", uint32(0xfffff), "A b ÄB", false)
	f.Add(byte(0), "x", uint32(0), "", true)
	f.Add(byte(1), "", uint32(7), "anything", true)
	f.Add(byte(0), "<0x41>\x00<0xZZ>\x00<0x>", uint32(1<<14), "A\x00B", false)
	f.Fuzz(func(t *testing.T, model byte, blob string, sel uint32, text string, special bool) {
		tok, err := New(hostileConfig(model, blob, sel))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, add := range []bool{false, true} {
			ids, err := tok.Encode(text, add, special)
			if err != nil {
				continue
			}
			for _, id := range ids {
				if id < 0 || int(id) >= tok.VocabSize() {
					t.Fatalf("%q: id %d out of range [0, %d)", text, id, tok.VocabSize())
				}
			}
			_ = tok.Detokenize(ids, special, !special)
		}
		junk := []int32{-1, math.MinInt32, math.MaxInt32, int32(tok.VocabSize()), 0, int32(len(text))}
		_ = tok.Decode(junk)
		_ = tok.Detokenize(junk, true, true)
		d := tok.NewStreamDecoder(special)
		for _, id := range junk {
			_ = d.Add(id)
		}
		_ = d.Flush()
		for _, id := range junk {
			_, _, _, _ = tok.Piece(id, special), tok.Token(id), tok.Score(id), tok.Attr(id)
			_ = tok.IsEOG(id)
		}
	})
}

// A 1 MiB single "word", and special-token text with parsing on and off,
// encode without error on a built-in SPM vocabulary.
func TestHostileLongInput(t *testing.T) {
	n := 1 << 20
	if testing.Short() {
		n = 1 << 16
	}
	tok, err := New(hostileConfig(0, "<unk>\x00<s>\x00</s>\x00a\x00b\x00ab\x00\u2581", 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{strings.Repeat("ab", n/2), strings.Repeat("<s>", n/3)} {
		for _, parse := range []bool{false, true} {
			ids, err := tok.Encode(in, true, parse)
			if err != nil {
				t.Fatalf("%.8q… (parse %v): %v", in, parse, err)
			}
			if len(ids) == 0 {
				t.Errorf("%.8q…: no tokens", in)
			}
		}
	}
}
