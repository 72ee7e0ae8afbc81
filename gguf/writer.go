package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gollama/gollama/tensor"
)

// Writer builds a GGUF v3 file: metadata in the order set, then tensor
// infos, then each tensor's data, aligned. Tensor data may be streamed
// (AddTensorFunc) so a large model never sits whole in memory.
//
// The first error (a bad value, a duplicate tensor) is kept and returned by
// WriteTo, as bufio.Writer does, so building calls need not be checked one
// by one.
type Writer struct {
	alignment int64
	kv        []KV
	index     map[string]int
	tensors   []writerTensor
	names     map[string]bool
	err       error
}

type writerTensor struct {
	info  TensorInfo
	write func(io.Writer) error
}

// NewWriter returns an empty writer with the default alignment.
func NewWriter() *Writer {
	return &Writer{alignment: DefaultAlignment, index: map[string]int{}, names: map[string]bool{}}
}

func (w *Writer) setErr(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Set stores a metadata value (see NewValue for the Go types accepted),
// replacing an earlier one under the same key in place.
func (w *Writer) Set(key string, x any) {
	v, err := NewValue(x)
	if err != nil {
		w.setErr(fmt.Errorf("gguf: key %q: %w", key, err))
		return
	}
	if key == "general.alignment" {
		a, ok := v.Int()
		if !ok || a <= 0 || a&(a-1) != 0 || a > 1<<30 {
			w.setErr(fmt.Errorf("gguf: general.alignment %v is not a power of two", x))
			return
		}
		w.alignment = a
		v = Value{Type: TypeUint32, v: uint32(a)}
	}
	if i, ok := w.index[key]; ok {
		w.kv[i].Value = v
		return
	}
	w.index[key] = len(w.kv)
	w.kv = append(w.kv, KV{Key: key, Value: v})
}

// CopyMetadata copies every metadata entry of f, in order.
func (w *Writer) CopyMetadata(f *File) {
	for _, kv := range f.KV {
		w.Set(kv.Key, kv.Value)
	}
}

// AddTensor adds a tensor whose bytes are already in memory.
func (w *Writer) AddTensor(name string, typ tensor.Type, shape []int64, data []byte) {
	w.AddTensorFunc(name, typ, shape, func(out io.Writer) error {
		_, err := out.Write(data)
		return err
	})
}

// AddTensorFunc adds a tensor whose bytes write produces when the file is
// written; it must write exactly the tensor's size.
func (w *Writer) AddTensorFunc(name string, typ tensor.Type, shape []int64, write func(io.Writer) error) {
	if w.names[name] {
		w.setErr(fmt.Errorf("gguf: tensor %q added twice", name))
		return
	}
	if len(name) > maxNameLen {
		w.setErr(fmt.Errorf("gguf: tensor name %q is longer than %d bytes", name, maxNameLen))
		return
	}
	if len(shape) == 0 || len(shape) > maxDims {
		w.setErr(fmt.Errorf("gguf: tensor %q: %d dimensions (want 1 to %d)", name, len(shape), maxDims))
		return
	}
	if err := typ.CheckRowLen(shape[0]); err != nil {
		w.setErr(fmt.Errorf("gguf: tensor %q: %w", name, err))
		return
	}
	rows := int64(1)
	for _, d := range shape[1:] {
		rows *= d
	}
	w.names[name] = true
	info := TensorInfo{Name: name, Type: typ, Shape: append([]int64(nil), shape...), Size: rows * int64(typ.RowSize(int(shape[0])))}
	w.tensors = append(w.tensors, writerTensor{info: info, write: write})
}

// WriteTo writes the file.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	cw := &countingWriter{w: bufio.NewWriterSize(out, 1<<20)}
	e := &encoder{w: cw}
	e.bytes([]byte(Magic))
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(w.kv)))
	for _, kv := range w.kv {
		e.str(kv.Key)
		e.u32(uint32(kv.Value.Type))
		e.value(kv.Value)
	}
	offset := uint64(0)
	for i := range w.tensors {
		ti := &w.tensors[i].info
		ti.Offset = offset
		e.str(ti.Name)
		e.u32(uint32(len(ti.Shape)))
		for _, d := range ti.Shape {
			e.u64(uint64(d))
		}
		e.u32(uint32(ti.Type))
		e.u64(ti.Offset)
		offset = uint64(alignUp(int64(offset)+ti.Size, w.alignment))
	}
	e.pad(w.alignment)
	if e.err != nil {
		return cw.n, e.err
	}
	for _, t := range w.tensors {
		start := cw.n
		if err := t.write(cw); err != nil {
			return cw.n, fmt.Errorf("gguf: writing tensor %q: %w", t.info.Name, err)
		}
		if got := cw.n - start; got != t.info.Size {
			return cw.n, fmt.Errorf("gguf: tensor %q: wrote %d bytes, want %d", t.info.Name, got, t.info.Size)
		}
		e.pad(w.alignment)
		if e.err != nil {
			return cw.n, e.err
		}
	}
	return cw.n, cw.w.Flush()
}

// WriteFile writes the file atomically: to a temporary file beside path,
// synced, then renamed over path.
func (w *Writer) WriteFile(path string) error {
	if w.err != nil {
		return w.err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := w.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("gguf: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	return nil
}

type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type encoder struct {
	w   *countingWriter
	err error
	buf [8]byte
}

func (e *encoder) bytes(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}

func (e *encoder) u8(v uint8)   { e.buf[0] = v; e.bytes(e.buf[:1]) }
func (e *encoder) u16(v uint16) { binary.LittleEndian.PutUint16(e.buf[:], v); e.bytes(e.buf[:2]) }
func (e *encoder) u32(v uint32) { binary.LittleEndian.PutUint32(e.buf[:], v); e.bytes(e.buf[:4]) }
func (e *encoder) u64(v uint64) { binary.LittleEndian.PutUint64(e.buf[:], v); e.bytes(e.buf[:8]) }
func (e *encoder) str(s string) { e.u64(uint64(len(s))); e.bytes([]byte(s)) }

func (e *encoder) pad(align int64) {
	if r := e.w.n % align; r != 0 {
		e.bytes(make([]byte, align-r))
	}
}

func (e *encoder) value(v Value) {
	switch x := v.v.(type) {
	case uint8:
		e.u8(x)
	case int8:
		e.u8(uint8(x))
	case uint16:
		e.u16(x)
	case int16:
		e.u16(uint16(x))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case bool:
		if x {
			e.u8(1)
		} else {
			e.u8(0)
		}
	case string:
		e.str(x)
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	default:
		e.array(v)
	}
}

func (e *encoder) array(v Value) {
	e.u32(uint32(v.Elem))
	e.u64(uint64(v.Len()))
	switch x := v.v.(type) {
	case []uint8:
		e.bytes(x)
	case []int8:
		each(e, x, func(y int8) { e.u8(uint8(y)) })
	case []uint16:
		each(e, x, e.u16)
	case []int16:
		each(e, x, func(y int16) { e.u16(uint16(y)) })
	case []uint32:
		each(e, x, e.u32)
	case []int32:
		each(e, x, func(y int32) { e.u32(uint32(y)) })
	case []float32:
		each(e, x, func(y float32) { e.u32(math.Float32bits(y)) })
	case []bool:
		each(e, x, func(y bool) { e.value(Value{Type: TypeBool, v: y}) })
	case []string:
		each(e, x, e.str)
	case []uint64:
		each(e, x, e.u64)
	case []int64:
		each(e, x, func(y int64) { e.u64(uint64(y)) })
	case []float64:
		each(e, x, func(y float64) { e.u64(math.Float64bits(y)) })
	case []Value:
		each(e, x, e.array)
	}
}

func each[T any](e *encoder, xs []T, put func(T)) {
	for _, x := range xs {
		if e.err != nil {
			return
		}
		put(x)
	}
}
