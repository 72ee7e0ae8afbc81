package model

import (
	"math"
	"slices"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/kernels"
)

// ForwardEmbeddings returns the rows Forward multiplies by the output
// weight: projected, they are Forward's logits bit for bit, and the cache
// ends up the same.
func TestForwardEmbeddingsMatchesForward(t *testing.T) {
	for _, name := range []string{"stories260K-F32", "tinystories656k-Q8_0"} {
		t.Run(name, func(t *testing.T) {
			m := openModel(t, testdata.Path(t, "models/"+name+".gguf"))
			newCtx := func(maxOut int) *Context {
				c, err := m.NewContext(Options{MaxBatch: 32, MaxOutputs: maxOut, MaxSeqs: 2, Cells: 128, Threads: 2})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(c.Close)
				return c
			}
			// The embeddings context keeps MaxOutputs at 1: every entry may
			// still ask for its row.
			ref, emb := newCtx(32), newCtx(1)
			pool := kernels.NewPool(2)
			defer pool.Close()

			tok := func(i int) int32 { return int32((i*37 + 11) % m.Vocab) }
			var batches [][]Entry
			var b1 []Entry // two sequences, some rows wanted
			for i := range 9 {
				b1 = append(b1, Entry{Token: tok(i), Pos: int32(i), Seq: 0, Logits: i%3 == 0})
			}
			for i := range 5 {
				b1 = append(b1, Entry{Token: tok(i + 50), Pos: int32(i), Seq: 1, Logits: i == 4})
			}
			var b2 []Entry // both continue; every row wanted
			for i := range 7 {
				b2 = append(b2, Entry{Token: tok(i + 100), Pos: int32(9 + i), Seq: 0, Logits: true})
			}
			b2 = append(b2, Entry{Token: tok(200), Pos: 5, Seq: 1, Logits: true})
			b3 := []Entry{{Token: tok(300), Pos: 16, Seq: 0, Logits: true}} // one decode step
			batches = append(batches, b1, b2, b3)

			for bi, batch := range batches {
				logits, err := ref.Forward(batch)
				if err != nil {
					t.Fatal(err)
				}
				logits = slices.Clone(logits)
				rows, err := emb.ForwardEmbeddings(batch)
				if err != nil {
					t.Fatal(err)
				}
				nOut := 0
				for _, e := range batch {
					if e.Logits {
						nOut++
					}
				}
				if len(rows) != nOut*m.Embd {
					t.Fatalf("batch %d: %d floats, want %d×%d", bi, len(rows), nOut, m.Embd)
				}
				if !slices.Equal(rows, ref.outX[:nOut*m.Embd]) {
					t.Errorf("batch %d: rows differ from Forward's normed rows", bi)
				}
				proj := make([]float32, nOut*m.Vocab)
				if err := kernels.MatMul(pool, proj, m.output, rows, nOut); err != nil {
					t.Fatal(err)
				}
				for i := range proj {
					if math.Float32bits(proj[i]) != math.Float32bits(logits[i]) {
						t.Fatalf("batch %d: logit %d (row %d): projected %v, Forward %v", bi, i, i/m.Vocab, proj[i], logits[i])
					}
				}
				sameCache(t, m, ref, emb)
			}

			// A failing batch leaves the cache as it was.
			if _, err := emb.ForwardEmbeddings([]Entry{{Token: 0, Pos: 17, Seq: 0, Logits: true}, {Token: -1, Pos: 18, Seq: 0}}); err == nil {
				t.Fatal("bad token: no error")
			}
			if _, err := emb.ForwardEmbeddings(nil); err == nil {
				t.Fatal("empty batch: no error")
			}
			sameCache(t, m, ref, emb)
		})
	}
}

// sameCache checks two contexts' caches hold the same cells, positions,
// keys and values.
func sameCache(t *testing.T, m *Model, a, b *Context) {
	t.Helper()
	for seq := range a.opt.MaxSeqs {
		ca, cb := a.Cache(), b.Cache()
		if !slices.Equal(ca.Positions(seq), cb.Positions(seq)) {
			t.Fatalf("seq %d: positions %v and %v", seq, ca.Positions(seq), cb.Positions(seq))
		}
		for layer := range m.Layers {
			for cell := range ca.Len(seq) {
				if !slices.Equal(ca.K(seq, layer, cell), cb.K(seq, layer, cell)) || !slices.Equal(ca.V(seq, layer, cell), cb.V(seq, layer, cell)) {
					t.Fatalf("seq %d layer %d cell %d: keys or values differ", seq, layer, cell)
				}
			}
		}
	}
}
