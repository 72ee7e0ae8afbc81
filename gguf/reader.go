package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"unsafe"

	"github.com/gollama/gollama/tensor"
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// Limits that keep a hostile header from making us allocate or loop
// without bound; real files sit far below them.
const (
	maxDims       = 4  // GGML_MAX_DIMS
	maxNameLen    = 63 // GGML_MAX_NAME - 1
	maxArrayDepth = 8  // arrays of arrays of ...
	maxKeyLen     = 1 << 16
)

// KV is one metadata entry.
type KV struct {
	Key   string
	Value Value
}

// TensorInfo describes one tensor; Offset is relative to the data section.
type TensorInfo struct {
	Name   string
	Type   tensor.Type
	Shape  []int64 // GGUF order: Shape[0] is the row length
	Offset uint64
	Size   int64 // bytes
}

// NumElements is the product of the shape.
func (ti *TensorInfo) NumElements() int64 {
	n := int64(1)
	for _, d := range ti.Shape {
		n *= d
	}
	return n
}

// decoder reads little-endian values from b, failing (sticky) past its end.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("gguf: offset %d: "+format, append([]any{d.off}, args...)...)
	}
}

func (d *decoder) remaining() int { return len(d.b) - d.off }

func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > d.remaining() {
		d.fail("%s of %d bytes runs past end of file (size %d)", what, n, len(d.b))
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

func (d *decoder) u8(what string) uint8 {
	if p := d.take(1, what); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u16(what string) uint16 {
	if p := d.take(2, what); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u32(what string) uint32 {
	if p := d.take(4, what); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64(what string) uint64 {
	if p := d.take(8, what); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// count reads an element count and checks that count elements of at least
// minSize bytes each fit in what is left of the file, so a hostile count
// never reaches make().
func (d *decoder) count(what string, minSize int) int {
	n := d.u64(what)
	if d.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if n > uint64(d.remaining()/minSize) {
		d.fail("%s %d cannot fit in the %d bytes left of the file", what, n, d.remaining())
		return 0
	}
	return int(n)
}

func (d *decoder) str(what string, maxLen int) string {
	n := d.u64(what + " length")
	if d.err != nil {
		return ""
	}
	if n > uint64(d.remaining()) {
		d.fail("%s of %d bytes runs past end of file (size %d)", what, n, len(d.b))
		return ""
	}
	if maxLen > 0 && n > uint64(maxLen) {
		d.fail("%s is %d bytes long (limit %d)", what, n, maxLen)
		return ""
	}
	return string(d.take(int(n), what))
}

// Parse reads a GGUF file held in memory. The File keeps b: tensor data are
// views into it, never copies.
func Parse(b []byte) (*File, error) {
	f := &File{data: b, Alignment: DefaultAlignment}
	if err := f.parse(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) parse() error {
	d := &decoder{b: f.data}
	if len(f.data) < 4 || string(f.data[:4]) != Magic {
		return errors.New("gguf: not a GGUF file (bad magic)")
	}
	d.off = 4
	f.Version = d.u32("version")
	if d.err != nil {
		return d.err
	}
	switch {
	case f.Version == 2 || f.Version == 3:
	case f.Version == 1:
		return errors.New("gguf: version 1 files are not supported (convert with a current llama.cpp)")
	case bits.ReverseBytes32(f.Version) <= 3:
		return errors.New("gguf: big-endian GGUF files are not supported")
	default:
		return fmt.Errorf("gguf: unsupported version %d", f.Version)
	}
	// Each tensor info takes at least 8+4+8+4+8 bytes, each KV at least 8+4+1.
	nTensors := d.count("tensor count", 32)
	nKV := d.count("metadata count", 13)
	if d.err != nil {
		return d.err
	}

	f.KV = make([]KV, 0, nKV)
	f.index = make(map[string]int, nKV)
	for i := 0; i < nKV; i++ {
		key := d.str(fmt.Sprintf("metadata key #%d", i), maxKeyLen)
		if d.err != nil {
			return d.err
		}
		if _, dup := f.index[key]; dup {
			return fmt.Errorf("gguf: metadata key %q appears twice", key)
		}
		v := d.value(key, ValueType(d.u32("value type of "+key)), 0)
		if d.err != nil {
			return d.err
		}
		f.index[key] = len(f.KV)
		f.KV = append(f.KV, KV{Key: key, Value: v})
	}

	if v, ok := f.Get("general.alignment"); ok {
		a, isInt := v.Int()
		if !isInt || a <= 0 || a > 1<<30 || a&(a-1) != 0 {
			return fmt.Errorf("gguf: general.alignment %v is not a power of two", v.Any())
		}
		f.Alignment = a
	}

	f.Tensors = make([]TensorInfo, 0, nTensors)
	f.tensorIndex = make(map[string]int, nTensors)
	for i := 0; i < nTensors; i++ {
		ti := d.tensorInfo(i)
		if d.err != nil {
			return d.err
		}
		if _, dup := f.tensorIndex[ti.Name]; dup {
			return fmt.Errorf("gguf: tensor %q appears twice", ti.Name)
		}
		f.tensorIndex[ti.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, ti)
	}

	f.DataOffset = alignUp(int64(d.off), f.Alignment)
	if nTensors == 0 {
		return nil // vocab-only files may end before the padding
	}
	if f.DataOffset > int64(len(f.data)) {
		return fmt.Errorf("gguf: data section starts at %d, past end of file (size %d)", f.DataOffset, len(f.data))
	}
	return f.checkTensorData()
}

func (d *decoder) value(key string, t ValueType, depth int) Value {
	if d.err != nil {
		return Value{}
	}
	switch t {
	case TypeUint8:
		return Value{Type: t, v: d.u8(key)}
	case TypeInt8:
		return Value{Type: t, v: int8(d.u8(key))}
	case TypeUint16:
		return Value{Type: t, v: d.u16(key)}
	case TypeInt16:
		return Value{Type: t, v: int16(d.u16(key))}
	case TypeUint32:
		return Value{Type: t, v: d.u32(key)}
	case TypeInt32:
		return Value{Type: t, v: int32(d.u32(key))}
	case TypeFloat32:
		return Value{Type: t, v: math.Float32frombits(d.u32(key))}
	case TypeBool:
		b := d.u8(key)
		if b > 1 {
			d.fail("metadata %q: bool value %d is neither 0 nor 1", key, b)
		}
		return Value{Type: t, v: b == 1}
	case TypeString:
		return Value{Type: t, v: d.str(fmt.Sprintf("metadata %q string", key), 0)}
	case TypeUint64:
		return Value{Type: t, v: d.u64(key)}
	case TypeInt64:
		return Value{Type: t, v: int64(d.u64(key))}
	case TypeFloat64:
		return Value{Type: t, v: math.Float64frombits(d.u64(key))}
	case TypeArray:
		if depth >= maxArrayDepth {
			d.fail("metadata %q: arrays nested more than %d deep", key, maxArrayDepth)
			return Value{}
		}
		elem := ValueType(d.u32(key + " array type"))
		if elem.minSize() < 0 {
			d.fail("metadata %q: unknown array element type %d", key, uint32(elem))
			return Value{}
		}
		n := d.count(fmt.Sprintf("metadata %q array length", key), elem.minSize())
		if d.err != nil {
			return Value{}
		}
		return Value{Type: TypeArray, Elem: elem, v: d.array(key, elem, n, depth)}
	}
	d.fail("metadata %q: unknown value type %d", key, uint32(t))
	return Value{}
}

func (d *decoder) array(key string, elem ValueType, n, depth int) any {
	if sz := elem.fixedSize(); sz > 0 {
		p := d.take(n*sz, fmt.Sprintf("metadata %q array", key))
		if p == nil {
			return nil
		}
		return decodeFixed(elem, p, n)
	}
	switch elem {
	case TypeString:
		return d.strings(key, n)
	default: // TypeArray
		out := make([]Value, n)
		for i := range out {
			out[i] = d.value(key, TypeArray, depth+1)
			if d.err != nil {
				return nil
			}
		}
		return out
	}
}

// strings decodes n strings into one backing allocation: a 150k-token
// vocab costs two allocations, not 150k.
func (d *decoder) strings(key string, n int) []string {
	start, total := d.off, 0
	for i := 0; i < n; i++ {
		l := d.u64("")
		if d.err != nil || l > uint64(d.remaining()) {
			d.fail("metadata %q[%d] runs past end of file (size %d)", key, i, len(d.b))
			return nil
		}
		d.off += int(l)
		total += int(l)
	}
	buf := make([]byte, 0, total)
	out := make([]string, n)
	d.off = start
	for i := range out {
		l := int(d.u64(""))
		s := len(buf)
		buf = append(buf, d.b[d.off:d.off+l]...)
		d.off += l
		out[i] = unsafe.String(unsafe.SliceData(buf[s:]), l)
	}
	return out
}

func decodeFixed(elem ValueType, p []byte, n int) any {
	le := binary.LittleEndian
	switch elem {
	case TypeUint8:
		return append([]uint8(nil), p...)
	case TypeInt8:
		return fill(n, func(i int) int8 { return int8(p[i]) })
	case TypeBool:
		return fill(n, func(i int) bool { return p[i] != 0 })
	case TypeUint16:
		return fill(n, func(i int) uint16 { return le.Uint16(p[2*i:]) })
	case TypeInt16:
		return fill(n, func(i int) int16 { return int16(le.Uint16(p[2*i:])) })
	case TypeUint32:
		return fill(n, func(i int) uint32 { return le.Uint32(p[4*i:]) })
	case TypeInt32:
		return fill(n, func(i int) int32 { return int32(le.Uint32(p[4*i:])) })
	case TypeFloat32:
		return fill(n, func(i int) float32 { return math.Float32frombits(le.Uint32(p[4*i:])) })
	case TypeUint64:
		return fill(n, func(i int) uint64 { return le.Uint64(p[8*i:]) })
	case TypeInt64:
		return fill(n, func(i int) int64 { return int64(le.Uint64(p[8*i:])) })
	case TypeFloat64:
		return fill(n, func(i int) float64 { return math.Float64frombits(le.Uint64(p[8*i:])) })
	}
	return nil
}

func fill[T any](n int, at func(int) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = at(i)
	}
	return out
}

func (d *decoder) tensorInfo(i int) TensorInfo {
	var ti TensorInfo
	ti.Name = d.str(fmt.Sprintf("tensor #%d name", i), maxNameLen)
	nDims := d.u32("tensor " + ti.Name + " dimension count")
	if d.err != nil {
		return ti
	}
	if nDims == 0 || nDims > maxDims {
		d.fail("tensor %q: %d dimensions (want 1 to %d)", ti.Name, nDims, maxDims)
		return ti
	}
	ti.Shape = make([]int64, nDims)
	elems := uint64(1)
	for j := range ti.Shape {
		dim := d.u64("tensor " + ti.Name + " shape")
		if d.err != nil {
			return ti
		}
		if dim > math.MaxInt64 {
			d.fail("tensor %q: dimension %d is %d", ti.Name, j, dim)
			return ti
		}
		hi, lo := bits.Mul64(elems, dim)
		if hi != 0 || lo > math.MaxInt64 {
			d.fail("tensor %q: shape %v overflows", ti.Name, ti.Shape[:j+1])
			return ti
		}
		elems = lo
		ti.Shape[j] = int64(dim)
	}
	ti.Type = tensor.Type(d.u32("tensor " + ti.Name + " type"))
	ti.Offset = d.u64("tensor " + ti.Name + " offset")
	if d.err != nil {
		return ti
	}
	if !ti.Type.Known() {
		d.fail("tensor %q: unknown tensor type %d", ti.Name, uint32(ti.Type))
		return ti
	}
	if err := ti.Type.CheckRowLen(ti.Shape[0]); err != nil {
		d.fail("tensor %q: %v", ti.Name, err)
		return ti
	}
	// Rows × row bytes; each factor fits in int64 and the product is checked.
	rows := uint64(0)
	if ti.Shape[0] != 0 {
		rows = elems / uint64(ti.Shape[0])
	}
	rowBytes := uint64(ti.Type.RowSize(int(ti.Shape[0])))
	hi, lo := bits.Mul64(rows, rowBytes)
	if hi != 0 || lo > math.MaxInt64 {
		d.fail("tensor %q: byte size overflows", ti.Name)
		return ti
	}
	ti.Size = int64(lo)
	return ti
}

// checkTensorData verifies each tensor's data lies inside the file, is
// aligned, and does not overlap another's.
func (f *File) checkTensorData() error {
	dataLen := uint64(int64(len(f.data)) - f.DataOffset)
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	for _, i := range order {
		ti := &f.Tensors[i]
		if ti.Offset%uint64(f.Alignment) != 0 {
			return fmt.Errorf("gguf: tensor %q: data offset %d is not a multiple of the alignment %d", ti.Name, ti.Offset, f.Alignment)
		}
		if ti.Offset > dataLen || uint64(ti.Size) > dataLen-ti.Offset {
			start := uint64(f.DataOffset) + ti.Offset
			return fmt.Errorf("gguf: tensor %q: data [%d, %d) past end of file (size %d)", ti.Name, start, start+uint64(ti.Size), len(f.data))
		}
	}
	sort.Slice(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	for k := 1; k < len(order); k++ {
		prev, cur := &f.Tensors[order[k-1]], &f.Tensors[order[k]]
		if prev.Offset+uint64(prev.Size) > cur.Offset {
			return fmt.Errorf("gguf: tensor %q: data overlaps tensor %q", cur.Name, prev.Name)
		}
	}
	return nil
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }
