package model

import (
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

// BenchmarkDecode measures one single-token step after a 32-token prompt
// (tokens/s = 1e9 / ns/op).
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"stories260K-F32", "tinystories656k-Q8_0", "llama-spm1k-Q4_K_M"} {
		b.Run(name, func(b *testing.B) {
			m := openModel(b, testdata.Path(b, "models/"+name+".gguf"))
			ctx, err := m.NewContext(Options{MaxBatch: 32, Cells: 32 + b.N + 1, Threads: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer ctx.Close()
			prompt := make([]Entry, 32)
			for i := range prompt {
				prompt[i] = Entry{Token: int32(1 + i), Pos: int32(i)}
			}
			prompt[31].Logits = true
			if _, err := ctx.Forward(prompt); err != nil {
				b.Fatal(err)
			}
			step := []Entry{{Token: 5, Pos: 32, Logits: true}}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := ctx.Forward(step); err != nil {
					b.Fatal(err)
				}
				step[0].Pos++
			}
		})
	}
}

// BenchmarkPrefill measures a 64-token prompt as one batch.
func BenchmarkPrefill(b *testing.B) {
	m := openModel(b, testdata.Path(b, "models/llama-spm1k-Q4_K_M.gguf"))
	ctx, err := m.NewContext(Options{MaxBatch: 64, Cells: 64, Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Close()
	batch := make([]Entry, 64)
	for i := range batch {
		batch[i] = Entry{Token: int32(1 + i), Pos: int32(i)}
	}
	batch[63].Logits = true
	b.ResetTimer()
	for range b.N {
		if err := ctx.Cache().Clear(0); err != nil {
			b.Fatal(err)
		}
		if _, err := ctx.Forward(batch); err != nil {
			b.Fatal(err)
		}
	}
}
