package tokenizer

import (
	"slices"
	"sync"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

// TestConcurrentEncode runs Encode from several goroutines on one
// Tokenizer (shared caches included) and checks every result.
func TestConcurrentEncode(t *testing.T) {
	for _, p := range []string{"vocab/ggml-vocab-gpt-2.gguf", "vocab/ggml-vocab-llama-spm.gguf"} {
		tok := loadTokenizer(t, testdata.Path(t, p))
		text := mixedText(t, 4000)
		want, err := tok.Encode(text, true, false)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 5 {
					got, err := tok.Encode(text, true, false)
					if err != nil || !slices.Equal(got, want) {
						t.Errorf("%s: concurrent encoding differs", p)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}
