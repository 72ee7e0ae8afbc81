//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// AVX2 dots for Q4_1/Q5_1 (· Q8_1), Q5_0 (· Q8_0) and IQ4_XS (· Q8_K).

// SCALEPROD: Y = f16(wd)·f16(ad) in all lanes via f16Table (R9); AX, DX scratch.
#define SCALEPROD(wd, ad, X, Y, T, U) \
	MOVWLZX      wd, AX;          \
	MOVWLZX      ad, DX;          \
	VBROADCASTSS (R9)(AX*4), Y;   \
	VBROADCASTSS (R9)(DX*4), U;   \
	VMULPS       U, Y, Y

#define SIGNEDDOT(W, A, T, P) \
	VPSIGNB    W, W, T; \
	VPSIGNB    W, A, P; \
	VPMADDUBSW P, T, P; \
	VPMADDWD   Y13, P, P

// NIBBLES: Y = the 32 nibbles of the 16 bytes at m (low nibbles first).
#define NIBBLES(m, X, Y, T) \
	VMOVDQU     m, X;       \
	VPSRLW      $4, X, T;   \
	VINSERTI128 $1, T, Y, Y; \
	VPAND       Y14, Y, Y

// HIBITS: Y = 0xFF in byte j where bit j of the 32-bit word at m is set
// (Y10 = byte-spread shuffle, Y11 = all-but-one-bit masks).
#define HIBITS(m, X, Y) \
	VPBROADCASTD m, Y;    \
	VPSHUFB      Y10, Y, Y; \
	VPOR         Y11, Y, Y; \
	VPCMPEQB     Y12, Y, Y

#define SETUP_HIBITS \
	VMOVDQU  spreadBytes<>(SB), Y10; \
	VPBROADCASTQ bitHoles<>(SB), Y11; \
	VPCMPEQB Y12, Y12, Y12

// func dotQ5_0AVX2(w, a *byte, nb int) float32
TEXT ·dotQ5_0AVX2(SB), NOSPLIT, $0-28
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     nb+16(FP), CX
	MOVQ     ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0xf0f0f0f0, AX, X15, Y15)
	SETUP_HIBITS

q50loop:
	NIBBLES(6(SI), X1, Y1, X2)
	HIBITS(2(SI), X3, Y3)
	VPANDN    Y15, Y3, Y3 // 0xF0 where the fifth bit is clear: nibble−16
	VPOR      Y3, Y1, Y1
	VMOVDQU   2(DI), Y2
	SIGNEDDOT(Y1, Y2, Y3, Y4)
	VCVTDQ2PS Y4, Y4
	SCALEPROD((SI), (DI), X5, Y5, X6, Y6)
	VFMADD231PS Y5, Y4, Y0
	ADDQ $22, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q50loop

	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// Q4_1 and Q5_1: unsigned quants, so VPMADDUBSW takes them directly; the
// offset m contributes m·s per block (s = d·Σq8 from Q8_1), summed in X7.
#define OFFSETDOT(Q, aoff) \
	VMOVDQU   aoff(DI), Y2;        \
	VPMADDUBSW Y2, Q, Y4;          \
	VPMADDWD  Y13, Y4, Y4;         \
	VCVTDQ2PS Y4, Y4;              \
	SCALEPROD((SI), (DI), X5, Y5, X6, Y6); \
	VFMADD231PS Y5, Y4, Y0;        \
	SCALEPROD(2(SI), 2(DI), X5, X5, X6, X6); \
	VADDSS    X5, X7, X7

// func dotQ4_1AVX2(w, a *byte, nb int) float32
TEXT ·dotQ4_1AVX2(SB), NOSPLIT, $0-28
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     nb+16(FP), CX
	MOVQ     ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VXORPS   X7, X7, X7
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)

q41loop:
	NIBBLES(4(SI), X1, Y1, X2)
	OFFSETDOT(Y1, 4)
	ADDQ $20, SI
	ADDQ $36, DI
	DECQ CX
	JNZ  q41loop

	HSUM8(Y0, X0, X1)
	VADDSS X7, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotQ5_1AVX2(w, a *byte, nb int) float32
TEXT ·dotQ5_1AVX2(SB), NOSPLIT, $0-28
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     nb+16(FP), CX
	MOVQ     ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VXORPS   X7, X7, X7
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x10101010, AX, X15, Y15)
	SETUP_HIBITS

q51loop:
	NIBBLES(8(SI), X1, Y1, X2)
	HIBITS(4(SI), X3, Y3)
	VPAND Y15, Y3, Y3
	VPOR  Y3, Y1, Y1
	OFFSETDOT(Y1, 4)
	ADDQ $24, SI
	ADDQ $36, DI
	DECQ CX
	JNZ  q51loop

	HSUM8(Y0, X0, X1)
	VADDSS X7, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// IQ4_XS sub-block ib (32 values): codebook values from 16 nibble bytes,
// signed dot with q8, pairs weighted by the sub-block's scale ls−32 (6 bits:
// low 4 from scales_l, high 2 from scales_h) into int32 lanes Y15.
#define IQ4XSSUB(ib, lsbyte, lsshift, hshift) \
	MOVBLZX      lsbyte(SI), AX;  \
	SHRL         $lsshift, AX;    \
	ANDL         $15, AX;         \
	MOVWLZX      2(SI), BX;       \
	SHRL         $hshift, BX;     \
	ANDL         $3, BX;          \
	SHLL         $4, BX;          \
	ORL          BX, AX;          \
	SUBL         $32, AX;         \
	VMOVD        AX, X9;          \
	VPBROADCASTW X9, Y9;          \
	NIBBLES((8+16*ib)(SI), X1, Y1, X2); \
	VPSHUFB      Y1, Y11, Y1;     \
	VMOVDQU      (4+32*ib)(DI), Y2; \
	VPSIGNB      Y1, Y1, Y3;      \
	VPSIGNB      Y1, Y2, Y4;      \
	VPMADDUBSW   Y4, Y3, Y4;      \
	VPMADDWD     Y9, Y4, Y4;      \
	VPADDD       Y4, Y15, Y15

// func dotIQ4_XSAVX2(w, a *byte, nb int) float32
TEXT ·dotIQ4_XSAVX2(SB), NOSPLIT, $0-28
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	VBROADCASTI128 iq4Values<>(SB), Y11

iq4xsloop:
	VPXOR Y15, Y15, Y15
	IQ4XSSUB(0, 4, 0, 0)
	IQ4XSSUB(1, 4, 4, 2)
	IQ4XSSUB(2, 5, 0, 4)
	IQ4XSSUB(3, 5, 4, 6)
	IQ4XSSUB(4, 6, 0, 8)
	IQ4XSSUB(5, 6, 4, 10)
	IQ4XSSUB(6, 7, 0, 12)
	IQ4XSSUB(7, 7, 4, 14)
	VCVTDQ2PS    Y15, Y15
	VPBROADCASTW (SI), X5
	VCVTPH2PS    X5, Y5
	VBROADCASTSS (DI), Y6
	VMULPS       Y6, Y5, Y5
	VFMADD231PS  Y5, Y15, Y0
	ADDQ $136, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  iq4xsloop

	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// spreadBytes sends byte k of a dword to bytes 8k..8k+7.
DATA spreadBytes<>+0(SB)/8, $0x0000000000000000
DATA spreadBytes<>+8(SB)/8, $0x0101010101010101
DATA spreadBytes<>+16(SB)/8, $0x0202020202020202
DATA spreadBytes<>+24(SB)/8, $0x0303030303030303
GLOBL spreadBytes<>(SB), RODATA|NOPTR, $32

// bitHoles: byte i has every bit set but bit i, so OR then compare with
// all-ones tests bit i.
DATA bitHoles<>+0(SB)/8, $0x7fbfdfeff7fbfdfe
GLOBL bitHoles<>(SB), RODATA|NOPTR, $8

DATA iq4Values<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA iq4Values<>+8(SB)/8, $0x7159453526190d01
GLOBL iq4Values<>(SB), RODATA|NOPTR, $16
