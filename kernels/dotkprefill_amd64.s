//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// 2-row × 4-token AVX2 dots for prefill (Q4_K, Q6_K): two weight rows
// (w, w+wstride) against four Q8_K activation rows (a + t·astride). Each
// activation block loaded serves both rows and each weight block decoded
// serves the four tokens. Per row and token the int32 lanes and the float
// operations (scale products, FMAs, horizontal sums) are those of the
// 1-row kernels in dotk_amd64.s, so results match them bit for bit; only
// the order of exact integer additions differs.

DATA kpm0f<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA kpm0f<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA kpm0f<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA kpm0f<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL kpm0f<>(SB), RODATA|NOPTR, $32

DATA kpm30<>+0(SB)/8, $0x3030303030303030
DATA kpm30<>+8(SB)/8, $0x3030303030303030
DATA kpm30<>+16(SB)/8, $0x3030303030303030
DATA kpm30<>+24(SB)/8, $0x3030303030303030
GLOBL kpm30<>(SB), RODATA|NOPTR, $32

// kp6sc: VPSHUFB controls taking, from a Q6_K half's eight int16 scales
// (in both lanes), scale 2k to the low lane and 2k+1 to the high (step k).
DATA kp6sc<>+0(SB)/8, $0x0100010001000100
DATA kp6sc<>+8(SB)/8, $0x0100010001000100
DATA kp6sc<>+16(SB)/8, $0x0302030203020302
DATA kp6sc<>+24(SB)/8, $0x0302030203020302
DATA kp6sc<>+32(SB)/8, $0x0504050405040504
DATA kp6sc<>+40(SB)/8, $0x0504050405040504
DATA kp6sc<>+48(SB)/8, $0x0706070607060706
DATA kp6sc<>+56(SB)/8, $0x0706070607060706
DATA kp6sc<>+64(SB)/8, $0x0908090809080908
DATA kp6sc<>+72(SB)/8, $0x0908090809080908
DATA kp6sc<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kp6sc<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kp6sc<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kp6sc<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kp6sc<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA kp6sc<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL kp6sc<>(SB), RODATA|NOPTR, $128

DATA kp6c32<>+0(SB)/4, $0x20202020
GLOBL kp6c32<>(SB), RODATA|NOPTR, $4

// FLANES adds the float lanes of one row and token: F += (Y12·D)·float(A)
// (D the row's d, Y12 the token's y.d), as dotQ4_KAVX2 and dotQ6_KAVX2 do.
#define FLANES(D, A, F) \
	VMULPS      Y12, D, Y13; \
	VCVTDQ2PS   A, A;        \
	VFMADD213PS F(SP), Y13, A; \
	VMOVUPS     A, F(SP)

// ---- Q4_K ----
// Frame: 0..63 each row's eight scales as dwords holding the int16 twice
// (row r at 32r, so VPBROADCASTD fills a vector with it), 64..319 the
// float lanes of row r, token t at 64+32(4r+t), 320..447 the mins sums at
// 320+16(4r+t). Y0-Y7 hold the int32 lanes of row r, token t in Y(4r+t).

// Q4KSCALES unpacks row P's 12 scale bytes (get_scale_min_k4) into the
// scales at SC(SP) and the eight mins as int16 in MINS.
#define Q4KSCALES(P, SC, MINS, XMINS) \
	MOVL      4(P), AX;          \
	MOVL      8(P), R12;         \
	MOVL      12(P), DX;         \
	MOVL      AX, R8;            \
	ANDL      $0x3f3f3f3f, R8;   \
	MOVL      DX, R9;            \
	ANDL      $0x0f0f0f0f, R9;   \
	MOVL      AX, R10;           \
	SHRL      $2, R10;           \
	ANDL      $0x30303030, R10;  \
	ORL       R10, R9;           \
	MOVL      R12, R10;          \
	ANDL      $0x3f3f3f3f, R10;  \
	MOVL      DX, R11;           \
	SHRL      $4, R11;           \
	ANDL      $0x0f0f0f0f, R11;  \
	SHRL      $2, R12;           \
	ANDL      $0x30303030, R12;  \
	ORL       R12, R11;          \
	SHLQ      $32, R9;           \
	ORQ       R9, R8;            \
	SHLQ      $32, R11;          \
	ORQ       R11, R10;          \
	VMOVQ     R8, X12;           \
	VPMOVZXBD X12, Y12;          \
	VPSLLD    $16, Y12, Y13;     \
	VPOR      Y13, Y12, Y12;     \
	VMOVDQU   Y12, SC(SP);       \
	VMOVQ     R10, XMINS;        \
	VPMOVZXBW XMINS, XMINS;      \
	VINSERTI128 $1, XMINS, MINS, MINS

// Q4KMINS adds dmin·y.d · Σ min·(bsum pairs) for tokens A (low lane) and
// B (high lane) to the mins sums at M0 (row 0) and M1 (row 1): LA, HA are
// A's low and high eight bsums, DA its y.d. Y8, Y9 hold the rows' mins in
// both lanes, Y10, Y11 their dmin. VPHADDW works lane by lane, so it forms
// both tokens' pair sums at once.
#define Q4KMINS(LA, LB, HA, HB, DA, DB, M0, M1) \
	VMOVDQU      LA, X12;               \
	VINSERTI128  $1, LB, Y12, Y12;      \
	VMOVDQU      HA, X13;               \
	VINSERTI128  $1, HB, Y13, Y13;      \
	VPHADDW      Y13, Y12, Y12;             \
	VBROADCASTSS DA, X13;                  \
	VBROADCASTSS DB, X14;                  \
	VINSERTF128  $1, X14, Y13, Y13;         \
	VPMADDWD     Y12, Y8, Y14;              \
	VCVTDQ2PS    Y14, Y14;                  \
	VMULPS       Y13, Y10, Y15;             \
	VFMADD213PS  M0(SP), Y15, Y14;          \
	VMOVUPS      Y14, M0(SP);               \
	VPMADDWD     Y12, Y9, Y14;              \
	VCVTDQ2PS    Y14, Y14;                  \
	VMULPS       Y13, Y11, Y15;             \
	VFMADD213PS  M1(SP), Y15, Y14;          \
	VMOVUPS      Y14, M1(SP)

// Q4KDEC splits 32 quant bytes of each row into low (Y8, Y10) and high
// (Y9, Y11) nibbles; Y12 = 0x0f bytes.
#define Q4KDEC(off) \
	VMOVDQU off(SI), Y8;    \
	VPSRLW  $4, Y8, Y9;     \
	VPAND   Y12, Y9, Y9;    \
	VPAND   Y12, Y8, Y8;    \
	VMOVDQU off(R15), Y10;  \
	VPSRLW  $4, Y10, Y11;   \
	VPAND   Y12, Y11, Y11;  \
	VPAND   Y12, Y10, Y10

// Q4KTOK adds one token's 32 products with W0 (row 0, scale Y14) and W1
// (row 1, scale Y15) to A0 and A1; Q4KTOK0 sets A0, A1 to them.
#define Q4KTOK(a, W0, W1, A0, A1) \
	VPMADDUBSW a, W0, Y13;   \
	VPMADDWD   Y14, Y13, Y13; \
	VPADDD     Y13, A0, A0;  \
	VPMADDUBSW a, W1, Y13;   \
	VPMADDWD   Y15, Y13, Y13; \
	VPADDD     Y13, A1, A1

#define Q4KTOK0(a, W0, W1, A0, A1) \
	VPMADDUBSW a, W0, Y13;   \
	VPMADDWD   Y14, Y13, A0; \
	VPMADDUBSW a, W1, Y13;   \
	VPMADDWD   Y15, Y13, A1

// Q4KHALF is 32 values of each row (nibbles W0, W1, scale s) for the four
// tokens (activations at aoff); TOK is Q4KTOK or Q4KTOK0.
#define Q4KHALF(TOK, s, aoff, W0, W1) \
	VPBROADCASTD (4*(s))(SP), Y14;    \
	VPBROADCASTD (32+4*(s))(SP), Y15; \
	TOK(aoff(DI), W0, W1, Y0, Y4);       \
	TOK(aoff(DI)(BX*1), W0, W1, Y1, Y5); \
	TOK(aoff(DI)(BX*2), W0, W1, Y2, Y6); \
	TOK(aoff(DI)(R13*1), W0, W1, Y3, Y7)

// Q4KSTEP is values 64j..64j+63: low nibbles (scale 2j), high (2j+1).
#define Q4KSTEP(j) \
	Q4KDEC((16+32*j)); \
	Q4KHALF(Q4KTOK, 2*j, (4+64*j), Y8, Y10); \
	Q4KHALF(Q4KTOK, 2*j+1, (36+64*j), Y9, Y11)

// Q4KOUT stores row r, token t's dot: Σ float lanes − Σ mins sums.
#define Q4KOUT(F, M, off) \
	VMOVUPS F(SP), Y0;  \
	HSUM8(Y0, X0, X1);  \
	VMOVUPS M(SP), X4;  \
	HSUM4(X4, X1);      \
	VSUBSS  X4, X0, X0; \
	MOVSS   X0, off(AX)

// func dotQ4_Kx2rx4AVX2(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int)
TEXT ·dotQ4_Kx2rx4AVX2(SB), NOSPLIT, $456-64
	MOVQ    w+0(FP), SI
	MOVQ    wstride+8(FP), R14
	MOVQ    bstep+16(FP), AX
	MOVQ    AX, 448(SP)
	MOVQ    a+24(FP), DI
	MOVQ    astride+32(FP), BX
	MOVQ    nb+40(FP), CX
	LEAQ    (BX)(BX*2), R13
	VXORPS  Y0, Y0, Y0
	VMOVUPS Y0, 64(SP)
	VMOVUPS Y0, 96(SP)
	VMOVUPS Y0, 128(SP)
	VMOVUPS Y0, 160(SP)
	VMOVUPS Y0, 192(SP)
	VMOVUPS Y0, 224(SP)
	VMOVUPS Y0, 256(SP)
	VMOVUPS Y0, 288(SP)
	VMOVUPS Y0, 320(SP)
	VMOVUPS Y0, 352(SP)
	VMOVUPS Y0, 384(SP)
	VMOVUPS Y0, 416(SP)

q4kx2rx4loop:
	LEAQ         (SI)(R14*1), R15
	Q4KSCALES(SI, 0, Y8, X8)
	Q4KSCALES(R15, 32, Y9, X9)
	VPBROADCASTW 2(SI), X10
	VCVTPH2PS    X10, Y10
	VPBROADCASTW 2(R15), X11
	VCVTPH2PS    X11, Y11
	Q4KMINS(260(DI), 260(DI)(BX*1), 276(DI), 276(DI)(BX*1), (DI), (DI)(BX*1), 320, 384)
	Q4KMINS(260(DI)(BX*2), 260(DI)(R13*1), 276(DI)(BX*2), 276(DI)(R13*1), (DI)(BX*2), (DI)(R13*1), 352, 416)

	VMOVDQU kpm0f<>(SB), Y12
	Q4KDEC(16)
	Q4KHALF(Q4KTOK0, 0, 4, Y8, Y10)
	Q4KHALF(Q4KTOK, 1, 36, Y9, Y11)
	Q4KSTEP(1)
	Q4KSTEP(2)
	Q4KSTEP(3)

	// d·y.d · lanes, per row and token
	VPBROADCASTW (SI), X14
	VCVTPH2PS    X14, Y14
	VPBROADCASTW (R15), X15
	VCVTPH2PS    X15, Y15
	VBROADCASTSS (DI), Y12
	FLANES(Y14, Y0, 64)
	FLANES(Y15, Y4, 192)
	VBROADCASTSS (DI)(BX*1), Y12
	FLANES(Y14, Y1, 96)
	FLANES(Y15, Y5, 224)
	VBROADCASTSS (DI)(BX*2), Y12
	FLANES(Y14, Y2, 128)
	FLANES(Y15, Y6, 256)
	VBROADCASTSS (DI)(R13*1), Y12
	FLANES(Y14, Y3, 160)
	FLANES(Y15, Y7, 288)
	ADDQ 448(SP), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q4kx2rx4loop

	MOVQ out+48(FP), AX
	MOVQ ostride+56(FP), DX
	SHLQ $2, DX
	Q4KOUT(64, 320, 0)
	Q4KOUT(192, 384, 4)
	ADDQ DX, AX
	Q4KOUT(96, 336, 0)
	Q4KOUT(224, 400, 4)
	ADDQ DX, AX
	Q4KOUT(128, 352, 0)
	Q4KOUT(256, 416, 4)
	ADDQ DX, AX
	Q4KOUT(160, 368, 0)
	Q4KOUT(288, 432, 4)
	VZEROUPPER
	RET

// ---- Q6_K ----
// Frame: 0..63 each row's sixteen scales as int16 (row r at 32r), 64..319
// the float lanes of row r, token t at 64+32(4r+t). Y0-Y7 hold the int32
// lanes of row r, token t in Y(4r+t); Y15 = 32s. Per 32 values (half h,
// step k) each row's 6-bit values go to Y8 / Y9 and its two scales to
// Y10 / Y11 (low lane scale 8h+2k, high lane 8h+2k+1). The 32·q8 term of
// (q−32)·q8 depends on the token only, so both rows share it.

// Q6KLO / Q6KHI: low / high nibbles of 32 ql bytes at ql into W.
#define Q6KLO(ql, W) \
	VMOVDQU ql, W; \
	VPAND   kpm0f<>(SB), W, W

#define Q6KHI(ql, W) \
	VMOVDQU ql, W;     \
	VPSRLW  $4, W, W;  \
	VPAND   kpm0f<>(SB), W, W

// Q6KQH ORs bits 2k, 2k+1 of the qh bytes, moved to bits 4, 5 by a word
// shift OP $n (what it carries across bytes is masked off), into W;
// Q6KQH2 is step 2's, whose bits are in place.
#define Q6KQH(qh, OP, n, W) \
	VMOVDQU qh, Y14;               \
	OP      $n, Y14, Y14;          \
	VPAND   kpm30<>(SB), Y14, Y14; \
	VPOR    Y14, W, W

#define Q6KQH2(qh, W) \
	VMOVDQU qh, Y14;               \
	VPAND   kpm30<>(SB), Y14, Y14; \
	VPOR    Y14, W, W

// Q6KSC puts half h's scales (16 bytes at soff(SP)) in both lanes of S and
// picks step k's pair with the control at kp6sc+ctl.
#define Q6KSC(soff, ctl, S) \
	VBROADCASTI128 soff(SP), S; \
	VPSHUFB        kp6sc<>+ctl(SB), S, S

// Q6KTOK adds one token's (q−32)·q8 lanes (activations at a) for both rows
// to A0 and A1; Q6KTOK0 sets A0, A1 to them.
#define Q6KTOK(a, A0, A1) \
	VMOVDQU    a, Y12;         \
	VPMADDUBSW Y12, Y15, Y13;  \
	VPMADDUBSW Y12, Y8, Y14;   \
	VPSUBW     Y13, Y14, Y14;  \
	VPMADDWD   Y10, Y14, Y14;  \
	VPADDD     Y14, A0, A0;    \
	VPMADDUBSW Y12, Y9, Y14;   \
	VPSUBW     Y13, Y14, Y14;  \
	VPMADDWD   Y11, Y14, Y14;  \
	VPADDD     Y14, A1, A1

#define Q6KTOK0(a, A0, A1) \
	VMOVDQU    a, Y12;         \
	VPMADDUBSW Y12, Y15, Y13;  \
	VPMADDUBSW Y12, Y8, Y14;   \
	VPSUBW     Y13, Y14, Y14;  \
	VPMADDWD   Y10, Y14, A0;   \
	VPMADDUBSW Y12, Y9, Y14;   \
	VPSUBW     Y13, Y14, Y14;  \
	VPMADDWD   Y11, Y14, A1

#define Q6KTOKS(TOK, aoff) \
	TOK(aoff(DI), Y0, Y4);       \
	TOK(aoff(DI)(BX*1), Y1, Y5); \
	TOK(aoff(DI)(BX*2), Y2, Y6); \
	TOK(aoff(DI)(R13*1), Y3, Y7)

// Q6KHALF is half h (values 128h..128h+127) of both rows, for the four
// tokens; TOK0 is Q6KTOK0 for the first half, else Q6KTOK.
#define Q6KHALF(h, TOK0) \
	Q6KLO((64*h)(SI), Y8);                             \
	Q6KQH((128+32*h)(SI), VPSLLW, 4, Y8);              \
	Q6KSC((16*h), 0, Y10);                             \
	Q6KLO((64*h)(R15), Y9);                            \
	Q6KQH((128+32*h)(R15), VPSLLW, 4, Y9);             \
	Q6KSC((32+16*h), 0, Y11);                          \
	Q6KTOKS(TOK0, (4+128*h));                          \
	Q6KLO((64*h+32)(SI), Y8);                          \
	Q6KQH((128+32*h)(SI), VPSLLW, 2, Y8);              \
	Q6KSC((16*h), 32, Y10);                            \
	Q6KLO((64*h+32)(R15), Y9);                         \
	Q6KQH((128+32*h)(R15), VPSLLW, 2, Y9);             \
	Q6KSC((32+16*h), 32, Y11);                         \
	Q6KTOKS(Q6KTOK, (36+128*h));                       \
	Q6KHI((64*h)(SI), Y8);                             \
	Q6KQH2((128+32*h)(SI), Y8);                        \
	Q6KSC((16*h), 64, Y10);                            \
	Q6KHI((64*h)(R15), Y9);                            \
	Q6KQH2((128+32*h)(R15), Y9);                       \
	Q6KSC((32+16*h), 64, Y11);                         \
	Q6KTOKS(Q6KTOK, (68+128*h));                       \
	Q6KHI((64*h+32)(SI), Y8);                          \
	Q6KQH((128+32*h)(SI), VPSRLW, 2, Y8);              \
	Q6KSC((16*h), 96, Y10);                            \
	Q6KHI((64*h+32)(R15), Y9);                         \
	Q6KQH((128+32*h)(R15), VPSRLW, 2, Y9);             \
	Q6KSC((32+16*h), 96, Y11);                         \
	Q6KTOKS(Q6KTOK, (100+128*h))

// func dotQ6_Kx2rx4AVX2(w *byte, wstride, bstep int, a *byte, astride, nb int, out *float32, ostride int)
TEXT ·dotQ6_Kx2rx4AVX2(SB), NOSPLIT, $328-64
	MOVQ         w+0(FP), SI
	MOVQ         wstride+8(FP), R14
	MOVQ         bstep+16(FP), AX
	MOVQ         AX, 320(SP)
	MOVQ         a+24(FP), DI
	MOVQ         astride+32(FP), BX
	MOVQ         nb+40(FP), CX
	LEAQ         (BX)(BX*2), R13
	VXORPS       Y0, Y0, Y0
	VMOVUPS      Y0, 64(SP)
	VMOVUPS      Y0, 96(SP)
	VMOVUPS      Y0, 128(SP)
	VMOVUPS      Y0, 160(SP)
	VMOVUPS      Y0, 192(SP)
	VMOVUPS      Y0, 224(SP)
	VMOVUPS      Y0, 256(SP)
	VMOVUPS      Y0, 288(SP)
	VPBROADCASTD kp6c32<>(SB), Y15

q6kx2rx4loop:
	LEAQ      (SI)(R14*1), R15
	VPMOVSXBW 192(SI), Y12
	VMOVDQU   Y12, 0(SP)
	VPMOVSXBW 192(R15), Y12
	VMOVDQU   Y12, 32(SP)
	Q6KHALF(0, Q6KTOK0)
	Q6KHALF(1, Q6KTOK)

	// d·y.d · lanes, per row and token
	VPBROADCASTW 208(SI), X8
	VCVTPH2PS    X8, Y8
	VPBROADCASTW 208(R15), X9
	VCVTPH2PS    X9, Y9
	VBROADCASTSS (DI), Y12
	FLANES(Y8, Y0, 64)
	FLANES(Y9, Y4, 192)
	VBROADCASTSS (DI)(BX*1), Y12
	FLANES(Y8, Y1, 96)
	FLANES(Y9, Y5, 224)
	VBROADCASTSS (DI)(BX*2), Y12
	FLANES(Y8, Y2, 128)
	FLANES(Y9, Y6, 256)
	VBROADCASTSS (DI)(R13*1), Y12
	FLANES(Y8, Y3, 160)
	FLANES(Y9, Y7, 288)
	ADDQ 320(SP), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q6kx2rx4loop

	MOVQ out+48(FP), AX
	MOVQ ostride+56(FP), DX
	SHLQ $2, DX
	VMOVUPS 64(SP), Y0
	HSUM8(Y0, X0, X1)
	MOVSS   X0, (AX)
	VMOVUPS 192(SP), Y0
	HSUM8(Y0, X0, X1)
	MOVSS   X0, 4(AX)
	ADDQ    DX, AX
	VMOVUPS 96(SP), Y0
	HSUM8(Y0, X0, X1)
	MOVSS   X0, (AX)
	VMOVUPS 224(SP), Y0
	HSUM8(Y0, X0, X1)
	MOVSS   X0, 4(AX)
	ADDQ    DX, AX
	VMOVUPS 128(SP), Y0
	HSUM8(Y0, X0, X1)
	MOVSS   X0, (AX)
	VMOVUPS 256(SP), Y0
	HSUM8(Y0, X0, X1)
	MOVSS   X0, 4(AX)
	ADDQ    DX, AX
	VMOVUPS 160(SP), Y0
	HSUM8(Y0, X0, X1)
	MOVSS   X0, (AX)
	VMOVUPS 288(SP), Y0
	HSUM8(Y0, X0, X1)
	MOVSS   X0, 4(AX)
	VZEROUPPER
	RET
