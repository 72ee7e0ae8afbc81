// Package gguf reads and writes GGUF files (versions 2 and 3), the model
// format of llama.cpp. Open maps the file into memory, so tensor data are
// views of the mapping, never copies. Every count, length and offset in a
// file is checked against the file's size before it is used: a corrupt or
// hostile file gets an error saying what is wrong and where, never a panic
// or an allocation it did not pay for in bytes.
package gguf

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/gollama/gollama/tensor"
)

// File is a parsed GGUF file.
type File struct {
	Version    uint32
	Alignment  int64
	DataOffset int64 // where the data section starts in the file
	KV         []KV
	Tensors    []TensorInfo

	data        []byte // the whole file
	index       map[string]int
	tensorIndex map[string]int
	unmap       func() error
}

// Open maps path into memory and parses it. Close releases the mapping;
// tensor data must not be used after Close.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("gguf: %s is a directory", path)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("gguf: %s is empty", path)
	}
	if st.Size() > math.MaxInt {
		return nil, fmt.Errorf("gguf: %s is too large to map (%d bytes)", path, st.Size())
	}
	data, unmap, err := mapFile(fd, int(st.Size()))
	if err != nil {
		return nil, fmt.Errorf("gguf: %s: %w", path, err)
	}
	f := &File{data: data, Alignment: DefaultAlignment, unmap: unmap}
	if err := f.parse(); err != nil {
		unmap()
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return f, nil
}

// Close releases the file's mapping. It is safe to call more than once.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap, f.data = nil, nil
	return err
}

// Size is the file's size in bytes.
func (f *File) Size() int64 { return int64(len(f.data)) }

// ErrNotFound is wrapped by the accessors' errors for absent keys.
var ErrNotFound = errors.New("not found")

// IsNotFound reports whether err says a key or tensor is absent.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// Get returns the value stored under key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.index[key]
	if !ok {
		return Value{}, false
	}
	return f.KV[i].Value, true
}

// Architecture is general.architecture ("llama", "qwen2"), or "".
func (f *File) Architecture() string {
	s, _ := f.String("general.architecture")
	return s
}

// ArchKey prefixes a key with the file's architecture: ArchKey("block_count")
// is "llama.block_count" in a llama file.
func (f *File) ArchKey(suffix string) string { return f.Architecture() + "." + suffix }

func (f *File) lookup(key string) (Value, error) {
	v, ok := f.Get(key)
	if !ok {
		return Value{}, fmt.Errorf("gguf: key %q: %w", key, ErrNotFound)
	}
	return v, nil
}

func wrongType(key string, v Value, want string) error {
	return fmt.Errorf("gguf: key %q has type %s, want %s", key, v.TypeString(), want)
}

// String returns a string value.
func (f *File) String(key string) (string, error) {
	v, err := f.lookup(key)
	if err != nil {
		return "", err
	}
	s, ok := v.v.(string)
	if !ok {
		return "", wrongType(key, v, "string")
	}
	return s, nil
}

// Bool returns a bool value.
func (f *File) Bool(key string) (bool, error) {
	v, err := f.lookup(key)
	if err != nil {
		return false, err
	}
	b, ok := v.v.(bool)
	if !ok {
		return false, wrongType(key, v, "bool")
	}
	return b, nil
}

// Int64 returns any integer value.
func (f *File) Int64(key string) (int64, error) {
	v, err := f.lookup(key)
	if err != nil {
		return 0, err
	}
	i, ok := v.Int()
	if !ok {
		return 0, wrongType(key, v, "integer")
	}
	return i, nil
}

func intIn[T int32 | uint32 | uint64](f *File, key string, lo, hi int64) (T, error) {
	i, err := f.Int64(key)
	if err != nil {
		return 0, err
	}
	if i < lo || i > hi {
		return 0, fmt.Errorf("gguf: key %q: %d is out of range [%d, %d]", key, i, lo, hi)
	}
	return T(i), nil
}

// Uint32 returns an integer value that fits in a uint32.
func (f *File) Uint32(key string) (uint32, error) {
	return intIn[uint32](f, key, 0, math.MaxUint32)
}

// Int32 returns an integer value that fits in an int32.
func (f *File) Int32(key string) (int32, error) {
	return intIn[int32](f, key, math.MinInt32, math.MaxInt32)
}

// Uint64 returns a non-negative integer value.
func (f *File) Uint64(key string) (uint64, error) {
	v, err := f.lookup(key)
	if err != nil {
		return 0, err
	}
	if u, ok := v.v.(uint64); ok {
		return u, nil
	}
	return intIn[uint64](f, key, 0, math.MaxInt64)
}

// Float32 returns a numeric value as float32.
func (f *File) Float32(key string) (float32, error) {
	v, err := f.lookup(key)
	if err != nil {
		return 0, err
	}
	x, ok := v.Float()
	if !ok {
		return 0, wrongType(key, v, "number")
	}
	return float32(x), nil
}

// Strings returns an array of strings.
func (f *File) Strings(key string) ([]string, error) {
	v, err := f.lookup(key)
	if err != nil {
		return nil, err
	}
	s, ok := v.v.([]string)
	if !ok {
		return nil, wrongType(key, v, "array of string")
	}
	return s, nil
}

// Float32s returns an array of float32 (float64 arrays are converted).
func (f *File) Float32s(key string) ([]float32, error) {
	v, err := f.lookup(key)
	if err != nil {
		return nil, err
	}
	switch x := v.v.(type) {
	case []float32:
		return x, nil
	case []float64:
		return fill(len(x), func(i int) float32 { return float32(x[i]) }), nil
	}
	return nil, wrongType(key, v, "array of float32")
}

// Int32s returns an integer array whose elements fit in int32.
func (f *File) Int32s(key string) ([]int32, error) {
	v, err := f.lookup(key)
	if err != nil {
		return nil, err
	}
	if x, ok := v.v.([]int32); ok {
		return x, nil
	}
	return intsIn[int32](key, v, math.MinInt32, math.MaxInt32)
}

// Uint32s returns an integer array whose elements fit in uint32.
func (f *File) Uint32s(key string) ([]uint32, error) {
	v, err := f.lookup(key)
	if err != nil {
		return nil, err
	}
	if x, ok := v.v.([]uint32); ok {
		return x, nil
	}
	return intsIn[uint32](key, v, 0, math.MaxUint32)
}

func intsIn[T int32 | uint32](key string, v Value, lo, hi int64) ([]T, error) {
	ints, ok := v.Ints()
	if !ok {
		return nil, wrongType(key, v, "array of integer")
	}
	out := make([]T, len(ints))
	for i, e := range ints {
		if e < lo || e > hi {
			return nil, fmt.Errorf("gguf: key %q[%d]: %d is out of range [%d, %d]", key, i, e, lo, hi)
		}
		out[i] = T(e)
	}
	return out, nil
}

// TensorInfo returns the info of the named tensor.
func (f *File) TensorInfo(name string) (*TensorInfo, bool) {
	i, ok := f.tensorIndex[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// Tensor returns a view of the named tensor; its Data aliases the file's
// mapping.
func (f *File) Tensor(name string) (*tensor.Tensor, error) {
	ti, ok := f.TensorInfo(name)
	if !ok {
		return nil, fmt.Errorf("gguf: tensor %q: %w", name, ErrNotFound)
	}
	return f.view(ti), nil
}

func (f *File) view(ti *TensorInfo) *tensor.Tensor {
	start := f.DataOffset + int64(ti.Offset)
	return &tensor.Tensor{
		Name:  ti.Name,
		Type:  ti.Type,
		Shape: ti.Shape,
		Data:  f.data[start : start+ti.Size : start+ti.Size],
	}
}

// TensorData returns the bytes of the tensor described by ti.
func (f *File) TensorData(ti *TensorInfo) []byte { return f.view(ti).Data }
