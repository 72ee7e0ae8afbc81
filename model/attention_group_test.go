package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

// TestAttendGroupMatchesAttendHead: a batch through models whose query
// heads come 8, 3 and 7 to a KV head (TinyLlama's, SmolLM2's and
// Qwen2.5's ratios) gives the same logits bit for bit whether the heads of
// a KV head share their key conversions (attendGroup, four at a time) or
// every head runs alone, for two sequences with cached context and masked
// cells, at one and two threads.
func TestAttendGroupMatchesAttendHead(t *testing.T) {
	for _, sh := range []struct{ hd, heads, kvHeads int }{{16, 8, 1}, {64, 8, 2}, {32, 9, 3}, {16, 14, 2}} {
		hd := sh.hd
		f := synthFile(t, synth.Options{Shape: synth.Shape{Arch: "llama", Embd: sh.heads * hd, Layers: 2, Heads: sh.heads, KVHeads: sh.kvHeads,
			FF: 64, Vocab: 97, Context: 512, RopeTheta: 10000, RMSEps: 1e-5}, Type: tensor.F16, Seed: 3, Threads: 1}, nil)
		m, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{1, 2} {
			run := func(group bool) []float32 {
				defer func(v bool) { noGroup = v }(noGroup)
				noGroup = !group
				c, err := m.NewContext(Options{MaxBatch: 96, MaxOutputs: 96, MaxSeqs: 2, Cells: 512, Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				rng := rand.New(rand.NewPCG(9, 9))
				var out []float32
				for step, n := range []int{40, 7, 1, 23} { // prompts, then batches after cached context
					var b []Entry
					for s := range 2 {
						for j := range n {
							b = append(b, Entry{Token: int32(rng.IntN(m.Vocab)), Pos: int32(step*64 + j), Seq: s, Logits: true})
						}
					}
					logits, err := c.Forward(b)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, logits...)
				}
				return out
			}
			if !canGroupShape(m) {
				t.Fatalf("head dim %d: the test model does not take the grouped path", hd)
			}
			got, want := run(true), run(false)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("head dim %d threads %d: logit %d = %g grouped, %g per head", hd, threads, i, got[i], want[i])
				}
			}
		}
	}
}

// canGroupShape is canGroup's condition on the model alone.
func canGroupShape(m *Model) bool {
	return m.HeadDimK%simdWidth == 0 && m.Heads/m.KVHeads >= 2
}

// TestDotF16Cells4MatchesDotF16: the four-query run kernel equals dotF16's
// tiny order per query bit for bit.
func TestDotF16Cells4MatchesDotF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(65, 66))
	for hk := 16; hk <= 128; hk += 16 {
		for _, pad := range []int{0, 5} {
			stride, ostride := hk+pad, 11+pad
			for n := 1; n <= 9; n += 4 {
				k := make([]uint16, (n-1)*stride+hk)
				for i := range k {
					k[i] = tensor.F32ToF16(float32(rng.NormFloat64() * 3))
				}
				q := make([]float32, groupHeads*hk)
				for i := range q {
					q[i] = roundF16(float32(rng.NormFloat64() * 4))
				}
				got := make([]float32, (groupHeads-1)*ostride+n+1)
				got[len(got)-1] = 42
				dotF16Cells4(k, stride, q, got, ostride, n)
				for g := range groupHeads {
					want := make([]float32, n)
					dotF16CellsGo(k, stride, q[g*hk:(g+1)*hk], want, true)
					for c := range want {
						if v := got[g*ostride+c]; math.Float32bits(v) != math.Float32bits(want[c]) {
							t.Fatalf("%s: query %d cell %d = %g, dotF16 %g", fmt.Sprintf("hk %d n %d", hk, n), g, c, v, want[c])
						}
					}
				}
				if got[len(got)-1] != 42 {
					t.Fatal("wrote past the last row")
				}
			}
		}
	}
}
