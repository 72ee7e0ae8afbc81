package tokenizer

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/internal/testdata"
)

// mixedText builds about n bytes of text: Zipf-distributed English-like
// words taken from the GPT-2 vocabulary, punctuation, numbers, newlines,
// code-like lines and some non-Latin script and emoji.
func mixedText(tb testing.TB, n int) string {
	gpt2 := loadTokenizer(tb, testdata.Path(tb, "vocab/ggml-vocab-gpt-2.gguf"))
	var words []string
	for id := range gpt2.VocabSize() {
		if p := gpt2.Piece(int32(id), false); len(p) > 2 && p[0] == ' ' && isAlpha(p[1:]) {
			words = append(words, p[1:])
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	z := rand.NewZipf(r, 1.1, 2, uint64(len(words)-1))
	extra := []string{"Привет мир", "我想在工作", "こんにちは", "🦙🚀", "naïve café", "x := f(y[i]) + 42;", "    return nil\n"}
	var b strings.Builder
	for b.Len() < n {
		switch k := r.IntN(100); {
		case k < 80:
			b.WriteString(words[z.Uint64()])
		case k < 85:
			b.WriteString(strconv.Itoa(r.IntN(100000)))
		case k < 92:
			b.WriteString([]string{",", ".", "!", "?", "'s", ";", ":", "\""}[r.IntN(8)])
		case k < 95:
			b.WriteString("\n")
		default:
			b.WriteString(extra[r.IntN(len(extra))])
		}
		b.WriteByte(' ')
	}
	return b.String()
}

func isAlpha(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func benchEncode(b *testing.B, vocab string) {
	tok := loadTokenizer(b, testdata.Path(b, vocab))
	text := mixedText(b, 1<<20)
	ids, err := tok.Encode(text, false, false)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := tok.Encode(text, false, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ids))*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkEncodeSPM(b *testing.B)         { benchEncode(b, "vocab/ggml-vocab-llama-spm.gguf") }
func BenchmarkEncodeGPT2(b *testing.B)        { benchEncode(b, "vocab/ggml-vocab-gpt-2.gguf") }
func BenchmarkEncodeDeepseekLLM(b *testing.B) { benchEncode(b, "vocab/ggml-vocab-deepseek-llm.gguf") }
func BenchmarkEncodeFalcon(b *testing.B)      { benchEncode(b, "vocab/ggml-vocab-falcon.gguf") }
func BenchmarkEncodeBERT(b *testing.B)        { benchEncode(b, "vocab/ggml-vocab-bert-bge.gguf") }

func BenchmarkDecodeGPT2(b *testing.B) {
	tok := loadTokenizer(b, testdata.Path(b, "vocab/ggml-vocab-gpt-2.gguf"))
	text := mixedText(b, 1<<20)
	ids, _ := tok.Encode(text, false, false)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		_ = tok.Decode(ids)
	}
	b.ReportMetric(float64(len(ids))*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkLoadDeepseekLLM(b *testing.B) {
	path := testdata.Path(b, "vocab/ggml-vocab-deepseek-llm.gguf")
	for b.Loop() {
		f, err := gguf.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := FromGGUF(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
