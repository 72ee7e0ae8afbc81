package kernels

import "github.com/gollama/gollama/tensor"

// The scalar conversions are tensor's reference ones; kernels only adds a
// table so the generic paths decode a half with one load (as ggml does).

// f16Table maps every half-precision bit pattern to its float32 value.
var f16Table = func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = tensor.F16ToF32(uint16(i))
	}
	return &t
}()

// f16 decodes the little-endian half at b[0:2].
func f16(b []byte) float32 { return f16Table[uint16(b[0])|uint16(b[1])<<8] }

func f32ToF16Bits(f float32) uint16  { return tensor.F32ToF16(f) }
func f32ToBF16Bits(f float32) uint16 { return tensor.F32ToBF16(f) }
func bf16BitsToF32(h uint16) float32 { return tensor.BF16ToF32(h) }
