//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// AVX2 quantized dots. Each keeps eight float32 lane sums in one
// accumulator (one block at a time, so the 4-token kernels in dotx4_amd64.s
// can reproduce the sums bit for bit): per block the
// integer products are formed exactly (VPMADDUBSW takes |w| unsigned and
// a·sign(w) signed, so int8×int8 pairs fit int16), widened to int32,
// converted, and multiply-added with the block's scale product. Results
// differ from the generic Go only in float rounding order.

// SCALEPROD sets Y to f16(wd)·f16(ad) in all lanes, widening the halves
// through f16Table (R9): two loads beat two VCVTPH2PS on the shuffle
// ports. AX, DX scratch; X and T unused (kept for the call sites).
#define SCALEPROD(wd, ad, X, Y, T, U) \
	MOVWLZX      wd, AX;          \
	MOVWLZX      ad, DX;          \
	VBROADCASTSS (R9)(AX*4), Y;   \
	VBROADCASTSS (R9)(DX*4), U;   \
	VMULPS       U, Y, Y

// SIGNEDDOT: P (int32×8) = pairwise Σ W·A for int8 W and A, via Y13 = int16 ones.
#define SIGNEDDOT(W, A, T, P) \
	VPSIGNB    W, W, T; \
	VPSIGNB    W, A, P; \
	VPMADDUBSW P, T, P; \
	VPMADDWD   Y13, P, P

// func dotQ8_0AVX2(w, a *byte, nb int) float32
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $0-28
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     nb+16(FP), CX
	MOVQ     ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13

q80loop:
	VMOVDQU   2(SI), Y1
	VMOVDQU   2(DI), Y2
	SIGNEDDOT(Y1, Y2, Y3, Y4)
	VCVTDQ2PS Y4, Y4
	SCALEPROD((SI), (DI), X5, Y5, X6, Y6)
	VFMADD231PS Y5, Y4, Y0
	ADDQ      $34, SI
	ADDQ      $34, DI
	DECQ      CX
	JNZ       q80loop

	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS  X0, ret+24(FP)
	RET

// Q4_0 sums as llama.cpp's repacked q4_0_8x8 gemv: each block's integer
// dot in full (exact), converted, and FMA'd with its scale product into
// the scalar X0, block after block. Four blocks at a time: VPHADDD folds
// their int32 lanes into one vector of four sums.
// Q4_0 weights: 16 bytes of nibble pairs become 32 nibbles (low, then
// high): the bytes go to both 128-bit lanes and the upper lane is shifted
// right 4 (Y15 = per-dword shift counts 0,0,0,0,4,4,4,4). Pairs
// nibble·a − 8·a give (nibble−8)·a exactly, as the sign trick would.
#define Q4_0INTS(off, aoff, R) \
	VBROADCASTI128 (2+off)(SI), Y1; \
	VPSRLVD     Y15, Y1, Y1;       \
	VPAND       Y14, Y1, Y1;       \
	VMOVDQU     (2+aoff)(DI), Y2;  \
	VPMADDUBSW  Y2, Y1, R;         \
	VPMADDUBSW  Y2, Y12, Y3;       \
	VPSUBW      Y3, R, R;          \
	VPMADDWD    Y13, R, R

// Q4_0SCALE sets the low float of X to f16(w.d)·f16(a.d).
#define Q4_0SCALE(off, aoff, X) \
	MOVWLZX off(SI), AX;      \
	MOVWLZX aoff(DI), DX;     \
	VMOVSS  (R9)(AX*4), X;    \
	VMULSS  (R9)(DX*4), X, X

// HSUMI8 leaves the (exact) sum of Y's eight int32 lanes in every lane of X.
#define HSUMI8(Y, X, T) \
	VEXTRACTI128 $1, Y, T;  \
	VPADDD       T, X, X;   \
	VPSHUFD      $0x4e, X, T; \
	VPADDD       T, X, X;   \
	VPSHUFD      $0xb1, X, T; \
	VPADDD       T, X, X

// func dotQ4_0AVX2(w, a *byte, nb int) float32
TEXT ·dotQ4_0AVX2(SB), NOSPLIT, $0-28
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     nb+16(FP), CX
	MOVQ     ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	BCAST8($0x08080808, AX, X12, Y12)
	VMOVDQU  upperLaneShift4<>(SB), Y15

	CMPQ CX, $4
	JB   q40tail

q40loop:
	Q4_0INTS(0, 0, Y4)
	Q4_0INTS(18, 34, Y7)
	Q4_0INTS(36, 68, Y8)
	Q4_0INTS(54, 102, Y9)
	VPHADDD      Y7, Y4, Y4
	VPHADDD      Y9, Y8, Y8
	VPHADDD      Y8, Y4, Y4
	VEXTRACTI128 $1, Y4, X7
	VPADDD       X7, X4, X4
	VCVTDQ2PS    X4, X4
	Q4_0SCALE(0, 0, X5)
	Q4_0SCALE(18, 34, X6)
	Q4_0SCALE(36, 68, X10)
	Q4_0SCALE(54, 102, X11)
	VFMADD231SS  X5, X4, X0
	VMOVSHDUP    X4, X7
	VFMADD231SS  X6, X7, X0
	VMOVHLPS     X4, X4, X7
	VFMADD231SS  X10, X7, X0
	VPERMILPS    $0xff, X4, X7
	VFMADD231SS  X11, X7, X0
	ADDQ $72, SI
	ADDQ $136, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JAE  q40loop

q40tail:
	TESTQ CX, CX
	JZ    q40done
	Q4_0INTS(0, 0, Y4)
	HSUMI8(Y4, X4, X3)
	VCVTDQ2PS   X4, X4
	Q4_0SCALE(0, 0, X5)
	VFMADD231SS X5, X4, X0
	ADDQ $18, SI
	ADDQ $34, DI
	DECQ CX
	JMP  q40tail

q40done:
	VZEROUPPER
	MOVSS  X0, ret+24(FP)
	RET

// IQ4_NL: like Q4_0, but nibbles index the codebook (VPSHUFB on Y11).
#define IQ4NLBLOCK(off, aoff, acc) \
	VBROADCASTI128 (2+off)(SI), Y1; \
	VPSRLVD     Y15, Y1, Y1;       \
	VPAND       Y14, Y1, Y1;       \
	VPSHUFB     Y1, Y11, Y1;       \
	VMOVDQU     (2+aoff)(DI), Y2;  \
	SIGNEDDOT(Y1, Y2, Y3, Y4);     \
	VCVTDQ2PS   Y4, Y4;            \
	SCALEPROD(off(SI), aoff(DI), X5, Y5, X6, Y6); \
	VFMADD231PS Y5, Y4, acc

// func dotIQ4_NLAVX2(w, a *byte, nb int) float32
TEXT ·dotIQ4_NLAVX2(SB), NOSPLIT, $0-28
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     nb+16(FP), CX
	MOVQ     ·f16Table(SB), R9
	VXORPS   Y0, Y0, Y0
	VPCMPEQW Y13, Y13, Y13
	VPSRLW   $15, Y13, Y13
	BCAST8($0x0f0f0f0f, AX, X14, Y14)
	VBROADCASTI128 iq4nlValues<>(SB), Y11
	VMOVDQU  upperLaneShift4<>(SB), Y15

	CMPQ CX, $2
	JB   iq4tail

iq4loop:
	IQ4NLBLOCK(0, 0, Y0)
	IQ4NLBLOCK(18, 34, Y0)
	ADDQ $36, SI
	ADDQ $68, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JAE  iq4loop

iq4tail:
	TESTQ CX, CX
	JZ    iq4done
	IQ4NLBLOCK(0, 0, Y0)

iq4done:
	HSUM8(Y0, X0, X1)
	VZEROUPPER
	MOVSS  X0, ret+24(FP)
	RET

// The IQ4 codebook as bytes: -127 -104 -83 -65 -49 -35 -22 -10 1 13 25 38 53 69 89 113.
DATA iq4nlValues<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA iq4nlValues<>+8(SB)/8, $0x7159453526190d01
GLOBL iq4nlValues<>(SB), RODATA|NOPTR, $16

// upperLaneShift4: VPSRLVD counts shifting only the upper 128-bit lane by 4.
DATA upperLaneShift4<>+0(SB)/8, $0
DATA upperLaneShift4<>+8(SB)/8, $0
DATA upperLaneShift4<>+16(SB)/8, $0x0000000400000004
DATA upperLaneShift4<>+24(SB)/8, $0x0000000400000004
GLOBL upperLaneShift4<>(SB), RODATA|NOPTR, $32
