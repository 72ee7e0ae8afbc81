//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// Q8_0 prefill, 2 rows × 4 tokens (plain rows, and pairs of a packed
// group), with each block's eight scale products kept in two registers: a
// row's products for the block are made once, duplicated in both 128-bit
// halves ([s(r,t0..t3) | s(r,t0..t3)]), and VSHUFPS picks token t's into
// all eight lanes. Storing them and broadcasting each back from memory
// cost ~5% more (the shuffles run on pipes the integer multiplies leave
// idle). Each sum is formed as dotQ8_0AVX2 forms it (same int32 lanes,
// same float product of the two scales, one FMA a block into eight
// lanes, same HSUM8), so results are bit-identical.

// q8ones: int16 ones for VPMADDWD (no register is left to hold them).
DATA q8ones<>+0(SB)/8, $0x0001000100010001
DATA q8ones<>+8(SB)/8, $0x0001000100010001
DATA q8ones<>+16(SB)/8, $0x0001000100010001
DATA q8ones<>+24(SB)/8, $0x0001000100010001
GLOBL q8ones<>(SB), RODATA|NOPTR, $32

// Q8SPAIR adds the token block in Y12 times row weights wsign (sign
// source; a register or memory) with |w| in U, into ACC, scaled by lane
// t of the row's products in PR (imm = t·0x55).
#define Q8SPAIR(wsign, U, PR, imm, ACC) \
	VPSIGNB     wsign, Y12, Y14;     \
	VPMADDUBSW  Y14, U, Y14;         \
	VPMADDWD    q8ones<>(SB), Y14, Y14; \
	VCVTDQ2PS   Y14, Y14;            \
	VSHUFPS     imm, PR, PR, Y15;    \
	VFMADD231PS Y15, Y14, ACC

// Q8STOKEN loads token t's block (at aoff) and adds it against both rows
// (row 1's quants, the sign source, at w1).
#define Q8STOKEN(aoff, w1, imm, ACC0, ACC1) \
	VMOVDQU aoff, Y12;                     \
	Q8SPAIR(Y8, Y9, Y10, imm, ACC0);       \
	Q8SPAIR(w1, Y11, Y13, imm, ACC1)

// Q8SBLOCK adds one block of rows 0 and 1 (scales at s0, s1, quants at
// q0, q1) against the four tokens at DI (BX apart, R13 = 3·BX), their
// scales at R12, into Y0-Y3 (row 0) and Y4-Y7 (row 1). The products are
// weight scale times token scale, as dotQ8_0AVX2 multiplies them. Row 0's
// quants stay in Y8 as the sign source; row 1's are read from memory for
// that, leaving a register for the second row's products. VPABSB gives
// the bytes VPSIGNB w, w gives (-128 stays 0x80, read unsigned: 128).
#define Q8SBLOCK(s0, s1, q0, q1) \
	MOVWLZX        s0, AX;                         \
	VBROADCASTSS   (R9)(AX*4), Y10;                \
	MOVWLZX        s1, AX;                         \
	VBROADCASTSS   (R9)(AX*4), Y13;                \
	VBROADCASTF128 (R12), Y15;                     \
	VMULPS         Y15, Y10, Y10;                  \
	VMULPS         Y15, Y13, Y13;                  \
	VMOVDQU        q0, Y8;                         \
	VPABSB         Y8, Y9;                         \
	VPABSB         q1, Y11;                        \
	Q8STOKEN(2(DI), q1, $0x00, Y0, Y4);            \
	Q8STOKEN(2(DI)(BX*1), q1, $0x55, Y1, Y5);      \
	Q8STOKEN(2(DI)(BX*2), q1, $0xaa, Y2, Y6);      \
	Q8STOKEN(2(DI)(R13*1), q1, $0xff, Y3, Y7)

// STORE2X4 writes the sums (row 0 in Y0-Y3, row 1 in Y4-Y7, by token)
// to AX[t·DX/4 + r], DX the output stride in floats.
#define STORE2X4 \
	SHLQ  $2, DX;       \
	HSUM8(Y0, X0, X15); \
	MOVSS X0, (AX);     \
	HSUM8(Y4, X4, X15); \
	MOVSS X4, 4(AX);    \
	ADDQ  DX, AX;       \
	HSUM8(Y1, X1, X15); \
	MOVSS X1, (AX);     \
	HSUM8(Y5, X5, X15); \
	MOVSS X5, 4(AX);    \
	ADDQ  DX, AX;       \
	HSUM8(Y2, X2, X15); \
	MOVSS X2, (AX);     \
	HSUM8(Y6, X6, X15); \
	MOVSS X6, 4(AX);    \
	ADDQ  DX, AX;       \
	HSUM8(Y3, X3, X15); \
	MOVSS X3, (AX);     \
	HSUM8(Y7, X7, X15); \
	MOVSS X7, 4(AX)

// func dotQ8_0x2rx4AVX2(w *byte, wstride int, a *byte, astride int, as *float32, nb int, out *float32, ostride int)
//
// dotQ8_0x2rx4AVX2 (plain rows wstride bytes apart) bit for bit, same
// arguments, scale products in registers.
TEXT ·dotQ8_0x2rx4AVX2(SB), NOSPLIT, $0-64
	MOVQ w+0(FP), SI
	MOVQ wstride+8(FP), R8
	MOVQ a+16(FP), DI
	MOVQ astride+24(FP), BX
	MOVQ as+32(FP), R12
	MOVQ nb+40(FP), CX
	LEAQ (BX)(BX*2), R13
	MOVQ ·f16Table(SB), R9
	ZERO8

q80x2rx4sloop:
	Q8SBLOCK((SI), (SI)(R8*1), 2(SI), 2(SI)(R8*1))
	ADDQ $16, R12
	ADDQ $34, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q80x2rx4sloop

	MOVQ out+48(FP), AX
	MOVQ ostride+56(FP), DX
	STORE2X4
	VZEROUPPER
	RET

// func dotQ8_0P2rx4AVX2(ws, wq, a *byte, astride int, as *float32, nb int, out *float32, ostride, pf int)
//
// dotQ8_0P2rx4AVX2 bit for bit, same arguments: rows r and r+1 of a
// packed group (scales at ws, ws+2; quants at wq, wq+32; blocks 272 bytes
// apart) against four activation rows astride bytes apart, their block
// scales as floats at as (as[4b+t]); out[t·ostride + r]. pf > 0 also
// prefetches each whole block pf bytes ahead (the group's first pass).
TEXT ·dotQ8_0P2rx4AVX2(SB), NOSPLIT, $0-72
	MOVQ ws+0(FP), SI
	MOVQ wq+8(FP), R8
	MOVQ a+16(FP), DI
	MOVQ astride+24(FP), BX
	MOVQ as+32(FP), R12
	MOVQ nb+40(FP), CX
	MOVQ pf+64(FP), R10
	LEAQ (BX)(BX*2), R13
	MOVQ ·f16Table(SB), R9
	ZERO8

q80p2rx4sloop:
	TESTQ      R10, R10
	JZ         q80p2rx4snopf
	PREFETCHT0 0(SI)(R10*1)
	PREFETCHT0 64(SI)(R10*1)
	PREFETCHT0 128(SI)(R10*1)
	PREFETCHT0 192(SI)(R10*1)
	PREFETCHT0 256(SI)(R10*1)

q80p2rx4snopf:
	Q8SBLOCK((SI), 2(SI), (R8), 32(R8))
	ADDQ $16, R12
	ADDQ $272, SI
	ADDQ $272, R8
	ADDQ $34, DI
	DECQ CX
	JNZ  q80p2rx4sloop

	MOVQ out+48(FP), AX
	MOVQ ostride+56(FP), DX
	STORE2X4
	VZEROUPPER
	RET
