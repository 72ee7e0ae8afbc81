//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// BF16 weight rows against four BF16 activation rows, then F16 rows two
// by two, each output summed exactly as the 1-token batch dot sums it.

// BF16TOK is dotBF16TinyAVX2's DPSTEP for one token's 32 bytes at M,
// with the weight's odd (WO, masked) and even (WE, shifted) values
// already split: the same products, operand order and adds.
#define BF16TOK(M, WO, WE, ACC) \
	VMOVDQU M, Y12;         \
	VPSLLD  $16, Y12, Y13;  \
	VMULPS  Y13, WE, Y13;   \
	VPAND   Y15, Y12, Y12;  \
	VMULPS  Y12, WO, Y12;   \
	VADDPS  Y12, ACC, ACC;  \
	VADDPS  Y13, ACC, ACC

// REDUCE16 is _mm512_reduce_add_ps of the 16 lanes LO (0..7), HI (8..15),
// left in the low float of X(LO), as in dotbf16_amd64.s.
#define REDUCE16(LO, HI, X, T) \
	VADDPS       HI, LO, LO; \
	VEXTRACTF128 $1, LO, T;  \
	VADDPS       X, T, X;    \
	VMOVHLPS     X, X, T;    \
	VADDPS       T, X, X;    \
	VMOVSHDUP    X, T;       \
	VADDSS       T, X, X

// func dotBF16Tinyx4AVX2(w, a *uint16, stride, n32 int, out *float32, ostride int)
// dotBF16TinyAVX2 (dotbf16_amd64.s) for four tokens: n32 ≥ 1 steps of 32
// values, activation rows stride bytes apart, outputs ostride floats.
TEXT ·dotBF16Tinyx4AVX2(SB), NOSPLIT, $0-48
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     stride+16(FP), BX
	MOVQ     n32+24(FP), CX
	LEAQ     (BX)(BX*2), R8
	ZERO8
	VPCMPEQD Y15, Y15, Y15
	VPSLLD   $16, Y15, Y15

bloop:
	VMOVDQU (SI), Y8
	VMOVDQU 32(SI), Y10
	VPSLLD  $16, Y8, Y9
	VPSLLD  $16, Y10, Y11
	VPAND   Y15, Y8, Y8
	VPAND   Y15, Y10, Y10
	BF16TOK((DI), Y8, Y9, Y0)
	BF16TOK(32(DI), Y10, Y11, Y1)
	BF16TOK((DI)(BX*1), Y8, Y9, Y2)
	BF16TOK(32(DI)(BX*1), Y10, Y11, Y3)
	BF16TOK((DI)(BX*2), Y8, Y9, Y4)
	BF16TOK(32(DI)(BX*2), Y10, Y11, Y5)
	BF16TOK((DI)(R8*1), Y8, Y9, Y6)
	BF16TOK(32(DI)(R8*1), Y10, Y11, Y7)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     bloop

	MOVQ out+32(FP), DI
	MOVQ ostride+40(FP), BX
	SHLQ $2, BX
	REDUCE16(Y0, Y1, X0, X8)
	REDUCE16(Y2, Y3, X2, X9)
	REDUCE16(Y4, Y5, X4, X10)
	REDUCE16(Y6, Y7, X6, X11)
	VMOVSS X0, (DI)
	VMOVSS X2, (DI)(BX*1)
	VMOVSS X4, (DI)(BX*2)
	LEAQ   (BX)(BX*2), BX
	VMOVSS X6, (DI)(BX*1)
	VZEROUPPER
	RET

// STEP2X2 is one step of 16 values of dotF16Tiny2x2: rows at SI and
// SI+DX, tokens at DI and DI+BX, accumulators Y0-Y7.
#define STEP2X2 \
	VCVTPH2PS (SI), Y8; \
	VCVTPH2PS 16(SI), Y9; \
	VCVTPH2PS (SI)(DX*1), Y10; \
	VCVTPH2PS 16(SI)(DX*1), Y11; \
	VCVTPH2PS (DI), Y12; \
	VCVTPH2PS 16(DI), Y13; \
	VFMADD231PS Y12, Y8, Y0; \
	VFMADD231PS Y13, Y9, Y1; \
	VFMADD231PS Y12, Y10, Y2; \
	VFMADD231PS Y13, Y11, Y3; \
	VCVTPH2PS (DI)(BX*1), Y14; \
	VCVTPH2PS 16(DI)(BX*1), Y15; \
	VFMADD231PS Y14, Y8, Y4; \
	VFMADD231PS Y15, Y9, Y5; \
	VFMADD231PS Y14, Y10, Y6; \
	VFMADD231PS Y15, Y11, Y7; \
	ADDQ  $32, SI; \
	ADDQ  $32, DI

// func dotF16Tiny2x2(w *uint16, wstride int, a *uint16, astride, n int, out *float32, ostride int)
//
// Two F16 weight rows (wstride bytes apart) against two F16 activation
// rows (astride bytes apart), each output summed exactly as dotF16Tiny
// sums it. Each converted weight vector serves two tokens and each
// activation vector two rows, so a step of 16 values is 8 conversions for
// 8 FMAs (the 4-token kernel needs 10, and their loads bind it): the loop
// runs at the FMA units' rate. Accumulators: Y0:Y1 row 0 token 0, Y2:Y3
// row 1 token 0, Y4:Y5 row 0 token 1, Y6:Y7 row 1 token 1 (lanes 0-7,
// 8-15). n: a multiple of 16, at least 16. pf ≠ 0: also prefetch both
// rows' lines pf bytes on into L2 (the next pair of rows, during this
// pair's first pass over the tokens: short rows end before the hardware
// prefetcher has ramped up; L1 would evict the pair in use).
TEXT ·dotF16Tiny2x2(SB), NOSPLIT, $0-64
	MOVQ   w+0(FP), SI
	MOVQ   wstride+8(FP), DX
	MOVQ   a+16(FP), DI
	MOVQ   astride+24(FP), BX
	MOVQ   n+32(FP), CX
	MOVQ   pf+56(FP), R9
	LEAQ   (SI)(DX*1), R10
	ZERO8
	SHRQ   $4, CX
	JZ     f2x2done

	TESTQ  R9, R9
	JZ     f2x2loop

f2x2pfloop:
	PREFETCHT1 (SI)(R9*1)
	PREFETCHT1 (R10)(R9*1)
	STEP2X2
	ADDQ       $32, R10
	DECQ       CX
	JNZ        f2x2pfloop
	JMP        f2x2done

f2x2loop:
	STEP2X2
	DECQ CX
	JNZ  f2x2loop

f2x2done:
	MOVQ   out+40(FP), DI
	MOVQ   ostride+48(FP), BX
	SHLQ   $2, BX
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	HSUM8(Y0, X0, X8)
	HSUM8(Y2, X2, X9)
	HSUM8(Y4, X4, X10)
	HSUM8(Y6, X6, X11)
	VMOVSS X0, (DI)
	VMOVSS X2, 4(DI)
	VMOVSS X4, (DI)(BX*1)
	VMOVSS X6, 4(DI)(BX*1)
	VZEROUPPER
	RET
