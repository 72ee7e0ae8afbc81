package tensor

import "encoding/binary"

// IQ4NLValues is the non-linear 4-bit codebook of IQ4_NL and IQ4_XS: a quant
// q decodes to d·IQ4NLValues[q].
var IQ4NLValues = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// IQ4_XS (136 B per 256 values): d f16 | scales_h u16 | scales_l[4] | qs[128].
// Eight sub-blocks of 32 with a 6-bit scale ls (low nibble from scales_l,
// 2 high bits at bit 2·ib of scales_h), x = d·(ls-32)·IQ4NLValues[q];
// qs of each sub-block are nibble-packed as in IQ4_NL.

func dequantIQ4NL(y []float32, b []byte) {
	for i := 0; len(b) > 0; i, b = i+1, b[18:] {
		d := f16At(b)
		yb := y[i*32 : i*32+32]
		for j, q := range b[2:18] {
			yb[j] = d * float32(IQ4NLValues[q&0xf])
			yb[j+16] = d * float32(IQ4NLValues[q>>4])
		}
	}
}

func dequantIQ4XS(y []float32, b []byte) {
	for ; len(b) > 0; b, y = b[136:], y[QK_K:] {
		d := f16At(b)
		scalesH := binary.LittleEndian.Uint16(b[2:])
		scalesL, qs := b[4:8], b[8:136]
		for ib := range 8 {
			ls := int(scalesL[ib/2]>>(4*(ib%2))&0xf) | int(scalesH>>(2*ib)&3)<<4
			dl := d * float32(ls-32)
			for j, q := range qs[16*ib : 16*ib+16] {
				y[32*ib+j] = dl * float32(IQ4NLValues[q&0xf])
				y[32*ib+j+16] = dl * float32(IQ4NLValues[q>>4])
			}
		}
	}
}

// bestIndexIQ4 returns the index of the codebook value nearest x, ties to
// the upper one, comparing 2x with sums of neighbours so that the
// midpoints are exact (ggml's best_index_int8).
func bestIndexIQ4(x float32) uint8 {
	x2 := x + x
	idx := 0
	for step := 8; step > 0; step >>= 1 {
		j := idx + step
		if x2 >= float32(int(IQ4NLValues[j-1])+int(IQ4NLValues[j])) {
			idx = j
		}
	}
	return uint8(idx)
}

// iq4BlockScale fits the scale of one 32-value block against the codebook
// (quantize_row_iq4_nl_impl's inner search with ntry 7 and weights x²):
// start from max/-127, then try 15 scales near it, keeping the one with the
// best weighted least-squares fit. Returns 0 for an all-(near-)zero block.
func iq4BlockScale(xb []float32) float32 {
	const ntry = 7
	amax, vmax := blockAbsMax(xb)
	if amax < groupMaxEps {
		return 0
	}
	v0 := float32(IQ4NLValues[0])
	fit := func(id float32) (sumqx, sumq2 float32) {
		for _, v := range xb {
			q := float32(IQ4NLValues[bestIndexIQ4(float32(id*v))])
			w := float32(v * v)
			sumqx += float32(float32(w*q) * v)
			sumq2 += float32(float32(w*q) * q)
		}
		return sumqx, sumq2
	}
	d := -vmax / v0
	sumqx, sumq2 := fit(1 / d)
	d = 0
	if sumq2 > 0 {
		d = sumqx / sumq2
	}
	best := d * sumqx
	for itry := -ntry; itry <= ntry; itry++ {
		id := float32(itry+int(IQ4NLValues[0])) / vmax
		sumqx, sumq2 = fit(id)
		if sumq2 > 0 && float32(sumqx*sumqx) > float32(best*sumq2) {
			d = sumqx / sumq2
			best = d * sumqx
		}
	}
	return d
}

// quantIQ4NL is llama-quantize's IQ4_NL path (quantize_iq4_nl without an
// importance matrix): fit the block scale, store it as f16, and pick each
// value's nearest codebook entry under the unrounded scale.
func quantIQ4NL(b []byte, x []float32) {
	for ; len(x) > 0; x, b = x[32:], b[18:] {
		d := iq4BlockScale(x[:32])
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		id := inverse(d)
		for j := range 16 {
			b[2+j] = bestIndexIQ4(float32(id*x[j])) | bestIndexIQ4(float32(id*x[j+16]))<<4
		}
	}
}

// quantIQ4XS is llama-quantize's IQ4_XS path (quantize_iq4_xs without an
// importance matrix): per-block scales as for IQ4_NL, then a super-block
// scale d = -max/32 with 6-bit signed block scales, and values re-picked
// under the quantized block scales.
func quantIQ4XS(b []byte, x []float32) {
	var scales [8]float32
	for ; len(x) > 0; x, b = x[QK_K:], b[136:] {
		var maxScale, amaxScale float32
		for ib := range 8 {
			scales[ib] = iq4BlockScale(x[32*ib : 32*ib+32])
			if a := abs32(scales[ib]); a > amaxScale {
				amaxScale, maxScale = a, scales[ib]
			}
		}
		d := -maxScale / 32
		binary.LittleEndian.PutUint16(b, F32ToF16(d))
		id := inverse(d)
		var scalesH uint16
		scalesL, qs := b[4:8], b[8:136]
		for ib := range 8 {
			l := max(-32, min(31, nearestInt(float32(id*scales[ib]))))
			dl := d * float32(l)
			idl := inverse(dl)
			xb := x[32*ib : 32*ib+32]
			for j := range 16 {
				qs[16*ib+j] = bestIndexIQ4(float32(idl*xb[j])) | bestIndexIQ4(float32(idl*xb[j+16]))<<4
			}
			l += 32
			if ib%2 == 0 {
				scalesL[ib/2] = uint8(l & 0xf)
			} else {
				scalesL[ib/2] |= uint8(l&0xf) << 4
			}
			scalesH |= uint16(l>>4) << (2 * ib)
		}
		binary.LittleEndian.PutUint16(b[2:], scalesH)
	}
}
