package model

import (
	"math"

	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/tensor"
)

// attendWorker runs attention for worker slots [start, end) of the current
// layer. Each slot owns its scratch and claims work items a few at a time
// (item j is entry j/Heads, head j%Heads) until none are left: under a
// causal mask later entries see more cells, so fixed shares would leave
// one thread waiting on the other.
func (c *Context) attendWorker(start, end int) {
	n := len(c.batch) * c.m.Heads
	group := c.canGroup()
	// A claim is one KV head's query heads when they share key
	// conversions, else four heads (or one).
	step, perKV := 1, c.m.Heads/c.m.KVHeads
	switch {
	case group:
		step = perKV
	case c.m.Heads%groupHeads == 0:
		step = groupHeads
	}
	for w := start; w < end; w++ {
		ws := &c.attnScratch[w]
		for {
			j0 := int(c.attnNext.Add(int64(step))) - step
			if j0 >= n {
				break
			}
			if group { // heads h0..h0+perKV-1 read one KV head
				i, h0 := j0/c.m.Heads, j0%c.m.Heads
				for off := 0; off < perKV; off += groupHeads {
					c.attendGroup(i, h0+off, min(groupHeads, perKV-off), ws)
				}
				continue
			}
			for j := j0; j < min(j0+step, n); j++ {
				c.attendHead(j/c.m.Heads, j%c.m.Heads, ws)
			}
		}
	}
}

// attnScratch is one attention worker's scratch.
type attnScratch struct {
	scores []float32 // groupHeads rows of Cells: scores, then probabilities
	halves []uint16  // one row of Cells: probabilities on their way to F16
	lanes  []float32 // V-product accumulators and their reduction rows, laneRows × HeadDimV
	q4     []float32 // groupHeads query rows, for groups of fewer than four
	// runs: the visible runs and masked cells of the entry last asked
	// about (runsFor), which every head of an entry shares.
	runs    []visRun
	runsFor struct {
		seq   int
		pos   int32
		cells int
		pass  uint64
	}
}

// visRun is the n cells from cell on, at slots [slot, slot+n) of page
// page, that an entry sees, or with masked set, the n it does not.
type visRun struct {
	page, slot, cell, n int32
	masked              bool
}

// The reference numbers were made on an AVX-512 machine, so sums are
// taken in the order of ggml's AVX-512 kernels: llamafile's tinyBLAS for
// batches (16 lanes across the dot, then _mm512_reduce_add_ps) and ggml's
// vec_dot for single tokens (four 16-lane accumulators over steps of 64,
// folded, then reduced; leftovers in float64).
const (
	simdWidth = 16            // float32 lanes of a zmm register
	laneCount = 4 * simdWidth // ggml's vec_dot accumulators (GGML_F32_STEP)
	// laneRows: the laneCount accumulator rows, then scratch rows for
	// reducing them (see reduceLanes).
	laneRows = laneCount + simdWidth + 6
)

// attendHead computes one head of attention for batch entry i the way
// llama.cpp's CPU graph without flash attention does:
//
//	kq  = K·q          q rounded to the cache type (F16 for an F16 cache)
//	p   = soft_max(kq·scale + mask)   ggml's vectorised expf and sums
//	out = Vᵀ·p         p rounded to the cache type
//
// Rounding q and p to F16 moves logits by up to ~1e-3, and whether a value
// rounds up or down hangs on its last float32 bits, so every sum is taken
// in ggml's order. llamafile_sgemm takes only batches of n ≥ 2 whose dot
// length is a multiple of 16; anything else goes through vec_dot. Cells
// are laid out as in llama.cpp's cache for a lone sequence (cell = index
// in the sequence).
func (c *Context) attendHead(i, h int, ws *attnScratch) {
	scores := ws.scores[:len(c.cache.Positions(c.batch[i].Seq))]
	maxScore := c.scoreHead(i, h, scores, ws)
	c.weighValues(i, h, scores, maxScore, ws)
}

// visibleRuns calls run for each run of cells of entry i's sequence that
// the entry sees, page by page: cells [cell, cell+n) at slots
// [slot, slot+n) of the page whose data p16 (F16 cache) or p32 holds;
// masked is called for each run of cells [cell, cell+n) it does not see.
// The runs are worked out once per entry and forward pass and kept in ws.
func (c *Context) visibleRuns(i int, ws *attnScratch, masked func(cell, n int), run func(p16 []uint16, p32 []float32, cell, slot, n int)) {
	e := c.batch[i]
	positions := c.cache.Positions(e.Seq)
	key := &ws.runsFor
	if key.seq != e.Seq || key.pos != e.Pos || key.cells != len(positions) || key.pass != c.pass {
		key.seq, key.pos, key.cells, key.pass = e.Seq, e.Pos, len(positions), c.pass
		ws.runs = appendRuns(ws.runs[:0], positions, e.Pos, c.cache.PageSize())
	}
	for _, r := range ws.runs {
		if r.masked {
			masked(int(r.cell), int(r.n))
			continue
		}
		p16, p32 := c.cache.Page(e.Seq, c.layer, int(r.page))
		run(p16, p32, int(r.cell), int(r.slot), int(r.n))
	}
}

// appendRuns appends to runs the runs of cells (ps to a page) whose
// positions are at most pos, and the runs of the others, masked.
func appendRuns(runs []visRun, positions []int32, pos int32, ps int) []visRun {
	for page := 0; page*ps < len(positions); page++ {
		for slot := 0; slot < ps && page*ps+slot < len(positions); {
			cell := page*ps + slot
			masked := positions[cell] > pos
			end := slot + 1
			for end < ps && page*ps+end < len(positions) && (positions[page*ps+end] > pos) == masked {
				end++
			}
			runs = append(runs, visRun{int32(page), int32(slot), int32(cell), int32(end - slot), masked})
			slot = end
		}
	}
	return runs
}

// scoreHead sets scores[cell] (one per cell of the sequence) to head h's
// K·q·scale for entry i, -inf where masked, and returns the largest.
func (c *Context) scoreHead(i, h int, scores []float32, ws *attnScratch) float32 {
	m := c.m
	hk := m.HeadDimK
	kvh := h / (m.Heads / m.KVHeads)
	scale := 1 / float32(math.Sqrt(float64(hk))) // 1.0f/sqrtf(head_dim)
	kDim := m.KVHeads * hk
	tinyK := len(c.batch) >= 2 && hk%simdWidth == 0
	q := c.qr[(i*m.Heads+h)*hk : (i*m.Heads+h+1)*hk]
	maxScore := float32(math.Inf(-1))
	c.visibleRuns(i, ws, func(cell, n int) { fill(scores[cell:cell+n], float32(math.Inf(-1))) },
		func(p16 []uint16, p32 []float32, cell, slot, n int) {
			run := scores[cell : cell+n]
			ko := slot*kDim + kvh*hk
			if !c.opt.CacheF32 { // a run in one call
				dotF16Cells(p16[ko:], kDim, q, run, tinyK)
			} else {
				dotF32Cells(p32[ko:], kDim, q, run, tinyK)
			}
			maxScore = scaleMax(run, scale, maxScore)
		})
	return maxScore
}

// scaleMax multiplies run by scale and returns the largest of the results
// and mx (a local running maximum: through the callers' captured variables
// every step waited on a store).
func scaleMax(run []float32, scale, mx float32) float32 {
	for j, s := range run {
		s *= scale
		run[j] = s
		mx = max(mx, s)
	}
	return mx
}

// fill sets every element of x to v.
func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// groupHeads is how many heads attendGroup takes at once.
const groupHeads = 4

// noGroup turns attendGroup off, for tests comparing it with attendHead.
var noGroup = false

// canGroup reports whether attendGroup applies to this batch: an F16
// cache, tinyBLAS's order (a batch) and several query heads per KV head.
func (c *Context) canGroup() bool {
	m := c.m
	return haveAVX2 && !noGroup && !c.opt.CacheF32 && len(c.batch) >= 2 && m.HeadDimK%simdWidth == 0 &&
		m.Heads/m.KVHeads >= 2
}

// attendGroup is attendHead for the nq ≤ 4 heads h..h+nq-1, which read the
// same KV head: each run of keys is converted once for their queries.
// Fewer than four queries are copied next to zero rows whose (unused)
// scores land in the spare rows of ws.scores, four rows of opt.Cells.
func (c *Context) attendGroup(i, h, nq int, ws *attnScratch) {
	m := c.m
	hk := m.HeadDimK
	kvh := h / (m.Heads / m.KVHeads)
	scale := 1 / float32(math.Sqrt(float64(hk)))
	kDim, stride := m.KVHeads*hk, c.opt.Cells
	np := len(c.cache.Positions(c.batch[i].Seq))
	scores := ws.scores
	q := c.qr[(i*m.Heads+h)*hk : (i*m.Heads+h+nq)*hk]
	if nq < groupHeads {
		q4 := ws.q4[:groupHeads*hk]
		copy(q4, q)
		clear(q4[nq*hk:])
		q = q4
	}
	var maxScore [groupHeads]float32
	for g := range maxScore {
		maxScore[g] = float32(math.Inf(-1))
	}
	c.visibleRuns(i, ws, func(cell, n int) {
		for g := range nq {
			fill(scores[g*stride+cell:g*stride+cell+n], float32(math.Inf(-1)))
		}
	}, func(p16 []uint16, _ []float32, cell, slot, n int) {
		dotF16Cells4(p16[slot*kDim+kvh*hk:], kDim, q, scores[cell:], stride, n)
		for g := range nq {
			maxScore[g] = scaleMax(scores[g*stride+cell:g*stride+cell+n], scale, maxScore[g])
		}
	})
	for g := range nq {
		c.weighValues(i, h+g, scores[g*stride:g*stride+np], maxScore[g], ws)
	}
}

// weighValues finishes head h of entry i from its scores (one per cell,
// maxScore the largest): the softmax, then Vᵀ·p into c.attn.
func (c *Context) weighValues(i, h int, scores []float32, maxScore float32, ws *attnScratch) {
	m := c.m
	hk, hv := m.HeadDimK, m.HeadDimV
	kvh := h / (m.Heads / m.KVHeads)
	ps := c.cache.PageSize()
	kDim, vDim := m.KVHeads*hk, m.KVHeads*hv
	inv := float32(1 / softmaxExp(scores, maxScore))

	// Vᵀ·p over cells padded to 256 as llama.cpp's KV rows are: cell by
	// cell into lane (cell mod width) of each output, where ggml's kernels
	// put that product. Lanes are stored lane-major (lanes[t*hv+d]) so a
	// cell's products are one contiguous axpy; each lane's sum is the same.
	// tinyBLAS needs a multiple of 4 rows, here head_dim_v.
	width := laneCount
	if len(c.batch) >= 2 && hv%4 == 0 {
		width = simdWidth
	}
	// The accumulator rows are all zero between heads (NewContext makes
	// them so; each head clears the rows it wrote), so only this head's
	// cells need clearing after.
	used := min(width, len(scores))
	lanes := ws.lanes
	c.visibleRuns(i, ws, func(int, int) {}, // p = 0 adds nothing
		func(p16 []uint16, p32 []float32, cell, slot, n int) {
			vo := ps*kDim + slot*vDim + kvh*hv
			run := scores[cell : cell+n]
			kernels.Scale(run, inv)
			if !c.opt.CacheF32 {
				// p rounded to F16 in place (the scores are not needed
				// again): exact products, so FMA and mul+add agree.
				roundF16Row(run, run, ws.halves)
				axpyF16Cells(lanes, width, cell%width, hv, run, p16[vo:], vDim)
				return
			}
			axpyF32Cells(lanes, width, cell%width, hv, run, p32[vo:], vDim)
		})
	out := c.attn[(i*m.Heads+h)*hv : (i*m.Heads+h+1)*hv]
	reduceLanes(out, lanes, width, hv)
	clear(lanes[:used*hv])
}

// reduceLanes sets out[d] to reduce64 (width 64) or reduce16 (width 16)
// of the lanes' d-th values, lanes stored lane-major (lane t's values at
// rows[t*hv:]). The same additions in the same order, but a whole row
// (every d) at a time: each step is a vector add (Axpy with 1 is an exact
// add) instead of a gather of 64 strided values per output. Rows
// laneCount and up are scratch.
func reduceLanes(out, rows []float32, width, hv int) {
	row := func(t int) []float32 { return rows[t*hv : (t+1)*hv] }
	add := func(dst, x []float32) { kernels.Axpy(dst, 1, x) }
	x := func(i int) []float32 { return row(i) } // reduce16's inputs
	if width == laneCount {
		// x[i] = (l[i] + l[32+i]) + (l[16+i] + l[48+i])
		u := row(laneCount + simdWidth)
		for i := range simdWidth {
			xi := row(laneCount + i)
			copy(xi, row(i))
			add(xi, row(32+i))
			copy(u, row(16+i))
			add(u, row(48+i))
			add(xi, u)
		}
		x = func(i int) []float32 { return row(laneCount + i) }
	}
	// t[i] = (x[12+i] + x[4+i]) + (x[8+i] + x[i]); (t0+t2) + (t1+t3)
	base := laneCount + simdWidth + 1
	u := row(base + 4)
	for i := range 4 {
		ti := row(base + i)
		copy(ti, x(12+i))
		add(ti, x(4+i))
		copy(u, x(8+i))
		add(u, x(i))
		add(ti, u)
	}
	copy(out, row(base))
	add(out, row(base+2))
	copy(u, row(base+1))
	add(u, row(base+3))
	add(out, u)
}

// axpyF16CellsGo is axpyF16Cells one cell at a time.
func axpyF16CellsGo(lanes []float32, width, t0, hv int, p []float32, v []uint16, vstride int) {
	t := t0
	for c, pc := range p {
		kernels.AxpyF16(lanes[t*hv:(t+1)*hv], pc, v[c*vstride:c*vstride+hv])
		if t++; t == width {
			t = 0
		}
	}
}

// axpyF32CellsGo is axpyF32Cells one cell at a time, each product fused.
func axpyF32CellsGo(lanes []float32, width, t0, hv int, p []float32, v []float32, vstride int) {
	t := t0
	for c, pc := range p {
		lt := lanes[t*hv : (t+1)*hv]
		for d, x := range v[c*vstride : c*vstride+hv] {
			lt[d] = fma32(pc, x, lt[d])
		}
		if t++; t == width {
			t = 0
		}
	}
}

// dotF32CellsGo is dotF32Cells one cell at a time.
func dotF32CellsGo(k []float32, stride int, q []float32, out []float32, tiny bool) {
	for c := range out {
		out[c] = dotF32(k[c*stride:c*stride+len(q)], q, tiny)
	}
}

// dotF16CellsGo is dotF16Cells one cell at a time.
func dotF16CellsGo(k []uint16, stride int, q []float32, out []float32, tiny bool) {
	for c := range out {
		out[c] = dotF16(k[c*stride:c*stride+len(q)], q, tiny)
	}
}

// dotF16Cells4Go is dotF16Cells4 one cell and query at a time.
func dotF16Cells4Go(k []uint16, stride int, q []float32, out []float32, ostride, n int) {
	hk := len(q) / groupHeads
	for g := range groupHeads {
		dotF16CellsGo(k, stride, q[g*hk:(g+1)*hk], out[g*ostride:g*ostride+n], true)
	}
}

// dotF16 is K·q for an F16 key row and a query already rounded to F16
// (every product is exact, so FMA changes nothing), summed as tinyBLAS
// (tiny) or ggml_vec_dot_f16 would.
func dotF16(k []uint16, q []float32, tiny bool) float32 {
	q = q[:len(k)]
	if tiny {
		var l [simdWidth]float32
		for i := dotF16LanesVec(k, q, l[:]); i < len(k); i += simdWidth {
			for t := range simdWidth {
				l[t] += tensor.F16ToF32(k[i+t]) * q[i+t]
			}
		}
		return reduce16(l[:])
	}
	np := len(k) &^ (laneCount - 1)
	var sum float64
	if np > 0 {
		var l [laneCount]float32
		for i := dotF16LanesVec(k[:np], q, l[:]); i < np; i += laneCount {
			for t := range laneCount {
				l[t] += tensor.F16ToF32(k[i+t]) * q[i+t]
			}
		}
		sum = float64(reduce64(l[:]))
	}
	for i := np; i < len(k); i++ {
		sum += float64(tensor.F16ToF32(k[i]) * q[i])
	}
	return float32(sum)
}

// dotF32 is dotF16 for an F32 cache: float32 FMA lanes as tinyBLAS or
// ggml_vec_dot_f32 (whose leftovers are summed in float32).
func dotF32(k, q []float32, tiny bool) float32 {
	q = q[:len(k)]
	if tiny {
		var l [simdWidth]float32
		for i := 0; i < len(k); i += simdWidth {
			for t := range simdWidth {
				l[t] = fma32(k[i+t], q[i+t], l[t])
			}
		}
		return reduce16(l[:])
	}
	np := len(k) &^ (laneCount - 1)
	var sum float32
	if np > 0 {
		var l [laneCount]float32
		for i := 0; i < np; i += laneCount {
			for t := range laneCount {
				l[t] = fma32(k[i+t], q[i+t], l[t])
			}
		}
		sum = reduce64(l[:])
	}
	// ggml's scalar rest, sumf += x*y, as GCC compiles it for AVX-512:
	// vectorized in chunks of 16 and 8 (products rounded, then added in
	// order), the last n%8 contracted to FMAs.
	mul := np + (len(k)-np)&^7
	for i := np; i < mul; i++ {
		sum += float32(k[i] * q[i])
	}
	for i := mul; i < len(k); i++ {
		sum = fma32(k[i], q[i], sum)
	}
	return sum
}

// reduce16 is _mm512_reduce_add_ps: halves added (256, then 128 bits),
// then lanes 0+2 and 1+3, then those two.
func reduce16(x []float32) float32 {
	x = x[:simdWidth]
	var t [4]float32
	for i := range 4 {
		t[i] = (x[12+i] + x[4+i]) + (x[8+i] + x[i])
	}
	return (t[0] + t[2]) + (t[1] + t[3])
}

// reduce64 folds ggml's four 16-lane accumulators (lane i of register
// i/16) as GGML_F32x16_REDUCE: registers 0+2 and 1+3, then the two, then
// _mm512_reduce_add_ps.
func reduce64(l []float32) float32 {
	l = l[:laneCount]
	var x [simdWidth]float32
	for i := range simdWidth {
		x[i] = (l[i] + l[32+i]) + (l[16+i] + l[48+i])
	}
	return reduce16(x[:])
}

// softmaxExp replaces x by exp(x-max) and returns the sum, as
// ggml_vec_soft_max_f32 with AVX-512 computes it over a KV row: sixteen
// lanes at a time through ggml_v_expf, each group summed with
// _mm512_reduce_add_ps, the group sums accumulated in float64. llama.cpp
// pads KV rows to 256 cells, so every lane is vectorised; masked cells
// (-inf) contribute exact zeros.
func softmaxExp(x []float32, maxScore float32) float64 {
	for i := softmaxExpVec(x, maxScore); i < len(x); i++ {
		if math.IsInf(float64(x[i]), -1) {
			x[i] = 0
		} else {
			x[i] = vExpf(x[i] - maxScore)
		}
	}
	var sum float64
	for i := 0; i < len(x); i += simdWidth {
		var v [simdWidth]float32
		copy(v[:], x[i:])
		sum += float64(reduce16(v[:]))
	}
	return sum
}

// vExpf is one lane of ggml_v_expf for AVX-512: ARM's optimized-routines
// expf (~1.5 ulp), its polynomial folded with the 1 and scaled by 2^n with
// vscalefps. Reproduced bit for bit because its results feed roundings to
// F16 or Q8 where an ulp can flip the rounding.
func vExpf(x float32) float32 {
	const r = 0x1.8p23
	z := fma32(x, 0x1.715476p+0, r)
	n := z - r
	b := fma32(-n, 0x1.7f7d1cp-20, fma32(-n, 0x1.62e4p-1, x))
	u := b * b
	j := fma32(fma32(fma32(0x1.0e4020p-7, b, 0x1.573e2ep-5), u, fma32(0x1.555e66p-3, b, 0x1.fffdb6p-2)), u, fma32(0x1.ffffecp-1, b, 1))
	if math.Abs(float64(n)) > 192 {
		if n <= 0 {
			return 0
		}
		return float32(math.Inf(1))
	}
	return float32(math.Ldexp(float64(j), int(n))) // exact in float64, one rounding
}

// fma32 is a*b+c rounded once to float32 (kernels.FMA32).
func fma32(a, b, c float32) float32 { return kernels.FMA32(a, b, c) }

// roundF16 rounds x to the nearest half (ties to even), as a float32.
func roundF16(x float32) float32 { return tensor.F16ToF32(tensor.F32ToF16(x)) }

// roundF16Row is dst = roundF16(src), through the vector conversions and
// h (len(src) halves of scratch).
func roundF16Row(dst, src []float32, h []uint16) {
	h = h[:len(src)]
	kernels.F32ToF16Row(h, src)
	kernels.F16ToF32Row(dst[:len(src)], h)
}
