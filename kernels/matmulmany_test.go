package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// TestMatMulManyMatchesMatMul: products run together give, bit for bit,
// what each gives alone, for every level, 1 and 2 threads, token counts
// around the 4-token kernels, row counts that are not multiples of the
// tiles, mixed weight types sharing an activation format, and formats
// that differ (run one after another).
func TestMatMulManyMatchesMatMul(t *testing.T) {
	defer func(v int) { minParallelWork = v }(minParallelWork)
	defer SetLevel(Detected())
	rng := rand.New(rand.NewPCG(31, 32))
	const cols = 512
	sets := [][]struct {
		typ  tensor.Type
		rows int
	}{
		{{tensor.Q4_0, 64}, {tensor.Q4_0, 24}, {tensor.Q4_0, 13}},
		{{tensor.Q8_0, 40}, {tensor.Q8_0, 8}, {tensor.Q4_0, 16}},
		{{tensor.Q4_K, 32}, {tensor.Q6_K, 20}, {tensor.Q4_K, 7}, {tensor.Q5_K, 9}},
		{{tensor.F16, 17}, {tensor.F16, 32}},
		{{tensor.Q4_0, 16}, {tensor.Q4_K, 16}}, // different activation formats
	}
	for _, l := range Levels() {
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{1, 2} {
			p := NewPool(threads)
			for _, split := range []int{0, 1 << 30} { // parallel loop, and the caller alone
				minParallelWork = split
				for si, set := range sets {
					for _, nTok := range []int{1, 3, 4, 9} {
						x := randomActs(rng, nTok*cols, false)
						prods := make([]Product, len(set))
						want := make([][]float32, len(set))
						for k, s := range set {
							w := randomTensor(rng, s.typ, cols, s.rows)
							prods[k] = Product{Dst: make([]float32, nTok*s.rows+1), W: w}
							prods[k].Dst[nTok*s.rows] = 42 // guard
							want[k] = make([]float32, nTok*s.rows)
							if err := MatMul(p, want[k], w, x, nTok); err != nil {
								t.Fatal(err)
							}
						}
						for k := range prods {
							prods[k].Dst = prods[k].Dst[:nTok*set[k].rows]
						}
						if err := MatMulMany(p, x, nTok, prods...); err != nil {
							t.Fatal(err)
						}
						for k, pr := range prods {
							if g := pr.Dst[:cap(pr.Dst)][len(pr.Dst)]; g != 42 {
								t.Fatalf("%s t%d set %d product %d: wrote past dst", l, threads, si, k)
							}
							for i, v := range pr.Dst {
								if math.Float32bits(v) != math.Float32bits(want[k][i]) {
									t.Fatalf("%s t%d split %d set %d nTok %d product %d (%s) [%d]: %g, alone %g",
										l, threads, split, si, nTok, k, set[k].typ, i, v, want[k][i])
								}
							}
						}
					}
				}
			}
			p.Close()
		}
	}
}

func TestMatMulManyNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	p := NewPool(2)
	defer p.Close()
	for _, typ := range []tensor.Type{tensor.Q4_0, tensor.Q8_0, tensor.Q4_K} {
		q, k := randomTensor(rng, typ, 512, 64), randomTensor(rng, typ, 512, 16)
		x := randomActs(rng, 4*512, false)
		dq, dk := make([]float32, 4*64), make([]float32, 4*16)
		for _, nTok := range []int{1, 4} {
			if a := testing.AllocsPerRun(20, func() {
				if err := MatMulMany(p, x, nTok, Product{dq, q}, Product{dk, k}); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("%s nTok=%d: MatMulMany allocates %v per call after warm-up", typ, nTok, a)
			}
		}
	}
}

func TestMatMulManyErrors(t *testing.T) {
	p := NewPool(1)
	defer p.Close()
	w := &tensor.Tensor{Name: "w", Type: tensor.Q4_0, Shape: []int64{64, 2}, Data: make([]byte, 72)}
	x := make([]float32, 64)
	pr := Product{make([]float32, 2), w}
	if err := MatMulMany(p, x, 1, pr, pr, pr, pr, pr); err == nil {
		t.Error("five products accepted")
	}
	if err := MatMulMany(p, x, 1, pr, Product{make([]float32, 1), w}); err == nil {
		t.Error("short dst accepted")
	}
	if err := MatMulMany(p, x[:10], 1, pr, pr); err == nil {
		t.Error("short activations accepted")
	}
	if err := MatMulMany(p, x, 1); err != nil {
		t.Errorf("no products: %v", err)
	}
}
