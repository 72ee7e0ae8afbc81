//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// F32 and F16 weight-row dots in the order llama.cpp summed them on the
// AVX-512 machine that made the reference logits, with each 16-lane zmm
// register emulated by two ymm halves (lanes 0-7, 8-15):
//
//   - ggml_vec_dot_f32/f16 (one token): four 16-lane FMA accumulators over
//     steps of 64, folded (0+2, 1+3, then the two), _mm512_reduce_add_ps;
//     the n%64 leftovers then added one by one (float32 FMA for F32,
//     float64 for F16).
//   - llamafile's tinyBLAS (batches, n a multiple of 16): one 16-lane FMA
//     accumulator along the row, then _mm512_reduce_add_ps.
//
// _mm512_reduce_add_ps adds the 256-bit halves, then the 128-bit halves,
// then lanes 0+2 and 1+3, then those two: HSUM8 of (lo + hi).

// FOLD64 reduces the four emulated zmm accumulators (Y0:Y1, Y2:Y3, Y4:Y5,
// Y6:Y7) to a float in X0: (r0+r2) + (r1+r3), then the zmm reduction.
#define FOLD64 \
	VADDPS Y4, Y0, Y0; \
	VADDPS Y6, Y2, Y2; \
	VADDPS Y2, Y0, Y0; \
	VADDPS Y5, Y1, Y1; \
	VADDPS Y7, Y3, Y3; \
	VADDPS Y3, Y1, Y1; \
	VADDPS Y1, Y0, Y0; \
	HSUM8(Y0, X0, X1)

// func dotF32Ggml(w, a *float32, n int) float32
TEXT ·dotF32Ggml(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ n+16(FP), CX
	ZERO8
	MOVQ CX, DX
	ANDQ $-64, DX
	JZ   f32gtail

f32gloop:
	VMOVUPS     (SI), Y8
	VMOVUPS     32(SI), Y9
	VMOVUPS     64(SI), Y10
	VMOVUPS     96(SI), Y11
	VMOVUPS     128(SI), Y12
	VMOVUPS     160(SI), Y13
	VMOVUPS     192(SI), Y14
	VMOVUPS     224(SI), Y15
	VFMADD231PS (DI), Y8, Y0
	VFMADD231PS 32(DI), Y9, Y1
	VFMADD231PS 64(DI), Y10, Y2
	VFMADD231PS 96(DI), Y11, Y3
	VFMADD231PS 128(DI), Y12, Y4
	VFMADD231PS 160(DI), Y13, Y5
	VFMADD231PS 192(DI), Y14, Y6
	VFMADD231PS 224(DI), Y15, Y7
	ADDQ        $256, SI
	ADDQ        $256, DI
	SUBQ        $64, DX
	JNZ         f32gloop
	FOLD64

	// The n%64 rest as GCC vectorized ggml's scalar loop: the first
	// (rest &^ 7) products rounded and added in order, the last rest%8 by
	// scalar FMA.
f32gtail:
	ANDQ $63, CX
	JZ   f32gdone
	MOVQ CX, DX
	ANDQ $-8, DX
	JZ   f32gleft
	ANDQ $7, CX

f32gmul:
	VMOVSS (SI), X1
	VMULSS (DI), X1, X1
	VADDSS X1, X0, X0
	ADDQ   $4, SI
	ADDQ   $4, DI
	DECQ   DX
	JNZ    f32gmul
	TESTQ  CX, CX
	JZ     f32gdone

f32gleft:
	VMOVSS      (SI), X1
	VFMADD231SS (DI), X1, X0
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JNZ         f32gleft

f32gdone:
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotF16Ggml(w, a *uint16, n int) float32
TEXT ·dotF16Ggml(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ n+16(FP), CX
	ZERO8
	MOVQ CX, DX
	ANDQ $-64, DX
	JZ   f16gtail

f16gloop:
	VCVTPH2PS   (SI), Y8
	VCVTPH2PS   16(SI), Y9
	VCVTPH2PS   32(SI), Y10
	VCVTPH2PS   48(SI), Y11
	VCVTPH2PS   (DI), Y12
	VCVTPH2PS   16(DI), Y13
	VCVTPH2PS   32(DI), Y14
	VCVTPH2PS   48(DI), Y15
	VFMADD231PS Y12, Y8, Y0
	VFMADD231PS Y13, Y9, Y1
	VFMADD231PS Y14, Y10, Y2
	VFMADD231PS Y15, Y11, Y3
	VCVTPH2PS   64(SI), Y8
	VCVTPH2PS   80(SI), Y9
	VCVTPH2PS   96(SI), Y10
	VCVTPH2PS   112(SI), Y11
	VCVTPH2PS   64(DI), Y12
	VCVTPH2PS   80(DI), Y13
	VCVTPH2PS   96(DI), Y14
	VCVTPH2PS   112(DI), Y15
	VFMADD231PS Y12, Y8, Y4
	VFMADD231PS Y13, Y9, Y5
	VFMADD231PS Y14, Y10, Y6
	VFMADD231PS Y15, Y11, Y7
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $64, DX
	JNZ         f16gloop
	FOLD64

f16gtail:
	// Leftovers in float64: float32 products (exact for halves) widened.
	VCVTSS2SD X0, X0, X0
	ANDQ      $63, CX
	JZ        f16gdone

f16gleft:
	MOVWLZX   (SI), AX
	VMOVD     AX, X1
	VCVTPH2PS X1, X1
	MOVWLZX   (DI), AX
	VMOVD     AX, X2
	VCVTPH2PS X2, X2
	VMULSS    X2, X1, X1
	VCVTSS2SD X1, X1, X1
	VADDSD    X1, X0, X0
	ADDQ      $2, SI
	ADDQ      $2, DI
	DECQ      CX
	JNZ       f16gleft

f16gdone:
	VCVTSD2SS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotF32Tiny(w, a *float32, n int) float32
// n is a multiple of 16.
TEXT ·dotF32Tiny(SB), NOSPLIT, $0-28
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	SHRQ   $4, CX
	JZ     f32tdone

f32tloop:
	VMOVUPS     (SI), Y8
	VMOVUPS     32(SI), Y9
	VFMADD231PS (DI), Y8, Y0
	VFMADD231PS 32(DI), Y9, Y1
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNZ         f32tloop

f32tdone:
	VADDPS Y1, Y0, Y0
	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotF16Tiny(w, a *uint16, n int) float32
// n is a multiple of 16.
TEXT ·dotF16Tiny(SB), NOSPLIT, $0-28
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	SHRQ   $4, CX
	JZ     f16tdone

f16tloop:
	VCVTPH2PS   (SI), Y8
	VCVTPH2PS   16(SI), Y9
	VCVTPH2PS   (DI), Y10
	VCVTPH2PS   16(DI), Y11
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y11, Y9, Y1
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         f16tloop

f16tdone:
	VADDPS Y1, Y0, Y0
	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET
