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
// rounding; the AVX2 level goes further and reproduces the llama.cpp x86
// build that made the reference logits (AVX-512 with AVX512_BF16) bit for
// bit: its activation quantizers (quantize_row_q8_0/q8_1 with 127/amax
// and ties to even), its int32 lanes and hsum_float_8 order for the
// quantized dots (Q2_K with one accumulator, mins first), the repacked
// q4_0_8x8 gemv/gemm for Q4_0 (llama.cpp repacks Q4_0 weights with a
// multiple of 8 rows at load on AVX2/AVX-512: a whole block's integer dot
// FMA'd into one float per row, no lanes), VDPBF16PS for BF16 (dotbf16.go)
// and, for F32/F16, the AVX-512 vec_dot and tinyBLAS (batch) orders,
// down to how GCC compiled vec_dot_f32's scalar rest (chunks of 8 products
// rounded and added in order, the last n%8 fused).
// With this level every fixture's logits come out bit-identical to the
// reference (TestParity in model holds them to the README's tolerances).
//
// Q4_0 mat·vec runs like llama.cpp's gemv, not row by row: MatMul packs a
// weight with a multiple of 8 rows on first use (pack.go: eight rows
// interleaved block by block, one sequential stream) and dotQ4_0x8rAVX2
// (dotrows_amd64.s) sums the eight rows in the eight lanes of one vector
// FMA, each lane in the 1-row kernel's order, so results are unchanged;
// dotQ4_0x8rx4AVX2 does four tokens at once for prefill.
//
//   - amd64 (AVX2+FMA+F16C): every weight type's dot, 4-token prefill
//     dots for Q4_0, Q8_0, Q4_K, Q5_K and Q6_K, the Q8_0/Q8_1/Q8_K
//     quantizers, the F32/F16/BF16 dots, axpys, sum and F16 conversions.
//   - arm64 (NEON): F32/F16 dots and axpys and every quantized weight
//     type's dot (F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, Q2_K–Q6_K,
//     IQ4_XS), with SDOT when the CPU has dotprod (ASIMDDP) except Q3_K,
//     and the Q8_0/Q8_1/Q8_K quantizers; F32 weights and prefill tiles run
//     the generic Go.
//
// Layout: *_amd64.s / *_arm64.s with *_amd64.go / *_arm64.go stubs, and
// dispatch_*.go choosing a kernelSet per Level at init (x/sys/cpu). The
// purego build tag, GOLLAMA_CPU=generic or SetLevel(Generic) force the
// generic set; SetLevel refuses a level the CPU lacks. There are no
// AVX-512 kernels yet (AVX512 is accepted as a name but never available).
package kernels
