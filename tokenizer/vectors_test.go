package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/internal/testdata"
)

// vocabCase is one test string of llama.cpp's tokenizer test suite and the
// ids it must give (without BOS).
type vocabCase struct {
	text string
	want []int32
}

// readVectors splits NAME.gguf.inp and NAME.gguf.out as llama.cpp's
// test-tokenizer-0 does: inputs separated by "\n__ggml_vocab_test__\n",
// one line of space-separated ids per input.
func readVectors(t testing.TB, ggufPath string) []vocabCase {
	t.Helper()
	inp, err := os.ReadFile(ggufPath + ".inp")
	if err != nil {
		t.Fatal(err)
	}
	outb, err := os.ReadFile(ggufPath + ".out")
	if err != nil {
		t.Fatal(err)
	}
	const sep = "\n__ggml_vocab_test__\n"
	var texts []string
	for s := string(inp); s != ""; {
		i := strings.Index(s, sep)
		if i < 0 {
			texts = append(texts, s)
			break
		}
		texts = append(texts, s[:i])
		s = s[i+len(sep):]
	}
	lines := strings.Split(strings.TrimSuffix(string(outb), "\n"), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("%s: %d inputs but %d outputs", ggufPath, len(texts), len(lines))
	}
	cases := make([]vocabCase, len(texts))
	for i, line := range lines {
		cases[i].text = texts[i]
		for _, f := range strings.Fields(line) {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("%s.out line %d: %v", ggufPath, i+1, err)
			}
			cases[i].want = append(cases[i].want, int32(v))
		}
	}
	return cases
}

var loaded sync.Map // path -> *Tokenizer, shared by the tests

// loadTokenizer reads a GGUF file's tokenizer once per test binary.
func loadTokenizer(t testing.TB, path string) *Tokenizer {
	t.Helper()
	if tok, ok := loaded.Load(path); ok {
		return tok.(*Tokenizer)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := FromGGUF(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	loaded.Store(path, tok)
	return tok
}

func vectorFiles(t testing.TB) []string {
	var out []string
	for _, p := range testdata.Glob(t, "vocab/*.gguf") {
		if _, err := os.Stat(p + ".inp"); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func TestVocabVectors(t *testing.T) {
	for _, path := range vectorFiles(t) {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "ggml-vocab-"), ".gguf")
		t.Run(name, func(t *testing.T) {
			tok := loadTokenizer(t, path)
			for i, c := range readVectors(t, path) {
				got, err := tok.Encode(c.text, false, false)
				if err != nil {
					t.Errorf("case %d %q: %v", i, c.text, err)
					continue
				}
				if !equalIDs(got, c.want) {
					t.Errorf("case %d %q:\n got %v\nwant %v", i, c.text, got, c.want)
				}
			}
		})
	}
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReferencePrompts checks the prompts llama.cpp evaluated for the
// parity references, BOS included where the vocabulary adds one.
func TestReferencePrompts(t *testing.T) {
	root := testdata.Path(t, "reference")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		model := testdata.Path(t, "models/"+d.Name()+".gguf")
		prompts, _ := filepath.Glob(filepath.Join(root, d.Name(), "p*.json"))
		if len(prompts) == 0 {
			t.Errorf("%s: no prompts", d.Name())
		}
		for _, p := range prompts {
			var ref struct {
				Prompt string  `json:"prompt"`
				NVocab int     `json:"n_vocab"`
				Tokens []int32 `json:"tokens"`
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &ref); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			tok := loadTokenizer(t, model)
			if tok.VocabSize() != ref.NVocab {
				t.Errorf("%s: vocab size %d, reference %d", p, tok.VocabSize(), ref.NVocab)
			}
			got, err := tok.Encode(ref.Prompt, true, false)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if !equalIDs(got, ref.Tokens) {
				t.Errorf("%s %q:\n got %v\nwant %v", p, ref.Prompt, got, ref.Tokens)
			}
		}
	}
}

// TestReferenceGreedyText decodes llama.cpp's greedy tokens piece by piece
// and compares with its greedy_text, where invalid UTF-8 was replaced by
// U+FFFD per maximal ill-formed subsequence (Python's errors="replace").
func TestReferenceGreedyText(t *testing.T) {
	root := testdata.Path(t, "reference")
	prompts, _ := filepath.Glob(filepath.Join(root, "*", "p*.json"))
	if len(prompts) == 0 {
		t.Skip("no reference prompts")
	}
	for _, p := range prompts {
		var ref struct {
			Greedy     []int32 `json:"greedy"`
			GreedyText string  `json:"greedy_text"`
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		tok := loadTokenizer(t, testdata.Path(t, "models/"+filepath.Base(filepath.Dir(p))+".gguf"))
		d := tok.NewStreamDecoder(true)
		var raw strings.Builder
		for _, id := range ref.Greedy {
			raw.WriteString(d.Add(id))
		}
		raw.WriteString(d.Flush())
		if got := replaceInvalid(raw.String()); got != ref.GreedyText {
			t.Errorf("%s:\n got %q\nwant %q", p, got, ref.GreedyText)
		}
	}
}

// replaceInvalid replaces each maximal ill-formed subsequence with U+FFFD,
// as Python's bytes.decode(errors="replace") does.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || n > 1 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		// the lead byte and the continuation bytes that still fit it
		lo, hi := byte(0x80), byte(0xBF)
		need := 0
		switch c := s[i]; {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c == 0xED:
			need, hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lo = 3, 0x90
		case c == 0xF4:
			need, hi = 3, 0x8F
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		}
		j := i + 1
		for k := 0; k < need && j < len(s) && s[j] >= lo && s[j] <= hi; k++ {
			j++
			lo, hi = 0x80, 0xBF
		}
		b.WriteRune(utf8.RuneError)
		i = j
	}
	return b.String()
}
