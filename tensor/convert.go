package tensor

import (
	"encoding/binary"
	"fmt"
	"math"
)

// codec holds the whole-block converters of one type; both take a slice of
// whole blocks (checked by the callers) and the matching floats.
type codec struct {
	dequant func(dst []float32, src []byte)
	quant   func(dst []byte, src []float32)
}

var codecs = map[Type]codec{
	F32:    {dequantF32, quantF32},
	F16:    {dequantF16, quantF16},
	BF16:   {dequantBF16, quantBF16},
	Q4_0:   {dequantQ4_0, quantQ4_0},
	Q4_1:   {dequantQ4_1, quantQ4_1},
	Q5_0:   {dequantQ5_0, quantQ5_0},
	Q5_1:   {dequantQ5_1, quantQ5_1},
	Q8_0:   {dequantQ8_0, quantQ8_0},
	Q8_1:   {dequantQ8_1, quantQ8_1},
	Q2_K:   {dequantQ2K, quantQ2K},
	Q3_K:   {dequantQ3K, quantQ3K},
	Q4_K:   {dequantQ4K, quantQ4K},
	Q5_K:   {dequantQ5K, quantQ5K},
	Q6_K:   {dequantQ6K, quantQ6K},
	Q8_K:   {dequantQ8K, quantQ8K},
	IQ4_NL: {dequantIQ4NL, quantIQ4NL},
	IQ4_XS: {dequantIQ4XS, quantIQ4XS},
}

// Dequantize decodes src, whole blocks of type t (any number of rows, since
// no block spans rows), into dst, which must hold exactly the values src
// encodes. Results are bit-identical to ggml's dequantize_row_* functions.
func Dequantize(dst []float32, src []byte, t Type) error {
	c, ok := codecs[t]
	if !ok {
		return fmt.Errorf("dequantize: unsupported tensor type %s", t)
	}
	bs, ts := t.BlockSize(), t.TypeSize()
	if len(src)%ts != 0 {
		return fmt.Errorf("dequantize %s: %d bytes is not a whole number of %d-byte blocks", t, len(src), ts)
	}
	if n := len(src) / ts * bs; len(dst) != n {
		return fmt.Errorf("dequantize %s: %d bytes hold %d values, destination has room for %d", t, len(src), n, len(dst))
	}
	c.dequant(dst, src)
	return nil
}

// Quantize encodes src into dst as type t, the way llama-quantize does
// without an importance matrix (ggml's quantize_row_*_ref, and for IQ4_NL
// and IQ4_XS quantize_iq4_nl/quantize_iq4_xs). len(src) must be a whole
// number of blocks and dst exactly their encoded size.
func Quantize(dst []byte, src []float32, t Type) error {
	c, ok := codecs[t]
	if !ok {
		return fmt.Errorf("quantize: unsupported tensor type %s", t)
	}
	bs, ts := t.BlockSize(), t.TypeSize()
	if len(src)%bs != 0 {
		return fmt.Errorf("quantize %s: %d values is not a multiple of the block size %d", t, len(src), bs)
	}
	if n := len(src) / bs * ts; len(dst) != n {
		return fmt.Errorf("quantize %s: %d values take %d bytes, destination has %d", t, len(src), n, len(dst))
	}
	c.quant(dst, src)
	return nil
}

// CanQuantize reports whether Quantize and Dequantize handle t.
func CanQuantize(t Type) bool { _, ok := codecs[t]; return ok }

func dequantF32(y []float32, b []byte) {
	for i := range y {
		y[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

func quantF32(b []byte, x []float32) {
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
}

func dequantF16(y []float32, b []byte) {
	for i := range y {
		y[i] = F16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
	}
}

func quantF16(b []byte, x []float32) {
	for i, v := range x {
		binary.LittleEndian.PutUint16(b[2*i:], F32ToF16(v))
	}
}

func dequantBF16(y []float32, b []byte) {
	for i := range y {
		y[i] = BF16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
	}
}

func quantBF16(b []byte, x []float32) {
	for i, v := range x {
		binary.LittleEndian.PutUint16(b[2*i:], F32ToBF16(v))
	}
}

// FallbackType is the type llama-quantize stores a weight in when its rows
// of rowLen values are not a whole number of t's blocks (llama.cpp's
// tensor_type_fallback): a 32-value type of similar size, or F16 when
// even that does not fit. It returns t itself when the rows fit.
func FallbackType(t Type, rowLen int64) (Type, error) {
	if !t.Known() {
		return 0, fmt.Errorf("unknown tensor type %d", uint32(t))
	}
	if rowLen%int64(t.BlockSize()) == 0 {
		return t, nil
	}
	var fb Type
	switch t {
	case IQ4_XS, IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S:
		fb = IQ4_NL
	case Q2_K, Q3_K, TQ1_0, TQ2_0:
		fb = Q4_0
	case Q4_K:
		fb = Q5_0
	case Q5_K:
		fb = Q5_1
	case Q6_K:
		fb = Q8_0
	default:
		return 0, fmt.Errorf("rows of %d values do not fit %s blocks of %d and llama.cpp defines no fallback", rowLen, t, t.BlockSize())
	}
	if rowLen%int64(fb.BlockSize()) != 0 {
		fb = F16
	}
	return fb, nil
}
