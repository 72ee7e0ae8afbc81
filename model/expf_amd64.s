//go:build !purego

#include "textflag.h"

// ggml_v_expf (AVX-512 build) on eight lanes with AVX2+FMA: the same FMAs
// in the same order as vExpf, so every lane is bit-identical to it.

// VEXPF sets Y4 = vExpf(Y0) (Y0 kept). Constants: Y15 = 0x1.8p23,
// Y14 = log2(e), Y13/Y12 = ln2 hi/lo, Y11..Y7 = the polynomial, Y6 = 1.
// Scratch: Y1..Y5. 2^n is applied as two exact powers, 2^(n>>1) then
// 2^(n-(n>>1)): the first product is exact (normal), the second rounds
// once, as vscalefps does, subnormal results included.
#define VEXPF \
	VMOVAPS     Y0, Y1;                  \
	VFMADD213PS Y15, Y14, Y1;            \
	VSUBPS      Y15, Y1, Y1;             \
	VMOVAPS     Y0, Y2;                  \
	VFNMADD231PS Y13, Y1, Y2;            \
	VFNMADD231PS Y12, Y1, Y2;            \
	VMULPS      Y2, Y2, Y3;              \
	VMOVAPS     Y2, Y4;                  \
	VFMADD213PS Y10, Y11, Y4;            \
	VMOVAPS     Y2, Y5;                  \
	VFMADD213PS Y8, Y9, Y5;              \
	VFMADD213PS Y5, Y3, Y4;              \
	VFMADD213PS Y6, Y7, Y2;              \
	VFMADD213PS Y2, Y3, Y4;              \
	VCVTPS2DQ   Y1, Y2;                  \
	VPSRAD      $1, Y2, Y3;              \
	VPSUBD      Y3, Y2, Y2;              \
	VPADDD      expfBias<>(SB), Y3, Y3;  \
	VPSLLD      $23, Y3, Y3;             \
	VPADDD      expfBias<>(SB), Y2, Y2;  \
	VPSLLD      $23, Y2, Y2;             \
	VMULPS      Y3, Y4, Y4;              \
	VMULPS      Y2, Y4, Y4;              \
	VANDPS      expfAbs<>(SB), Y1, Y2;   \
	VCMPPS      $0x1e, expf192<>(SB), Y2, Y2; \
	VXORPS      Y3, Y3, Y3;              \
	VCMPPS      $0x02, Y3, Y1, Y3;       \
	VANDNPS     expfInf<>(SB), Y3, Y3;   \
	VBLENDVPS   Y2, Y3, Y4, Y4

#define EXPFCONSTS \
	VBROADCASTSS expfK<>+0(SB), Y15;  \
	VBROADCASTSS expfK<>+4(SB), Y14;  \
	VBROADCASTSS expfK<>+8(SB), Y13;  \
	VBROADCASTSS expfK<>+12(SB), Y12; \
	VBROADCASTSS expfK<>+16(SB), Y11; \
	VBROADCASTSS expfK<>+20(SB), Y10; \
	VBROADCASTSS expfK<>+24(SB), Y9;  \
	VBROADCASTSS expfK<>+28(SB), Y8;  \
	VBROADCASTSS expfK<>+32(SB), Y7;  \
	VBROADCASTSS expfK<>+36(SB), Y6

// func softmaxExpAVX2(x *float32, n int, maxScore float32)
//
// x[i] = 0 where x[i] is -Inf, else vExpf(x[i] - maxScore); n a positive
// multiple of 8.
TEXT ·softmaxExpAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	EXPFCONSTS
	SHRQ $3, CX

smloop:
	VMOVUPS      (DI), Y0
	VBROADCASTSS maxScore+16(FP), Y1
	VSUBPS       Y1, Y0, Y0
	VEXPF
	VMOVUPS      (DI), Y0
	VCMPPS       $0x00, expfNegInf<>(SB), Y0, Y0
	VANDNPS      Y4, Y0, Y4
	VMOVUPS      Y4, (DI)
	ADDQ         $32, DI
	DECQ         CX
	JNZ          smloop
	VZEROUPPER
	RET

// func swigluAVX2(gate, up *float32, n int)
//
// gate[i] = x / (1 + vExpf(-x)) * up[i] with x = gate[i]; n a positive
// multiple of 8.
TEXT ·swigluAVX2(SB), NOSPLIT, $0-24
	MOVQ gate+0(FP), DI
	MOVQ up+8(FP), SI
	MOVQ n+16(FP), CX
	EXPFCONSTS
	SHRQ $3, CX

swloop:
	VMOVUPS (DI), Y0
	VXORPS  expfSign<>(SB), Y0, Y0
	VEXPF
	VADDPS  Y6, Y4, Y4
	VMOVUPS (DI), Y0
	VDIVPS  Y4, Y0, Y0
	VMULPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     swloop
	VZEROUPPER
	RET

// r, log2(e), ln2 hi, ln2 lo, then the polynomial's five coefficients, 1.
DATA expfK<>+0(SB)/4, $0x4b400000
DATA expfK<>+4(SB)/4, $0x3fb8aa3b
DATA expfK<>+8(SB)/4, $0x3f317200
DATA expfK<>+12(SB)/4, $0x35bfbe8e
DATA expfK<>+16(SB)/4, $0x3c072010
DATA expfK<>+20(SB)/4, $0x3d2b9f17
DATA expfK<>+24(SB)/4, $0x3e2aaf33
DATA expfK<>+28(SB)/4, $0x3efffedb
DATA expfK<>+32(SB)/4, $0x3f7ffff6
DATA expfK<>+36(SB)/4, $0x3f800000
GLOBL expfK<>(SB), RODATA|NOPTR, $40

#define SPLAT8(name, v) \
	DATA name+0(SB)/4, v;  \
	DATA name+4(SB)/4, v;  \
	DATA name+8(SB)/4, v;  \
	DATA name+12(SB)/4, v; \
	DATA name+16(SB)/4, v; \
	DATA name+20(SB)/4, v; \
	DATA name+24(SB)/4, v; \
	DATA name+28(SB)/4, v; \
	GLOBL name(SB), RODATA|NOPTR, $32

SPLAT8(expfBias<>, $127)
SPLAT8(expfAbs<>, $0x7fffffff)
SPLAT8(expf192<>, $0x43400000)
SPLAT8(expfInf<>, $0x7f800000)
SPLAT8(expfNegInf<>, $0xff800000)
SPLAT8(expfSign<>, $0x80000000)
