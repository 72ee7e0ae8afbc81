//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// 4-token AVX2 dots for prefill (Q8_0; Q4_0 with a scalar sum per token,
// as dotQ4_0AVX2; K-quants in dotkx4_amd64.s
// and dotk6x4_amd64.s): one weight row against four
// activation rows (a, a+stride, a+2·stride, a+3·stride), decoding each
// weight block once. Per token they form the same int32 lanes as the
// 1-token kernel and apply the same float operations in the same order,
// so MatMul's results do not depend on how tokens are grouped (the tests
// check this bit for bit). Generated once by a script, then kept by hand.

// func dotQ8_0x4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)
TEXT ·dotQ8_0x4AVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ stride+16(FP), BX
	MOVQ nb+24(FP), CX
	LEAQ (BX)(BX*2), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x08080808, AX, X12, Y12)
	MOVQ     ·f16Table(SB), R9
	VMOVDQU  upperLaneShift4x4<>(SB), Y15

dotq8_0x4avx2loop:
	VMOVDQU 2(SI), Y4
	VPSIGNB      Y4, Y4, Y5
	MOVWLZX      (SI), AX
	VBROADCASTSS (R9)(AX*4), Y6
	VMOVDQU      2(DI), Y7
	VPSIGNB      Y4, Y7, Y7
	VPMADDUBSW   Y7, Y5, Y7
	VPMADDWD     Y13, Y7, Y7
	VCVTDQ2PS    Y7, Y7
	MOVWLZX      (DI), DX
	VBROADCASTSS (R9)(DX*4), Y8
	VMULPS       Y8, Y6, Y8
	VFMADD231PS  Y8, Y7, Y0
	VMOVDQU      2(DI)(BX*1), Y7
	VPSIGNB      Y4, Y7, Y7
	VPMADDUBSW   Y7, Y5, Y7
	VPMADDWD     Y13, Y7, Y7
	VCVTDQ2PS    Y7, Y7
	MOVWLZX      (DI)(BX*1), DX
	VBROADCASTSS (R9)(DX*4), Y8
	VMULPS       Y8, Y6, Y8
	VFMADD231PS  Y8, Y7, Y1
	VMOVDQU      2(DI)(BX*2), Y7
	VPSIGNB      Y4, Y7, Y7
	VPMADDUBSW   Y7, Y5, Y7
	VPMADDWD     Y13, Y7, Y7
	VCVTDQ2PS    Y7, Y7
	MOVWLZX      (DI)(BX*2), DX
	VBROADCASTSS (R9)(DX*4), Y8
	VMULPS       Y8, Y6, Y8
	VFMADD231PS  Y8, Y7, Y2
	VMOVDQU      2(DI)(R13*1), Y7
	VPSIGNB      Y4, Y7, Y7
	VPMADDUBSW   Y7, Y5, Y7
	VPMADDWD     Y13, Y7, Y7
	VCVTDQ2PS    Y7, Y7
	MOVWLZX      (DI)(R13*1), DX
	VBROADCASTSS (R9)(DX*4), Y8
	VMULPS       Y8, Y6, Y8
	VFMADD231PS  Y8, Y7, Y3
	ADDQ $34, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  dotq8_0x4avx2loop

	MOVQ out+32(FP), AX
	MOVQ ostride+40(FP), DX
	SHLQ $2, DX
	HSUM8(Y0, X0, X15)
	MOVSS X0, (AX)
	ADDQ  DX, AX
	HSUM8(Y1, X1, X15)
	MOVSS X1, (AX)
	ADDQ  DX, AX
	HSUM8(Y2, X2, X15)
	MOVSS X2, (AX)
	ADDQ  DX, AX
	HSUM8(Y3, X3, X15)
	MOVSS X3, (AX)
	VZEROUPPER
	RET

// func dotQ4_0x4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)
//
// Per block, the four tokens' int32 lanes are added up with VPHADDD into
// one int per token, and lane t of X0 gets fma(sum_t, f16(w)·f16(a_t)):
// the scalar order of dotQ4_0AVX2, four tokens at once.
TEXT ·dotQ4_0x4AVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ stride+16(FP), BX
	MOVQ nb+24(FP), CX
	LEAQ (BX)(BX*2), R13
	VXORPS   X0, X0, X0
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x08080808, AX, X12, Y12)
	MOVQ     ·f16Table(SB), R9
	VMOVDQU  upperLaneShift4x4<>(SB), Y15

dotq4_0x4avx2loop:
	VBROADCASTI128 2(SI), Y4
	VPSRLVD      Y15, Y4, Y4
	VPAND        Y14, Y4, Y4
	VPSUBB       Y12, Y4, Y4
	VPSIGNB      Y4, Y4, Y5
	VMOVDQU      2(DI), Y7
	VPSIGNB      Y4, Y7, Y7
	VPMADDUBSW   Y7, Y5, Y7
	VPMADDWD     Y13, Y7, Y7
	VMOVDQU      2(DI)(BX*1), Y8
	VPSIGNB      Y4, Y8, Y8
	VPMADDUBSW   Y8, Y5, Y8
	VPMADDWD     Y13, Y8, Y8
	VMOVDQU      2(DI)(BX*2), Y9
	VPSIGNB      Y4, Y9, Y9
	VPMADDUBSW   Y9, Y5, Y9
	VPMADDWD     Y13, Y9, Y9
	VMOVDQU      2(DI)(R13*1), Y10
	VPSIGNB      Y4, Y10, Y10
	VPMADDUBSW   Y10, Y5, Y10
	VPMADDWD     Y13, Y10, Y10
	VPHADDD      Y8, Y7, Y7
	VPHADDD      Y10, Y9, Y9
	VPHADDD      Y9, Y7, Y7
	VEXTRACTI128 $1, Y7, X8
	VPADDD       X8, X7, X7
	VCVTDQ2PS    X7, X7
	MOVWLZX      (DI), DX
	VMOVSS       (R9)(DX*4), X8
	MOVWLZX      (DI)(BX*1), DX
	VINSERTPS    $0x10, (R9)(DX*4), X8, X8
	MOVWLZX      (DI)(BX*2), DX
	VINSERTPS    $0x20, (R9)(DX*4), X8, X8
	MOVWLZX      (DI)(R13*1), DX
	VINSERTPS    $0x30, (R9)(DX*4), X8, X8
	MOVWLZX      (SI), AX
	VBROADCASTSS (R9)(AX*4), X6
	VMULPS       X8, X6, X8
	VFMADD231PS  X8, X7, X0
	ADDQ $18, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  dotq4_0x4avx2loop

	MOVQ out+32(FP), AX
	MOVQ ostride+40(FP), DX
	SHLQ $2, DX
	MOVSS X0, (AX)
	ADDQ  DX, AX
	VEXTRACTPS $1, X0, (AX)
	ADDQ  DX, AX
	VEXTRACTPS $2, X0, (AX)
	ADDQ  DX, AX
	VEXTRACTPS $3, X0, (AX)
	VZEROUPPER
	RET

// upperLaneShift4x4: VPSRLVD counts shifting only the upper 128-bit lane by 4.
DATA upperLaneShift4x4<>+0(SB)/8, $0
DATA upperLaneShift4x4<>+8(SB)/8, $0
DATA upperLaneShift4x4<>+16(SB)/8, $0x0000000400000004
DATA upperLaneShift4x4<>+24(SB)/8, $0x0000000400000004
GLOBL upperLaneShift4x4<>(SB), RODATA|NOPTR, $32
