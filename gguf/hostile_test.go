package gguf

import (
	"bytes"
	"encoding/binary"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/tensor"
)

const allocSlack = 8 << 20 // "a few MB" beyond what the intact file decodes to

// parseBounded parses b and fails the test if it panics (the test binary
// reports that) or allocates more than allocSlack beyond base, the
// allocation of parsing the intact file.
func parseBounded(t *testing.T, b []byte, base uint64, what string) error {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err := Parse(b)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > base+allocSlack {
		t.Fatalf("%s: parse allocated %d bytes (intact file: %d)", what, got, base)
	}
	if err == nil && f == nil {
		t.Fatalf("%s: nil file and nil error", what)
	}
	return err
}

// fixture reads a fixture, parses it, and returns its bytes, the end of its
// header and what parsing it allocates.
func fixture(t *testing.T, rel string) (b []byte, header int, alloc uint64) {
	b, err := os.ReadFile(testdata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err := Parse(b)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	return b, int(min(f.DataOffset, int64(len(b)))), after.TotalAlloc - before.TotalAlloc
}

// offsets returns the positions to damage in [0, n): every one when n is
// small, else an even spread of about limit of them (fewer under -short
// or the race detector).
func offsets(n, limit int) []int {
	if testing.Short() {
		limit /= 4
	}
	if raceEnabled {
		limit /= 8
	}
	step := max(1, n/limit)
	var out []int
	for i := 0; i < n; i += step {
		out = append(out, i)
	}
	return append(out, n-1)
}

// Truncating a file anywhere must give an error: every byte up to the end
// of the last tensor is needed.
func TestTruncatedAnywhere(t *testing.T) {
	for rel, limit := range map[string]int{"models/stories260K-F32.gguf": 16000, "models/tinystories656k-Q4_0.gguf": 2000} {
		b, header, base := fixture(t, rel)
		// Every header byte of the small file; past the header only the
		// tensor range check can fire, so a spread of cuts covers it.
		cuts := append(offsets(header+64, limit), offsets(len(b), 200)...)
		for _, n := range cuts {
			if err := parseBounded(t, b[:n], base, "truncated"); err == nil {
				t.Fatalf("%s truncated to %d bytes parsed without error", rel, n)
			}
		}
	}
}

// Overwriting any 4 bytes of the header with 0xFF must never panic, hang or
// allocate without bound (it may still parse: a changed float, say).
func TestHeaderOverwritten(t *testing.T) {
	// Every header byte of the small model; a spread over the larger headers
	// (each parse of a 50k-token vocab takes a millisecond).
	limits := map[string]int{"models/stories260K-F32.gguf": 16000, "models/qwen2-gpt2-4k-Q8_0.gguf": 2000, "vocab/ggml-vocab-gpt-2.gguf": 300}
	for rel, limit := range limits {
		orig, header, base := fixture(t, rel)
		b := bytes.Clone(orig)
		for _, off := range offsets(header-3, limit) {
			copy(b[off:off+4], []byte{0xFF, 0xFF, 0xFF, 0xFF})
			parseBounded(t, b, base, "overwritten")
			copy(b[off:off+4], orig[off:off+4])
		}
	}
}

func header(version uint32, nTensors, nKV uint64) []byte {
	b := []byte(Magic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, nTensors)
	return binary.LittleEndian.AppendUint64(b, nKV)
}

func appendStr(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

func TestHostileHeaders(t *testing.T) {
	str := func(n uint64) []byte {
		b := appendStr(header(3, 0, 1), "k")
		b = binary.LittleEndian.AppendUint32(b, uint32(TypeString))
		return binary.LittleEndian.AppendUint64(b, n)
	}
	arr := func(elem ValueType, n uint64) []byte {
		b := appendStr(header(3, 0, 1), "k")
		b = binary.LittleEndian.AppendUint32(b, uint32(TypeArray))
		b = binary.LittleEndian.AppendUint32(b, uint32(elem))
		return binary.LittleEndian.AppendUint64(b, n)
	}
	tinfo := func(name string, dims []uint64, typ uint32, off uint64) []byte {
		b := appendStr(header(3, 1, 0), name)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dims)))
		for _, d := range dims {
			b = binary.LittleEndian.AppendUint64(b, d)
		}
		b = binary.LittleEndian.AppendUint32(b, typ)
		b = binary.LittleEndian.AppendUint64(b, off)
		return append(b, make([]byte, 64)...)
	}
	cases := map[string][]byte{
		"bad magic":             []byte("GGUX\x03\x00\x00\x00"),
		"version 1":             header(1, 0, 0),
		"big-endian":            {'G', 'G', 'U', 'F', 0, 0, 0, 3},
		"unsupported version 9": header(9, 0, 0),
		"tensor count 4611686018427387904 cannot fit": header(3, 1<<62, 0),
		"metadata count":                  header(3, 0, 1<<40),
		"runs past end of file":           str(1 << 60),
		"array length":                    arr(TypeUint64, 1<<61),
		"unknown array element type":      arr(ValueType(99), 1),
		"unknown tensor type 77":          tinfo("w", []uint64{32}, 77, 0),
		"5 dimensions":                    tinfo("w", []uint64{1, 1, 1, 1, 1}, 0, 0),
		"overflows":                       tinfo("w", []uint64{1 << 40, 1 << 40}, 0, 0),
		"not a multiple of q4_0":          tinfo("w", []uint64{33}, uint32(tensor.Q4_0), 0),
		`tensor "w": data [`:              tinfo("w", []uint64{1024}, 0, 0),
		"not a multiple of the alignment": tinfo("w", []uint64{1}, 0, 3),
	}
	for want, b := range cases {
		err := parseBounded(t, b, 0, want)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want error containing %q, got %v", want, err)
		}
	}
	// Nested arrays beyond the depth limit.
	b := appendStr(header(3, 0, 1), "deep")
	b = binary.LittleEndian.AppendUint32(b, uint32(TypeArray))
	for i := 0; i < 20; i++ {
		b = binary.LittleEndian.AppendUint32(b, uint32(TypeArray))
		b = binary.LittleEndian.AppendUint64(b, 1)
	}
	if err := parseBounded(t, b, 0, "deep"); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestOverlappingTensors(t *testing.T) {
	w := NewWriter()
	w.AddTensor("a", tensor.F32, []int64{16}, make([]byte, 64))
	w.AddTensor("b", tensor.F32, []int64{16}, make([]byte, 64))
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// Point b's offset (the last 8 bytes of its info) at a's data.
	i := bytes.LastIndex(b[:200], []byte{64, 0, 0, 0, 0, 0, 0, 0})
	if i < 0 {
		t.Fatal("offset not found")
	}
	copy(b[i:], make([]byte, 8))
	if _, err := Parse(b); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("overlap: %v", err)
	}
}
