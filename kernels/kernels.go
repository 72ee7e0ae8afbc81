package kernels

import (
	"fmt"
	"math"

	"github.com/gollama/gollama/tensor"
)

type (
	dotFunc   func(w, a []byte, n int) float32
	quantFunc func(dst []byte, x []float32)
	// dot4Func computes out[t*ostride] = dot(w, a[t*stride:], n) for t < 4,
	// decoding w once; it must equal four dotFunc calls bit for bit.
	dot4Func func(w, a []byte, stride, n int, out []float32, ostride int)
	// dotRowsFunc computes out[r] = dot(row r, a, n) for r < rowGroup over
	// one group of rows in packRows' layout for the type. It must equal
	// rowGroup dotFunc calls bit for bit (the rows' sums are independent,
	// so they can share vectors and read a once).
	dotRowsFunc func(w []byte, a []byte, n int, out []float32)
	// dotRows4Func is dotRowsFunc for ntok activation rows (a multiple of
	// 4) astride bytes apart: out[t*ostride+r] for t < ntok, r < rowGroup.
	// Each weight block is decoded once per four tokens; a kernel that
	// takes the group in passes (a pair of rows at a time) makes each pass
	// for all the tokens while those rows are in L1. as: for Q8_0
	// activations, their block scales as floats (actScales' layout).
	dotRows4Func func(w []byte, a []byte, astride int, as []float32, n int, out []float32, ostride, ntok int)
	// dotR4Func computes out[r] = dot(w[r*wstride:], a, n) for r < 4 on
	// plain rows, bit for bit as four dotFunc calls: the rows' independent
	// sums interleave, hiding each one's latency, and a is read once.
	dotR4Func func(w []byte, wstride int, a []byte, n int, out []float32)
	// dotR2x4Func computes out[t*ostride+r] = dot(w[r*wstride:],
	// a[t*astride:], n) for r < 2, t < 4 (plain rows), bit for bit: each
	// weight and activation block loaded serves two or four sums. as holds
	// the four tokens' block scales as floats, block by block (as[4b+t]),
	// as actScales makes them.
	dotR2x4Func func(w []byte, wstride int, a []byte, astride int, as []float32, n int, out []float32, ostride int)
	// dot2x2Func computes out[t*ostride+r] = dot(w[r*wstride:],
	// a[t*astride:], n) for r, t < 2, bit for bit: each weight vector
	// serves two tokens and each activation vector two rows. pf ≠ 0 asks
	// it to prefetch the rows' lines pf bytes on as it goes (a hint: any
	// address is safe).
	dot2x2Func func(w []byte, wstride int, a []byte, astride, n int, out []float32, ostride, pf int)
)

// rowGroup is how many weight rows a dotRowsFunc takes at once.
const rowGroup = 8

// maxType bounds tensor.Type ids used as table indexes.
const maxType = 40

// kernelSet is one level's implementation of every kernel. Arch dispatch
// files start from genericKernels and replace what they accelerate.
type kernelSet struct {
	level Level
	name  string            // level, plus variant (e.g. "neon+dotprod")
	dot   [maxType]dotFunc  // by weight type
	dot4  [maxType]dot4Func // optional 4-token variants, for prefill
	// dotRows: optional rowGroup-row variants of dot (mat·vec, decode);
	// MatMul uses them with dot, never with dotPlain or dotBatch.
	dotRows  [maxType]dotRowsFunc
	dotRows4 [maxType]dotRows4Func // 4-token dotRows, for prefill
	dotR4    [maxType]dotR4Func    // optional 4-row dots on plain rows (mat·vec)
	dotR2x4  [maxType]dotR2x4Func  // optional 2-row, 4-token dots on plain rows (prefill)
	hugeCopy [maxType]bool         // multiply from a huge-page copy (see hugeData)
	// dotBatch: optional dots MatMul uses instead of dot for two or more
	// tokens when the row length is a multiple of 16 (llama.cpp sums such
	// float batches with tinyBLAS, in another order than vec_dot).
	dotBatch  [maxType]dotFunc
	dot4Batch [maxType]dot4Func // optional 4-token dotBatch (one weight row, four tokens)
	// dot2x2Batch: optional 2-row 2-token dotBatch; MatMul prefers it to
	// dot4Batch (where loads, not FMAs, bind the 4-token kernel).
	dot2x2Batch [maxType]dot2x2Func
	// dotPlain, dot4Plain: optional dots for weights whose row count is not
	// a multiple of 8, which llama.cpp leaves alone where it repacks the
	// rest at load (Q4_0 on x86: dot and dot4 follow its repacked gemv,
	// these its vec_dot).
	dotPlain  [maxType]dotFunc
	dot4Plain [maxType]dot4Func
	quantize  [maxType]quantFunc
	dotF32    func(a, b []float32) float32
	dotF16    func(a []uint16, b []float32) float32
	axpy      func(dst []float32, alpha float32, x []float32)
	axpyF16   func(dst []float32, alpha float32, x []uint16)
	f32ToF16  func(dst []uint16, src []float32)
	f16ToF32  func(dst []float32, src []uint16)
	ropePairs func(v, cs []float32)
	ropeNeoX  func(v, cs []float32)
	sum       func(x []float32) float32
	// x86Q8: Q8_0/Q8_1 activations are quantized as llama.cpp does on x86
	// (scale 127/amax, ties to even) rather than as its _ref functions.
	x86Q8 bool
}

var genericKernels = kernelSet{
	level: Generic,
	name:  "generic",
	dot: [maxType]dotFunc{
		tensor.F32:    dotF32Generic,
		tensor.F16:    dotF16Generic,
		tensor.BF16:   dotBF16Generic,
		tensor.Q4_0:   dotQ4_0Generic,
		tensor.Q4_1:   dotQ4_1Generic,
		tensor.Q5_0:   dotQ5_0Generic,
		tensor.Q5_1:   dotQ5_1Generic,
		tensor.Q8_0:   dotQ8_0Generic,
		tensor.Q2_K:   dotQ2_KGeneric,
		tensor.Q3_K:   dotQ3_KGeneric,
		tensor.Q4_K:   dotQ4_KGeneric,
		tensor.Q5_K:   dotQ5_KGeneric,
		tensor.Q6_K:   dotQ6_KGeneric,
		tensor.IQ4_NL: dotIQ4_NLGeneric,
		tensor.IQ4_XS: dotIQ4_XSGeneric,
	},
	quantize: [maxType]quantFunc{
		tensor.F32:  copyF32Generic,
		tensor.F16:  quantizeF16Generic,
		tensor.BF16: quantizeBF16Generic,
		tensor.Q8_0: quantizeQ8_0Generic,
		tensor.Q8_1: quantizeQ8_1Generic,
		tensor.Q8_K: quantizeQ8_KGeneric,
	},
	dotF32:    dotGeneric,
	dotF16:    dotF16F32Generic,
	axpy:      axpyGeneric,
	axpyF16:   axpyF16Generic,
	f32ToF16:  f32ToF16RowGeneric,
	f16ToF32:  f16ToF32RowGeneric,
	ropePairs: ropePairsGeneric,
	ropeNeoX:  ropeNeoXGeneric,
	sum:       sumGeneric,
}

// ActivationType is the format activations are converted to before a dot
// with weights of type w, as llama.cpp pairs them (its vec_dot_type). It
// returns w itself for types with no dot (callers check Supported first).
func ActivationType(w tensor.Type) tensor.Type {
	switch w {
	case tensor.F32, tensor.F16, tensor.BF16:
		return w
	case tensor.Q4_0, tensor.Q5_0, tensor.Q8_0, tensor.IQ4_NL:
		return tensor.Q8_0
	case tensor.Q4_1, tensor.Q5_1:
		return tensor.Q8_1
	case tensor.Q2_K, tensor.Q3_K, tensor.Q4_K, tensor.Q5_K, tensor.Q6_K, tensor.IQ4_XS:
		return tensor.Q8_K
	}
	return w
}

// HasDot reports whether DotRow and MatMul handle weights of type w.
func HasDot(w tensor.Type) bool {
	return int(w) < maxType && genericKernels.dot[w] != nil
}

// QuantizeActivations converts x to type t (Q8_0, Q8_1, Q8_K, F16, BF16 or
// F32, the last a plain copy into little-endian bytes). len(x) must be a
// multiple of t's block size and dst at least t.RowSize(len(x)) bytes; a
// violation is a programming error and panics with a message saying so.
func QuantizeActivations(dst []byte, x []float32, t tensor.Type) {
	var q quantFunc
	if int(t) < maxType {
		q = active.Load().quantize[t]
	}
	if q == nil {
		panic(fmt.Sprintf("kernels.QuantizeActivations: %s is not an activation type", t))
	}
	if len(x)%t.BlockSize() != 0 || len(dst) < t.RowSize(len(x)) {
		panic(fmt.Sprintf("kernels.QuantizeActivations: %d values into %d bytes of %s", len(x), len(dst), t))
	}
	q(dst, x)
}

// DotRow is the dot of one weight row w of type t (n values) with an
// activation row a already in ActivationType(t). Slices shorter than the
// row, or n not a whole number of blocks, are programming errors and panic
// with a message (the assembly must never read past them).
func DotRow(t tensor.Type, w []byte, a []byte, n int) float32 {
	var f dotFunc
	if int(t) < maxType {
		f = active.Load().dot[t]
	}
	if f == nil {
		panic(fmt.Sprintf("kernels.DotRow: no dot for %s", t))
	}
	checkRow(t, w, a, n)
	return f(w, a, n)
}

func checkRow(t tensor.Type, w, a []byte, n int) {
	at := ActivationType(t)
	if n < 0 || n%t.BlockSize() != 0 || n%at.BlockSize() != 0 || len(w) < t.RowSize(n) || len(a) < at.RowSize(n) {
		panic(fmt.Sprintf("kernels.DotRow: %s row of %d values with %d weight bytes and %d activation bytes", t, n, len(w), len(a)))
	}
}

func copyF32Generic(dst []byte, x []float32) {
	for i, v := range x {
		b := math.Float32bits(v)
		dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = byte(b), byte(b>>8), byte(b>>16), byte(b>>24)
	}
}

func quantizeF16Generic(dst []byte, x []float32) {
	for i, v := range x {
		h := f32ToF16Bits(v)
		dst[2*i], dst[2*i+1] = byte(h), byte(h>>8)
	}
}

func quantizeBF16Generic(dst []byte, x []float32) {
	for i, v := range x {
		h := f32ToBF16Bits(v)
		dst[2*i], dst[2*i+1] = byte(h), byte(h>>8)
	}
}
