package gguf

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gollama/gollama/tensor"
)

func allTypesWriter() (*Writer, map[string]any) {
	vals := map[string]any{
		"u8": uint8(200), "i8": int8(-100), "u16": uint16(60000), "i16": int16(-30000),
		"u32": uint32(4000000000), "i32": int32(-2000000000), "f32": float32(3.25),
		"bool.t": true, "bool.f": false, "str": "héllo ▁world", "empty": "",
		"u64": uint64(math.MaxUint64), "i64": int64(math.MinInt64), "f64": math.Pi,
		"a.u8": []uint8{1, 2, 255}, "a.i8": []int8{-1, 0, 1}, "a.u16": []uint16{1, 65535},
		"a.i16": []int16{-2, 2}, "a.u32": []uint32{7}, "a.i32": []int32{-7, 8},
		"a.f32": []float32{1.5, float32(math.Inf(-1))}, "a.bool": []bool{true, false, true},
		"a.str": []string{"a", "", "ccc"}, "a.u64": []uint64{1 << 63}, "a.i64": []int64{-1},
		"a.f64": []float64{2.5}, "a.empty": []string{},
	}
	w := NewWriter()
	for _, k := range sortedKeys(vals) {
		w.Set(k, vals[k])
	}
	inner1, _ := NewValue([]int32{1, 2})
	inner2, _ := NewValue([]string{"x"})
	w.Set("a.nested", []Value{inner1, inner2})
	return w, vals
}

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func TestWriterRoundTrip(t *testing.T) {
	w, vals := allTypesWriter()
	q4 := bytes.Repeat([]byte{0xAB}, tensor.Q4_0.RowSize(64)*3)
	w.AddTensor("q4", tensor.Q4_0, []int64{64, 3}, q4)
	f32 := make([]byte, 4*5)
	for i := range f32 {
		f32[i] = byte(i)
	}
	w.AddTensor("vec", tensor.F32, []int64{5}, f32)
	w.AddTensor("k", tensor.Q4_K, []int64{256, 2, 1}, make([]byte, 2*144))
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 {
		t.Errorf("version %d", f.Version)
	}
	for k, want := range vals {
		v, ok := f.Get(k)
		if !ok {
			t.Errorf("%s missing", k)
			continue
		}
		if !reflect.DeepEqual(v.Any(), want) {
			t.Errorf("%s = %#v, want %#v", k, v.Any(), want)
		}
	}
	nested, _ := f.Get("a.nested")
	inner := nested.Any().([]Value)
	if len(inner) != 2 || !reflect.DeepEqual(inner[0].Any(), []int32{1, 2}) || !reflect.DeepEqual(inner[1].Any(), []string{"x"}) {
		t.Errorf("nested = %#v", nested)
	}
	// Metadata order is kept.
	for i, kv := range f.KV[:len(f.KV)-1] {
		if kv.Key > f.KV[i+1].Key && f.KV[i+1].Key != "a.nested" {
			t.Errorf("order: %s before %s", kv.Key, f.KV[i+1].Key)
		}
	}
	for name, data := range map[string][]byte{"q4": q4, "vec": f32} {
		tt, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tt.Data, data) {
			t.Errorf("%s data differs", name)
		}
		if (f.DataOffset+int64(f.Tensors[0].Offset))%f.Alignment != 0 {
			t.Errorf("unaligned")
		}
	}
}

func TestWriterAlignmentAndFile(t *testing.T) {
	w := NewWriter()
	w.Set("general.alignment", uint32(64))
	w.Set("general.architecture", "llama")
	w.AddTensor("a", tensor.F32, []int64{3}, make([]byte, 12))
	w.AddTensor("b", tensor.F16, []int64{7}, make([]byte, 14))
	path := filepath.Join(t.TempDir(), "m.gguf")
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Alignment != 64 || f.DataOffset%64 != 0 || f.Tensors[1].Offset != 64 {
		t.Errorf("alignment %d, data at %d, b at %d", f.Alignment, f.DataOffset, f.Tensors[1].Offset)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temp files left: %v", entries)
	}
}

func TestWriterErrors(t *testing.T) {
	cases := map[string]func(w *Writer){
		"cannot store": func(w *Writer) { w.Set("x", struct{}{}) },
		"added twice": func(w *Writer) {
			w.AddTensor("t", tensor.F32, []int64{1}, make([]byte, 4))
			w.AddTensor("t", tensor.F32, []int64{1}, make([]byte, 4))
		},
		"block size":     func(w *Writer) { w.AddTensor("t", tensor.Q4_0, []int64{33}, nil) },
		"wrote 3 bytes":  func(w *Writer) { w.AddTensor("t", tensor.F32, []int64{1}, make([]byte, 3)) },
		"not a power":    func(w *Writer) { w.Set("general.alignment", uint32(48)) },
		"dimensions":     func(w *Writer) { w.AddTensor("t", tensor.F32, nil, nil) },
		"longer than 63": func(w *Writer) { w.AddTensor(strings.Repeat("n", 64), tensor.F32, []int64{1}, make([]byte, 4)) },
	}
	for want, build := range cases {
		w := NewWriter()
		build(w)
		_, err := w.WriteTo(&bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v", want, err)
		}
	}
}
