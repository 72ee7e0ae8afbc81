package model

import (
	"fmt"

	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/tensor"
)

// Forward evaluates a batch: every entry's token is appended to its
// sequence in the KV cache at its position, and attends causally (to the
// cells of its own sequence whose position is not after its own). It
// returns the logits of the entries that asked for them, in batch order,
// Vocab floats each; the slice is the context's and valid until the next
// call. On error the cache is unchanged.
func (c *Context) Forward(batch []Entry) ([]float32, error) {
	return c.forward(batch, true)
}

// forward is Forward, or with logits false ForwardEmbeddings: the same
// pass, stopping after the output norm.
func (c *Context) forward(batch []Entry, logits bool) ([]float32, error) {
	maxOut := c.opt.MaxOutputs
	if !logits {
		maxOut = len(batch) // the rows live in the MaxBatch-row scratch
	}
	nOut, err := c.check(batch, maxOut)
	if err != nil {
		return nil, err
	}
	for seq := range c.seqLen {
		c.seqLen[seq] = c.cache.Len(seq)
	}
	for i, e := range batch {
		// check reserved the pages, so Append cannot fail here.
		cell, err := c.cache.Append(e.Seq, e.Pos)
		if err != nil {
			c.rollback()
			return nil, fmt.Errorf("model: %w", err)
		}
		c.cells[i] = cell
	}
	c.batch = batch
	c.pass++
	out, err := c.run(batch, nOut, logits)
	c.batch = nil
	if err != nil {
		c.rollback()
		return nil, err
	}
	return out, nil
}

// rollback drops the cells the failed batch appended.
func (c *Context) rollback() {
	for seq, n := range c.seqLen {
		if c.cache.Len(seq) > n {
			_ = c.cache.Truncate(seq, n) // n is within the sequence: cannot fail
		}
	}
}

// run is the forward pass proper over a checked batch whose cells exist.
func (c *Context) run(batch []Entry, nOut int, logits bool) ([]float32, error) {
	m := c.m
	n := len(batch)
	for i, e := range batch {
		row := c.x[i*m.Embd : (i+1)*m.Embd]
		// get_rows: the embedding row decoded exactly.
		if err := tensor.Dequantize(row, m.tokEmbd.Row(int(e.Token)), m.tokEmbd.Type); err != nil {
			return nil, fmt.Errorf("model: token_embd.weight row %d: %w", e.Token, err)
		}
		m.ropeTable(c.rope[i*m.RopeDims:(i+1)*m.RopeDims], e.Pos)
	}
	for il := range m.layers {
		if err := c.attentionBlock(il, n); err != nil {
			return nil, err
		}
		if err := c.feedForwardBlock(il, n); err != nil {
			return nil, err
		}
	}
	if !logits {
		return c.hidden(batch, nOut), nil
	}
	return c.output(batch, nOut)
}

// check validates a batch (at most maxOut entries wanting output) and
// makes sure the cache has room for it.
func (c *Context) check(batch []Entry, maxOut int) (nOut int, err error) {
	if len(batch) == 0 {
		return 0, fmt.Errorf("model: empty batch")
	}
	if len(batch) > c.opt.MaxBatch {
		return 0, fmt.Errorf("model: batch of %d entries exceeds MaxBatch %d", len(batch), c.opt.MaxBatch)
	}
	clear(c.seqNew)
	for i, e := range batch {
		if e.Token < 0 || int(e.Token) >= c.m.Vocab {
			return 0, fmt.Errorf("model: batch entry %d: token %d out of range [0, %d)", i, e.Token, c.m.Vocab)
		}
		if e.Seq < 0 || e.Seq >= c.opt.MaxSeqs {
			return 0, fmt.Errorf("model: batch entry %d: sequence %d out of range [0, %d)", i, e.Seq, c.opt.MaxSeqs)
		}
		if e.Pos < 0 {
			return 0, fmt.Errorf("model: batch entry %d: negative position %d", i, e.Pos)
		}
		if e.Logits {
			nOut++
		}
		c.seqNew[e.Seq]++
	}
	if nOut > maxOut {
		return 0, fmt.Errorf("model: %d entries want logits, MaxOutputs is %d", nOut, maxOut)
	}
	need := 0
	for seq, k := range c.seqNew {
		need += c.cache.PagesNeeded(seq, k)
	}
	if free := c.cache.FreePages(); need > free {
		return 0, fmt.Errorf("model: KV cache full: batch needs %d pages of %d cells, %d free", need, c.cache.PageSize(), free)
	}
	return nOut, nil
}

// attentionBlock is x += Wo·attention(rope(Wq·norm(x)), rope(Wk·norm(x)), Wv·norm(x)).
func (c *Context) attentionBlock(il, n int) error {
	m, l := c.m, &c.m.layers[il]
	qDim, kDim, vDim := m.Heads*m.HeadDimK, m.KVHeads*m.HeadDimK, m.KVHeads*m.HeadDimV
	c.norm(c.xn, c.x, l.attnNorm, n)
	if err := c.matmulShared(c.xn, n, projection{c.q, l.wq, l.bq}, projection{c.k, l.wk, l.bk}, projection{c.v, l.wv, l.bv}); err != nil {
		return err
	}
	f16 := !c.opt.CacheF32
	for i, e := range c.batch {
		q, k, v := c.q[i*qDim:(i+1)*qDim], c.k[i*kDim:(i+1)*kDim], c.v[i*vDim:(i+1)*vDim]
		if l.qNorm != nil {
			headNorm(q, l.qNorm, m.RMSEps)
			headNorm(k, l.kNorm, m.RMSEps)
		}
		cs := c.rope[i*m.RopeDims : (i+1)*m.RopeDims]
		m.rope(q, m.Heads, m.HeadDimK, cs)
		m.rope(k, m.KVHeads, m.HeadDimK, cs)
		// Store the new key and value (set_rows rounds to the cache type).
		qr := c.qr[i*qDim : (i+1)*qDim]
		if f16 {
			kernels.F32ToF16Row(c.cache.K(e.Seq, il, c.cells[i]), k)
			kernels.F32ToF16Row(c.cache.V(e.Seq, il, c.cells[i]), v)
			// The F16 K·Q dot sees the query rounded to F16.
			roundF16Row(qr, q, c.qh)
		} else {
			copy(c.cache.K32(e.Seq, il, c.cells[i]), k)
			copy(c.cache.V32(e.Seq, il, c.cells[i]), v)
			copy(qr, q)
		}
	}
	c.layer = il
	c.attnNext.Store(0)
	c.pool.Parallel(c.workers, c.attnFn)
	if err := c.matmul(c.out, l.wo, l.bo, c.attn, n); err != nil {
		return err
	}
	kernels.Add(c.x[:n*m.Embd], c.x[:n*m.Embd], c.out[:n*m.Embd])
	return nil
}

// feedForwardBlock is x += W_down·(silu(W_gate·norm(x)) ⊙ W_up·norm(x)).
func (c *Context) feedForwardBlock(il, n int) error {
	m, l := c.m, &c.m.layers[il]
	c.norm(c.xn, c.x, l.ffnNorm, n)
	if err := c.matmulShared(c.xn, n, projection{c.gate, l.gate, l.bGate}, projection{c.up, l.up, l.bUp}); err != nil {
		return err
	}
	for i := range n {
		swiglu(c.gate[i*m.FF:(i+1)*m.FF], c.up[i*m.FF:(i+1)*m.FF])
	}
	if err := c.matmul(c.out, l.down, l.bDwn, c.gate, n); err != nil {
		return err
	}
	kernels.Add(c.x[:n*m.Embd], c.x[:n*m.Embd], c.out[:n*m.Embd])
	return nil
}

// output computes the logits of the entries that want them: the final
// norm and the output projection, for those rows only.
func (c *Context) output(batch []Entry, nOut int) ([]float32, error) {
	m := c.m
	j := 0
	for i, e := range batch {
		if e.Logits {
			kernels.RMSNorm(c.outX[j*m.Embd:(j+1)*m.Embd], c.x[i*m.Embd:(i+1)*m.Embd], m.outputNorm, m.RMSEps)
			j++
		}
	}
	logits := c.logits[:nOut*m.Vocab]
	if nOut == 0 {
		return logits, nil
	}
	if err := c.mm(logits, m.output, c.outX, nOut); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return logits, nil
}

// norm is dst = RMSNorm(x)·w for each of n rows of Embd.
func (c *Context) norm(dst, x, w []float32, n int) {
	e := c.m.Embd
	for i := range n {
		kernels.RMSNorm(dst[i*e:(i+1)*e], x[i*e:(i+1)*e], w, c.m.RMSEps)
	}
}

// matmul is dst = w·x (+ bias) for n rows of x.
func (c *Context) matmul(dst []float32, w *tensor.Tensor, bias, x []float32, n int) error {
	if err := c.mm(dst, w, x, n); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	c.addBias(dst, bias, n)
	return nil
}

// projection is one weight of a matmulShared call: dst = w·x + bias.
type projection struct {
	dst  []float32
	w    *tensor.Tensor
	bias []float32
}

// matmulShared is matmul for up to three weights of the same input x (Q,
// K and V; gate and up), in one parallel loop where the context has one.
func (c *Context) matmulShared(x []float32, n int, ps ...projection) error {
	if c.mmMany == nil {
		for _, p := range ps {
			if err := c.matmul(p.dst, p.w, p.bias, x, n); err != nil {
				return err
			}
		}
		return nil
	}
	for i, p := range ps {
		c.prods[i] = kernels.Product{Dst: p.dst, W: p.w}
	}
	err := c.mmMany(x, n, c.prods[:len(ps)])
	c.prods = [3]kernels.Product{}
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	for _, p := range ps {
		c.addBias(p.dst, p.bias, n)
	}
	return nil
}

// addBias adds bias (nil: none) to each of n rows of dst.
func (c *Context) addBias(dst, bias []float32, n int) {
	if bias == nil {
		return
	}
	r := len(bias)
	for i := range n {
		row := dst[i*r : (i+1)*r]
		kernels.Add(row, row, bias)
	}
}

// headNorm RMS-normalises each head of x (heads of len(w)) and scales by w.
func headNorm(x, w []float32, eps float32) {
	d := len(w)
	for h := 0; h+d <= len(x); h += d {
		kernels.RMSNorm(x[h:h+d], x[h:h+d], w, eps)
	}
}

// swiglu is gate = silu(gate)·up as ggml_vec_swiglu_f32 computes it with
// AVX-512 (the reference machine): sixteen lanes at a time with
// ggml_v_expf, x/(1+exp(-x)), the tail with expf. The exact exp matters:
// ffn_down's input is rounded to its activation type (Q8, F16, BF16) where
// an ulp can flip a rounding.
func swiglu(gate, up []float32) {
	up = up[:len(gate)]
	nv := len(gate) &^ (simdWidth - 1)
	for i := swigluVec(gate, up, nv); i < nv; i++ {
		x := gate[i]
		gate[i] = x / (1 + vExpf(-x)) * up[i]
	}
	for i := nv; i < len(gate); i++ {
		x := gate[i]
		gate[i] = x / (1 + glibcExpf(-x)) * up[i]
	}
}
