//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// Four-row K-quant dots against one Q8_K activation row (mat·vec, decode).
// Row r of out is, bit for bit, the 1-row kernel of dotk_amd64.s on the
// row at w + r·wstride, its blocks bstep bytes apart (R14; R15 is 0: plain
// rows have bstep = block size, packRows' groups 4·block size): the same
// int32 lanes a block, the same float multiplies and FMAs into the same
// lanes, the same final reductions. What
// changes is what four rows share: the activation scale, bsums and 32·q8
// sums are prepared once a block, the rows' scale bytes are unpacked four
// rows at a time in vectors (one block ahead, so that work overlaps the
// previous block's rows), and the loop and call overhead is paid once.
// Q4_K rows go in pairs; Q5_K and Q6_K rows one at a time (registers).

// PFDIST sets R8 to the software prefetch distance: the next group of
// four rows (MatMul walks rows in fours), in whole groups up to at least
// 8 KB when rows are short, so lines come from DRAM in time. Each row
// block prefetches (PREFETCHT1: into L2, sparing L1 on long rows) the
// lines R8 bytes on; past the matrix these are harmless hints. Hardware
// stream prefetch alone does badly on four interleaved short row streams
// (2.5x slower than one row for Q6_K). Clobbers BX.
#define PFDIST \
	SHLQ $2, BX;     \
	MOVQ BX, R8;     \
	TESTQ BX, BX;    \
	JLE  pfdone;     \
pfdist:              \
	CMPQ R8, $8192;  \
	JGE  pfdone;     \
	ADDQ BX, R8;     \
	JMP  pfdist;     \
pfdone:

// Q4XPROD is the first half of Q4KSTEP of dotk_amd64.s for the rows at
// WA and WB: the low and high nibbles of the 32 bytes at 16+32j times q8
// (int16 pair sums), low in Y6 (A) and Y10 (B), high in Y5 and Y9.
#define Q4XPROD(WA, WB, j) \
	VMOVDQU    (16+32*j)(WA), Y5;      \
	VMOVDQU    (16+32*j)(WB), Y9;      \
	VPAND      Y14, Y5, Y6;            \
	VPAND      Y14, Y9, Y10;           \
	VPSRLW     $4, Y5, Y5;             \
	VPSRLW     $4, Y9, Y9;             \
	VPAND      Y14, Y5, Y5;            \
	VPAND      Y14, Y9, Y9;            \
	VPMADDUBSW (4+64*j)(DI), Y6, Y6;   \
	VPMADDUBSW (4+64*j)(DI), Y10, Y10; \
	VPMADDUBSW (36+64*j)(DI), Y5, Y5;  \
	VPMADDUBSW (36+64*j)(DI), Y9, Y9

// Q4XSTEP is Q4KSTEP for two rows: the low sums times scale 2j (int16 at
// so(B) for A, so+8(B) for B), the high ones times scale 2j+1 (so+2,
// so+10), added to the int32 sums IA, IB. Q4XSTEP0 sets IA, IB instead.
#define Q4XSTEP(WA, WB, j, so, B, IA, IB) \
	Q4XPROD(WA, WB, j);           \
	VPBROADCASTW so(B), Y8;       \
	VPBROADCASTW (so+8)(B), Y12;  \
	VPMADDWD     Y8, Y6, Y6;      \
	VPMADDWD     Y12, Y10, Y10;   \
	VPBROADCASTW (so+2)(B), Y8;   \
	VPBROADCASTW (so+10)(B), Y12; \
	VPMADDWD     Y8, Y5, Y5;      \
	VPMADDWD     Y12, Y9, Y9;     \
	VPADDD       Y6, IA, IA;      \
	VPADDD       Y10, IB, IB;     \
	VPADDD       Y5, IA, IA;      \
	VPADDD       Y9, IB, IB

#define Q4XSTEP0(WA, WB, j, so, B, IA, IB) \
	Q4XPROD(WA, WB, j);           \
	VPBROADCASTW so(B), Y8;       \
	VPBROADCASTW (so+8)(B), Y12;  \
	VPMADDWD     Y8, Y6, IA;      \
	VPMADDWD     Y12, Y10, IB;    \
	VPBROADCASTW (so+2)(B), Y8;   \
	VPBROADCASTW (so+10)(B), Y12; \
	VPMADDWD     Y8, Y5, Y5;      \
	VPMADDWD     Y12, Y9, Y9;     \
	VPADDD       Y5, IA, IA;      \
	VPADDD       Y9, IB, IB

// Q4XROW2 adds rows A and B's block to FA, FB: int32 lanes → float,
// times d·y.d (at doff(B), doff+8(B)), one FMA, as the 1-row kernel.
// Row r's scales 0-3 are at 32+8r(B), 4-7 at 64+8r(B).
#define Q4XROW2(WA, WB, sb, FA, FB, doff, B) \
	PREFETCHT1   0(WA)(R8*1);       \
	PREFETCHT1   64(WA)(R8*1);      \
	PREFETCHT1   128(WA)(R8*1);     \
	PREFETCHT1   0(WB)(R8*1);       \
	PREFETCHT1   64(WB)(R8*1);      \
	PREFETCHT1   128(WB)(R8*1);     \
	Q4XSTEP0(WA, WB, 0, sb, B, Y15, Y11);   \
	Q4XSTEP(WA, WB, 1, sb+4, B, Y15, Y11);  \
	Q4XSTEP(WA, WB, 2, sb+32, B, Y15, Y11); \
	Q4XSTEP(WA, WB, 3, sb+36, B, Y15, Y11); \
	VCVTDQ2PS    Y15, Y15;       \
	VCVTDQ2PS    Y11, Y11;       \
	VBROADCASTSS doff(B), Y5;    \
	VBROADCASTSS (doff+8)(B), Y9; \
	VFMADD231PS  Y5, Y15, FA;    \
	VFMADD231PS  Y9, Y11, FB

#define Q4XROWS(B) \
	Q4XROW2(SI, R9, 32, Y0, Y1, 0, B);   \
	Q4XROW2(R10, R11, 48, Y2, Y3, 16, B)

// Q4XUNPACK unpacks the scales, d and dmin of the four rows' block IDX
// bytes past the row pointers (activation block at aoff) into the 96 bytes at B, and leaves
// mins·bsum pair sums in Y6 (int32 lanes 0,1 of each row: rows 0 1 | 2 3)
// and Y9 (lanes 2,3), dmin·y.d for those lanes in Y10; Q4XHEAD adds them
// to Y4, Y7 as the 1-row kernel adds X9 to X4. get_scale_min_k4 runs on
// the rows' 12 scale bytes (dwords a b c after d|dmin) for four rows at
// once: with T0 = dm a, T1 = b c (rows 0,1 | 2,3), P = b a and Cv = c c,
// the low halves give the mins, the high halves the scales: P&0x3f,
// (Cv>>{4,0})&0x0f | (P>>2)&0x30. Y13 is zero.
#define Q4XUNPACK(IDX, aoff, B) \
	VMOVDQU      (SI)(IDX*1), X5;             \
	VINSERTI128  $1, (R10)(IDX*1), Y5, Y5;    \
	VMOVDQU      (R9)(IDX*1), X6;             \
	VINSERTI128  $1, (R11)(IDX*1), Y6, Y6;    \
	VPUNPCKLDQ   Y6, Y5, Y8;                  \ // dm0 dm1 a0 a1 | dm2 dm3 a2 a3
	VPUNPCKHDQ   Y6, Y5, Y5;                  \ // b0 b1 c0 c1 | ...
	VPBLENDD     $0xcc, Y8, Y5, Y6;           \ // b0 b1 a0 a1 | ...
	VPSHUFD      $0xee, Y5, Y9;               \ // c0 c1 c0 c1 | ...
	VPSRLVD      q4kmask<>+64(SB), Y9, Y9;    \
	VPAND        Y14, Y9, Y9;                 \
	VPSRLD       $2, Y6, Y10;                 \
	VPAND        q4kmask<>+32(SB), Y10, Y10;  \
	VPOR         Y10, Y9, Y9;                 \ // mins 4-7 r0 r1, scales 4-7 r0 r1 | r2 r3
	VPAND        q4kmask<>+0(SB), Y6, Y6;     \ // mins 0-3, scales 0-3
	VPUNPCKHBW   Y13, Y6, Y10;                \ // scales 0-3 as int16: r0 r1 | r2 r3
	VMOVDQU      Y10, 32(B);                  \
	VPUNPCKHBW   Y13, Y9, Y10;                \ // scales 4-7
	VMOVDQU      Y10, 64(B);                  \
	VPUNPCKLBW   Y13, Y6, Y6;                 \ // mins 0-3 as int16
	VPUNPCKLBW   Y13, Y9, Y9;                 \ // mins 4-7
	VPERMQ       $0x08, Y8, Y10;              \
	VCVTPH2PS    X10, Y10;                    \
	VBROADCASTSS aoff(DI), Y11;               \
	VMULPS       Y11, Y10, Y10;               \ // d0·y.d dm0·y.d d1·y.d dm1·y.d | rows 2 3
	VMOVUPS      Y10, (B);                    \
	VMOVSHDUP    Y10, Y10;                    \ // dm0 dm0 dm1 dm1 | dm2 dm2 dm3 dm3
	VMOVDQU      (aoff+260)(DI), Y11;         \
	VPHADDW      Y11, Y11, Y11;               \ // bsum pair sums 0-3 twice | 4-7 twice
	VPERMQ       $0x00, Y11, Y5;              \
	VPERMQ       $0xaa, Y11, Y11;             \
	VPMADDWD     Y5, Y6, Y6;                  \ // lanes 0,1 of X9 of the 1-row kernel
	VPMADDWD     Y11, Y9, Y9                    // lanes 2,3

#define Q4XHEAD(IDX, aoff, B) \
	Q4XUNPACK(IDX, aoff, B); \
	VCVTDQ2PS   Y6, Y6;       \
	VCVTDQ2PS   Y9, Y9;       \
	VFMADD231PS Y10, Y6, Y4;  \
	VFMADD231PS Y10, Y9, Y7

// func dotQ4_Kx4rAVX2(w *byte, wstride, bstep int, a *byte, nb int, out *float32)
TEXT ·dotQ4_Kx4rAVX2(SB), NOSPLIT, $192-48
	MOVQ   w+0(FP), SI
	MOVQ   wstride+8(FP), BX
	MOVQ   bstep+16(FP), R14
	XORQ   R15, R15
	MOVQ   a+24(FP), DI
	MOVQ   nb+32(FP), CX
	LEAQ   (SI)(BX*1), R9
	LEAQ   (R9)(BX*1), R10
	LEAQ   (R10)(BX*1), R11
	PFDIST
	LEAQ   0(SP), R12
	LEAQ   96(SP), R13
	VXORPS Y0, Y0, Y0 // rows' Σ d·scale·q·q8, as Y0 of the 1-row kernel
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4 // Σ dmin·min·bsum lanes 0,1 (X4 of the 1-row kernel) of rows 0 1 | 2 3
	VXORPS Y7, Y7, Y7 // lanes 2,3
	VPXOR  Y13, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)

	// The header of block b+1 is unpacked before block b's rows (double
	// buffered at R12/R13), so its latency hides behind them.
	Q4XHEAD(R15, 0, R12)

q4kx4loop:
	DECQ CX
	JZ   q4kx4last
	Q4XHEAD(R14, 292, R13)
	Q4XROWS(R12)
	ADDQ  R14, SI
	ADDQ  R14, R9
	ADDQ  R14, R10
	ADDQ  R14, R11
	ADDQ  $292, DI
	XCHGQ R12, R13
	JMP   q4kx4loop

q4kx4last:
	Q4XROWS(R12)

	// HSUM4 of dotk_amd64.s on each row's mins, four rows at once:
	// (l0+l2) + (l1+l3), same operand order, in lanes 0 2 4 6.
	VADDPS       Y7, Y4, Y4
	VMOVSHDUP    Y4, Y5
	VADDPS       Y5, Y4, Y4
	VEXTRACTF128 $1, Y4, X7
	VMOVHLPS     X4, X4, X6
	VMOVHLPS     X7, X7, X8
	MOVQ         out+40(FP), DX
	HSUM8(Y0, X0, X5)
	VSUBSS       X4, X0, X0
	VMOVSS       X0, (DX)
	HSUM8(Y1, X1, X5)
	VSUBSS       X6, X1, X1
	VMOVSS       X1, 4(DX)
	HSUM8(Y2, X2, X5)
	VSUBSS       X7, X2, X2
	VMOVSS       X2, 8(DX)
	HSUM8(Y3, X3, X5)
	VSUBSS       X8, X3, X3
	VMOVSS       X3, 12(DX)
	VZEROUPPER
	RET

// Q5XPROD is the first half of Q5KSTEP of dotk_amd64.s for the row at W
// (qh in Y7): Q4XPROD's nibbles of the 32 bytes at 48+32j plus 16 where
// qh bit 2j (low nibbles) or 2j+1 (high) is set, that bit moved to bit 4
// by the word shifts LOP $LN, HOP $HN (at most 4: no kept bit crosses a
// byte) and masked with 0x10 (Y12); times q8, low in Y5, high in Y6.
#define Q5XPROD(W, j, LOP, LN, HOP, HN) \
	VMOVDQU    (48+32*j)(W), Y6;      \
	VPAND      Y14, Y6, Y5;           \
	VPSRLW     $4, Y6, Y6;            \
	VPAND      Y14, Y6, Y6;           \
	LOP        $LN, Y7, Y8;           \
	VPAND      Y12, Y8, Y8;           \
	VPOR       Y8, Y5, Y5;            \
	HOP        $HN, Y7, Y9;           \
	VPAND      Y12, Y9, Y9;           \
	VPOR       Y9, Y6, Y6;            \
	VPMADDUBSW (4+64*j)(DI), Y5, Y5;  \
	VPMADDUBSW (36+64*j)(DI), Y6, Y6

// Q5XSTEP scales Q5XPROD's sums as Q4XSTEP and adds them to Y15;
// Q5XSTEP0 sets Y15.
#define Q5XSTEP(W, j, so, B, LOP, LN, HOP, HN) \
	Q5XPROD(W, j, LOP, LN, HOP, HN); \
	VPBROADCASTW so(B), Y10;         \
	VPBROADCASTW so+2(B), Y11;       \
	VPMADDWD     Y10, Y5, Y5;        \
	VPMADDWD     Y11, Y6, Y6;        \
	VPADDD       Y5, Y15, Y15;       \
	VPADDD       Y6, Y15, Y15

#define Q5XSTEP0(W, j, so, B, LOP, LN, HOP, HN) \
	Q5XPROD(W, j, LOP, LN, HOP, HN); \
	VPBROADCASTW so(B), Y10;         \
	VPBROADCASTW so+2(B), Y11;       \
	VPMADDWD     Y10, Y5, Y15;       \
	VPMADDWD     Y11, Y6, Y6;        \
	VPADDD       Y6, Y15, Y15

// Q5XROW is Q4XROW for a Q5_K row.
#define Q5XROW(W, sb, FA, doff, B) \
	PREFETCHT1   0(W)(R8*1);                           \
	PREFETCHT1   64(W)(R8*1);                          \
	PREFETCHT1   128(W)(R8*1);                         \
	VMOVDQU      16(W), Y7;                            \
	Q5XSTEP0(W, 0, sb, B, VPSLLW, 4, VPSLLW, 3);       \
	Q5XSTEP(W, 1, sb+4, B, VPSLLW, 2, VPSLLW, 1);      \
	Q5XSTEP(W, 2, sb+32, B, VPSRLW, 0, VPSRLW, 1);     \
	Q5XSTEP(W, 3, sb+36, B, VPSRLW, 2, VPSRLW, 3);     \
	VCVTDQ2PS    Y15, Y15;                             \
	VBROADCASTSS doff(B), Y5;                          \
	VFMADD231PS  Y5, Y15, FA

#define Q5XROWS(B) \
	Q5XROW(SI, 32, Y0, 0, B);   \
	Q5XROW(R9, 40, Y1, 8, B);   \
	Q5XROW(R10, 48, Y2, 16, B); \
	Q5XROW(R11, 56, Y3, 24, B)

// Q5XHEAD is Q4XHEAD for Q5_K, whose mins term is a scalar: each row's
// four int32 lanes are summed (exact, in any order, as VPHADDD twice) into
// both of its lanes in Y6, and one FMA adds them to Y4, whose lanes 0 2
// 4 6 are the rows' X4 of the 1-row kernel.
#define Q5XHEAD(IDX, aoff, B) \
	Q4XUNPACK(IDX, aoff, B);    \
	VPADDD      Y9, Y6, Y6;      \
	VPSHUFD     $0xb1, Y6, Y9;   \
	VPADDD      Y9, Y6, Y6;      \
	VCVTDQ2PS   Y6, Y6;          \
	VFMADD231PS Y10, Y6, Y4

// func dotQ5_Kx4rAVX2(w *byte, wstride, bstep int, a *byte, nb int, out *float32)
TEXT ·dotQ5_Kx4rAVX2(SB), NOSPLIT, $192-48
	MOVQ   w+0(FP), SI
	MOVQ   wstride+8(FP), BX
	MOVQ   bstep+16(FP), R14
	XORQ   R15, R15
	MOVQ   a+24(FP), DI
	MOVQ   nb+32(FP), CX
	LEAQ   (SI)(BX*1), R9
	LEAQ   (R9)(BX*1), R10
	LEAQ   (R10)(BX*1), R11
	PFDIST
	LEAQ   0(SP), R12
	LEAQ   96(SP), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4 // Σ dmin·Σ min·bsum: rows 0 1 | 2 3 in lanes 0 2 | 4 6
	VPXOR  Y13, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x10101010, AX, X12, Y12)

	Q5XHEAD(R15, 0, R12)

q5kx4loop:
	DECQ CX
	JZ   q5kx4last
	Q5XHEAD(R14, 292, R13)
	Q5XROWS(R12)
	ADDQ  R14, SI
	ADDQ  R14, R9
	ADDQ  R14, R10
	ADDQ  R14, R11
	ADDQ  $292, DI
	XCHGQ R12, R13
	JMP   q5kx4loop

q5kx4last:
	Q5XROWS(R12)

	VEXTRACTF128 $1, Y4, X7
	VMOVHLPS     X4, X4, X6
	VMOVHLPS     X7, X7, X8
	MOVQ         out+40(FP), DX
	HSUM8(Y0, X0, X5)
	VSUBSS       X4, X0, X0
	VMOVSS       X0, (DX)
	HSUM8(Y1, X1, X5)
	VSUBSS       X6, X1, X1
	VMOVSS       X1, 4(DX)
	HSUM8(Y2, X2, X5)
	VSUBSS       X7, X2, X2
	VMOVSS       X2, 8(DX)
	HSUM8(Y3, X3, X5)
	VSUBSS       X8, X3, X3
	VMOVSS       X3, 12(DX)
	VZEROUPPER
	RET

// Q6_K scratch (416 bytes, 32-byte aligned at B: 32-byte loads that
// straddle cache lines cost two): 32·q8 pair sums at 0, row r's scales
// as int16 at 256+32r, f16(d_r)·y.d at 384+4r. Y6, Y7, Y8, Y10 hold the
// q6kword masks, Y12 0x30 bytes, Y14 0x0f bytes.
//
// Step k of half h is Q6KSTEP of dotk_amd64.s: its 6-bit values are the
// low (k=0,1) or high (k=2,3) nibbles of ql bytes 64h+32(k&1) (Y9), ORed
// with qh bits 2k..2k+1 moved to bits 4-5 ((qh<<(4-2k))&0x30, or
// (qh>>2)&0x30 for k=3: the bytes ((qh>>2k)&3)<<4 of the 1-row kernel).
// Steps run in the order 0 2 1 3 (the sums are exact integers).

// Q6XMUL: q (Y4) | high bits (Y5), q·q8 − 32·q8 pairs, times the step's
// scales (low lane 8h+2k, high lane 8h+2k+1, picked by mask M from Y13,
// the row's scales 8h..8h+7 in both lanes), added to Y15. Q6XMUL0 sets
// Y15 instead.
#define Q6XMUL(h, k, B, M) \
	VPOR       Y5, Y4, Y4;                 \
	VPMADDUBSW (4+128*h+32*k)(DI), Y4, Y4; \
	VPSUBW     (128*h+32*k)(B), Y4, Y4;    \
	VPSHUFB    M, Y13, Y5;                 \
	VPMADDWD   Y5, Y4, Y4;                 \
	VPADDD     Y4, Y15, Y15

#define Q6XMUL0(h, k, B, M) \
	VPOR       Y5, Y4, Y4;                 \
	VPMADDUBSW (4+128*h+32*k)(DI), Y4, Y4; \
	VPSUBW     (128*h+32*k)(B), Y4, Y4;    \
	VPSHUFB    M, Y13, Y5;                 \
	VPMADDWD   Y5, Y4, Y15

// Q6XHALF is Q6KHALF for row r at W; MUL0 is Q6XMUL0 for the first half.
#define Q6XHALF(W, h, r, B, MUL0) \
	VMOVDQU        (128+32*h)(W), Y11;      \
	VBROADCASTI128 (256+32*r+16*h)(B), Y13; \
	VMOVDQU        (64*h)(W), Y9;           \
	VPAND          Y14, Y9, Y4;             \
	VPSLLW         $4, Y11, Y5;             \
	VPAND          Y12, Y5, Y5;             \
	MUL0(h, 0, B, Y6);                      \
	VPSRLW         $4, Y9, Y4;              \
	VPAND          Y14, Y4, Y4;             \
	VPAND          Y12, Y11, Y5;            \
	Q6XMUL(h, 2, B, Y8);                    \
	VMOVDQU        (64*h+32)(W), Y9;        \
	VPAND          Y14, Y9, Y4;             \
	VPSLLW         $2, Y11, Y5;             \
	VPAND          Y12, Y5, Y5;             \
	Q6XMUL(h, 1, B, Y7);                    \
	VPSRLW         $4, Y9, Y4;              \
	VPAND          Y14, Y4, Y4;             \
	VPSRLW         $2, Y11, Y5;             \
	VPAND          Y12, Y5, Y5;             \
	Q6XMUL(h, 3, B, Y10)

// Q6XROW adds row r's block to FA: int32 lanes → float, times d·y.d,
// one FMA, as the 1-row kernel. Its prefetches, 70 bytes apart, cover
// all but a few lines (the rest come with their neighbours) for 1% of the
// L1 speed that one every 64 bytes costs.
#define Q6XROW(W, r, FA, B) \
	PREFETCHT1   0(W)(R8*1);        \
	PREFETCHT1   70(W)(R8*1);       \
	PREFETCHT1   140(W)(R8*1);      \
	Q6XHALF(W, 0, r, B, Q6XMUL0);   \
	Q6XHALF(W, 1, r, B, Q6XMUL);    \
	VCVTDQ2PS    Y15, Y15;          \
	VBROADCASTSS (384+4*r)(B), Y5;  \
	VFMADD231PS  Y5, Y15, FA

#define Q6XQ8(c, aoff, B) \
	VPMADDUBSW (aoff+4+32*c)(DI), Y11, Y4; \
	VMOVDQA    Y4, (32*c)(B)

// Q6XHEAD fills the scratch at B for the four rows' block IDX bytes past
// the row pointers
// (activation block at aoff): 32·q8 (the −32 offset), the rows' scales
// and d·y.d.
#define Q6XHEAD(IDX, aoff, B) \
	VMOVDQU      q6kword<>+128(SB), Y11; \
	Q6XQ8(0, aoff, B);                 \
	Q6XQ8(1, aoff, B);                 \
	Q6XQ8(2, aoff, B);                 \
	Q6XQ8(3, aoff, B);                 \
	Q6XQ8(4, aoff, B);                 \
	Q6XQ8(5, aoff, B);                 \
	Q6XQ8(6, aoff, B);                 \
	Q6XQ8(7, aoff, B);                 \
	VPMOVSXBW    192(SI)(IDX*1), Y4;   \
	VMOVDQA      Y4, 256(B);           \
	VPMOVSXBW    192(R9)(IDX*1), Y4;   \
	VMOVDQA      Y4, 288(B);           \
	VPMOVSXBW    192(R10)(IDX*1), Y4;  \
	VMOVDQA      Y4, 320(B);           \
	VPMOVSXBW    192(R11)(IDX*1), Y4;  \
	VMOVDQA      Y4, 352(B);           \
	MOVWQZX      208(SI)(IDX*1), AX;   \
	MOVWQZX      208(R9)(IDX*1), DX;   \
	SHLQ         $16, DX;              \
	ORQ          DX, AX;               \
	MOVWQZX      208(R10)(IDX*1), DX;  \
	SHLQ         $32, DX;              \
	ORQ          DX, AX;               \
	MOVWQZX      208(R11)(IDX*1), DX;  \
	SHLQ         $48, DX;              \
	ORQ          DX, AX;               \
	VMOVQ        AX, X4;               \
	VCVTPH2PS    X4, X4;               \
	VBROADCASTSS aoff(DI), X9;         \
	VMULPS       X9, X4, X4;           \
	VMOVAPS      X4, 384(B)

#define Q6XROWS(B) \
	Q6XROW(SI, 0, Y0, B);  \
	Q6XROW(R9, 1, Y1, B);  \
	Q6XROW(R10, 2, Y2, B); \
	Q6XROW(R11, 3, Y3, B)

// func dotQ6_Kx4rAVX2(w *byte, wstride, bstep int, a *byte, nb int, out *float32)
TEXT ·dotQ6_Kx4rAVX2(SB), $864-48
	MOVQ   w+0(FP), SI
	MOVQ   wstride+8(FP), BX
	MOVQ   bstep+16(FP), R14
	XORQ   R15, R15
	MOVQ   a+24(FP), DI
	MOVQ   nb+32(FP), CX
	LEAQ   (SI)(BX*1), R9
	LEAQ   (R9)(BX*1), R10
	LEAQ   (R10)(BX*1), R11
	PFDIST
	LEAQ   31(SP), R12
	ANDQ   $~31, R12
	LEAQ   416(R12), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x30303030, AX, X12, Y12)
	VMOVDQU q6kword<>+0(SB), Y6 // VPSHUFB masks k = 0 1 2 3
	VMOVDQU q6kword<>+32(SB), Y7
	VMOVDQU q6kword<>+64(SB), Y8
	VMOVDQU q6kword<>+96(SB), Y10

	// Block b+1's scratch is filled before block b's rows (double
	// buffered at R12/R13), so its latency hides behind them.
	Q6XHEAD(R15, 0, R12)

q6kx4loop:
	DECQ  CX
	JZ    q6kx4last
	Q6XHEAD(R14, 292, R13)
	Q6XROWS(R12)
	ADDQ  R14, SI
	ADDQ  R14, R9
	ADDQ  R14, R10
	ADDQ  R14, R11
	ADDQ  $292, DI
	XCHGQ R12, R13
	JMP   q6kx4loop

q6kx4last:
	Q6XROWS(R12)

	MOVQ   out+40(FP), DX
	HSUM8(Y0, X0, X5)
	VMOVSS X0, (DX)
	HSUM8(Y1, X1, X5)
	VMOVSS X1, 4(DX)
	HSUM8(Y2, X2, X5)
	VMOVSS X2, 8(DX)
	HSUM8(Y3, X3, X5)
	VMOVSS X3, 12(DX)
	VZEROUPPER
	RET

// q4kmask<>: 0x3f bytes, 0x30 bytes (get_scale_min_k4's masks), and the
// VPSRLVD counts 4 4 0 0 | 4 4 0 0.
DATA q4kmask<>+0(SB)/8, $0x3f3f3f3f3f3f3f3f
DATA q4kmask<>+8(SB)/8, $0x3f3f3f3f3f3f3f3f
DATA q4kmask<>+16(SB)/8, $0x3f3f3f3f3f3f3f3f
DATA q4kmask<>+24(SB)/8, $0x3f3f3f3f3f3f3f3f
DATA q4kmask<>+32(SB)/8, $0x3030303030303030
DATA q4kmask<>+40(SB)/8, $0x3030303030303030
DATA q4kmask<>+48(SB)/8, $0x3030303030303030
DATA q4kmask<>+56(SB)/8, $0x3030303030303030
DATA q4kmask<>+64(SB)/8, $0x0000000400000004
DATA q4kmask<>+72(SB)/8, $0
DATA q4kmask<>+80(SB)/8, $0x0000000400000004
DATA q4kmask<>+88(SB)/8, $0
GLOBL q4kmask<>(SB), RODATA|NOPTR, $96

// q6kword<>: mask k copies word 2k of the low lane to its eight words and
// word 2k+1 of the high lane to its eight words; then 32 bytes of 32.
DATA q6kword<>+0(SB)/8, $0x0100010001000100
DATA q6kword<>+8(SB)/8, $0x0100010001000100
DATA q6kword<>+16(SB)/8, $0x0302030203020302
DATA q6kword<>+24(SB)/8, $0x0302030203020302
DATA q6kword<>+32(SB)/8, $0x0504050405040504
DATA q6kword<>+40(SB)/8, $0x0504050405040504
DATA q6kword<>+48(SB)/8, $0x0706070607060706
DATA q6kword<>+56(SB)/8, $0x0706070607060706
DATA q6kword<>+64(SB)/8, $0x0908090809080908
DATA q6kword<>+72(SB)/8, $0x0908090809080908
DATA q6kword<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q6kword<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q6kword<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q6kword<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q6kword<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q6kword<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q6kword<>+128(SB)/8, $0x2020202020202020
DATA q6kword<>+136(SB)/8, $0x2020202020202020
DATA q6kword<>+144(SB)/8, $0x2020202020202020
DATA q6kword<>+152(SB)/8, $0x2020202020202020
GLOBL q6kword<>(SB), RODATA|NOPTR, $160
