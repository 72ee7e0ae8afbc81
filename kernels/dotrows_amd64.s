//go:build !purego

#include "textflag.h"

// 8-row AVX2 dots for mat·vec (decode): eight weight rows, wstride bytes
// apart, against one activation row. Each row's sum is formed exactly as
// its 1-row kernel forms it (same integer block sums, same float operations
// in the same order), so results are bit-identical; the gain is that the
// eight rows' per-block FMAs are independent lanes of one vector FMA, not a
// chain of scalar FMAs, and the activation block is decoded once.

#define BCAST8(v, R, X, Y) \
	MOVL         v, R;    \
	VMOVD        R, X;    \
	VPBROADCASTD X, Y

// Q4_0ROWPAIR leaves in R (int32×8) the block's pair sums for two rows: the
// low 128-bit lane from the quants at lo, the high lane from those at hi.
// Low nibbles pair with a[0:16] (Y11, both lanes), high nibbles with
// a[16:32] (Y10); Y9 holds the int16 pair sums of 8·a, so each int16 lane
// is Σ (nibble−8)·a over four products, exact (|·| ≤ 4096).
#define Q4_0ROWPAIR(lo, hi, R, X, T) \
	VMOVDQU     lo, X;       \
	VINSERTI128 $1, hi, R, R; \
	VPSRLW      $4, R, T;      \
	VPAND       Y14, R, R;     \
	VPAND       Y14, T, T;     \
	VPMADDUBSW  Y11, R, R;     \
	VPMADDUBSW  Y10, T, T;     \
	VPADDW      T, R, R;       \
	VPSUBW      Y9, R, R;      \
	VPMADDWD    Y13, R, R

// Q4_0X8RBLOCK adds the block at byte off of each row (activation block at
// aoff) into the eight lanes of Y0.
#define Q4_0X8RBLOCK(off, aoff) \
	VBROADCASTI128 (2+aoff)(DI), Y11; \
	VBROADCASTI128 (18+aoff)(DI), Y10; \
	VPMADDUBSW     Y11, Y12, Y9; \
	VPMADDUBSW     Y10, Y12, Y1; \
	VPADDW         Y1, Y9, Y9; \
	Q4_0ROWPAIR((2+off)(SI), (2+off)(SI)(R8*4), Y1, X1, Y2); \
	Q4_0ROWPAIR((2+off)(SI)(R8*1), (2+off)(SI)(R11*1), Y3, X3, Y4); \
	Q4_0ROWPAIR((2+off)(SI)(R8*2), (2+off)(SI)(R10*2), Y5, X5, Y6); \
	Q4_0ROWPAIR((2+off)(SI)(R10*1), (2+off)(SI)(R12*1), Y7, X7, Y8); \
	VPHADDD   Y3, Y1, Y1; \
	VPHADDD   Y7, Y5, Y5; \
	VPHADDD   Y5, Y1, Y1; \
	VCVTDQ2PS Y1, Y1; \
	VPINSRW   $0, off(SI), X15, X15; \
	VPINSRW   $1, off(SI)(R8*1), X15, X15; \
	VPINSRW   $2, off(SI)(R8*2), X15, X15; \
	VPINSRW   $3, off(SI)(R10*1), X15, X15; \
	VPINSRW   $4, off(SI)(R8*4), X15, X15; \
	VPINSRW   $5, off(SI)(R11*1), X15, X15; \
	VPINSRW   $6, off(SI)(R10*2), X15, X15; \
	VPINSRW   $7, off(SI)(R12*1), X15, X15; \
	VCVTPH2PS X15, Y2; \
	MOVWLZX   aoff(DI), DX; \
	VBROADCASTSS (R9)(DX*4), Y3; \
	VMULPS    Y3, Y2, Y2; \
	VFMADD231PS Y2, Y1, Y0

// Q4_0DECODEPAIR splits the quants of two rows (lo: low 128-bit lane, hi:
// high lane) into their low nibbles (L) and high nibbles (H).
#define Q4_0DECODEPAIR(lo, hi, L, XL, H) \
	VMOVDQU     lo, XL;              \
	VINSERTI128 $1, hi, L, L;        \
	VPSRLW      $4, L, H;            \
	VPAND       q40NibbleMask<>(SB), L, L; \
	VPAND       q40NibbleMask<>(SB), H, H

// Q4_0PAIRDOT sets P to one token's pair sums for a decoded row pair (L,
// H), with Y11/Y10 the token's a[0:16]/a[16:32] and Y9 its 8·a pair sums.
#define Q4_0PAIRDOT(L, H, P, T) \
	VPMADDUBSW Y11, L, P; \
	VPMADDUBSW Y10, H, T; \
	VPADDW     T, P, P;   \
	VPSUBW     Y9, P, P;  \
	VPMADDWD   Y13, P, P

// Q4_0X8RTOKEN adds one token's block (quants at alo and ahi, scale at
// actd, accumulator at acc(SP)) given the decoded rows in Y1..Y8 and the
// rows' scales at 128(SP).
#define Q4_0X8RTOKEN(alo, ahi, actd, acc) \
	VBROADCASTI128 alo, Y11;      \
	VBROADCASTI128 ahi, Y10;      \
	VPMADDUBSW  Y11, Y12, Y9;     \
	VPMADDUBSW  Y10, Y12, Y0;     \
	VPADDW      Y0, Y9, Y9;       \
	Q4_0PAIRDOT(Y1, Y2, Y0, Y14); \
	Q4_0PAIRDOT(Y3, Y4, Y14, Y15); \
	VPHADDD     Y14, Y0, Y0;      \
	Q4_0PAIRDOT(Y5, Y6, Y14, Y15); \
	VPMADDUBSW  Y11, Y7, Y15;     \
	VPMADDUBSW  Y10, Y8, Y11;     \
	VPADDW      Y11, Y15, Y15;    \
	VPSUBW      Y9, Y15, Y15;     \
	VPMADDWD    Y13, Y15, Y15;    \
	VPHADDD     Y15, Y14, Y14;    \
	VPHADDD     Y14, Y0, Y0;      \
	VCVTDQ2PS   Y0, Y0;           \
	MOVWLZX     actd, DX;         \
	VBROADCASTSS (R9)(DX*4), Y14; \
	VMULPS      128(SP), Y14, Y14; \
	VMOVUPS     acc(SP), Y15;     \
	VFMADD231PS Y14, Y0, Y15;     \
	VMOVUPS     Y15, acc(SP)

// func dotQ4_0x8rAVX2(w *byte, wstride, bstep int, a *byte, nb int, out *float32)
//
// out[r] = dotQ4_0AVX2 of the row whose block b is at w + r·wstride +
// b·bstep, for r < 8 (bstep 18: plain rows; 144: rows packed eight to a
// group, block by block, llama.cpp's q4_0_8x8 layout, read as one stream).
// Per block, lane r gets fma(float(sumi_r), f16(w_r.d)·f16(a.d), acc_r):
// llama.cpp's q4_0_8x8 gemv with its eight rows in the eight lanes.
TEXT ·dotQ4_0x8rAVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), SI
	MOVQ wstride+8(FP), R8
	MOVQ bstep+16(FP), BX
	MOVQ a+24(FP), DI
	MOVQ nb+32(FP), CX
	LEAQ (R8)(R8*2), R10  // 3·stride
	LEAQ (R8)(R8*4), R11  // 5·stride
	LEAQ (R10)(R8*4), R12 // 7·stride
	MOVQ ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VXORPS   X15, X15, X15
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x08080808, AX, X12, Y12)

q40x8rloop:
	Q4_0X8RBLOCK(0, 0)
	ADDQ BX, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q40x8rloop

	MOVQ    out+40(FP), AX
	VMOVUPS Y0, (AX)
	VZEROUPPER
	RET

// func dotQ4_0x8rx4AVX2(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int)
//
// dotQ4_0x8rAVX2 for four tokens (activation rows astride bytes apart):
// out[t·ostride + r] for t < 4, r < 8, each bit-identical to the 1-token
// kernel; each weight block is split into nibbles once for all four.
TEXT ·dotQ4_0x8rx4AVX2(SB), NOSPLIT, $160-64
	MOVQ w+0(FP), SI
	MOVQ wstride+8(FP), R8
	MOVQ bstep+16(FP), BX
	MOVQ a+24(FP), DI
	MOVQ astride+32(FP), R14
	MOVQ nb+40(FP), CX
	LEAQ (R8)(R8*2), R10  // 3·wstride
	LEAQ (R8)(R8*4), R11  // 5·wstride
	LEAQ (R10)(R8*4), R12 // 7·wstride
	LEAQ (R14)(R14*2), R13 // 3·astride
	MOVQ ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VMOVUPS  Y0, (SP)
	VMOVUPS  Y0, 32(SP)
	VMOVUPS  Y0, 64(SP)
	VMOVUPS  Y0, 96(SP)
	VXORPS   X15, X15, X15
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x08080808, AX, X12, Y12)

q40x8rx4loop:
	VPINSRW   $0, (SI), X15, X15
	VPINSRW   $1, (SI)(R8*1), X15, X15
	VPINSRW   $2, (SI)(R8*2), X15, X15
	VPINSRW   $3, (SI)(R10*1), X15, X15
	VPINSRW   $4, (SI)(R8*4), X15, X15
	VPINSRW   $5, (SI)(R11*1), X15, X15
	VPINSRW   $6, (SI)(R10*2), X15, X15
	VPINSRW   $7, (SI)(R12*1), X15, X15
	VCVTPH2PS X15, Y0
	VMOVUPS   Y0, 128(SP)
	Q4_0DECODEPAIR(2(SI), 2(SI)(R8*4), Y1, X1, Y2)
	Q4_0DECODEPAIR(2(SI)(R8*1), 2(SI)(R11*1), Y3, X3, Y4)
	Q4_0DECODEPAIR(2(SI)(R8*2), 2(SI)(R10*2), Y5, X5, Y6)
	Q4_0DECODEPAIR(2(SI)(R10*1), 2(SI)(R12*1), Y7, X7, Y8)
	Q4_0X8RTOKEN(2(DI), 18(DI), (DI), 0)
	Q4_0X8RTOKEN(2(DI)(R14*1), 18(DI)(R14*1), (DI)(R14*1), 32)
	Q4_0X8RTOKEN(2(DI)(R14*2), 18(DI)(R14*2), (DI)(R14*2), 64)
	Q4_0X8RTOKEN(2(DI)(R13*1), 18(DI)(R13*1), (DI)(R13*1), 96)
	ADDQ BX, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q40x8rx4loop

	MOVQ    out+48(FP), AX
	MOVQ    ostride+56(FP), DX
	SHLQ    $2, DX
	VMOVUPS (SP), Y0
	VMOVUPS Y0, (AX)
	ADDQ    DX, AX
	VMOVUPS 32(SP), Y0
	VMOVUPS Y0, (AX)
	ADDQ    DX, AX
	VMOVUPS 64(SP), Y0
	VMOVUPS Y0, (AX)
	ADDQ    DX, AX
	VMOVUPS 96(SP), Y0
	VMOVUPS Y0, (AX)
	VZEROUPPER
	RET

DATA q40NibbleMask<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40NibbleMask<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40NibbleMask<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40NibbleMask<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL q40NibbleMask<>(SB), RODATA|NOPTR, $32
