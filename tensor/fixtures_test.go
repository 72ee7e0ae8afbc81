package tensor_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/tensor"
)

// TestDequantizeFixtures decodes the tensors the reference dequantized
// (testdata/dequant/<model>/<tensor>.f32) and wants every bit equal.
func TestDequantizeFixtures(t *testing.T) {
	dirs := testdata.Glob(t, "dequant/*")
	for _, dir := range dirs {
		model := filepath.Base(dir)
		t.Run(model, func(t *testing.T) {
			f, err := gguf.Open(testdata.Path(t, "models/"+model+".gguf"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			files, _ := filepath.Glob(filepath.Join(dir, "*.f32"))
			if len(files) == 0 {
				t.Fatalf("no .f32 files in %s", dir)
			}
			for _, path := range files {
				name := strings.TrimSuffix(filepath.Base(path), ".f32")
				tt, err := f.Tensor(name)
				if err != nil {
					t.Fatal(err)
				}
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]float32, tt.NumElements())
				if err := tensor.Dequantize(got, tt.Data, tt.Type); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(raw) != 4*len(got) {
					t.Fatalf("%s: reference has %d floats, tensor %d", name, len(raw)/4, len(got))
				}
				bad := 0
				for i, g := range got {
					want := binary.LittleEndian.Uint32(raw[4*i:])
					if math.Float32bits(g) != want {
						if bad < 5 {
							t.Errorf("%s (%s) [%d] = %g (%#08x), reference %g (%#08x)", name, tt.Type, i, g,
								math.Float32bits(g), math.Float32frombits(want), want)
						}
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("%s (%s): %d of %d values differ", name, tt.Type, bad, len(got))
				}
			}
		})
	}
}

// TestQuantizeMatchesLlamaQuantize quantizes every 2-D weight of the F32
// model and compares with what llama-quantize wrote into the other files,
// for the tensors stored in the file's type (an _M file may be a mixture),
// block by block: every type must match byte for byte.
func TestQuantizeMatchesLlamaQuantize(t *testing.T) {
	if testing.Short() {
		t.Skip("quantizes a whole model per type")
	}
	src, err := gguf.Open(testdata.Path(t, "models/llama-spm1k-F32.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, c := range []struct {
		file string
		typ  tensor.Type
	}{
		{"Q8_0", tensor.Q8_0},
		{"Q4_0", tensor.Q4_0},
		{"Q4_1", tensor.Q4_1},
		{"Q5_0", tensor.Q5_0},
		{"Q5_1", tensor.Q5_1},
		{"IQ4_NL", tensor.IQ4_NL},
		{"F16", tensor.F16},
		{"BF16", tensor.BF16},
		{"Q2_K", tensor.Q2_K},
		{"Q3_K_M", tensor.Q3_K},
		{"Q4_K_M", tensor.Q4_K},
		{"Q5_K_M", tensor.Q5_K},
		{"Q6_K", tensor.Q6_K},
		{"IQ4_XS", tensor.IQ4_XS},
	} {
		t.Run(c.file+"/"+c.typ.String(), func(t *testing.T) {
			q, err := gguf.Open(testdata.Path(t, "models/llama-spm1k-"+c.file+".gguf"))
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			var blocks, differing, tensors int
			for _, ti := range q.Tensors {
				if ti.Type != c.typ {
					continue
				}
				if raceEnabled && tensors == 2 {
					break // instrumented, two tensors per type say as much
				}
				want, err := q.Tensor(ti.Name)
				if err != nil {
					t.Fatal(err)
				}
				orig, err := src.Tensor(ti.Name)
				if err != nil {
					t.Fatal(err)
				}
				if orig.Type != tensor.F32 {
					t.Fatalf("%s is %s in the F32 model", ti.Name, orig.Type)
				}
				x := make([]float32, orig.NumElements())
				if err := tensor.Dequantize(x, orig.Data, tensor.F32); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, len(want.Data))
				if err := tensor.Quantize(got, x, c.typ); err != nil {
					t.Fatal(err)
				}
				tensors++
				ts := c.typ.TypeSize()
				n, d := 0, 0
				for i := 0; i < len(got); i += ts {
					n++
					if !bytes.Equal(got[i:i+ts], want.Data[i:i+ts]) {
						d++
					}
				}
				blocks += n
				differing += d
				if d > 0 {
					t.Errorf("%s: %d of %d blocks differ", ti.Name, d, n)
				}
			}
			if tensors == 0 {
				t.Fatalf("no %s tensors in %s", c.typ, c.file)
			}
			t.Logf("%s %s: %d tensors, %d of %d blocks differ from llama-quantize", c.file, c.typ, tensors, differing, blocks)
		})
	}
}
