package kernels

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gollama/gollama/tensor"
)

func randomTensor(rng *rand.Rand, typ tensor.Type, cols, rows int) *tensor.Tensor {
	return &tensor.Tensor{
		Name: "w", Type: typ, Shape: []int64{int64(cols), int64(rows)},
		Data: randomRow(rng, typ, cols*rows, false),
	}
}

// TestMatMulMatchesDotRow: every output equals DotRow on that row and the
// token's quantized activations (or, for float batches, the level's batch
// dot), for 1 and several tokens, 1 and 2 threads, row counts that do not
// split evenly, and row lengths real tiny models use.
func TestMatMulMatchesDotRow(t *testing.T) {
	defer func(v int) { minParallelWork = v }(minParallelWork)
	minParallelWork = 0 // split even these small products across threads
	rng := rand.New(rand.NewPCG(9, 10))
	for _, l := range Levels() {
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		for _, typ := range dotTypes {
			colsList := []int{64, 384}
			if typ.BlockSize() == 256 || ActivationType(typ).BlockSize() == 256 {
				colsList = []int{256, 768}
			} else if typ.BlockSize() == 1 {
				colsList = []int{8, 64, 172}
			}
			for _, cols := range colsList {
				for _, rows := range []int{1, 7, 13, 24} {
					w := randomTensor(rng, typ, cols, rows)
					for _, nTok := range []int{1, 3, 9} {
						x := randomActs(rng, nTok*cols, false)
						at := ActivationType(typ)
						act := make([]byte, at.RowSize(cols))
						for _, threads := range []int{1, 2} {
							p := NewPool(threads)
							dst := make([]float32, nTok*rows+1)
							dst[len(dst)-1] = 42
							if err := MatMul(p, dst, w, x, nTok); err != nil {
								t.Fatal(err)
							}
							p.Close()
							if dst[len(dst)-1] != 42 {
								t.Fatalf("%s: MatMul wrote past nTok*rows", typ)
							}
							// MatMulQuantized on the same activations agrees exactly.
							acts := make([]byte, nTok*at.RowSize(cols))
							for tok := 0; tok < nTok; tok++ {
								QuantizeActivations(acts[tok*len(act):], x[tok*cols:(tok+1)*cols], at)
							}
							dstQ := make([]float32, nTok*rows)
							p = NewPool(threads)
							if err := MatMulQuantized(p, dstQ, w, acts, nTok); err != nil {
								t.Fatal(err)
							}
							p.Close()
							for i := range dstQ {
								if math.Float32bits(dstQ[i]) != math.Float32bits(dst[i]) {
									t.Fatalf("%s: MatMulQuantized[%d] = %g, MatMul %g", typ, i, dstQ[i], dst[i])
								}
							}
							for tok := 0; tok < nTok; tok++ {
								QuantizeActivations(act, x[tok*cols:(tok+1)*cols], at)
								for r := 0; r < rows; r++ {
									want := DotRow(typ, w.Row(r), act, cols)
									if d := kernelsFor(l).dotPlain[typ]; d != nil && rows%8 != 0 {
										want = d(w.Row(r), act, cols) // llama.cpp does not repack these
									}
									if b := kernelsFor(l).dotBatch[typ]; b != nil && nTok >= 2 && cols%16 == 0 && rows%4 == 0 {
										want = b(w.Row(r), act, cols) // llama.cpp's batch order
									}
									if got := dst[tok*rows+r]; math.Float32bits(got) != math.Float32bits(want) {
										t.Fatalf("%s %s %dx%d nTok=%d threads=%d: [%d,%d] = %g, DotRow %g",
											l, typ, rows, cols, nTok, threads, tok, r, got, want)
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if err := SetLevel(Detected()); err != nil {
		t.Fatal(err)
	}
}

func TestMatMulNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	p := NewPool(2)
	defer p.Close()
	for _, typ := range []tensor.Type{tensor.Q4_0, tensor.Q4_K, tensor.F16} {
		w := randomTensor(rng, typ, 512, 64)
		x := randomActs(rng, 4*512, false)
		dst := make([]float32, 4*64)
		for _, nTok := range []int{1, 4} {
			if a := testing.AllocsPerRun(20, func() {
				if err := MatMul(p, dst, w, x, nTok); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("%s nTok=%d: MatMul allocates %v per call after warm-up", typ, nTok, a)
			}
		}
	}
}

func TestMatMulErrors(t *testing.T) {
	p := NewPool(1)
	defer p.Close()
	ok := &tensor.Tensor{Name: "ok", Type: tensor.Q4_0, Shape: []int64{64, 2}, Data: make([]byte, 72)}
	x := make([]float32, 128)
	dst := make([]float32, 4)
	for _, c := range []struct {
		name string
		p    *Pool
		w    *tensor.Tensor
		x    []float32
		dst  []float32
		nTok int
		want string
	}{
		{"nil pool", nil, ok, x, dst, 1, "nil pool"},
		{"nil tensor", p, nil, x, dst, 1, "nil weight"},
		{"type", p, &tensor.Tensor{Name: "iq2", Type: tensor.IQ2_XXS, Shape: []int64{256, 1}, Data: make([]byte, 66)}, x, dst, 1, "no kernel"},
		{"short data", p, &tensor.Tensor{Name: "short", Type: tensor.Q4_0, Shape: []int64{64, 2}, Data: make([]byte, 71)}, x, dst, 1, "data bytes"},
		{"huge shape", p, &tensor.Tensor{Name: "huge", Type: tensor.Q4_0, Shape: []int64{64, 1 << 60}, Data: make([]byte, 72)}, x, dst, 1, "data bytes"},
		{"partial block", p, &tensor.Tensor{Name: "odd", Type: tensor.Q4_0, Shape: []int64{48, 1}, Data: make([]byte, 72)}, x, dst, 1, "block size"},
		{"bad shape", p, &tensor.Tensor{Name: "neg", Type: tensor.Q4_0, Shape: []int64{64, -1}, Data: make([]byte, 72)}, x, dst, 1, "bad shape"},
		{"short x", p, ok, x[:100], dst, 2, "activations"},
		{"short dst", p, ok, x, dst[:3], 2, "dst holds"},
		{"negative nTok", p, ok, x, dst, -1, "tokens"},
	} {
		err := MatMul(c.p, c.dst, c.w, c.x, c.nTok)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	if err := MatMul(p, nil, ok, nil, 0); err != nil {
		t.Errorf("nTok=0: %v", err)
	}
	if err := MatMulQuantized(p, dst, ok, make([]byte, 67), 2); err == nil || !strings.Contains(err.Error(), "activation bytes") {
		t.Errorf("MatMulQuantized with short activations: err = %v", err)
	}
}

func TestLevels(t *testing.T) {
	for _, ks := range simdKernelSets() {
		t.Logf("kernel set %s (level %s) tested against generic", ks.name, ks.level)
	}
	if CPU() != Detected() && os.Getenv("GOLLAMA_CPU") == "" {
		t.Errorf("CPU() = %s, detected %s", CPU(), Detected())
	}
	for _, l := range []Level{Generic, AVX2, AVX512, NEON} {
		back, err := ParseLevel(l.String())
		if err != nil || back != l {
			t.Errorf("ParseLevel(%q) = %v, %v", l.String(), back, err)
		}
		err = SetLevel(l)
		if levelSupported(l) != (err == nil) {
			t.Errorf("SetLevel(%s) = %v, supported %v", l, err, levelSupported(l))
		}
		if err == nil && CPU() != l {
			t.Errorf("after SetLevel(%s) CPU() = %s", l, CPU())
		}
	}
	if err := SetLevel(Detected()); err != nil {
		t.Fatal(err)
	}
	if err := SetLevel(AVX512); err == nil {
		t.Error("SetLevel(avx512) accepted, but this build has no AVX-512 kernels")
	}
	if _, err := ParseLevel("sse9"); err == nil {
		t.Error("ParseLevel(sse9) accepted")
	}
}

// TestLevelEnv runs this test binary again with GOLLAMA_CPU set.
func TestLevelEnv(t *testing.T) {
	if want := os.Getenv("KERNELS_TEST_WANT_LEVEL"); want != "" {
		if CPU().String() != want {
			t.Fatalf("GOLLAMA_CPU=%s: CPU() = %s, want %s", os.Getenv("GOLLAMA_CPU"), CPU(), want)
		}
		if (LevelError() != nil) != (os.Getenv("KERNELS_TEST_WANT_ERR") == "1") {
			t.Fatalf("GOLLAMA_CPU=%s: LevelError() = %v", os.Getenv("GOLLAMA_CPU"), LevelError())
		}
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, c := range []struct{ env, want, err string }{
		{"generic", "generic", "0"},
		{"bogus", Detected().String(), "1"},
		{Detected().String(), Detected().String(), "0"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLevelEnv$")
		cmd.Env = append(os.Environ(), "GOLLAMA_CPU="+c.env, "KERNELS_TEST_WANT_LEVEL="+c.want, "KERNELS_TEST_WANT_ERR="+c.err)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("GOLLAMA_CPU=%s: %v\n%s", c.env, err, out)
		}
	}
}
