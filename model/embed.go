package model

import "github.com/gollama/gollama/kernels"

// ForwardEmbeddings is Forward without the output projection: it returns,
// for the entries whose Logits flag is set (in batch order), the final
// hidden state after the output norm — llama.cpp's "result_norm", the
// per-token embeddings its pooling reads — Embd floats each. Multiplying
// a row by the output weight gives exactly Forward's logits for it.
//
// The cache is updated as by Forward. Unlike Forward, every entry of the
// batch may ask for a row (the limit is MaxBatch, not MaxOutputs): the
// rows live in the context's batch scratch, so a context made only for
// embeddings can keep MaxOutputs at 1 and skip the Vocab-wide logits
// buffer. The slice is the context's and valid until the next call. On
// error the cache is unchanged.
func (c *Context) ForwardEmbeddings(batch []Entry) ([]float32, error) {
	return c.forward(batch, false)
}

// hidden output-norms the rows that want output into the scratch xn (free
// once the last block is done), as output does into outX.
func (c *Context) hidden(batch []Entry, nOut int) []float32 {
	m := c.m
	j := 0
	for i, e := range batch {
		if e.Logits {
			kernels.RMSNorm(c.xn[j*m.Embd:(j+1)*m.Embd], c.x[i*m.Embd:(i+1)*m.Embd], m.outputNorm, m.RMSEps)
			j++
		}
	}
	return c.xn[:nOut*m.Embd]
}
