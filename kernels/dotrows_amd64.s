//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// 8-row AVX2 Q4_0 dots over packed weights (see packRows): a group's
// 144-byte block holds the eight rows' f16 scales, then four 32-byte
// quarters, quarter k holding quant bytes 4k..4k+3 of rows 0..7. One
// VCVTPH2PS converts the eight scales; a quarter's low nibbles meet
// a[4k:4k+4] and its high nibbles a[16+4k:20+4k], each broadcast to every
// row, so VPMADDUBSW leaves each row's products in the row's own two words
// and the quarters add up with plain VPADDW (no horizontal adds).
//
// Each row's sum is formed exactly as dotQ4_0AVX2 forms it (the same
// exact integer block sum, then fma(float(sumi), f16(w.d)·f16(a.d), acc)
// in block order), so results are bit-identical; the eight rows' FMAs are
// the lanes of one vector FMA and the activation block is read once.
//
// The integers stay exact in int16: a row's word sums 16 products q·a
// (q ≤ 15, |a| ≤ 128: ≤ 30720), less their share of 8·Σa (≤ 16384), and
// VPMADDWD adds the row's two words in int32.

// Q4_0CORR sets C to the −8 offset's share of each row word, 8·Σa over
// a[i] with i mod 4 in {0,1} (even words) or {2,3} (odd words), from the
// activation quants at a (32 bytes), using Y12 = 8s and T.
#define Q4_0CORR(a, C, T) \
	VPMADDUBSW a, Y12, C;     \
	VPERM2I128 $1, C, C, T;   \
	VPADDW     T, C, C;       \
	VPSHUFD    $0x4e, C, T;   \
	VPADDW     T, C, C;       \
	VPSHUFD    $0xb1, C, T;   \
	VPADDW     T, C, C

// Q4_0QUARTER sets R to the row words of quarter src (low nibbles with the
// four activations at alo, high with those at ahi), using T and B.
#define Q4_0QUARTER(src, alo, ahi, R, T, B) \
	VMOVDQU      src, R;    \
	VPSRLW       $4, R, T;  \
	VPAND        Y14, R, R; \
	VPAND        Y14, T, T; \
	VPBROADCASTD alo, B;    \
	VPMADDUBSW   B, R, R;   \
	VPBROADCASTD ahi, B;    \
	VPMADDUBSW   B, T, T;   \
	VPADDW       T, R, R

// Q4_0DECODE splits quarter src into its low (L) and high (H) nibbles.
#define Q4_0DECODE(src, L, H) \
	VMOVDQU src, L;                    \
	VPSRLW  $4, L, H;                  \
	VPAND   q40NibbleMask<>(SB), L, L; \
	VPAND   q40NibbleMask<>(SB), H, H

// Q4_0TOKEN adds one token's block into acc, given the decoded quarters in
// Y1..Y8 and the rows' scales at (SP); the block is at d+a, with a the
// token's (base)(index) addressing and d a constant byte offset.
#define Q4_0TOKEN(d, a, acc) \
	Q4_0CORR((2+d)a, Y9, Y0);   \
	VPBROADCASTD (2+d)a, Y0;    \
	VPMADDUBSW   Y0, Y1, Y0;    \
	VPBROADCASTD (18+d)a, Y10;  \
	VPMADDUBSW   Y10, Y2, Y10;  \
	VPADDW       Y10, Y0, Y0;   \
	VPBROADCASTD (6+d)a, Y10;   \
	VPMADDUBSW   Y10, Y3, Y10;  \
	VPADDW       Y10, Y0, Y0;   \
	VPBROADCASTD (22+d)a, Y10;  \
	VPMADDUBSW   Y10, Y4, Y10;  \
	VPADDW       Y10, Y0, Y0;   \
	VPBROADCASTD (10+d)a, Y10;  \
	VPMADDUBSW   Y10, Y5, Y10;  \
	VPADDW       Y10, Y0, Y0;   \
	VPBROADCASTD (26+d)a, Y10;  \
	VPMADDUBSW   Y10, Y6, Y10;  \
	VPADDW       Y10, Y0, Y0;   \
	VPBROADCASTD (14+d)a, Y10;  \
	VPMADDUBSW   Y10, Y7, Y10;  \
	VPADDW       Y10, Y0, Y0;   \
	VPBROADCASTD (30+d)a, Y10;  \
	VPMADDUBSW   Y10, Y8, Y10;  \
	VPADDW       Y10, Y0, Y0;   \
	VPSUBW       Y9, Y0, Y0;    \
	VPMADDWD     q40Ones<>(SB), Y0, Y0; \
	VCVTDQ2PS    Y0, Y0;        \
	MOVWLZX      (d)a, DX;      \
	VBROADCASTSS (R9)(DX*4), Y10; \
	VMULPS       (SP), Y10, Y10; \
	VFMADD231PS  Y10, Y0, acc

// Q4_0PREFETCH asks for the weights 3 KB ahead (every line, 144 bytes a
// block): the packed groups are one sequential stream, and from DRAM the
// hardware prefetchers alone left mat·vec well below the bandwidth.
#define Q4_0PREFETCH \
	PREFETCHT0 3072(SI); \
	PREFETCHT0 3136(SI); \
	PREFETCHT0 3200(SI)

// func dotQ4_0x8rAVX2(w, a *byte, nb int, out *float32)
//
// out[r] = dotQ4_0AVX2 of packed row r over nb blocks, for r < 8. Per
// block, lane r gets fma(float(sumi_r), f16(w_r.d)·f16(a.d), acc_r):
// llama.cpp's q4_0_8x8 gemv with its eight rows in the eight lanes.
TEXT ·dotQ4_0x8rAVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVQ ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x08080808, AX, X12, Y12)

q40x8rloop:
	Q4_0PREFETCH
	Q4_0CORR(2(DI), Y9, Y1)
	Q4_0QUARTER(16(SI), 2(DI), 18(DI), Y1, Y2, Y3)
	Q4_0QUARTER(48(SI), 6(DI), 22(DI), Y4, Y5, Y6)
	VPADDW Y4, Y1, Y1
	Q4_0QUARTER(80(SI), 10(DI), 26(DI), Y4, Y5, Y6)
	VPADDW Y4, Y1, Y1
	Q4_0QUARTER(112(SI), 14(DI), 30(DI), Y4, Y5, Y6)
	VPADDW      Y4, Y1, Y1
	VPSUBW      Y9, Y1, Y1
	VPMADDWD    Y13, Y1, Y1
	VCVTDQ2PS   Y1, Y1
	VCVTPH2PS   (SI), Y2
	MOVWLZX     (DI), DX
	VBROADCASTSS (R9)(DX*4), Y3
	VMULPS      Y3, Y2, Y2
	VFMADD231PS Y2, Y1, Y0
	ADDQ        $144, SI
	ADDQ        $34, DI
	DECQ        CX
	JNZ         q40x8rloop

	MOVQ    out+24(FP), AX
	VMOVUPS Y0, (AX)
	VZEROUPPER
	RET

// func dotQ4_0x8rx4AVX2(w, a *byte, astride, nb int, out *float32, ostride int)
//
// dotQ4_0x8rAVX2 for four tokens (activation rows astride bytes apart):
// out[t·ostride + r] for t < 4, r < 8, each bit-identical to the 1-token
// kernel; each weight block is split into nibbles once for all four, and
// the four accumulators stay in Y11, Y13, Y14, Y15.
TEXT ·dotQ4_0x8rx4AVX2(SB), NOSPLIT, $32-48
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ astride+16(FP), R14
	MOVQ nb+24(FP), CX
	LEAQ (R14)(R14*2), R13 // 3·astride
	MOVQ ·f16Table(SB), R9
	VXORPS Y11, Y11, Y11
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	BCAST8($0x08080808, AX, X12, Y12)

q40x8rx4loop:
	Q4_0PREFETCH
	VCVTPH2PS (SI), Y0
	VMOVUPS   Y0, (SP)
	Q4_0DECODE(16(SI), Y1, Y2)
	Q4_0DECODE(48(SI), Y3, Y4)
	Q4_0DECODE(80(SI), Y5, Y6)
	Q4_0DECODE(112(SI), Y7, Y8)
	Q4_0TOKEN(0, (DI), Y11)
	Q4_0TOKEN(0, (DI)(R14*1), Y13)
	Q4_0TOKEN(0, (DI)(R14*2), Y14)
	Q4_0TOKEN(0, (DI)(R13*1), Y15)
	ADDQ $144, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q40x8rx4loop

	MOVQ    out+32(FP), AX
	MOVQ    ostride+40(FP), DX
	SHLQ    $2, DX
	VMOVUPS Y11, (AX)
	ADDQ    DX, AX
	VMOVUPS Y13, (AX)
	ADDQ    DX, AX
	VMOVUPS Y14, (AX)
	ADDQ    DX, AX
	VMOVUPS Y15, (AX)
	VZEROUPPER
	RET

DATA q40NibbleMask<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40NibbleMask<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40NibbleMask<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40NibbleMask<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL q40NibbleMask<>(SB), RODATA|NOPTR, $32

DATA q40Ones<>+0(SB)/8, $0x0001000100010001
DATA q40Ones<>+8(SB)/8, $0x0001000100010001
DATA q40Ones<>+16(SB)/8, $0x0001000100010001
DATA q40Ones<>+24(SB)/8, $0x0001000100010001
GLOBL q40Ones<>(SB), RODATA|NOPTR, $32
