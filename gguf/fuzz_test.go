package gguf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/tensor"
)

// FuzzParse feeds arbitrary bytes to the parser: it must return a file or
// an error, never panic. Seeds are the fixtures' headers and a small file
// with every metadata type.
func FuzzParse(f *testing.F) {
	w, _ := allTypesWriter()
	w.AddTensor("t", tensor.Q8_0, []int64{32, 2}, make([]byte, 68))
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err == nil {
		f.Add(buf.Bytes())
	}
	if root := testdata.Root(); root != "" {
		paths, _ := filepath.Glob(filepath.Join(root, "models", "*.gguf"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			if g, err := Parse(b); err == nil && g.DataOffset < 64<<10 {
				f.Add(b[:g.DataOffset])
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := Parse(b)
		if err != nil {
			return
		}
		for i := range g.Tensors {
			if _, err := g.Tensor(g.Tensors[i].Name); err != nil {
				t.Fatal(err)
			}
		}
	})
}
