//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// Q4_0 dots in ggml_vec_dot_q4_0_q8_0's AVX2 order, for weights llama.cpp
// does not repack (rows not a multiple of 8): per block eight int32 lanes
// of four consecutive products, each converted and FMA'd with the block's
// scale product into its float lane; hsum_float_8 at the end. The 4-token
// kernel reproduces the 1-token one bit for bit.

#define Q4_0LANES(off, aoff) \
	VBROADCASTI128 (2+off)(SI), Y1; \
	VPSRLVD      Y15, Y1, Y1;       \
	VPAND        Y14, Y1, Y1;       \
	VMOVDQU      (2+aoff)(DI), Y2;  \
	VPMADDUBSW   Y2, Y1, Y4;        \
	VPMADDUBSW   Y2, Y12, Y3;       \
	VPSUBW       Y3, Y4, Y4;        \
	VPMADDWD     Y13, Y4, Y4;       \
	VCVTDQ2PS    Y4, Y4;            \
	MOVWLZX      off(SI), AX;       \
	MOVWLZX      aoff(DI), DX;      \
	VBROADCASTSS (R9)(AX*4), Y5;    \
	VBROADCASTSS (R9)(DX*4), Y6;    \
	VMULPS       Y6, Y5, Y5;        \
	VFMADD231PS  Y5, Y4, Y0

// func dotQ4_0LanesAVX2(w, a *byte, nb int) float32
TEXT ·dotQ4_0LanesAVX2(SB), NOSPLIT, $0-28
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     nb+16(FP), CX
	MOVQ     ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x08080808, AX, X12, Y12)
	VMOVDQU  q40LaneShift<>(SB), Y15

q40lloop:
	Q4_0LANES(0, 0)
	ADDQ $18, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q40lloop

	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotQ4_0Lanesx4AVX2(w, a *byte, stride, nb int, out *float32, ostride int)
TEXT ·dotQ4_0Lanesx4AVX2(SB), NOSPLIT, $0-48
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
	VMOVDQU  q40LaneShift<>(SB), Y15

q40lx4loop:
	VBROADCASTI128 2(SI), Y4
	VPSRLVD     Y15, Y4, Y4
	VPAND       Y14, Y4, Y4
	VPSUBB      Y12, Y4, Y4
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
	ADDQ $18, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q40lx4loop

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

// q40LaneShift: VPSRLVD counts shifting only the upper 128-bit lane by 4.
DATA q40LaneShift<>+0(SB)/8, $0
DATA q40LaneShift<>+8(SB)/8, $0
DATA q40LaneShift<>+16(SB)/8, $0x0000000400000004
DATA q40LaneShift<>+24(SB)/8, $0x0000000400000004
GLOBL q40LaneShift<>(SB), RODATA|NOPTR, $32
