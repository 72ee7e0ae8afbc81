//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// Multi-row Q8_0 dots. dotQ8_0AVX2 is one chain of dependent FMAs (one a
// block), so it waits on FMA latency; these kernels run several rows'
// (and tokens') chains side by side, each formed exactly as the 1-row
// kernel forms it: same int32 lanes, same scale product, same FMA into
// eight float lanes per block, same final horizontal sum. Only the
// interleaving of independent sums changes, so results are bit-identical.

// Q8ROW adds one row's block (quants at wq, scale at wd) against the activation block in Y4
// (scale f16(a.d) broadcast in Y5) into ACC, with temporaries W, U, P, S.
#define Q8ROW(wq, wd, ACC, W, U, P, S) \
	VMOVDQU      wq, W;         \
	VPSIGNB      W, W, U;       \
	VPSIGNB      W, Y4, P;      \
	VPMADDUBSW   P, U, P;       \
	VPMADDWD     Y13, P, P;     \
	VCVTDQ2PS    P, P;          \
	MOVWLZX      wd, AX;        \
	VBROADCASTSS (R9)(AX*4), S; \
	VMULPS       Y5, S, S;      \
	VFMADD231PS  S, P, ACC

#define PFD 0

// func dotQ8_0x4rAVX2(w *byte, wstride int, a *byte, nb int, out *float32)
TEXT ·dotQ8_0x4rAVX2(SB), NOSPLIT, $0-40
	MOVQ     w+0(FP), SI
	MOVQ     wstride+8(FP), R8
	MOVQ     a+16(FP), DI
	MOVQ     nb+24(FP), CX
	LEAQ     (R8)(R8*2), R10
	LEAQ     (SI)(R8*4), R11
	MOVQ     ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VXORPS   Y1, Y1, Y1
	VXORPS   Y2, Y2, Y2
	VXORPS   Y3, Y3, Y3
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13

q80x4rloop:
	PREFETCHNTA   PFD(R11)
	PREFETCHNTA   PFD(R11)(R8*1)
	PREFETCHNTA   PFD(R11)(R8*2)
	PREFETCHNTA   PFD(R11)(R10*1)
	VMOVDQU      2(DI), Y4
	MOVWLZX      (DI), DX
	VBROADCASTSS (R9)(DX*4), Y5
	Q8ROW(2(SI), (SI), Y0, Y6, Y7, Y8, Y9)
	Q8ROW(2(SI)(R8*1), (SI)(R8*1), Y1, Y10, Y11, Y12, Y14)
	Q8ROW(2(SI)(R8*2), (SI)(R8*2), Y2, Y6, Y7, Y8, Y9)
	Q8ROW(2(SI)(R10*1), (SI)(R10*1), Y3, Y10, Y11, Y12, Y14)
	ADDQ $34, SI
	ADDQ $34, R11
	ADDQ $34, DI
	DECQ CX
	JNZ  q80x4rloop

	MOVQ out+32(FP), AX
	HSUM8(Y0, X0, X15)
	MOVSS X0, (AX)
	HSUM8(Y1, X1, X15)
	MOVSS X1, 4(AX)
	HSUM8(Y2, X2, X15)
	MOVSS X2, 8(AX)
	HSUM8(Y3, X3, X15)
	MOVSS X3, 12(AX)
	VZEROUPPER
	RET

// Packed Q8_0 (packRows: per block of a group of eight rows, the eight
// f16 scales, then each row's 32 quants; 272 bytes): one sequential
// stream, and a block's eight scale products take one conversion and one
// multiply.

// Q8PROW adds row r's block (quants at q) against the activation block in
// Y8 into ACC, scaled by the product at s(SP).
#define Q8PROW(q, s, ACC) \
	VMOVDQU      q, Y11;        \
	VPSIGNB      Y11, Y11, Y12; \
	VPSIGNB      Y11, Y8, Y13;  \
	VPMADDUBSW   Y13, Y12, Y13; \
	VPMADDWD     Y15, Y13, Y13; \
	VCVTDQ2PS    Y13, Y13;      \
	VBROADCASTSS s(SP), Y14;    \
	VFMADD231PS  Y14, Y13, ACC

// func dotQ8_0x8rAVX2(w, a *byte, nb int, out *float32)
//
// out[r] = dotQ8_0AVX2 of row r of the packed group at w, r < 8.
TEXT ·dotQ8_0x8rAVX2(SB), NOSPLIT, $32-32
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     nb+16(FP), CX
	MOVQ     ·f16Table(SB), R9
	ZERO8
	VPCMPEQW Y15, Y15, Y15
	VPSRLW   $15, Y15, Y15

q80x8rloop:
	PREFETCHT0   2048(SI)
	PREFETCHT0   2112(SI)
	PREFETCHT0   2176(SI)
	PREFETCHT0   2240(SI)
	VMOVDQU      2(DI), Y8
	MOVWLZX      (DI), DX
	VBROADCASTSS (R9)(DX*4), Y9
	VCVTPH2PS    (SI), Y10
	VMULPS       Y9, Y10, Y10
	VMOVUPS      Y10, (SP)
	Q8PROW(16(SI), 0, Y0)
	Q8PROW(48(SI), 4, Y1)
	Q8PROW(80(SI), 8, Y2)
	Q8PROW(112(SI), 12, Y3)
	Q8PROW(144(SI), 16, Y4)
	Q8PROW(176(SI), 20, Y5)
	Q8PROW(208(SI), 24, Y6)
	Q8PROW(240(SI), 28, Y7)
	ADDQ $272, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q80x8rloop

	MOVQ out+24(FP), AX
	HSUM8(Y0, X0, X8)
	MOVSS X0, (AX)
	HSUM8(Y1, X1, X8)
	MOVSS X1, 4(AX)
	HSUM8(Y2, X2, X8)
	MOVSS X2, 8(AX)
	HSUM8(Y3, X3, X8)
	MOVSS X3, 12(AX)
	HSUM8(Y4, X4, X8)
	MOVSS X4, 16(AX)
	HSUM8(Y5, X5, X8)
	MOVSS X5, 20(AX)
	HSUM8(Y6, X6, X8)
	MOVSS X6, 24(AX)
	HSUM8(Y7, X7, X8)
	MOVSS X7, 28(AX)
	VZEROUPPER
	RET
