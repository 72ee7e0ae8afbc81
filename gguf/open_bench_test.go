package gguf

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gollama/gollama/tensor"
)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// BenchmarkOpen1GB opens (maps and parses) a 1 GiB model: it should take
// well under a millisecond and grow RSS by almost nothing, because tensor
// data are never read or copied.
func BenchmarkOpen1GB(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.gguf")
	w := NewWriter()
	w.Set("general.architecture", "llama")
	const rows = 1 << 15 // 32768 rows × 32768 bytes (Q8_0 of 30720 elements? keep F16: 16384 elems)
	w.AddTensorFunc("big", tensor.F16, []int64{16384, rows}, func(out io.Writer) error {
		_, err := io.CopyN(out, zeros{}, 16384*2*rows)
		return err
	})
	if err := w.WriteFile(path); err != nil {
		b.Fatal(err)
	}
	rssBefore := rssKB()
	var f *File
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if f != nil {
			f.Close()
		}
		f, err = Open(path)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if f.Size() < 1<<30 {
		b.Fatalf("file is %d bytes", f.Size())
	}
	b.ReportMetric(float64(rssKB()-rssBefore)/1024, "MB-rss-growth")
	f.Close()
}

func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}
