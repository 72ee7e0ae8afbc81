//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// AVX2 Q2_K and Q3_K dots against Q8_K. Both walk a super-block as two
// halves of 128 values, four 32-value steps each; step s of half h takes
// bits 2s..2s+1 of the 32 quant bytes at h, pairs them with q8 via
// VPMADDUBSW, and weights each 16-value half with its own scale (scale
// index 8h+2s and 8h+2s+1, int16 at 0(SP)) via VPMADDWD into Y15.

#define SCALEPAIR(sidx) \
	VPBROADCASTW (2*sidx)(SP), X9;    \
	VPBROADCASTW (2*sidx+2)(SP), X10; \
	VINSERTI128  $1, X10, Y9, Y9

#define Q2KSTEP(sh, aoff, sidx) \
	VPSRLW     $sh, Y1, Y4;  \
	VPAND      Y12, Y4, Y4;  \
	VPMADDUBSW aoff(DI), Y4, Y4; \
	SCALEPAIR(sidx);         \
	VPMADDWD   Y9, Y4, Y4;   \
	VPADDD     Y4, Y15, Y15

#define Q2KHALF(h) \
	VMOVDQU (16+32*h)(SI), Y1; \
	Q2KSTEP(0, (4+128*h), (8*h+0)); \
	Q2KSTEP(2, (36+128*h), (8*h+2)); \
	Q2KSTEP(4, (68+128*h), (8*h+4)); \
	Q2KSTEP(6, (100+128*h), (8*h+6))

// func dotQ2_KAVX2(w, a *byte, nb int) float32
TEXT ·dotQ2_KAVX2(SB), NOSPLIT, $32-28
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0 // one accumulator, as ggml: −dmin·min·bsum, then d·scale·q·q8, per block
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x03030303, AX, X12, Y12)
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13

q2kloop:
	// scales: low nibbles (×q) to 0(SP); high nibbles (×bsums) now.
	VMOVDQU   (SI), X1
	VPAND     X14, X1, X2
	VPMOVZXBW X2, Y2
	VMOVDQU   Y2, 0(SP)
	VPSRLW    $4, X1, X1
	VPAND     X14, X1, X1
	VPMOVZXBW X1, Y1
	VPMADDWD  260(DI), Y1, Y1
	VCVTDQ2PS Y1, Y1
	VPBROADCASTW 82(SI), X5
	VCVTPH2PS    X5, Y5
	VBROADCASTSS (DI), Y6
	VMULPS       Y6, Y5, Y5
	VFNMADD231PS Y5, Y1, Y0

	VPXOR Y15, Y15, Y15
	Q2KHALF(0)
	Q2KHALF(1)
	VCVTDQ2PS    Y15, Y15
	VPBROADCASTW 80(SI), X5
	VCVTPH2PS    X5, Y5
	VMULPS       Y6, Y5, Y5
	VFMADD231PS  Y5, Y15, Y0
	ADDQ $84, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q2kloop

	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// Q3_K: q' = q2 + 4·hbit ∈ [0,7]; q'·q8 − 4·q8 = (q'−4)·q8, the signed
// 3-bit value. Y7 holds the hmask bytes, Y8 the bit under test (doubling
// per step), Y11 = 4s.
#define Q3KSTEP(sh, aoff, sidx) \
	VPSRLW     $sh, Y1, Y4;  \
	VPAND      Y12, Y4, Y4;  \
	VPAND      Y8, Y7, Y5;   \
	VPCMPEQB   Y8, Y5, Y5;   \
	VPAND      Y11, Y5, Y5;  \
	VPOR       Y5, Y4, Y4;   \
	VPADDB     Y8, Y8, Y8;   \
	VMOVDQU    aoff(DI), Y6; \
	VPMADDUBSW Y6, Y4, Y4;   \
	VPMADDUBSW Y6, Y11, Y5;  \
	VPSUBW     Y5, Y4, Y4;   \
	SCALEPAIR(sidx);         \
	VPMADDWD   Y9, Y4, Y4;   \
	VPADDD     Y4, Y15, Y15

#define Q3KHALF(h) \
	VMOVDQU (32+32*h)(SI), Y1; \
	Q3KSTEP(0, (4+128*h), (8*h+0)); \
	Q3KSTEP(2, (36+128*h), (8*h+2)); \
	Q3KSTEP(4, (68+128*h), (8*h+4)); \
	Q3KSTEP(6, (100+128*h), (8*h+6))

// func dotQ3_KAVX2(w, a *byte, nb int) float32
TEXT ·dotQ3_KAVX2(SB), NOSPLIT, $32-28
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	BCAST8($0x03030303, AX, X12, Y12)
	BCAST8($0x04040404, AX, X11, Y11)
	BCAST8($0x00200020, AX, X13, Y13) // int16 32s

q3kloop:
	// Sixteen 6-bit scales: low nibbles from bytes 0..7, top two bits
	// from bytes 8..11 (see q3KScales), then −32 as int16 at 0(SP).
	MOVL  96(SI), AX
	MOVL  100(SI), BX
	MOVL  104(SI), DX
	MOVL  AX, R8
	ANDL  $0x0f0f0f0f, R8
	MOVL  DX, R12
	ANDL  $0x03030303, R12
	SHLL  $4, R12
	ORL   R12, R8
	MOVL  BX, R9
	ANDL  $0x0f0f0f0f, R9
	MOVL  DX, R12
	SHLL  $2, R12
	ANDL  $0x30303030, R12
	ORL   R12, R9
	MOVL  AX, R10
	SHRL  $4, R10
	ANDL  $0x0f0f0f0f, R10
	MOVL  DX, R12
	ANDL  $0x30303030, R12
	ORL   R12, R10
	MOVL  BX, R11
	SHRL  $4, R11
	ANDL  $0x0f0f0f0f, R11
	MOVL  DX, R12
	SHRL  $2, R12
	ANDL  $0x30303030, R12
	ORL   R12, R11
	SHLQ  $32, R9
	ORQ   R9, R8
	SHLQ  $32, R11
	ORQ   R11, R10
	VMOVQ R8, X2
	VPINSRQ $1, R10, X2, X2
	VPMOVZXBW X2, Y2
	VPSUBW    Y13, Y2, Y2
	VMOVDQU   Y2, 0(SP)

	VMOVDQU (SI), Y7
	BCAST8($0x01010101, AX, X8, Y8)
	VPXOR   Y15, Y15, Y15
	Q3KHALF(0)
	Q3KHALF(1)
	VCVTDQ2PS    Y15, Y15
	VPBROADCASTW 108(SI), X5
	VCVTPH2PS    X5, Y5
	VBROADCASTSS (DI), Y6
	VMULPS       Y6, Y5, Y5
	VFMADD231PS  Y5, Y15, Y0
	ADDQ $110, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q3kloop

	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET
