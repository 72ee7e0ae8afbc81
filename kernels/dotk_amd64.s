//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// AVX2 K-quant dots against Q8_K (292-byte blocks: f32 d at 0, 256 int8 at
// 4, 16 int16 bsums at 260). Per super-block the integer sums are exact
// (scale·VPMADDUBSW pairs via VPMADDWD into int32 lanes), then multiplied by
// the float scale product into eight float32 lanes.

// Q4_K: 64 values per step j: low nibbles of 32 bytes with scale 2j, high
// nibbles with scale 2j+1 (scales as int16 at 16(SP)).
#define Q4KSTEP(j) \
	VMOVDQU      (16+32*j)(SI), Y5;   \
	VPSRLW       $4, Y5, Y6;          \
	VPAND        Y14, Y6, Y6;         \
	VPAND        Y14, Y5, Y5;         \
	VPMADDUBSW   (4+64*j)(DI), Y5, Y5;  \
	VPMADDUBSW   (36+64*j)(DI), Y6, Y6; \
	VPBROADCASTW (16+4*j)(SP), Y9;    \
	VPBROADCASTW (18+4*j)(SP), Y10;   \
	VPMADDWD     Y9, Y5, Y5;          \
	VPMADDWD     Y10, Y6, Y6;         \
	VPADDD       Y5, Y2, Y2;          \
	VPADDD       Y6, Y2, Y2

// Q4KSCALES unpacks the 12 scale bytes at 4(SI) into 8 int16 scales at
// 16(SP) and 8 int16 mins in X9 (the 6-bit packing of get_scale_min_k4).
// Scales reach the stack in one 16-byte store so the word loads after it
// are forwarded from it.
#define Q4KSCALES \
	MOVL      4(SI), AX;     \
	MOVL      8(SI), BX;     \
	MOVL      12(SI), DX;    \
	MOVL      AX, R8;        \
	ANDL      $0x3f3f3f3f, R8; \
	MOVL      DX, R9;        \
	ANDL      $0x0f0f0f0f, R9; \
	MOVL      AX, R10;       \
	SHRL      $2, R10;       \
	ANDL      $0x30303030, R10; \
	ORL       R10, R9;       \
	MOVL      BX, R10;       \
	ANDL      $0x3f3f3f3f, R10; \
	MOVL      DX, R11;       \
	SHRL      $4, R11;       \
	ANDL      $0x0f0f0f0f, R11; \
	MOVL      BX, R12;       \
	SHRL      $2, R12;       \
	ANDL      $0x30303030, R12; \
	ORL       R12, R11;      \
	SHLQ      $32, R9;       \
	ORQ       R9, R8;        \
	SHLQ      $32, R11;      \
	ORQ       R11, R10;      \
	VMOVQ     R8, X8;        \
	VPMOVZXBW X8, X8;        \
	VMOVDQU   X8, 16(SP);    \
	VMOVQ     R10, X9;       \
	VPMOVZXBW X9, X9

// func dotQ4_KAVX2(w, a *byte, nb int) float32
TEXT ·dotQ4_KAVX2(SB), NOSPLIT, $32-28
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0 // Σ d·scale·q·q8
	VXORPS X4, X4, X4 // Σ dmin·min·bsum
	BCAST8($0x0f0f0f0f, AX, X14, Y14)

q4kloop:
	Q4KSCALES
	// mins · (pairwise sums of bsums)
	VMOVDQU      260(DI), Y10
	VEXTRACTI128 $1, Y10, X11
	VPHADDW      X11, X10, X10
	VPMADDWD     X10, X9, X9
	VCVTDQ2PS    X9, X9
	VPBROADCASTW 2(SI), X12
	VCVTPH2PS    X12, X12
	VBROADCASTSS (DI), X13
	VMULPS       X13, X12, X12
	VFMADD231PS  X12, X9, X4

	VPXOR Y2, Y2, Y2
	Q4KSTEP(0)
	Q4KSTEP(1)
	Q4KSTEP(2)
	Q4KSTEP(3)
	VCVTDQ2PS    Y2, Y2
	VPBROADCASTW (SI), X12
	VCVTPH2PS    X12, Y12
	VBROADCASTSS (DI), Y13
	VMULPS       Y13, Y12, Y12
	VFMADD231PS  Y12, Y2, Y0

	ADDQ $144, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q4kloop

	HSUM8(Y0, X0, X1)
	HSUM4(X4, X1)
	VSUBSS  X4, X0, X0
	VZEROUPPER
	MOVSS   X0, ret+24(FP)
	RET

// Q5_K: Q4_K plus a fifth bit: bit 2j of qh gives 16 to the low-nibble
// values of step j, bit 2j+1 to the high. Y15 holds the bit being tested,
// shifted left twice per step; Y12 = 16s... (uses Y7 as the qh bytes).
#define Q5KSTEP(j) \
	VMOVDQU      (48+32*j)(SI), Y5;   \
	VPSRLW       $4, Y5, Y6;          \
	VPAND        Y14, Y6, Y6;         \
	VPAND        Y14, Y5, Y5;         \
	VPAND        Y15, Y7, Y8;         \
	VPCMPEQB     Y15, Y8, Y8;         \
	VPAND        Y11, Y8, Y8;         \
	VPOR         Y8, Y5, Y5;          \
	VPADDB       Y15, Y15, Y15;       \
	VPAND        Y15, Y7, Y8;         \
	VPCMPEQB     Y15, Y8, Y8;         \
	VPAND        Y11, Y8, Y8;         \
	VPOR         Y8, Y6, Y6;          \
	VPADDB       Y15, Y15, Y15;       \
	VPMADDUBSW   (4+64*j)(DI), Y5, Y5;  \
	VPMADDUBSW   (36+64*j)(DI), Y6, Y6; \
	VPBROADCASTW (16+4*j)(SP), Y9;    \
	VPBROADCASTW (18+4*j)(SP), Y10;   \
	VPMADDWD     Y9, Y5, Y5;          \
	VPMADDWD     Y10, Y6, Y6;         \
	VPADDD       Y5, Y2, Y2;          \
	VPADDD       Y6, Y2, Y2

// func dotQ5_KAVX2(w, a *byte, nb int) float32
TEXT ·dotQ5_KAVX2(SB), NOSPLIT, $32-28
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS X4, X4, X4
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x10101010, AX, X11, Y11)

q5kloop:
	Q4KSCALES
	VMOVDQU      260(DI), Y10
	VEXTRACTI128 $1, Y10, X11
	VPHADDW      X11, X10, X10
	VPMADDWD     X10, X9, X9
	VPHADDD      X9, X9, X9
	VPHADDD      X9, X9, X9
	VCVTDQ2PS    X9, X9
	VPBROADCASTW 2(SI), X12
	VCVTPH2PS    X12, X12
	VBROADCASTSS (DI), X13
	VMULPS       X13, X12, X12
	VFMADD231SS  X12, X9, X4 // summs: ggml keeps a scalar here, unlike Q4_K
	BCAST8($0x10101010, AX, X11, Y11)
	BCAST8($0x01010101, AX, X15, Y15)
	VMOVDQU      16(SI), Y7

	VPXOR Y2, Y2, Y2
	Q5KSTEP(0)
	Q5KSTEP(1)
	Q5KSTEP(2)
	Q5KSTEP(3)
	VCVTDQ2PS    Y2, Y2
	VPBROADCASTW (SI), X12
	VCVTPH2PS    X12, Y12
	VBROADCASTSS (DI), Y13
	VMULPS       Y13, Y12, Y12
	VFMADD231PS  Y12, Y2, Y0

	ADDQ $176, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q5kloop

	HSUM8(Y0, X0, X1)
	VSUBSS  X4, X0, X0
	VZEROUPPER
	MOVSS   X0, ret+24(FP)
	RET

// Q6_K: per 128 values (half h) four 32-value steps k; step k's 6-bit
// values are nibbles of ql (low for k=0,1, high for k=2,3, of bytes
// 64h+32(k&1)) with two bits from qh[32h:] at shift 2k. q·q8 − 32·q8 gives
// (q−32)·q8 in int16 pairs; each 16-value half has its own int8 scale
// (sign-extended to int16 at 0(SP)).
#define Q6KSTEP(NIB, hsh, aoff, sidx) \
	VPSRLW       $hsh, Y3, Y5;           \
	VPAND        Y12, Y5, Y5;            \
	VPSLLW       $4, Y5, Y5;             \
	VPOR         Y5, NIB, Y4;            \
	VMOVDQU      aoff(DI), Y6;           \
	VPMADDUBSW   Y6, Y4, Y4;             \
	VPMADDUBSW   Y6, Y13, Y7;            \
	VPSUBW       Y7, Y4, Y4;             \
	VPBROADCASTW (2*sidx)(SP), X9;       \
	VPBROADCASTW (2*sidx+2)(SP), X10;    \
	VINSERTI128  $1, X10, Y9, Y9;        \
	VPMADDWD     Y9, Y4, Y4;             \
	VPADDD       Y4, Y15, Y15

#define Q6KHALF(h) \
	VMOVDQU (64*h)(SI), Y1;      \
	VMOVDQU (64*h+32)(SI), Y2;   \
	VMOVDQU (128+32*h)(SI), Y3;  \
	VPSRLW  $4, Y1, Y8;          \
	VPAND   Y14, Y8, Y8;         \
	VPSRLW  $4, Y2, Y11;         \
	VPAND   Y14, Y11, Y11;       \
	VPAND   Y14, Y1, Y1;         \
	VPAND   Y14, Y2, Y2;         \
	Q6KSTEP(Y1, 0, (4+128*h), (8*h+0));   \
	Q6KSTEP(Y2, 2, (36+128*h), (8*h+2));  \
	Q6KSTEP(Y8, 4, (68+128*h), (8*h+4));  \
	Q6KSTEP(Y11, 6, (100+128*h), (8*h+6))

// func dotQ6_KAVX2(w, a *byte, nb int) float32
TEXT ·dotQ6_KAVX2(SB), NOSPLIT, $32-28
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x03030303, AX, X12, Y12)
	BCAST8($0x20202020, AX, X13, Y13)

q6kloop:
	VPMOVSXBW 192(SI), Y8
	VMOVDQU   Y8, 0(SP)
	VPXOR     Y15, Y15, Y15
	Q6KHALF(0)
	Q6KHALF(1)
	VCVTDQ2PS    Y15, Y15
	VPBROADCASTW 208(SI), X9
	VCVTPH2PS    X9, Y9
	VBROADCASTSS (DI), Y10
	VMULPS       Y10, Y9, Y9
	VFMADD231PS  Y9, Y15, Y0

	ADDQ $210, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q6kloop

	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET
