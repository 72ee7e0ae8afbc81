// Package tensor describes how GGUF stores numbers: the type table (block
// size, bytes per block, llama.cpp's names), the Tensor view over mapped
// bytes, and the reference (pure Go) dequantizers and quantizers for every
// type gollama computes with.
package tensor

import "fmt"

// Type is a ggml tensor type id as stored in GGUF tensor infos.
type Type uint32

// The ggml type ids. Gaps (4, 5, 31–33, 36–38) are ids ggml retired.
const (
	F32     Type = 0
	F16     Type = 1
	Q4_0    Type = 2
	Q4_1    Type = 3
	Q5_0    Type = 6
	Q5_1    Type = 7
	Q8_0    Type = 8
	Q8_1    Type = 9
	Q2_K    Type = 10
	Q3_K    Type = 11
	Q4_K    Type = 12
	Q5_K    Type = 13
	Q6_K    Type = 14
	Q8_K    Type = 15
	IQ2_XXS Type = 16
	IQ2_XS  Type = 17
	IQ3_XXS Type = 18
	IQ1_S   Type = 19
	IQ4_NL  Type = 20
	IQ3_S   Type = 21
	IQ2_S   Type = 22
	IQ4_XS  Type = 23
	I8      Type = 24
	I16     Type = 25
	I32     Type = 26
	I64     Type = 27
	F64     Type = 28
	IQ1_M   Type = 29
	BF16    Type = 30
	TQ1_0   Type = 34
	TQ2_0   Type = 35
	MXFP4   Type = 39
)

// QK_K is the super-block size of the K-quants and IQ4_XS.
const QK_K = 256

type typeInfo struct {
	name      string
	blockSize int  // elements per block
	typeSize  int  // bytes per block
	supported bool // gollama can decode (and compute with) it
}

var types = map[Type]typeInfo{
	F32:     {"f32", 1, 4, true},
	F16:     {"f16", 1, 2, true},
	BF16:    {"bf16", 1, 2, true},
	Q4_0:    {"q4_0", 32, 18, true},
	Q4_1:    {"q4_1", 32, 20, true},
	Q5_0:    {"q5_0", 32, 22, true},
	Q5_1:    {"q5_1", 32, 24, true},
	Q8_0:    {"q8_0", 32, 34, true},
	Q8_1:    {"q8_1", 32, 36, true},
	Q2_K:    {"q2_K", QK_K, 84, true},
	Q3_K:    {"q3_K", QK_K, 110, true},
	Q4_K:    {"q4_K", QK_K, 144, true},
	Q5_K:    {"q5_K", QK_K, 176, true},
	Q6_K:    {"q6_K", QK_K, 210, true},
	Q8_K:    {"q8_K", QK_K, 292, true},
	IQ4_NL:  {"iq4_nl", 32, 18, true},
	IQ4_XS:  {"iq4_xs", QK_K, 136, true},
	IQ2_XXS: {"iq2_xxs", QK_K, 66, false},
	IQ2_XS:  {"iq2_xs", QK_K, 74, false},
	IQ3_XXS: {"iq3_xxs", QK_K, 98, false},
	IQ1_S:   {"iq1_s", QK_K, 50, false},
	IQ3_S:   {"iq3_s", QK_K, 110, false},
	IQ2_S:   {"iq2_s", QK_K, 82, false},
	IQ1_M:   {"iq1_m", QK_K, 56, false},
	I8:      {"i8", 1, 1, false},
	I16:     {"i16", 1, 2, false},
	I32:     {"i32", 1, 4, false},
	I64:     {"i64", 1, 8, false},
	F64:     {"f64", 1, 8, false},
	TQ1_0:   {"tq1_0", QK_K, 54, false},
	TQ2_0:   {"tq2_0", QK_K, 66, false},
	MXFP4:   {"mxfp4", 32, 17, false},
}

// Known reports whether t is a ggml type id this package knows the layout of.
func (t Type) Known() bool { _, ok := types[t]; return ok }

// Supported reports whether gollama can decode and compute with t.
func (t Type) Supported() bool { return types[t].supported }

// String is the type's name as llama.cpp spells it ("q4_K", "bf16").
func (t Type) String() string {
	if ti, ok := types[t]; ok {
		return ti.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// BlockSize is the number of elements one block holds (1 for plain types).
func (t Type) BlockSize() int { return types[t].blockSize }

// TypeSize is the number of bytes one block takes.
func (t Type) TypeSize() int { return types[t].typeSize }

// RowSize is the number of bytes a row of n elements takes; n must be a
// multiple of the block size (see CheckRowLen).
func (t Type) RowSize(n int) int {
	ti := types[t]
	if ti.blockSize == 0 {
		return 0
	}
	return n / ti.blockSize * ti.typeSize
}

// CheckRowLen returns an error unless t is known and n is a whole number of blocks.
func (t Type) CheckRowLen(n int64) error {
	ti, ok := types[t]
	if !ok {
		return fmt.Errorf("unknown tensor type %d", uint32(t))
	}
	if n%int64(ti.blockSize) != 0 {
		return fmt.Errorf("row of %d elements is not a multiple of %s's block size %d", n, ti.name, ti.blockSize)
	}
	return nil
}

// ParseType returns the type named as llama.cpp spells it, case-insensitively.
func ParseType(name string) (Type, error) {
	for t, ti := range types {
		if equalFold(ti.name, name) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown tensor type %q", name)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
