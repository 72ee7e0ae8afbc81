//go:build !purego

#include "textflag.h"

// K·q lanes for an F16 cache: l[t] += f16(k[i+t])·q[i+t] over chunks of
// the lane count, the product rounded then added, as dotF16's Go loop (q
// is F16-rounded, so every product is exact and FMA would agree).

// func dotF16Lanes16(k *uint16, q *float32, n int, l *float32)
//
// n a positive multiple of 16; l[0:16] updated.
TEXT ·dotF16Lanes16(SB), NOSPLIT, $0-32
	MOVQ    k+0(FP), SI
	MOVQ    q+8(FP), DI
	MOVQ    n+16(FP), CX
	MOVQ    l+24(FP), AX
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	SHRQ    $4, CX

l16loop:
	VCVTPH2PS (SI), Y2
	VMULPS    (DI), Y2, Y2
	VADDPS    Y2, Y0, Y0
	VCVTPH2PS 16(SI), Y3
	VMULPS    32(DI), Y3, Y3
	VADDPS    Y3, Y1, Y1
	ADDQ      $32, SI
	ADDQ      $64, DI
	DECQ      CX
	JNZ       l16loop

	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 32(AX)
	VZEROUPPER
	RET

#define LANE8(i, acc, T) \
	VCVTPH2PS (16*i)(SI), T; \
	VMULPS    (32*i)(DI), T, T; \
	VADDPS    T, acc, acc

// func dotF16Lanes64(k *uint16, q *float32, n int, l *float32)
//
// n a positive multiple of 64; l[0:64] updated.
TEXT ·dotF16Lanes64(SB), NOSPLIT, $0-32
	MOVQ    k+0(FP), SI
	MOVQ    q+8(FP), DI
	MOVQ    n+16(FP), CX
	MOVQ    l+24(FP), AX
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVUPS 64(AX), Y2
	VMOVUPS 96(AX), Y3
	VMOVUPS 128(AX), Y4
	VMOVUPS 160(AX), Y5
	VMOVUPS 192(AX), Y6
	VMOVUPS 224(AX), Y7
	SHRQ    $6, CX

l64loop:
	LANE8(0, Y0, Y8)
	LANE8(1, Y1, Y9)
	LANE8(2, Y2, Y10)
	LANE8(3, Y3, Y11)
	LANE8(4, Y4, Y12)
	LANE8(5, Y5, Y13)
	LANE8(6, Y6, Y14)
	LANE8(7, Y7, Y15)
	ADDQ $128, SI
	ADDQ $256, DI
	DECQ CX
	JNZ  l64loop

	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 32(AX)
	VMOVUPS Y2, 64(AX)
	VMOVUPS Y3, 96(AX)
	VMOVUPS Y4, 128(AX)
	VMOVUPS Y5, 160(AX)
	VMOVUPS Y6, 192(AX)
	VMOVUPS Y7, 224(AX)
	VZEROUPPER
	RET
