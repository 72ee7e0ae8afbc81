package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// renderPiece is llama.cpp's token_to_piece with special = true: the bytes
// a token stands for. Control and unknown tokens render as their text.
func (t *Tokenizer) renderPiece(id int32) string {
	a, text := t.attr[id], t.tex[id]
	if a&(AttrUnknown|AttrControl|AttrUserDefined) != 0 {
		return text
	}
	if a&AttrNormal != 0 {
		if t.kind == BPE {
			return decodeByteLevel(text)
		}
		return strings.ReplaceAll(text, "▁", " ")
	}
	if a&AttrByte != 0 {
		if b, ok := parseByteToken(text); ok {
			return string([]byte{b})
		}
		// llama.cpp reads two hex digits at offset 3 regardless
		return ""
	}
	return "" // unused and undefined tokens
}

// parseByteToken reads "<0xXX>".
func parseByteToken(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	var v byte
	for _, c := range []byte(s[3:5]) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | (c - '0')
		case c >= 'A' && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		case c >= 'a' && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}

// decodeByteLevel maps GPT-2 byte-level characters back to bytes;
// characters outside that alphabet become llama.cpp's "[UNK_BYTE_0x..]".
func decodeByteLevel(text string) string {
	buf := make([]byte, 0, len(text))
	for i := 0; i < len(text); {
		c, n := utf8.DecodeRuneInString(text[i:])
		if c < rune(len(runeToByte)) && runeToByte[c] >= 0 && (c != utf8.RuneError || n > 1) {
			buf = append(buf, byte(runeToByte[c]))
			i += n
			continue
		}
		return decodeByteLevelSlow(text)
	}
	return string(buf)
}

func decodeByteLevelSlow(text string) string {
	var b strings.Builder
	for _, c := range decodeLax(text) {
		if c < rune(len(runeToByte)) && runeToByte[c] >= 0 {
			b.WriteByte(byte(runeToByte[c]))
			continue
		}
		b.WriteString("[UNK_BYTE_0x")
		for _, x := range appendCP(nil, c) {
			fmt.Fprintf(&b, "%02x", x)
		}
		b.WriteString(text + "]")
	}
	return b.String()
}

// Piece returns the bytes token id stands for (llama.cpp's token_to_piece
// without lstrip): control and unknown tokens render as their text only
// when special is set; user-defined tokens always do. Out of range ids
// give "".
func (t *Tokenizer) Piece(id int32, special bool) string {
	if !t.valid(id) {
		return ""
	}
	if !special && t.attr[id]&(AttrUnknown|AttrControl) != 0 {
		return ""
	}
	return t.pieces[id]
}

// TokenBytes returns the bytes of token id, special tokens rendered.
func (t *Tokenizer) TokenBytes(id int32) []byte { return []byte(t.Piece(id, true)) }

// Detokenize is llama.cpp's llama_detokenize: the pieces concatenated,
// with one leading space dropped where the vocabulary adds a space prefix
// (kept after a BOS that removeSpecial removes), BOS/EOS removed when
// removeSpecial and the vocabulary adds them, control tokens rendered when
// renderSpecial, and the clean_up_tokenization_spaces passes applied where
// the vocabulary asks for them.
func (t *Tokenizer) Detokenize(ids []int32, removeSpecial, renderSpecial bool) string {
	removeSpace := t.addSpacePrefix
	if removeSpecial && t.addBOS && len(ids) > 0 && ids[0] == t.bos {
		removeSpace = false
		ids = ids[1:]
	}
	if removeSpecial && t.addEOS && len(ids) > 0 && ids[len(ids)-1] == t.eos {
		ids = ids[:len(ids)-1]
	}
	var buf []byte
	for _, id := range ids {
		p := t.Piece(id, renderSpecial)
		if removeSpace && strings.HasPrefix(p, " ") {
			p = p[1:]
		}
		removeSpace = false
		buf = append(buf, p...)
	}
	if t.cleanSpaces {
		buf = cleanSpaces(buf)
	}
	return string(buf)
}

// Decode returns the text of ids: Detokenize without removing or
// rendering special tokens. Decode(Encode(s, false, false)) == s for valid
// UTF-8 s, except where the vocabulary normalizes (see the package tests).
func (t *Tokenizer) Decode(ids []int32) string { return t.Detokenize(ids, false, false) }

// cleanSpaces is llama.cpp's clean_up_tokenization_spaces, three in-place
// passes over the bytes transcribed as they are (including their quirks).
func cleanSpaces(text []byte) []byte {
	total := len(text)
	// " ?", " !", " .", " ,"
	n1 := total
	total = min(total, 1)
	for i := 1; i < n1; i++ {
		x := text[i]
		if text[i-1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',') {
			total--
		}
		text[total] = x
		total++
	}
	// " ' "
	n2 := total
	total = min(total, 1)
	for i := 1; i < n2; i++ {
		x := text[i]
		if x == '\'' && i+1 < n2 && text[i-1] == ' ' && text[i+1] == ' ' {
			total--
			i++
			text[i] = 0
		}
		text[total] = x
		total++
	}
	// " 's", " 'm", " 're", " 've"
	n3 := total
	total = min(total, 1)
	for i := 1; i < n3; i++ {
		x := text[i]
		if text[i-1] == ' ' && x == '\'' && i+1 < n3 {
			x1 := text[i+1]
			if x1 == 's' || x1 == 'm' {
				total--
			} else if i+2 < n3 && x1 != 't' && x1 != 'd' {
				x2 := text[i+2]
				if (x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e') {
					total--
				}
			}
		}
		text[total] = x
		total++
	}
	return text[:total]
}

// StreamDecoder turns generated tokens into text piece by piece without
// ever splitting a UTF-8 sequence: bytes that may still be completed by
// the next token are held back. Bytes that can never form valid UTF-8 are
// passed through as they are.
type StreamDecoder struct {
	t             *Tokenizer
	renderSpecial bool
	pending       []byte
}

// NewStreamDecoder returns a decoder; renderSpecial renders control tokens
// as their text.
func (t *Tokenizer) NewStreamDecoder(renderSpecial bool) *StreamDecoder {
	return &StreamDecoder{t: t, renderSpecial: renderSpecial}
}

// Add appends token id and returns the text that is now complete.
func (d *StreamDecoder) Add(id int32) string {
	d.pending = append(d.pending, d.t.Piece(id, d.renderSpecial)...)
	n := completePrefix(d.pending)
	out := string(d.pending[:n])
	d.pending = append(d.pending[:0], d.pending[n:]...)
	return out
}

// Flush returns whatever is held back (an incomplete sequence at the end
// of the stream).
func (d *StreamDecoder) Flush() string {
	out := string(d.pending)
	d.pending = d.pending[:0]
	return out
}

// completePrefix returns the length of b without a trailing, possibly
// incomplete UTF-8 sequence.
func completePrefix(b []byte) int {
	// look at most 3 bytes back for the start of a sequence
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return len(b) // ASCII: nothing pending
		}
		if c >= 0xC0 { // a lead byte
			need := utf8Len(c)
			if c >= 0xF8 || need <= k {
				return len(b) // invalid lead or sequence complete
			}
			if !utf8.FullRune(b[len(b)-k:]) {
				return len(b) - k // could still be completed
			}
			return len(b)
		}
	}
	return len(b)
}
