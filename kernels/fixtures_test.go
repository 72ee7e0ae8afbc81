package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/tensor"
)

// TestRefDequantMatchesTensor ties this package's test oracle to tensor's
// dequantizers (which match llama.cpp bit for bit).
func TestRefDequantMatchesTensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, typ := range append(dotTypes, tensor.Q8_0, tensor.Q8_1, tensor.Q8_K) {
		n := 2 * max(typ.BlockSize(), 32)
		if typ.BlockSize() == 256 {
			n = 512
		}
		var b []byte
		if typ == tensor.Q8_0 || typ == tensor.Q8_1 || typ == tensor.Q8_K {
			b = quantizeActs(&genericKernels, typ, randomActs(rng, n, false))
		} else {
			b = randomRow(rng, typ, n, false)
		}
		want := make([]float32, n)
		if err := tensor.Dequantize(want, b, typ); err != nil {
			t.Fatal(err)
		}
		for i, v := range refDequant(typ, b, n) {
			if math.Abs(v-float64(want[i])) > 1e-6*math.Abs(v)+1e-30 {
				t.Fatalf("%s value %d: test oracle %g, tensor.Dequantize %g", typ, i, v, want[i])
			}
		}
	}
}

// TestMatMulFixtures runs MatMul on weights llama.cpp quantized (the 1k
// test models) and checks it against llama.cpp's own dequantization of
// them times the dequantized activations, at every level.
func TestMatMulFixtures(t *testing.T) {
	dirs := testdata.Glob(t, "dequant/*")
	if len(dirs) == 0 {
		t.Skip("no dequant fixtures")
	}
	rng := rand.New(rand.NewPCG(15, 16))
	for _, dir := range dirs {
		model := filepath.Base(dir)
		f, err := gguf.Open(testdata.Path(t, "models/"+model+".gguf"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"blk.0.attn_q.weight", "blk.0.ffn_down.weight"} {
			w, err := f.Tensor(name)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(dir, name+".f32"))
			if err != nil {
				t.Fatal(err)
			}
			cols, rows := w.RowLen(), w.Rows()
			if len(raw) != 4*cols*rows {
				t.Fatalf("%s %s: fixture has %d bytes for %dx%d", model, name, len(raw), rows, cols)
			}
			const nTok = 3
			x := randomActs(rng, nTok*cols, false)
			at := ActivationType(w.Type)
			for _, l := range Levels() {
				if err := SetLevel(l); err != nil {
					t.Fatal(err)
				}
				p := NewPool(2)
				dst := make([]float32, nTok*rows)
				if err := MatMul(p, dst, w, x, nTok); err != nil {
					t.Fatal(err)
				}
				p.Close()
				act := make([]byte, at.RowSize(cols))
				for tok := 0; tok < nTok; tok++ {
					QuantizeActivations(act, x[tok*cols:(tok+1)*cols], at)
					a := refDequant(at, act, cols)
					for r := 0; r < rows; r++ {
						var want, mag float64
						for c := 0; c < cols; c++ {
							wv := float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(r*cols+c):])))
							want += wv * a[c]
							mag += math.Abs(wv * a[c])
						}
						tol := 1e-5 * mag
						if at == tensor.Q8_1 {
							tol = 1e-3 * mag // s = d·Σq is stored as f16
						}
						if got := float64(dst[tok*rows+r]); math.Abs(got-want) > tol {
							t.Fatalf("%s %s %s token %d row %d: %g, want %g (Σ|w·a| %g)", l, model, name, tok, r, got, want, mag)
						}
					}
				}
			}
		}
		f.Close()
	}
	if err := SetLevel(Detected()); err != nil {
		t.Fatal(err)
	}
}
