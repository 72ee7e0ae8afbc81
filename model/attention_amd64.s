//go:build !purego

#include "textflag.h"

// RED16 is reduce16's order on the 16 lanes LO (0-7), HI (8-15), left in
// the low float of X(LO).
#define RED16(LO, HI, XLO, XT) \
	VADDPS       HI, LO, LO;  \
	VEXTRACTF128 $1, LO, XT;  \
	VADDPS       XLO, XT, XLO; \
	VMOVHLPS     XLO, XLO, XT; \
	VADDPS       XT, XLO, XLO; \
	VMOVSHDUP    XLO, XT;     \
	VADDSS       XT, XLO, XLO

// ZERO8 clears the accumulators Y0-Y7.
#define ZERO8 \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7

// FOLD64 is reduce64's fold of the 64 lanes in Y0-Y7 (lanes 0-7 ...
// 56-63), x[i] = (l[i]+l[32+i]) + (l[16+i]+l[48+i]), leaving x's lanes 0-7
// in Y0 and 8-15 in Y1.
#define FOLD64 \
	VADDPS Y4, Y0, Y0; \
	VADDPS Y6, Y2, Y2; \
	VADDPS Y2, Y0, Y0; \
	VADDPS Y5, Y1, Y1; \
	VADDPS Y7, Y3, Y3; \
	VADDPS Y3, Y1, Y1

#define LANE8(i, acc, T) LANE8AT(i, SI, DI, acc, T)

// LANE8AT adds the products of k's i-th 8 halves at K and q's at Q into acc.
#define LANE8AT(i, K, Q, acc, T) \
	VCVTPH2PS (16*i)(K), T; \
	VMULPS    (32*i)(Q), T, T; \
	VADDPS    T, acc, acc

// Runs of cells, for an F16 or an F32 cache: one body each, its per-type
// step a macro (F16 keys are converted and their products, exact because
// q is F16-rounded, added; F32 products are fused into the lanes as fma32).

// K16STEP* add one cell's next 16 key values at R10 times q's at R11 into
// the sixteen lanes Y0 (0-7), Y1 (8-15).
#define K16STEPF16 \
	VCVTPH2PS (R10), Y2;    \
	VMULPS    (R11), Y2, Y2; \
	VADDPS    Y2, Y0, Y0;   \
	VCVTPH2PS 16(R10), Y3;  \
	VMULPS    32(R11), Y3, Y3; \
	VADDPS    Y3, Y1, Y1

#define K16STEPF32 \
	VMOVUPS     (R10), Y2;      \
	VFMADD231PS (R11), Y2, Y0;  \
	VMOVUPS     32(R10), Y3;    \
	VFMADD231PS 32(R11), Y3, Y1

// FMA8AT fuses k's i-th 8 floats at K times q's at Q into acc.
#define FMA8AT(i, K, Q, acc, T) \
	VMOVUPS     (32*i)(K), T; \
	VFMADD231PS (32*i)(Q), T, acc

// CELLS16 is the body of dotF16Cells16/dotF32Cells16: per cell sixteen
// lanes along the row (STEP, KBYTES of key a step), then reduce16's order,
// _mm512_reduce_add_ps. KSHIFT: log2 of a key value's bytes.
#define CELLS16(KSHIFT, KBYTES, STEP) \
	MOVQ k+0(FP), SI;          \
	MOVQ kstride+8(FP), R8;    \
	SHLQ $KSHIFT, R8;          \
	MOVQ q+16(FP), DI;         \
	MOVQ hk+24(FP), R9;        \
	SHRQ $4, R9;               \
	MOVQ n+32(FP), CX;         \
	MOVQ out+40(FP), AX;       \
cellloop:                      \
	VXORPS Y0, Y0, Y0;         \
	VXORPS Y1, Y1, Y1;         \
	MOVQ   SI, R10;            \
	MOVQ   DI, R11;            \
	MOVQ   R9, DX;             \
cellstep:                      \
	STEP;                      \
	ADDQ   $KBYTES, R10;       \
	ADDQ   $64, R11;           \
	DECQ   DX;                 \
	JNZ    cellstep;           \
	RED16(Y0, Y1, X0, X1);     \
	VMOVSS X0, (AX);           \
	ADDQ   $4, AX;             \
	ADDQ   R8, SI;             \
	DECQ   CX;                 \
	JNZ    cellloop;           \
	VZEROUPPER;                \
	RET

// CELLS64 is the body of dotF16Cells64/dotF32Cells64: per cell 64 lanes
// (Y0-Y7 = lanes 0-7 ... 56-63) along the row (LANE for each eight,
// KBYTES of key a step of 64), then reduce64's fold, x[i] = (l[i]+l[32+i])
// + (l[16+i]+l[48+i]), and reduce16's order.
#define CELLS64(KSHIFT, KBYTES, LANE) \
	MOVQ k+0(FP), SI;                   \
	MOVQ kstride+8(FP), R8;             \
	SHLQ $KSHIFT, R8;                   \
	MOVQ q+16(FP), DI;                  \
	MOVQ hk+24(FP), R9;                 \
	SHRQ $6, R9;                        \
	MOVQ n+32(FP), CX;                  \
	MOVQ out+40(FP), AX;                \
c64loop:                                \
	ZERO8;                              \
	MOVQ SI, R10;                       \
	MOVQ DI, R11;                       \
	MOVQ R9, DX;                        \
c64step:                                \
	LANE(0, R10, R11, Y0, Y8);          \
	LANE(1, R10, R11, Y1, Y9);          \
	LANE(2, R10, R11, Y2, Y10);         \
	LANE(3, R10, R11, Y3, Y11);         \
	LANE(4, R10, R11, Y4, Y12);         \
	LANE(5, R10, R11, Y5, Y13);         \
	LANE(6, R10, R11, Y6, Y14);         \
	LANE(7, R10, R11, Y7, Y15);         \
	ADDQ $KBYTES, R10;                  \
	ADDQ $256, R11;                     \
	DECQ DX;                            \
	JNZ  c64step;                       \
	FOLD64;                             \
	RED16(Y0, Y1, X0, X1);              \
	VMOVSS X0, (AX);                    \
	ADDQ   $4, AX;                      \
	ADDQ   R8, SI;                      \
	DECQ   CX;                          \
	JNZ    c64loop;                     \
	VZEROUPPER;                         \
	RET

// V8STEP* add p (Y0) times one cell's next 8 values at R11 into the lane
// row at R10, fused (p is F16-rounded for an F16 cache, so the product is
// exact and FMA equals kernels.AxpyF16's result).
#define V8STEPF16 \
	VCVTPH2PS   (R11), Y1;    \
	VMOVUPS     (R10), Y2;    \
	VFMADD231PS Y1, Y0, Y2;   \
	VMOVUPS     Y2, (R10)

#define V8STEPF32 \
	VMOVUPS     (R10), Y2;      \
	VFMADD231PS (R11), Y0, Y2;  \
	VMOVUPS     Y2, (R10)

// AXPYCELLS is the body of axpyF16Cells8/axpyF32Cells8: for c < n,
// lanes[t·hv + d] += p[c]·v[c·vstride + d], d < hv, t = (t0+c) mod width,
// eight values a STEP (VBYTES of v).
#define AXPYCELLS(VSHIFT, VBYTES, STEP) \
	MOVQ lanes+0(FP), AX;     \
	MOVQ width+8(FP), BX;     \
	MOVQ t0+16(FP), DX;       \
	MOVQ hv+24(FP), R12;      \
	MOVQ p+32(FP), SI;        \
	MOVQ v+40(FP), DI;        \
	MOVQ vstride+48(FP), R8;  \
	SHLQ $VSHIFT, R8;         \
	MOVQ n+56(FP), CX;        \
	MOVQ R12, R9;             \
	SHRQ $3, R9;              \
	SHLQ $2, R12;             \
vcellloop:                    \
	VBROADCASTSS (SI), Y0;    \
	MOVQ  DX, R10;            \
	IMULQ R12, R10;           \
	ADDQ  AX, R10;            \
	MOVQ  DI, R11;            \
	MOVQ  R9, R13;            \
vcellstep:                    \
	STEP;                     \
	ADDQ $32, R10;            \
	ADDQ $VBYTES, R11;        \
	DECQ R13;                 \
	JNZ  vcellstep;           \
	ADDQ $4, SI;              \
	ADDQ R8, DI;              \
	INCQ DX;                  \
	CMPQ DX, BX;              \
	JNE  vnowrap;             \
	XORQ DX, DX;              \
vnowrap:                      \
	DECQ CX;                  \
	JNZ  vcellloop;           \
	VZEROUPPER;               \
	RET

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

// func dotF16Cells16x4(k *uint16, kstride int, q *float32, hk, n int, out *float32, ostride int)
//
// dotF16Cells16 for four queries at once (q: four rows of hk floats, one
// after another; out: four rows ostride floats apart): out[g·ostride + c]
// = dotF16(k row c, q row g, tiny). Each key vector is converted once for
// the four. The products are exact (q is F16-rounded), so the FMAs add
// them as dotF16Cells16's multiply-then-add does. hk a positive multiple
// of 16.
TEXT ·dotF16Cells16x4(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), SI
	MOVQ kstride+8(FP), R8
	SHLQ $1, R8
	MOVQ q+16(FP), DI
	MOVQ hk+24(FP), R9
	MOVQ R9, BX
	SHLQ $2, BX        // bytes per query row
	SHRQ $4, R9
	MOVQ n+32(FP), CX
	MOVQ out+40(FP), AX
	MOVQ ostride+48(FP), DX
	SHLQ $2, DX
	LEAQ (DX)(DX*2), R12

c4loop:
	ZERO8
	MOVQ   SI, R10
	MOVQ   DI, R11
	MOVQ   R9, R13

c4step:
	VCVTPH2PS   (R10), Y8
	VCVTPH2PS   16(R10), Y9
	VFMADD231PS (R11), Y8, Y0
	VFMADD231PS 32(R11), Y9, Y1
	LEAQ        (R11)(BX*1), R14
	VFMADD231PS (R14), Y8, Y2
	VFMADD231PS 32(R14), Y9, Y3
	VFMADD231PS (R14)(BX*1), Y8, Y4
	VFMADD231PS 32(R14)(BX*1), Y9, Y5
	LEAQ        (R14)(BX*2), R14
	VFMADD231PS (R14), Y8, Y6
	VFMADD231PS 32(R14), Y9, Y7
	ADDQ        $32, R10
	ADDQ        $64, R11
	DECQ        R13
	JNZ         c4step

	RED16(Y0, Y1, X0, X8)
	RED16(Y2, Y3, X2, X8)
	RED16(Y4, Y5, X4, X8)
	RED16(Y6, Y7, X6, X8)
	VMOVSS X0, (AX)
	VMOVSS X2, (AX)(DX*1)
	VMOVSS X4, (AX)(DX*2)
	VMOVSS X6, (AX)(R12*1)
	ADDQ   $4, AX
	ADDQ   R8, SI
	DECQ   CX
	JNZ    c4loop
	VZEROUPPER
	RET

// func dotF16Cells16(k *uint16, kstride int, q *float32, hk, n int, out *float32)
//
// out[c] = dotF16(k[c·kstride : c·kstride+hk], q, true) for c < n, hk a
// positive multiple of 16.
TEXT ·dotF16Cells16(SB), NOSPLIT, $0-48
	CELLS16(1, 32, K16STEPF16)

// func dotF32Cells16(k *float32, kstride int, q *float32, hk, n int, out *float32)
//
// out[c] = dotF32(k[c·kstride : c·kstride+hk], q, true), hk as above.
TEXT ·dotF32Cells16(SB), NOSPLIT, $0-48
	CELLS16(2, 64, K16STEPF32)

// func dotF16Cells64(k *uint16, kstride int, q *float32, hk, n int, out *float32)
//
// out[c] = dotF16(k[c·kstride : c·kstride+hk], q, false) for c < n, hk a
// positive multiple of 64 (no float64 leftovers).
TEXT ·dotF16Cells64(SB), NOSPLIT, $0-48
	CELLS64(1, 128, LANE8AT)

// func dotF32Cells64(k *float32, kstride int, q *float32, hk, n int, out *float32)
//
// out[c] = dotF32(k[c·kstride : c·kstride+hk], q, false), hk as above (no
// scalar rest).
TEXT ·dotF32Cells64(SB), NOSPLIT, $0-48
	CELLS64(2, 256, FMA8AT)

// func axpyF16Cells8(lanes *float32, width, t0, hv int, p *float32, v *uint16, vstride, n int)
//
// hv a positive multiple of 8.
TEXT ·axpyF16Cells8(SB), NOSPLIT, $0-64
	AXPYCELLS(1, 16, V8STEPF16)

// func axpyF32Cells8(lanes *float32, width, t0, hv int, p *float32, v *float32, vstride, n int)
TEXT ·axpyF32Cells8(SB), NOSPLIT, $0-64
	AXPYCELLS(2, 32, V8STEPF32)
