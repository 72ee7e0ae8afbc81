package kernels

import (
	"fmt"

	"github.com/gollama/gollama/tensor"
)

// rowTile is how many weight rows a thread takes through all tokens before
// moving on: they stay in L1/L2 while each token's activations stream past.
const rowTile = 8

// minParallelWork is the weight bytes × tokens below which MatMul stays on
// the calling goroutine: waking workers costs microseconds, more than a
// tiny model's whole product. A variable so tests can force the split.
var minParallelWork = 1 << 16

type matmulTask struct {
	ks         *kernelSet
	dot        dotFunc
	dot4       dot4Func // nil: no 4-token kernel for this type and level
	dst        []float32
	w          []byte
	wrb        int // weight row bytes
	act        []byte
	arb        int // activation row bytes
	rows, cols int
	nTok       int
}

func (m *matmulTask) run(start, end int) {
	for r0 := start; r0 < end; r0 += rowTile {
		r1 := min(r0+rowTile, end)
		t := 0
		if m.dot4 != nil {
			for ; t+4 <= m.nTok; t += 4 {
				a := m.act[t*m.arb : (t+4)*m.arb]
				for r := r0; r < r1; r++ {
					m.dot4(m.w[r*m.wrb:(r+1)*m.wrb], a, m.arb, m.cols, m.dst[t*m.rows+r:], m.rows)
				}
			}
		}
		for ; t < m.nTok; t++ {
			a := m.act[t*m.arb : (t+1)*m.arb]
			out := m.dst[t*m.rows : (t+1)*m.rows]
			for r := r0; r < r1; r++ {
				out[r] = m.dot(m.w[r*m.wrb:(r+1)*m.wrb], a, m.cols)
			}
		}
	}
}

// MatMul computes dst[t*rows + r] = dot(row r of w, x[t*cols:(t+1)*cols])
// for t < nTok, with cols = w.RowLen() and rows = w.Rows(). It quantizes
// the activations once into pool-owned scratch (no allocation once warm),
// then splits the rows across the pool's threads; each thread walks a tile
// of rows through every token so the tile's weights are read from memory
// once per call, and where the level has a 4-token kernel for the type it
// decodes each weight block once per four tokens. Results are identical
// whatever nTok and the thread count. Errors name the tensor and what is wrong with it.
func MatMul(p *Pool, dst []float32, w *tensor.Tensor, x []float32, nTok int) error {
	if p == nil {
		return fmt.Errorf("kernels.MatMul: nil pool")
	}
	if w == nil {
		return fmt.Errorf("kernels.MatMul: nil weight tensor")
	}
	if !HasDot(w.Type) {
		return fmt.Errorf("kernels.MatMul: %s: no kernel for type %s", w.Name, w.Type)
	}
	if len(w.Shape) == 0 || w.Shape[0] <= 0 {
		return fmt.Errorf("kernels.MatMul: %s: bad shape %v", w.Name, w.Shape)
	}
	for _, d := range w.Shape {
		if d <= 0 {
			return fmt.Errorf("kernels.MatMul: %s: bad shape %v", w.Name, w.Shape)
		}
	}
	at := ActivationType(w.Type)
	cols, rows := w.RowLen(), w.Rows()
	if err := w.Type.CheckRowLen(int64(cols)); err != nil {
		return fmt.Errorf("kernels.MatMul: %s: %w", w.Name, err)
	}
	if err := at.CheckRowLen(int64(cols)); err != nil {
		return fmt.Errorf("kernels.MatMul: %s: activations: %w", w.Name, err)
	}
	if int64(len(w.Data)) < w.ByteSize() {
		return fmt.Errorf("kernels.MatMul: %s: %d data bytes, want %d", w.Name, len(w.Data), w.ByteSize())
	}
	if nTok < 0 {
		return fmt.Errorf("kernels.MatMul: %s: %d tokens", w.Name, nTok)
	}
	if len(x) < nTok*cols {
		return fmt.Errorf("kernels.MatMul: %s: %d activations for %d tokens of %d", w.Name, len(x), nTok, cols)
	}
	if len(dst) < nTok*rows {
		return fmt.Errorf("kernels.MatMul: %s: dst holds %d, want %d tokens × %d rows", w.Name, len(dst), nTok, rows)
	}
	if nTok == 0 {
		return nil
	}

	ks := active.Load()
	arb := at.RowSize(cols)
	p.mu.Lock()
	defer p.mu.Unlock()
	if need := nTok * arb; cap(p.scratch) < need {
		p.scratch = make([]byte, need)
	}
	act := p.scratch[:nTok*arb]
	for t := 0; t < nTok; t++ {
		ks.quantize[at](act[t*arb:(t+1)*arb], x[t*cols:(t+1)*cols])
	}
	p.mm = matmulTask{
		ks: ks, dot: ks.dot[w.Type], dot4: ks.dot4[w.Type], dst: dst, w: w.Data, wrb: w.RowBytes(),
		act: act, arb: arb, rows: rows, cols: cols, nTok: nTok,
	}
	if int64(nTok)*w.ByteSize() < int64(minParallelWork) {
		p.mm.run(0, rows)
	} else {
		p.runLocked(rows, &p.mm)
	}
	p.mm = matmulTask{}
	return nil
}
