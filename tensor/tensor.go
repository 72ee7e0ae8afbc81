package tensor

import "fmt"

// Tensor is a view of one tensor's bytes, usually straight from a mapped
// GGUF file. Shape is in GGUF (ggml) order: Shape[0] is the row length and
// varies fastest; a 2-D weight of Shape {in, out} has out rows of in elements.
type Tensor struct {
	Name  string
	Type  Type
	Shape []int64
	Data  []byte
}

// NumElements is the product of the shape.
func (t *Tensor) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// RowLen is the number of elements per row (Shape[0]).
func (t *Tensor) RowLen() int {
	if len(t.Shape) == 0 {
		return 1
	}
	return int(t.Shape[0])
}

// Rows is the number of rows: the product of every dimension but the first.
func (t *Tensor) Rows() int {
	n := int64(1)
	for _, d := range t.Shape[min(1, len(t.Shape)):] {
		n *= d
	}
	return int(n)
}

// RowBytes is the stride in bytes between consecutive rows.
func (t *Tensor) RowBytes() int { return t.Type.RowSize(t.RowLen()) }

// Row returns the bytes of row i.
func (t *Tensor) Row(i int) []byte {
	rb := t.RowBytes()
	return t.Data[i*rb : (i+1)*rb : (i+1)*rb]
}

// ByteSize is the number of bytes the whole tensor takes in its type.
func (t *Tensor) ByteSize() int64 {
	return int64(t.Rows()) * int64(t.RowBytes())
}

func (t *Tensor) String() string {
	return fmt.Sprintf("%s %s %v", t.Name, t.Type, t.Shape)
}
