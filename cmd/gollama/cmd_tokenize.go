package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/tokenizer"
)

func init() {
	register(&command{name: "tokenize", summary: "print the token ids of a text (as llama.cpp tokenizes it)", run: runTokenize})
}

func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tokenize", stderr)
	model := fs.String("m", "", "model or vocab-only GGUF `file`")
	addSpecial := fs.Bool("add-special", true, "add BOS/EOS as the vocabulary asks")
	parseSpecial := fs.Bool("parse-special", false, "turn special-token text such as <s> into those tokens")
	file := fs.String("file", "", "read the text from `F` (byte for byte) instead of the argument")
	asJSON := fs.Bool("json", false, "print a JSON array of {id, piece} instead of ids")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama tokenize -m MODEL [--add-special=true|false] [--parse-special] [--file F | TEXT] [--json]")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *model == "" {
		fmt.Fprintln(stderr, "gollama tokenize: -m MODEL is required")
		return errUsage
	}
	var text string
	switch {
	case *file != "" && len(pos) > 0:
		fmt.Fprintln(stderr, "gollama tokenize: give either --file or TEXT, not both")
		return errUsage
	case *file != "":
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		text = string(b)
	case len(pos) == 1:
		text = pos[0]
	case len(pos) == 0:
		fmt.Fprintln(stderr, "gollama tokenize: no TEXT (or --file) given")
		return errUsage
	default:
		fmt.Fprintf(stderr, "gollama tokenize: one TEXT argument expected, got %d (quote the text)\n", len(pos))
		return errUsage
	}

	tok, err := loadTokenizer(*model)
	if err != nil {
		return err
	}
	ids, err := tok.Encode(text, *addSpecial, *parseSpecial)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeTokensJSON(stdout, tok, ids)
	}
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(int(id)))
	}
	b.WriteByte('\n')
	_, err = io.WriteString(stdout, b.String())
	return err
}

// tokenizerCache keeps the last tokenizers loaded, keyed by file identity,
// so that repeated runs in one process (tests, scripts driving runMain)
// do not re-read large vocabularies.
var tokenizerCache struct {
	sync.Mutex
	m map[string]*tokenizer.Tokenizer
}

func loadTokenizer(path string) (*tokenizer.Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s\x00%d\x00%d", path, st.Size(), st.ModTime().UnixNano())
	tokenizerCache.Lock()
	tok := tokenizerCache.m[key]
	tokenizerCache.Unlock()
	if tok != nil {
		return tok, nil
	}
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	tok, err = tokenizer.FromGGUF(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	tokenizerCache.Lock()
	defer tokenizerCache.Unlock()
	if tokenizerCache.m == nil || len(tokenizerCache.m) >= 16 {
		tokenizerCache.m = map[string]*tokenizer.Tokenizer{}
	}
	tokenizerCache.m[key] = tok
	return tok, nil
}

type tokenJSON struct {
	ID    int32  `json:"id"`
	Piece string `json:"piece"`
	// Bytes is set when the piece is not valid UTF-8 on its own (part of
	// a multi-byte character), which JSON strings cannot carry.
	Bytes []int `json:"bytes,omitempty"`
}

func writeTokensJSON(w io.Writer, tok *tokenizer.Tokenizer, ids []int32) error {
	out := make([]tokenJSON, len(ids))
	for i, id := range ids {
		p := tok.Piece(id, true)
		out[i] = tokenJSON{ID: id, Piece: p}
		if !utf8.ValidString(p) {
			for _, c := range []byte(p) {
				out[i].Bytes = append(out[i].Bytes, int(c))
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return errors.New("encoding JSON: " + err.Error())
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
