package tensor

import (
	"encoding/binary"
	"math"
)

// K-quant quantizers, following ggml's quantize_row_qN_K_ref, which is what
// llama-quantize runs when it has no importance matrix. Every float
// operation is kept in float32 and in ggml's order; products are rounded
// before they are summed (explicit float32 conversions stop Go from fusing
// them into FMAs on arm64), so the bytes come out as ggml's.

const groupMaxEps = 1e-15

// makeQXQuants is ggml's make_qx_quants with rmse_type 1 and no importance
// weights (weights x²): it picks the scale minimizing the weighted squared
// error among 19 candidate scales near nmax/max and returns it; L gets the
// quants biased by +nmax, in [0, 2·nmax).
func makeQXQuants(nmax int, x []float32, L []int8) float32 {
	amax, vmax := blockAbsMax(x)
	if amax < groupMaxEps {
		clear(L[:len(x)])
		return 0
	}
	fnmax := float32(nmax)
	clampQ := func(l int32) int32 { return max(-int32(nmax), min(int32(nmax)-1, l)) }
	iscale := -fnmax / vmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampQ(nearestInt(float32(iscale * v)))
		L[i] = int8(l + int32(nmax))
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	var scale float32
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := scale * sumlx
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(fnmax + float32(0.1)*float32(is)) / vmax
		sumlx, suml2 = 0, 0
		for _, v := range x {
			fl := float32(clampQ(nearestInt(float32(iscale * v))))
			w := float32(v * v)
			sumlx += float32(float32(w*v) * fl)
			suml2 += float32(float32(w*fl) * fl)
		}
		if suml2 > 0 && float32(sumlx*sumlx) > float32(best*suml2) {
			for i, v := range x {
				L[i] = int8(clampQ(nearestInt(float32(iscale*v))) + int32(nmax))
			}
			scale = sumlx / suml2
			best = scale * sumlx
		}
	}
	return scale
}

// makeQ3Quants is ggml's make_q3_quants with do_rmse: start from the
// nearest quants for nmax/max, then move single quants while that lowers
// the x²-weighted error (up to 5 sweeps). L gets quants biased by +nmax.
func makeQ3Quants(nmax int, x []float32, L []int8) float32 {
	amax, vmax := blockAbsMax(x)
	if amax < groupMaxEps {
		clear(L[:len(x)])
		return 0
	}
	n32 := int32(nmax)
	iscale := -float32(nmax) / vmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := max(-n32, min(n32-1, nearestInt(float32(iscale*v))))
		L[i] = int8(l)
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	for range 5 {
		changed := 0
		for i, v := range x {
			w := float32(v * v)
			li := float32(L[i])
			slx := sumlx - float32(float32(w*v)*li)
			if slx > 0 {
				sl2 := suml2 - float32(float32(w*li)*li)
				newL := max(-n32, min(n32-1, nearestInt(float32(v*sl2)/slx)))
				if newL != int32(L[i]) {
					fn := float32(newL)
					slx += float32(float32(w*v) * fn)
					sl2 += float32(float32(w*fn) * fn)
					if sl2 > 0 && float32(float32(slx*slx)*suml2) > float32(float32(sumlx*sumlx)*sl2) {
						L[i] = int8(newL)
						sumlx, suml2 = slx, sl2
						changed++
					}
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	for i := range x {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// makeQKX2Quants is ggml's make_qkx2_quants: an affine fit x ≈ scale·L + min
// (min ≤ 0) with L in [0, nmax], trying nstep+1 scales around nmax/(max-min)
// and solving weighted least squares for each. Returns scale and -min.
func makeQKX2Quants(nmax int, x, weights []float32, L, Laux []uint8, rmin, rdelta float32, nstep int, useMAD bool) (scale, negMin float32) {
	n := len(x)
	lo, hi := x[0], x[0]
	sumW := weights[0]
	sumX := sumW * x[0]
	for i := 1; i < n; i++ {
		lo = min(lo, x[i])
		hi = max(hi, x[i])
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	lo = min(lo, 0)
	if hi == lo {
		clear(L[:n])
		return 0, -lo
	}
	fnmax := float32(nmax)
	errOf := func(diff float32) float32 {
		if useMAD {
			return abs32(diff)
		}
		return float32(diff * diff)
	}
	iscale := fnmax / (hi - lo)
	scale = 1 / iscale
	var bestErr float32
	for i, v := range x {
		l := nearestInt(float32(iscale * (v - lo)))
		L[i] = uint8(max(0, min(int32(nmax), l)))
		diff := float32(float32(scale*float32(L[i]))+lo) - v
		bestErr += float32(weights[i] * errOf(diff))
	}
	if nstep < 1 {
		return scale, -lo
	}
	for is := 0; is <= nstep; is++ {
		iscale = (float32(rmin+float32(rdelta*float32(is))) + fnmax) / (hi - lo)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := max(0, min(int32(nmax), nearestInt(float32(iscale*(v-lo)))))
			Laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			wl := float32(w * fl)
			sumL += wl
			sumL2 += float32(wl * fl)
			sumXL += float32(wl * v)
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curErr float32
			for i, v := range x {
				diff := float32(float32(thisScale*float32(Laux[i]))+thisMin) - v
				curErr += float32(weights[i] * errOf(diff))
			}
			if curErr < bestErr {
				copy(L[:n], Laux[:n])
				bestErr = curErr
				scale, lo = thisScale, thisMin
			}
		}
	}
	return scale, -lo
}

// packScaleMinK4 stores 6-bit scale and min of sub-block j, the inverse of GetScaleMinK4.
func packScaleMinK4(scales []byte, j int, ls, lm uint8) {
	if j < 4 {
		scales[j] = ls
		scales[j+4] = lm
		return
	}
	scales[j+4] = ls&0xf | (lm&0xf)<<4
	scales[j-4] |= (ls >> 4) << 6
	scales[j] |= (lm >> 4) << 6
}

// pack2Bit stores 256 2-bit values L into 64 bytes: within each 128-value
// half, value 32k+l goes to bits 2k of byte l.
func pack2Bit(qs []byte, L []uint8) {
	for j := 0; j < QK_K; j += 128 {
		for l := range 32 {
			qs[j/4+l] = L[j+l] | L[j+l+32]<<2 | L[j+l+64]<<4 | L[j+l+96]<<6
		}
	}
}

func quantQ2K(b []byte, x []float32) {
	var L [QK_K]uint8
	var Laux [16]uint8
	var weights [16]float32
	var mins, scales [QK_K / 16]float32
	for ; len(x) > 0; x, b = x[QK_K:], b[84:] {
		clear(b[:84])
		var maxScale, maxMin float32
		for j := range QK_K / 16 {
			xs := x[16*j : 16*j+16]
			for l, v := range xs {
				weights[l] = abs32(v)
			}
			scales[j], mins[j] = makeQKX2Quants(3, xs, weights[:], L[16*j:16*j+16], Laux[:], -0.5, 0.1, 15, true)
			maxScale = max(maxScale, scales[j])
			maxMin = max(maxMin, mins[j])
		}
		sc := b[:16]
		if maxScale > 0 {
			iscale := 15 / maxScale
			for j := range sc {
				sc[j] = uint8(nearestInt(float32(iscale * scales[j])))
			}
			binary.LittleEndian.PutUint16(b[80:], F32ToF16(maxScale/15))
		}
		if maxMin > 0 {
			iscale := 15 / maxMin
			for j := range sc {
				sc[j] |= uint8(nearestInt(float32(iscale*mins[j]))) << 4
			}
			binary.LittleEndian.PutUint16(b[82:], F32ToF16(maxMin/15))
		}
		d, dmin := f16At(b[80:]), f16At(b[82:])
		for j := range QK_K / 16 {
			dl := d * float32(sc[j]&0xf)
			if dl == 0 {
				continue
			}
			dm := dmin * float32(sc[j]>>4)
			for ii := range 16 {
				l := nearestInt((x[16*j+ii] + dm) / dl)
				L[16*j+ii] = uint8(max(0, min(3, l)))
			}
		}
		pack2Bit(b[16:80], L[:])
	}
}

func quantQ3K(b []byte, x []float32) {
	var L [QK_K]int8
	var scales [QK_K / 16]float32
	for ; len(x) > 0; x, b = x[QK_K:], b[110:] {
		clear(b[:110])
		var maxScale, amax float32
		for j := range QK_K / 16 {
			scales[j] = makeQ3Quants(4, x[16*j:16*j+16], L[16*j:16*j+16])
			if a := abs32(scales[j]); a > amax {
				amax, maxScale = a, scales[j]
			}
		}
		hmask, qs, sc := b[:32], b[32:96], b[96:108]
		if maxScale != 0 {
			iscale := -32 / maxScale
			for j := range QK_K / 16 {
				l := int8(nearestInt(float32(iscale * scales[j])))
				l = max(-32, min(31, l)) + 32
				if j < 8 {
					sc[j] = uint8(l) & 0xf
				} else {
					sc[j-8] |= (uint8(l) & 0xf) << 4
				}
				sc[8+j%4] |= uint8(l>>4) << (2 * (j / 4))
			}
			binary.LittleEndian.PutUint16(b[108:], F32ToF16(1/iscale))
		}
		d := f16At(b[108:])
		for j := range QK_K / 16 {
			dl := d * float32(q3KScale(j, sc))
			if dl == 0 {
				continue
			}
			for ii := range 16 {
				l := nearestInt(x[16*j+ii] / dl)
				L[16*j+ii] = int8(max(-4, min(3, l)) + 4)
			}
		}
		var Lu [QK_K]uint8
		for j, l := range L {
			if l > 3 {
				hmask[j%32] |= 1 << (j / 32)
				l -= 4
			}
			Lu[j] = uint8(l)
		}
		pack2Bit(qs, Lu[:])
	}
}

// quantQ45K is quantize_row_q4_K_ref (nmax 15) and quantize_row_q5_K_ref
// (nmax 31) up to the final bit packing: 8 sub-blocks of 32 fitted with
// make_qkx2_quants, their scales and mins quantized to 6 bits, then every
// value requantized with the stored (f16) scales.
func quantQ45K(b []byte, x []float32, nmax int, rmin float32, nstep int, L *[QK_K]uint8) {
	var Laux [32]uint8
	var weights [32]float32
	var mins, scales [QK_K / 32]float32
	var maxScale, maxMin float32
	for j := range QK_K / 32 {
		xs := x[32*j : 32*j+32]
		var sumX2 float32
		for _, v := range xs {
			sumX2 += float32(v * v)
		}
		avX := float32(math.Sqrt(float64(sumX2 / 32)))
		for l, v := range xs {
			weights[l] = avX + abs32(v)
		}
		scales[j], mins[j] = makeQKX2Quants(nmax, xs, weights[:], L[32*j:32*j+32], Laux[:], rmin, 0.1, nstep, false)
		maxScale = max(maxScale, scales[j])
		maxMin = max(maxMin, mins[j])
	}
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMin > 0 {
		invMin = 63 / maxMin
	}
	sc := b[4:16]
	clear(sc)
	for j := range QK_K / 32 {
		ls := min(63, uint8(nearestInt(float32(invScale*scales[j]))))
		lm := min(63, uint8(nearestInt(float32(invMin*mins[j]))))
		packScaleMinK4(sc, j, ls, lm)
	}
	binary.LittleEndian.PutUint16(b, F32ToF16(maxScale/63))
	binary.LittleEndian.PutUint16(b[2:], F32ToF16(maxMin/63))
	d, dmin := f16At(b), f16At(b[2:])
	for j := range QK_K / 32 {
		s, m := GetScaleMinK4(j, sc)
		dl := d * float32(s)
		if dl == 0 {
			continue
		}
		dm := dmin * float32(m)
		for ii := range 32 {
			l := nearestInt((x[32*j+ii] + dm) / dl)
			L[32*j+ii] = uint8(max(0, min(int32(nmax), l)))
		}
	}
}

func quantQ4K(b []byte, x []float32) {
	var L [QK_K]uint8
	for ; len(x) > 0; x, b = x[QK_K:], b[144:] {
		quantQ45K(b, x[:QK_K], 15, -1, 20, &L)
		qs := b[16:144]
		for j := 0; j < QK_K; j += 64 {
			for l := range 32 {
				qs[j/2+l] = L[j+l] | L[j+l+32]<<4
			}
		}
	}
}

func quantQ5K(b []byte, x []float32) {
	var L [QK_K]uint8
	for ; len(x) > 0; x, b = x[QK_K:], b[176:] {
		quantQ45K(b, x[:QK_K], 31, -0.5, 15, &L)
		qh, qs := b[16:48], b[48:176]
		clear(qh)
		for s := range 8 { // sub-block s: nibble s%2 of qs[32·(s/2)+l], fifth bit s of qh[l]
			for l := range 32 {
				v := L[32*s+l]
				if s%2 == 0 {
					qs[32*(s/2)+l] = v & 0xf
				} else {
					qs[32*(s/2)+l] |= (v & 0xf) << 4
				}
				qh[l] |= (v >> 4) << s
			}
		}
	}
}

func quantQ6K(b []byte, x []float32) {
	var L [QK_K]int8
	var scales [QK_K / 16]float32
	for ; len(x) > 0; x, b = x[QK_K:], b[210:] {
		clear(b[:210])
		var maxScale, maxAbs float32
		for ib := range QK_K / 16 {
			scales[ib] = makeQXQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
			if a := abs32(scales[ib]); a > maxAbs {
				maxAbs, maxScale = a, scales[ib]
			}
		}
		if maxAbs < groupMaxEps {
			continue // an all-zero block
		}
		ql, qh, sc := b[:128], b[128:192], b[192:208]
		iscale := -128 / maxScale
		binary.LittleEndian.PutUint16(b[208:], F32ToF16(1/iscale))
		for ib := range sc {
			sc[ib] = uint8(int8(min(127, nearestInt(float32(iscale*scales[ib])))))
		}
		d := f16At(b[208:])
		for j := range QK_K / 16 {
			dl := d * float32(int8(sc[j]))
			if dl == 0 {
				continue
			}
			for ii := range 16 {
				l := nearestInt(x[16*j+ii] / dl)
				L[16*j+ii] = int8(max(-32, min(31, l)) + 32)
			}
		}
		for j := 0; j < QK_K; j += 128 {
			for l := range 32 {
				q1, q2, q3, q4 := uint8(L[j+l]), uint8(L[j+l+32]), uint8(L[j+l+64]), uint8(L[j+l+96])
				ql[j/2+l] = q1&0xf | (q3&0xf)<<4
				ql[j/2+l+32] = q2&0xf | (q4&0xf)<<4
				qh[j/4+l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
			}
		}
	}
}

func quantQ8K(b []byte, x []float32) {
	var blk [1]BlockQ8K
	for ; len(x) > 0; x, b = x[QK_K:], b[292:] {
		_ = QuantizeRowQ8K(blk[:], x[:QK_K])
		blk[0].encode(b)
	}
}
