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
	dot        dotFunc
	dot4       dot4Func    // nil: no 4-token kernel for this type and level
	dotRows    dotRowsFunc // nil: no rowGroup-row kernel
	dotRows4   dotRows4Func
	dotR4      dotR4Func   // nil: no 4-row kernel
	dotR2x4    dotR2x4Func // nil: no 2-row 4-token kernel
	dot2x2     dot2x2Func  // nil: no 2-row 2-token kernel
	ascale     []float32   // for dotR2x4: actScales of act
	packed     bool        // w is in packRows' layout; run takes row groups
	dst        []float32
	w          []byte
	wrb        int // weight row bytes
	wb         int // weight block bytes
	act        []byte
	arb        int // activation row bytes
	rows, cols int
	nTok       int
}

func (m *matmulTask) run(start, end int) {
	if m.packed {
		m.runPacked(start*rowGroup, end*rowGroup)
		return
	}
	for r0 := start; r0 < end; r0 += rowTile {
		r1 := min(r0+rowTile, end)
		t := 0
		if m.dot2x2 != nil {
			t = m.run2x2(r0, r1)
		}
		if m.dot4 != nil {
			for ; t+4 <= m.nTok; t += 4 {
				a := m.act[t*m.arb : (t+4)*m.arb]
				r := r0
				if m.dotR2x4 != nil {
					var as []float32 // Q8_0: this group of four tokens' scales; Q8_K kernels take none
					if m.ascale != nil {
						as = m.ascale[t*(m.cols/32):]
					}
					for ; r+2 <= r1; r += 2 {
						m.dotR2x4(m.w[r*m.wrb:(r+2)*m.wrb], m.wrb, a, m.arb, as, m.cols, m.dst[t*m.rows+r:], m.rows)
					}
				}
				for ; r < r1; r++ {
					m.dot4(m.w[r*m.wrb:(r+1)*m.wrb], a, m.arb, m.cols, m.dst[t*m.rows+r:], m.rows)
				}
			}
		}
		for ; t < m.nTok; t++ {
			a := m.act[t*m.arb : (t+1)*m.arb]
			out := m.dst[t*m.rows : (t+1)*m.rows]
			r := r0
			if m.dotR4 != nil {
				for ; r+4 <= r1; r += 4 {
					m.dotR4(m.w[r*m.wrb:(r+4)*m.wrb], m.wrb, a, m.cols, out[r:r+4])
				}
			}
			for ; r < r1; r++ {
				out[r] = m.dot(m.w[r*m.wrb:(r+1)*m.wrb], a, m.cols)
			}
		}
	}
}

// run2x2 runs rows [r0, r1) against the tokens in pairs, a pair of rows
// at a time through every token pair while those rows sit in L1 (an odd
// last row takes 1-token dots), and returns how many tokens it covered.
// The first token pair's pass prefetches the next pair of rows into L2:
// rows of a few hundred values end before the hardware prefetcher ramps
// up (BenchmarkMatMatNarrow/f16: 25-40% faster; wide rows: unchanged).
func (m *matmulTask) run2x2(r0, r1 int) int {
	nt := m.nTok &^ 1
	r := r0
	for ; r+2 <= r1; r += 2 {
		w := m.w[r*m.wrb : (r+2)*m.wrb]
		pf := 2 * m.wrb
		for t := 0; t < nt; t += 2 {
			m.dot2x2(w, m.wrb, m.act[t*m.arb:(t+2)*m.arb], m.arb, m.cols, m.dst[t*m.rows+r:], m.rows, pf)
			pf = 0
		}
	}
	for ; r < r1; r++ {
		for t := range nt {
			m.dst[t*m.rows+r] = m.dot(m.w[r*m.wrb:(r+1)*m.wrb], m.act[t*m.arb:(t+1)*m.arb], m.cols)
		}
	}
	return nt
}

// runPacked is run over packed rows (start and end multiples of
// rowGroup): each group's weights stay in L1 while every token passes.
func (m *matmulTask) runPacked(start, end int) {
	for r0 := start; r0 < end; r0 += rowGroup {
		w := m.w[r0*m.wrb : (r0+rowGroup)*m.wrb]
		t := 0
		if m.dotRows4 != nil && m.nTok >= 4 {
			t = m.nTok &^ 3
			m.dotRows4(w, m.act[:t*m.arb], m.arb, m.ascale, m.cols, m.dst[r0:], m.rows, t)
		}
		for ; t < m.nTok; t++ {
			m.dotRows(w, m.act[t*m.arb:(t+1)*m.arb], m.cols, m.dst[t*m.rows+r0:t*m.rows+r0+rowGroup])
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
// whatever nTok and the thread count. Errors name the tensor and what is
// wrong with it.
func MatMul(p *Pool, dst []float32, w *tensor.Tensor, x []float32, nTok int) error {
	cols, rows, err := checkMatMul(p, dst, w, nTok)
	if err != nil {
		return err
	}
	if len(x) < nTok*cols {
		return fmt.Errorf("kernels.MatMul: %s: %d activations for %d tokens of %d", w.Name, len(x), nTok, cols)
	}
	if nTok == 0 {
		return nil
	}
	ks := active.Load()
	p.mu.Lock()
	defer p.mu.Unlock()
	act, arb := p.quantizeActs(ks, ActivationType(w.Type), x, nTok, cols)
	p.runMatMul(ks, dst, w, act, arb, rows, cols, nTok)
	return nil
}

// quantizeActs converts nTok rows of cols activations to at in the pool's
// scratch, grown on demand (p.mu held), and returns them and their row
// size.
func (p *Pool) quantizeActs(ks *kernelSet, at tensor.Type, x []float32, nTok, cols int) ([]byte, int) {
	arb := at.RowSize(cols)
	if need := nTok * arb; cap(p.scratch) < need {
		p.scratch = make([]byte, need)
	}
	act := p.scratch[:nTok*arb]
	for t := range nTok {
		ks.quantize[at](act[t*arb:(t+1)*arb], x[t*cols:(t+1)*cols])
	}
	return act, arb
}

// maxProducts bounds the products of one MatMulMany call.
const maxProducts = 4

// Product is one weight and the output it is multiplied into, for
// MatMulMany.
type Product struct {
	Dst []float32
	W   *tensor.Tensor
}

// MatMulMany computes each product as MatMul(p, pr.Dst, pr.W, x, nTok)
// would, bit for bit, in one parallel loop: the activations are quantized
// once, and the threads go on from one product's rows to the next instead
// of meeting after each (Q, K and V; gate and up). Products whose weights
// take another activation format or row length than the first's run one
// after another. At most four products.
func MatMulMany(p *Pool, x []float32, nTok int, prods ...Product) error {
	if len(prods) > maxProducts {
		return fmt.Errorf("kernels.MatMulMany: %d products, at most %d", len(prods), maxProducts)
	}
	if len(prods) == 0 {
		return nil
	}
	for _, pr := range prods {
		if _, _, err := checkMatMul(p, pr.Dst, pr.W, nTok); err != nil {
			return err
		}
	}
	at, cols := ActivationType(prods[0].W.Type), prods[0].W.RowLen()
	for _, pr := range prods[1:] {
		if ActivationType(pr.W.Type) != at || pr.W.RowLen() != cols {
			for _, pr := range prods {
				if err := MatMul(p, pr.Dst, pr.W, x, nTok); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if len(x) < nTok*cols {
		return fmt.Errorf("kernels.MatMulMany: %s: %d activations for %d tokens of %d", prods[0].W.Name, len(x), nTok, cols)
	}
	if nTok == 0 {
		return nil
	}
	ks := active.Load()
	p.mu.Lock()
	defer p.mu.Unlock()
	act, arb := p.quantizeActs(ks, at, x, nTok, cols)
	for k, pr := range prods {
		p.mms[k].set(p, ks, pr.Dst, pr.W, act, arb, pr.W.Rows(), cols, nTok)
	}
	p.runTasks(p.mms[:len(prods)])
	clear(p.mms[:len(prods)])
	return nil
}

// MatMulQuantized is MatMul with the activations already converted by
// QuantizeActivations to ActivationType(w.Type): nTok rows of
// ActivationType(w.Type).RowSize(w.RowLen()) bytes. Products sharing an
// input (Q, K and V; gate and up) can quantize it once.
func MatMulQuantized(p *Pool, dst []float32, w *tensor.Tensor, act []byte, nTok int) error {
	cols, rows, err := checkMatMul(p, dst, w, nTok)
	if err != nil {
		return err
	}
	arb := ActivationType(w.Type).RowSize(cols)
	if len(act) < nTok*arb {
		return fmt.Errorf("kernels.MatMulQuantized: %s: %d activation bytes for %d tokens of %d", w.Name, len(act), nTok, arb)
	}
	if nTok == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runMatMul(active.Load(), dst, w, act[:nTok*arb], arb, rows, cols, nTok)
	return nil
}

// checkMatMul validates what MatMul and MatMulQuantized share.
func checkMatMul(p *Pool, dst []float32, w *tensor.Tensor, nTok int) (cols, rows int, err error) {
	if p == nil {
		return 0, 0, fmt.Errorf("kernels.MatMul: nil pool")
	}
	if w == nil {
		return 0, 0, fmt.Errorf("kernels.MatMul: nil weight tensor")
	}
	if !HasDot(w.Type) {
		return 0, 0, fmt.Errorf("kernels.MatMul: %s: no kernel for type %s", w.Name, w.Type)
	}
	if len(w.Shape) == 0 {
		return 0, 0, fmt.Errorf("kernels.MatMul: %s: bad shape %v", w.Name, w.Shape)
	}
	for _, d := range w.Shape {
		if d <= 0 {
			return 0, 0, fmt.Errorf("kernels.MatMul: %s: bad shape %v", w.Name, w.Shape)
		}
	}
	at := ActivationType(w.Type)
	cols, rows = w.RowLen(), w.Rows()
	if err := w.Type.CheckRowLen(int64(cols)); err != nil {
		return 0, 0, fmt.Errorf("kernels.MatMul: %s: %w", w.Name, err)
	}
	if err := at.CheckRowLen(int64(cols)); err != nil {
		return 0, 0, fmt.Errorf("kernels.MatMul: %s: activations: %w", w.Name, err)
	}
	// Division, not ByteSize, so absurd shapes cannot overflow past the check.
	if rb := w.RowBytes(); rb <= 0 || rows > len(w.Data)/rb {
		return 0, 0, fmt.Errorf("kernels.MatMul: %s: %d data bytes for %d rows of %d bytes", w.Name, len(w.Data), rows, rb)
	}
	if nTok < 0 {
		return 0, 0, fmt.Errorf("kernels.MatMul: %s: %d tokens", w.Name, nTok)
	}
	if len(dst) < nTok*rows {
		return 0, 0, fmt.Errorf("kernels.MatMul: %s: dst holds %d, want %d tokens × %d rows", w.Name, len(dst), nTok, rows)
	}
	return cols, rows, nil
}

// actScales returns the f16 scales of nTok rows of Q8_0 activations (rows
// arb bytes apart, nb blocks each) as floats, grouped four tokens at a
// time and block by block within a group: token t's block b at
// (t/4)·4·nb + 4b + t%4, so a 4-token kernel loads a block's four scales
// at once. Tokens past the last whole group are left out.
func (p *Pool) actScales(act []byte, arb, nb, nTok int) []float32 {
	groups := nTok / 4
	if need := groups * 4 * nb; cap(p.ascale) < need {
		p.ascale = make([]float32, need)
	}
	as := p.ascale[:groups*4*nb]
	for g := range groups {
		dst := as[g*4*nb : (g+1)*4*nb]
		for t := range 4 {
			row := act[(4*g+t)*arb:]
			for b := range nb {
				dst[4*b+t] = f16Table[uint16(row[34*b])|uint16(row[34*b+1])<<8]
			}
		}
	}
	return as
}

// runMatMul splits the product across the pool (p.mu held).
func (p *Pool) runMatMul(ks *kernelSet, dst []float32, w *tensor.Tensor, act []byte, arb, rows, cols, nTok int) {
	p.mms[0].set(p, ks, dst, w, act, arb, rows, cols, nTok)
	p.runTasks(p.mms[:1])
	p.mms[0] = matmulTask{}
}

// set prepares m to multiply w by the quantized activations act: picks
// the level's kernels for the type, shape and token count, and the
// weights' packed or huge-page copy where the level uses one.
func (m *matmulTask) set(p *Pool, ks *kernelSet, dst []float32, w *tensor.Tensor, act []byte, arb, rows, cols, nTok int) {
	dot, dot4, dotRows := ks.dot[w.Type], ks.dot4[w.Type], ks.dotRows[w.Type]
	dotR4, dotR2x4 := ks.dotR4[w.Type], ks.dotR2x4[w.Type]
	if d := ks.dotPlain[w.Type]; d != nil && rows%8 != 0 {
		dot, dot4, dotRows, dotR4, dotR2x4 = d, ks.dot4Plain[w.Type], nil, nil, nil
	}
	// llamafile_sgemm (tinyBLAS) takes batches whose weight has a multiple
	// of 4 rows and a row length its vector width divides; else vec_dot.
	var dot2x2 dot2x2Func
	if b := ks.dotBatch[w.Type]; b != nil && nTok >= 2 && cols%16 == 0 && rows%4 == 0 {
		dot, dot4, dotRows, dotR4, dotR2x4 = b, ks.dot4Batch[w.Type], nil, nil, nil
		dot2x2 = ks.dot2x2Batch[w.Type]
	}
	*m = matmulTask{
		dot: dot, dot4: dot4, dotRows: dotRows, dotR4: dotR4, dotR2x4: dotR2x4, dot2x2: dot2x2, dst: dst, w: w.Data, wrb: w.RowBytes(),
		wb: w.Type.TypeSize(), act: act, arb: arb, rows: rows, cols: cols, nTok: nTok,
	}
	if dotR2x4 != nil {
		switch {
		case nTok < 4:
			m.dotR2x4 = nil
		case ActivationType(w.Type) == tensor.Q8_0:
			m.ascale = p.actScales(act, arb, cols/32, nTok)
		}
	}
	if dotRows != nil && rows%rowGroup == 0 {
		m.packed, m.w = true, packedData(w, rows, m.wrb, m.wb)
		m.dotRows4 = ks.dotRows4[w.Type]
		if m.dotRows4 != nil && nTok >= 4 && ActivationType(w.Type) == tensor.Q8_0 && m.ascale == nil {
			m.ascale = p.actScales(act, arb, cols/32, nTok)
		}
	} else if ks.hugeCopy[w.Type] {
		m.w = hugeData(w, rows, m.wrb)
	}
}

// tiles is how many units of work m splits into: packed row groups, or
// tiles of rowTile rows.
func (m *matmulTask) tiles() int {
	if m.packed {
		return m.rows / rowGroup
	}
	return (m.rows + rowTile - 1) / rowTile
}

// runTiles runs tiles [s, e) of m.
func (m *matmulTask) runTiles(s, e int) {
	if m.packed {
		m.run(s, e)
	} else {
		m.run(s*rowTile, min(e*rowTile, m.rows))
	}
}

// multiTask is several matmul tasks as one loop over their tiles, one
// task's after another's, so products of the same activations share one
// parallel phase (one wake-up and one wait, and the threads stay busy
// across the small ones).
type multiTask struct {
	tasks []matmulTask
	ends  [maxProducts]int // ends[k]: first tile after task k's
}

func (t *multiTask) run(start, end int) {
	s := 0
	for k := range t.tasks {
		e := t.ends[k]
		if start < e && end > s {
			t.tasks[k].runTiles(max(start, s)-s, min(end, e)-s)
		}
		s = e
	}
}

// runTasks runs prepared tasks across the pool (p.mu held): on the caller
// alone when they are too small to be worth waking the workers, else in
// chunks of about an eighth of a thread's share.
func (p *Pool) runTasks(tasks []matmulTask) {
	p.multi.tasks = tasks
	n, work := 0, int64(0)
	for k := range tasks {
		n += tasks[k].tiles()
		p.multi.ends[k] = n
		work += int64(tasks[k].nTok) * int64(tasks[k].rows) * int64(tasks[k].wrb)
	}
	if work < int64(minParallelWork) {
		p.multi.run(0, n)
	} else {
		p.runChunked(n, (n+8*p.threads-1)/(8*p.threads), &p.multi)
	}
	p.multi.tasks = nil
}
