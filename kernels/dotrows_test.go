package kernels

import (
	"fmt"
	"github.com/gollama/gollama/tensor"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDotRowsMatchDot: every rowGroup-row kernel, given a group of rows
// packed by packRows (as runPacked calls it), equals rowGroup calls of its
// level's 1-row dot on the plain rows bit for bit, for every tail of
// blocks, padded and unpadded activation strides, and extreme values,
// writing nothing past its outputs.
func TestDotRowsMatchDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, ks := range append([]*kernelSet{&genericKernels}, simdKernelSets()...) {
		for _, typ := range dotTypes {
			f := ks.dotRows[typ]
			if f == nil {
				continue
			}
			wb, at := typ.TypeSize(), ActivationType(typ)
			bs := max(typ.BlockSize(), at.BlockSize())
			for nb := 0; nb <= 13; nb++ {
				n := nb * bs
				for trial := 0; trial < 4; trial++ {
					extreme := trial%2 == 1
					rb := typ.RowSize(n)
					plain := make([]byte, rowGroup*rb)
					for r := 0; r < rowGroup; r++ {
						copy(plain[r*rb:], randomRow(rng, typ, n, extreme))
					}
					pk := make([]byte, len(plain))
					packRows(pk, plain, rowGroup, rb, wb)
					a := quantizeActs(ks, at, randomActsFor(rng, typ, n, extreme))
					out := make([]float32, rowGroup+1)
					out[rowGroup] = 42
					f(pk, a, n, out[:rowGroup])
					if out[rowGroup] != 42 {
						t.Fatalf("%s %s n=%d: wrote past %d outputs", ks.name, typ, n, rowGroup)
					}
					for r := 0; r < rowGroup; r++ {
						want := ks.dot[typ](plain[r*rb:], a, n)
						if math.Float32bits(out[r]) != math.Float32bits(want) {
							t.Fatalf("%s %s n=%d trial %d row %d: %g, 1-row dot %g", ks.name, typ, n, trial, r, out[r], want)
						}
					}
					f4 := ks.dotRows4[typ]
					if f4 == nil {
						continue
					}
					// Four tokens at once, activation rows padded apart
					// (trials 2, 3) or not.
					arb := at.RowSize(n) + trial/2*5
					acts := make([]byte, 4*arb)
					for tok := range 4 {
						copy(acts[tok*arb:], quantizeActs(ks, at, randomActsFor(rng, typ, n, extreme)))
					}
					const ostride = rowGroup + 3
					out4 := make([]float32, 3*ostride+rowGroup+1)
					for i := range out4 {
						out4[i] = 42
					}
					as := make([]float32, 4*max(nb, 1))
					if at == tensor.Q8_0 && nb > 0 {
						as = (&Pool{}).actScales(acts, arb, nb, 4)
					}
					f4(pk, acts, arb, as, n, out4[:len(out4)-1], ostride, 4)
					for i, v := range out4 {
						if i%ostride >= rowGroup && v != 42 {
							t.Fatalf("%s %s n=%d: 4-token kernel wrote outside its outputs (index %d)", ks.name, typ, n, i)
						}
					}
					for tok := range 4 {
						for r := 0; r < rowGroup; r++ {
							want := ks.dot[typ](plain[r*rb:], acts[tok*arb:], n)
							if got := out4[tok*ostride+r]; math.Float32bits(got) != math.Float32bits(want) {
								t.Fatalf("%s %s n=%d trial %d token %d row %d: %g, 1-row dot %g",
									ks.name, typ, n, trial, tok, r, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestPackRowsQ4_0: packRows' Q4_0 and Q8_0 layouts put each row's scale
// and quants where the kernels read them, and the generic layout is kept
// for other block sizes.
func TestPackRowsQ4_0(t *testing.T) {
	for _, wb := range []int{18, 34, 22} {
		const nb = 3
		rb := nb * wb
		src := make([]byte, 2*rowGroup*rb)
		for i := range src {
			src[i] = byte(i*7 + i/251)
		}
		dst := make([]byte, len(src))
		packRows(dst, src, 2*rowGroup, rb, wb)
		for row := 0; row < 2*rowGroup; row++ {
			g, r := row/rowGroup*rowGroup*rb, row%rowGroup
			for b := 0; b < nb; b++ {
				blk := src[row*rb+b*wb : row*rb+(b+1)*wb]
				var got []byte
				switch wb {
				case 18:
					o := g + b*rowGroup*18
					got = append(got, dst[o+2*r:o+2*r+2]...)
					for k := 0; k < 4; k++ {
						got = append(got, dst[o+16+32*k+4*r:o+16+32*k+4*r+4]...)
					}
				case 34:
					o := g + b*rowGroup*34
					got = append(got, dst[o+2*r:o+2*r+2]...)
					got = append(got, dst[o+16+32*r:o+16+32*r+32]...)
				default:
					got = dst[g+(b*rowGroup+r)*wb : g+(b*rowGroup+r+1)*wb]
				}
				if string(got) != string(blk) {
					t.Fatalf("wb %d row %d block %d: packed %x, want %x", wb, row, b, got, blk)
				}
			}
		}
	}
}

// TestMatMulRepacksReplacedData: a weight whose Data is swapped for other
// values is packed again, not served from the stale copy.
func TestMatMulRepacksReplacedData(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, l := range Levels() {
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		for _, typ := range dotTypes {
			if kernelsFor(l).dotRows[typ] == nil {
				continue
			}
			cols, rows := max(64, typ.BlockSize()), 16
			w := randomTensor(rng, typ, cols, rows)
			x := randomActs(rng, cols, false)
			act := quantizeActs(kernelsFor(l), ActivationType(typ), x)
			p := NewPool(1)
			dst := make([]float32, rows)
			for round := 0; round < 2; round++ {
				if round == 1 {
					w.Data = randomRow(rng, typ, cols*rows, false)
				}
				if err := MatMul(p, dst, w, x, 1); err != nil {
					t.Fatal(err)
				}
				for r := 0; r < rows; r++ {
					if want := DotRow(typ, w.Row(r), act, cols); math.Float32bits(dst[r]) != math.Float32bits(want) {
						t.Fatalf("%s %s round %d row %d: %g, DotRow %g", l, typ, round, r, dst[r], want)
					}
				}
			}
			p.Close()
		}
	}
	if err := SetLevel(Detected()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkDotRows is rowGroup cache-resident packed 4096-value rows through the
// level's rowGroup-row kernel: compute speed without memory stalls (MB/s
// of weight bytes), to compare with BenchmarkDotRow.
func BenchmarkDotRows(b *testing.B) {
	for _, typ := range benchTypes {
		for _, ks := range simdKernelSets() {
			f := ks.dotRows[typ]
			if f == nil {
				continue
			}
			b.Run(typ.String()+"/"+ks.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(2, 2))
				rb := typ.RowSize(benchDim)
				w := make([]byte, rowGroup*rb)
				packRows(w, randomRow(rng, typ, rowGroup*benchDim, false), rowGroup, rb, typ.TypeSize())
				a := quantizeActs(&genericKernels, ActivationType(typ), randomActs(rng, benchDim, false))
				out := make([]float32, rowGroup)
				b.SetBytes(int64(len(w)))
				cpu0, n := cpuSeconds(), 0
				for b.Loop() {
					f(w, a, benchDim, out)
					n++
				}
				benchDot += out[0]
				reportPerCPU(b, cpu0, float64(n)*float64(len(w)))
			})
		}
	}
}

// BenchmarkMatVecRows is BenchmarkMatVec/t1 at the detected level with and
// without the rowGroup-row kernels, side by side (the machine's load
// varies, so compare within one run).
func BenchmarkMatVecRows(b *testing.B) {
	ks := kernelsFor(Detected())
	for _, typ := range benchTypes {
		f := ks.dotRows[typ]
		if f == nil {
			continue
		}
		b.Run(typ.String(), func(b *testing.B) {
			ws := benchWeights(typ)
			x := randomActs(rand.New(rand.NewPCG(1, 1)), benchDim, false)
			dst := make([]float32, benchDim)
			p := NewPool(1)
			defer p.Close()
			for _, rows := range []int{1, rowGroup} {
				b.Run(fmt.Sprintf("rows%d", rows), func(b *testing.B) {
					if rows == 1 {
						ks.dotRows[typ] = nil
						defer func() { ks.dotRows[typ] = f }()
					}
					for _, w := range ws { // weights are packed on first use: not timed
						if err := MatMul(p, dst, w, x, 1); err != nil {
							b.Fatal(err)
						}
					}
					b.SetBytes(int64(len(ws[0].Data)))
					cpu0, n := cpuSeconds(), 0
					for i := 0; b.Loop(); i++ {
						if err := MatMul(p, dst, ws[i%len(ws)], x, 1); err != nil {
							b.Fatal(err)
						}
						n++
					}
					reportPerCPU(b, cpu0, float64(n)*float64(len(ws[0].Data)))
				})
			}
		})
	}
}

// BenchmarkPackRows is the one-off cost of packing a weight (MB/s).
func BenchmarkPackRows(b *testing.B) {
	w := benchWeights(tensor.Q4_0)[0]
	dst := make([]byte, len(w.Data))
	b.SetBytes(int64(len(w.Data)))
	for b.Loop() {
		packRows(dst, w.Data, benchDim, w.RowBytes(), 18)
	}
}
