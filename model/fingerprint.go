package model

import (
	"crypto/sha256"
	"encoding/binary"
	"math"

	"github.com/gollama/gollama/tensor"
)

// fingerprintSample is how many bytes Fingerprint hashes at the start,
// middle and end of each weight.
const fingerprintSample = 64

// Fingerprint identifies the model for state saved from it (session
// files): a SHA-256 over the architecture and hyperparameters, each
// tensor's name, type and shape, the norm and bias vectors in full, and
// three short samples of every weight's data (start, middle, end). Two
// files with the same shapes but different weights or a different
// vocabulary embedding differ; computing it reads a few hundred bytes per
// tensor, so it is cheap for any model size.
func (m *Model) Fingerprint() [32]byte {
	h := sha256.New()
	var b []byte
	str := func(s string) {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	num := func(v ...int) {
		for _, x := range v {
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		}
	}
	f32 := func(v ...float32) {
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	flush := func() { h.Write(b); b = b[:0] }
	weight := func(t *tensor.Tensor) {
		if t == nil {
			str("")
			return
		}
		str(t.Name)
		num(int(t.Type), len(t.Shape))
		for _, d := range t.Shape {
			num(int(d))
		}
		d := t.Data
		num(len(d))
		flush()
		if len(d) <= 3*fingerprintSample {
			h.Write(d)
			return
		}
		mid := len(d)/2 - fingerprintSample/2
		h.Write(d[:fingerprintSample])
		h.Write(d[mid : mid+fingerprintSample])
		h.Write(d[len(d)-fingerprintSample:])
	}
	vec := func(v []float32) {
		num(len(v))
		f32(v...)
		flush()
	}
	c := m.Config
	str("gollama model fingerprint 1")
	str(c.Arch)
	num(c.Embd, c.Layers, c.FF, c.Heads, c.KVHeads, c.HeadDimK, c.HeadDimV, c.Vocab, c.RopeDims)
	f32(c.RMSEps, c.RopeBase, c.RopeScale)
	if c.RopeNeoX {
		num(1)
	} else {
		num(0)
	}
	flush()
	weight(m.tokEmbd)
	weight(m.output)
	vec(m.outputNorm)
	vec(m.ropeFreqs)
	for i := range m.layers {
		l := &m.layers[i]
		for _, w := range []*tensor.Tensor{l.wq, l.wk, l.wv, l.wo, l.gate, l.up, l.down} {
			weight(w)
		}
		for _, v := range [][]float32{l.attnNorm, l.bq, l.bk, l.bv, l.bo, l.qNorm, l.kNorm, l.ffnNorm, l.bGate, l.bUp, l.bDwn} {
			vec(v)
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
