package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"

	"github.com/gollama/gollama/tensor"
)

// Test oracles written straight from the block layouts (independently of
// the dot kernels): dequantize both sides and sum in float64.

func h16(b []byte) float64 { return float64(tensor.F16ToF32(binary.LittleEndian.Uint16(b))) }

// refDequant decodes n values of type t from b.
func refDequant(t tensor.Type, b []byte, n int) []float64 {
	y := make([]float64, 0, n)
	bs, ts := t.BlockSize(), t.TypeSize()
	for i := 0; i < n/bs; i++ {
		x := b[i*ts : (i+1)*ts]
		var v [256]float64
		switch t {
		case tensor.F32:
			v[0] = float64(math.Float32frombits(binary.LittleEndian.Uint32(x)))
		case tensor.F16:
			v[0] = h16(x)
		case tensor.BF16:
			v[0] = float64(tensor.BF16ToF32(binary.LittleEndian.Uint16(x)))
		case tensor.Q4_0, tensor.IQ4_NL:
			for j := 0; j < 16; j++ {
				lo, hi := float64(x[2+j]&15)-8, float64(x[2+j]>>4)-8
				if t == tensor.IQ4_NL {
					lo, hi = float64(tensor.IQ4NLValues[x[2+j]&15]), float64(tensor.IQ4NLValues[x[2+j]>>4])
				}
				v[j], v[j+16] = h16(x)*lo, h16(x)*hi
			}
		case tensor.Q4_1:
			for j := 0; j < 16; j++ {
				v[j] = h16(x)*float64(x[4+j]&15) + h16(x[2:])
				v[j+16] = h16(x)*float64(x[4+j]>>4) + h16(x[2:])
			}
		case tensor.Q5_0, tensor.Q5_1:
			off, qh := 2, binary.LittleEndian.Uint32(x[2:])
			if t == tensor.Q5_1 {
				off, qh = 4, binary.LittleEndian.Uint32(x[4:])
			}
			for j := 0; j < 16; j++ {
				lo := float64(uint32(x[off+4+j]&15) | (qh>>j&1)<<4)
				hi := float64(uint32(x[off+4+j]>>4) | (qh>>(j+16)&1)<<4)
				if t == tensor.Q5_0 {
					v[j], v[j+16] = h16(x)*(lo-16), h16(x)*(hi-16)
				} else {
					v[j], v[j+16] = h16(x)*lo+h16(x[2:]), h16(x)*hi+h16(x[2:])
				}
			}
		case tensor.Q8_0:
			for j := 0; j < 32; j++ {
				v[j] = h16(x) * float64(int8(x[2+j]))
			}
		case tensor.Q8_1:
			for j := 0; j < 32; j++ {
				v[j] = h16(x) * float64(int8(x[4+j]))
			}
		case tensor.Q8_K:
			d := float64(math.Float32frombits(binary.LittleEndian.Uint32(x)))
			for j := 0; j < 256; j++ {
				v[j] = d * float64(int8(x[4+j]))
			}
		case tensor.Q2_K:
			d, dmin := h16(x[80:]), h16(x[82:])
			for j := 0; j < 256; j++ {
				sub := j / 16 // 16 scales, one per 16 values
				half, within := j/128, j%128
				shift := uint(within/32) * 2
				q := x[16+half*32+within%32] >> shift & 3
				sc := x[sub]
				v[j] = d*float64(sc&15)*float64(q) - dmin*float64(sc>>4)
			}
		case tensor.Q3_K:
			d := h16(x[108:])
			for j := 0; j < 256; j++ {
				half, within := j/128, j%128
				shift := uint(within/32) * 2
				q := int(x[32+half*32+within%32] >> shift & 3)
				if x[j%32]>>(j/32)&1 == 0 {
					q -= 4
				}
				v[j] = d * float64(q3Scale(x[96:108], j/16)-32) * float64(q)
			}
		case tensor.Q4_K, tensor.Q5_K:
			d, dmin := h16(x), h16(x[2:])
			qs := x[16:]
			if t == tensor.Q5_K {
				qs = x[48:]
			}
			for j := 0; j < 256; j++ {
				sc, m := tensor.GetScaleMinK4(j/32, x[4:16])
				q := int(qs[(j/64)*32+j%32] >> (uint(j/32%2) * 4) & 15)
				if t == tensor.Q5_K && x[16+j%32]>>(j/32)&1 != 0 {
					q += 16
				}
				v[j] = d*float64(sc)*float64(q) - dmin*float64(m)
			}
		case tensor.Q6_K:
			d := h16(x[208:])
			for j := 0; j < 256; j++ {
				half, within := j/128, j%128
				l := within % 32
				quarter := within / 32 // 0..3
				lq := x[half*64+l+32*(quarter%2)]
				if quarter >= 2 {
					lq >>= 4
				}
				hq := x[128+half*32+l] >> (2 * uint(quarter)) & 3
				q := int(lq&15|hq<<4) - 32
				v[j] = d * float64(int8(x[192+j/16])) * float64(q)
			}
		case tensor.IQ4_XS:
			d := h16(x)
			sh := binary.LittleEndian.Uint16(x[2:])
			for j := 0; j < 256; j++ {
				ib := j / 32
				ls := int(x[4+ib/2]>>(4*uint(ib%2))&15) | int(sh>>(2*uint(ib))&3)<<4
				q := x[8+ib*16+j%16]
				if j%32 >= 16 {
					q >>= 4
				}
				v[j] = d * float64(ls-32) * float64(tensor.IQ4NLValues[q&15])
			}
		default:
			panic("refDequant: " + t.String())
		}
		y = append(y, v[:bs]...)
	}
	return y
}

// q3Scale is Q3_K's j-th 6-bit scale: low 4 bits from bytes 0..7, high 2
// from bytes 8..11.
func q3Scale(s []byte, j int) int {
	lo := s[j%8] >> (4 * uint(j/8)) & 15
	hi := s[8+j%4] >> (2 * uint(j/4)) & 3
	return int(lo | hi<<4)
}

// refDot is Σ w·a over the dequantized rows, and Σ|w·a| for tolerances.
func refDot(t tensor.Type, w, a []byte, n int) (dot, mag float64) {
	wv := refDequant(t, w, n)
	av := refDequant(ActivationType(t), a, n)
	for i := range wv {
		dot += wv[i] * av[i]
		mag += math.Abs(wv[i] * av[i])
	}
	return dot, mag
}

// halfFields are the byte offsets of f16 scales in each block type: random
// blocks get finite values there.
var halfFields = map[tensor.Type][]int{
	tensor.Q4_0: {0}, tensor.Q4_1: {0, 2}, tensor.Q5_0: {0}, tensor.Q5_1: {0, 2},
	tensor.Q8_0: {0}, tensor.Q2_K: {80, 82}, tensor.Q3_K: {108}, tensor.Q4_K: {0, 2},
	tensor.Q5_K: {0, 2}, tensor.Q6_K: {208}, tensor.IQ4_NL: {0}, tensor.IQ4_XS: {0},
}

// dotTypes is every weight type with a dot.
var dotTypes = []tensor.Type{
	tensor.F32, tensor.F16, tensor.BF16, tensor.Q4_0, tensor.Q4_1, tensor.Q5_0, tensor.Q5_1,
	tensor.Q8_0, tensor.Q2_K, tensor.Q3_K, tensor.Q4_K, tensor.Q5_K, tensor.Q6_K,
	tensor.IQ4_NL, tensor.IQ4_XS,
}

// randomRow makes n values of weight type t: random bits with scales set
// to random finite halves (extreme: the largest half, 65504).
func randomRow(rng *rand.Rand, t tensor.Type, n int, extreme bool) []byte {
	b := make([]byte, t.RowSize(n))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	switch t {
	case tensor.F32:
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(rng.NormFloat64())))
		}
		return b
	case tensor.F16, tensor.BF16:
		for i := 0; i < n; i++ {
			f := float32(rng.NormFloat64())
			h := tensor.F32ToF16(f)
			if t == tensor.BF16 {
				h = tensor.F32ToBF16(f)
			}
			binary.LittleEndian.PutUint16(b[2*i:], h)
		}
		return b
	}
	for blk := 0; blk < n/t.BlockSize(); blk++ {
		for _, off := range halfFields[t] {
			d := float32(rng.Float64()*0.02 + 1e-4)
			if extreme {
				d = 65504
			}
			binary.LittleEndian.PutUint16(b[blk*t.TypeSize()+off:], tensor.F32ToF16(d))
		}
	}
	return b
}

// randomActs are n activations: normal, or with huge outliers and zeros.
func randomActs(rng *rand.Rand, n int, extreme bool) []float32 {
	return randomActsScaled(rng, n, extreme, 1e4)
}

// randomActsFor keeps Q8_1's f16 s = d·Σq finite (it overflows, in ggml
// too, once a block's sum passes 65504).
func randomActsFor(rng *rand.Rand, t tensor.Type, n int, extreme bool) []float32 {
	if ActivationType(t) == tensor.Q8_1 {
		return randomActsScaled(rng, n, extreme, 50)
	}
	return randomActs(rng, n, extreme)
}

func randomActsScaled(rng *rand.Rand, n int, extreme bool, big float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
		if extreme {
			switch rng.IntN(4) {
			case 0:
				x[i] = 0
			case 1:
				x[i] *= big
			}
		}
	}
	return x
}
