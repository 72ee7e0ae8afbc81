// Package kernels holds gollama's hot loops: matrix·vector and
// matrix·matrix products over quantized GGUF weights (MatMul), the row dots
// behind them (DotRow, after QuantizeActivations), the float helpers the
// forward pass needs (Dot, DotF16, Axpy, RMSNorm, Softmax, ...), and the
// worker Pool that splits them across threads.
//
// Every kernel has a pure-Go generic version (*_generic.go and vec.go),
// which accumulates exactly as llama.cpp's reference
// ggml_vec_dot_*_generic functions: integer sums per block, scaled in
// float32, in the same order. Assembly versions agree with it to float
// rounding; the AVX2 level goes further and reproduces llama.cpp's x86
// build (the one that made the reference logits) bit for bit where it can:
// its activation quantizers (quantize_row_q8_0/q8_1 with 127/amax and ties
// to even), its int32 lanes and hsum_float_8 order for the quantized dots,
// and for F32/F16 the AVX-512 vec_dot and tinyBLAS (batch) orders.
//
//   - amd64 (AVX2+FMA+F16C): every weight type's dot, 4-token prefill
//     dots for Q4_0, Q8_0, Q4_K, Q5_K and Q6_K, the Q8_0/Q8_1/Q8_K
//     quantizers, and the F32/F16 dots, axpys, sum and F16 conversions.
//   - arm64 (NEON): F32/F16 dots and axpys, F16 weights, Q4_0, Q8_0, Q4_K,
//     Q5_K and Q6_K, with SDOT when the CPU has dotprod (ASIMDDP); everything
//     else runs the generic Go.
//
// Layout: *_amd64.s / *_arm64.s with *_amd64.go / *_arm64.go stubs, and
// dispatch_*.go choosing a kernelSet per Level at init (x/sys/cpu). The
// purego build tag, GOLLAMA_CPU=generic or SetLevel(Generic) force the
// generic set; SetLevel refuses a level the CPU lacks. There are no
// AVX-512 kernels yet (AVX512 is accepted as a name but never available).
package kernels
