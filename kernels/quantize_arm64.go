//go:build !purego

package kernels

import "encoding/binary"

// quantizeQ8x32NEON quantizes nb blocks of 32 values as ggml's
// quantize_row_q8_0_ref: block i's quants go to qs+i·stride, its d to
// ds[i] and Σq to sums[i] (quantize_arm64.s).
//
//go:noescape
func quantizeQ8x32NEON(x *float32, nb int, qs *byte, stride int, ds *float32, sums *int32)

// quantizeQ8_KNEON is quantizeQ8_KGeneric over nb blocks of 256 values
// (292 bytes each), bit for bit.
//
//go:noescape
func quantizeQ8_KNEON(dst *byte, x *float32, nb int)

// q8Chunk is how many blocks one quantizeQ8x32NEON call takes.
const q8Chunk = 32

// quantizeQ8x32Row serves Q8_0 (34-byte blocks) and Q8_1 (36, with s =
// d·Σq): the assembly writes the quants, Go the f16 header fields.
func quantizeQ8x32Row(dst []byte, x []float32, q81 bool) {
	bs, qoff := 34, 2
	if q81 {
		bs, qoff = 36, 4
	}
	var ds [q8Chunk]float32
	var sums [q8Chunk]int32
	for nb := len(x) / 32; nb > 0; {
		c := min(nb, q8Chunk)
		blk := dst[:c*bs]
		quantizeQ8x32NEON(&x[:32*c][0], c, &blk[qoff], bs, &ds[0], &sums[0])
		for i, d := range ds[:c] {
			binary.LittleEndian.PutUint16(blk[bs*i:], f32ToF16Bits(d))
			if q81 {
				binary.LittleEndian.PutUint16(blk[bs*i+2:], f32ToF16Bits(float32(sums[i])*d))
			}
		}
		dst, x, nb = dst[c*bs:], x[32*c:], nb-c
	}
}

func quantizeQ8_0NEONRow(dst []byte, x []float32) { quantizeQ8x32Row(dst, x, false) }
func quantizeQ8_1NEONRow(dst []byte, x []float32) { quantizeQ8x32Row(dst, x, true) }

func quantizeQ8_KNEONRow(dst []byte, x []float32) {
	nb := len(x) / 256
	if nb == 0 {
		return
	}
	_ = dst[292*nb-1]
	quantizeQ8_KNEON(&dst[0], &x[0], nb)
}
