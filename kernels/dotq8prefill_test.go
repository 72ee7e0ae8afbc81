//go:build !purego && amd64

package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollama/gollama/tensor"
)

// TestQ8Rows4MatchesDot: the packed Q8_0 prefill kernel equals the 1-row
// AVX2 dot bit for bit, for every tail of 0..13 blocks, 4, 8 and 12 tokens, padded
// activation and output strides, extreme values and special weight
// scales (inf, NaN, subnormal, ±0), writing nothing but its outputs.
func TestQ8Rows4MatchesDot(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	ks := &avx2Kernels
	dot := ks.dot[tensor.Q8_0]
	rng := rand.New(rand.NewPCG(71, 72))
	specials := []uint16{0x7c00, 0xfc00, 0x7e00, 0x0001, 0x03ff, 0x8000, 0x0000, 0x7bff}
	for nb := 0; nb <= 13; nb++ {
		n := nb * 32
		rb := 34 * nb
		for trial := range 6 {
			extreme := trial%2 == 1
			ntok := 4 * (1 + trial%3)
			plain := make([]byte, rowGroup*rb)
			for r := range rowGroup {
				copy(plain[r*rb:], randomRow(rng, tensor.Q8_0, n, extreme))
			}
			if trial >= 4 { // special scales in random places
				for b := range nb {
					r := rng.IntN(rowGroup)
					binary.LittleEndian.PutUint16(plain[r*rb+34*b:], specials[rng.IntN(len(specials))])
				}
			}
			pk := make([]byte, len(plain))
			packRows(pk, plain, rowGroup, rb, 34)
			arb := rb + trial/2*5
			acts := make([]byte, ntok*arb)
			for tok := range ntok {
				copy(acts[tok*arb:], quantizeActs(ks, tensor.Q8_0, randomActs(rng, n, extreme)))
			}
			as := make([]float32, ntok*max(nb, 1))
			if nb > 0 {
				as = (&Pool{}).actScales(acts, arb, nb, ntok)
			}
			const ostride = rowGroup + 3
			got := make([]float32, (ntok-1)*ostride+rowGroup+1)
			for i := range got {
				got[i] = 42
			}
			q8Rows4(pk, acts, arb, as, n, got[:len(got)-1], ostride, ntok)
			for i, v := range got {
				if (i%ostride >= rowGroup || i == len(got)-1) && v != 42 {
					t.Fatalf("n=%d ntok=%d: wrote out[%d]", n, ntok, i)
				}
			}
			for tok := range ntok {
				for r := range rowGroup {
					g := got[tok*ostride+r]
					want := dot(plain[r*rb:], acts[tok*arb:], n)
					if math.Float32bits(g) != math.Float32bits(want) {
						t.Fatalf("n=%d trial %d token %d row %d: %g, 1-row dot %g", n, trial, tok, r, g, want)
					}
				}
			}
		}
	}
}

// TestQ8x2rx4MatchesDot: the plain-row 2-row 4-token kernel equals the
// 1-row AVX2 dot bit for bit, for every tail of
// 0..13 blocks, padded row, token and output strides, extreme values and
// special weight scales, writing nothing but its outputs.
func TestQ8x2rx4MatchesDot(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	ks := &avx2Kernels
	dot := ks.dot[tensor.Q8_0]
	f := rowsAsm2x4(dotQ8_0x2rx4AVX2, 32, 34, 34)
	rng := rand.New(rand.NewPCG(73, 74))
	specials := []uint16{0x7c00, 0xfc00, 0x7e00, 0x0001, 0x03ff, 0x8000, 0x0000, 0x7bff}
	for nb := 0; nb <= 13; nb++ {
		n, rb := nb*32, nb*34
		for trial := range 6 {
			extreme := trial%2 == 1
			wstride := rb + trial/2*3
			w := make([]byte, wstride+rb)
			for r := range 2 {
				copy(w[r*wstride:], randomRow(rng, tensor.Q8_0, n, extreme))
			}
			if trial >= 4 {
				for b := range nb {
					binary.LittleEndian.PutUint16(w[rng.IntN(2)*wstride+34*b:], specials[rng.IntN(len(specials))])
				}
			}
			arb := rb + trial/2*5
			acts := make([]byte, 4*arb)
			for tok := range 4 {
				copy(acts[tok*arb:], quantizeActs(ks, tensor.Q8_0, randomActs(rng, n, extreme)))
			}
			as := make([]float32, 4)
			if nb > 0 {
				as = (&Pool{}).actScales(acts, arb, nb, 4)
			}
			ostride := 2 + trial/2*3
			got := make([]float32, 3*ostride+3)
			for i := range got {
				got[i] = 42
			}
			f(w, wstride, acts, arb, as, n, got[:3*ostride+2], ostride)
			for i, v := range got {
				if (i%ostride >= 2 || i >= 3*ostride+2) && v != 42 {
					t.Fatalf("n=%d: wrote out[%d]", n, i)
				}
			}
			for tok := range 4 {
				for r := range 2 {
					g := got[tok*ostride+r]
					want := dot(w[r*wstride:], acts[tok*arb:], n)
					if math.Float32bits(g) != math.Float32bits(want) {
						t.Fatalf("n=%d trial %d token %d row %d: %g, 1-row dot %g", n, trial, tok, r, g, want)
					}
				}
			}
		}
	}
}

// BenchmarkQ8Rows4 is the packed Q8_0 prefill kernel on one row group:
// ns per (row, token, block), with the activations in L1 (2048 values, 4
// or 8 tokens) or L2 (4096 values, 64 tokens).
func BenchmarkQ8Rows4(b *testing.B) {
	if !hasAVX2() {
		b.Skip("no AVX2")
	}
	ks := &avx2Kernels
	for _, shape := range []struct{ n, ntok int }{{2048, 4}, {2048, 8}, {4096, 64}} {
		rng := rand.New(rand.NewPCG(5, 5))
		n, ntok, nb := shape.n, shape.ntok, shape.n/32
		rb := 34 * nb
		plain := make([]byte, rowGroup*rb)
		for r := range rowGroup { // realistic scales: quantized rows
			copy(plain[r*rb:], quantizeActs(ks, tensor.Q8_0, randomActs(rng, n, false)))
		}
		w := make([]byte, len(plain))
		packRows(w, plain, rowGroup, rb, 34)
		acts := make([]byte, ntok*rb)
		for t := range ntok {
			copy(acts[t*rb:], quantizeActs(ks, tensor.Q8_0, randomActs(rng, n, false)))
		}
		as := (&Pool{}).actScales(acts, rb, nb, ntok)
		out := make([]float32, ntok*rowGroup)
		b.Run(fmt.Sprintf("%dx%d", n, ntok), func(b *testing.B) {
			for b.Loop() {
				q8Rows4(w, acts, rb, as, n, out, rowGroup, ntok)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rowGroup*ntok*nb), "ns/triple")
		})
	}
}
