//go:build !purego

#include "textflag.h"

// VDPBF16PS emulated with AVX2 (see dotbf16.go): a dword of bfloat16 pair
// (even low, odd high) gives the even value shifted left 16 and the odd
// value masked; both products are exact, and each lane adds the odd, then
// the even product. Sixteen lanes are two Y registers.

#define DPSTEP(off, ACC) \
	VMOVDQU off(SI), Y4;    \
	VMOVDQU off(DI), Y5;    \
	VPSLLD  $16, Y4, Y6;    \
	VPSLLD  $16, Y5, Y7;    \
	VMULPS  Y7, Y6, Y6;     \
	VPAND   Y15, Y4, Y4;    \
	VPAND   Y15, Y5, Y5;    \
	VMULPS  Y5, Y4, Y4;     \
	VADDPS  Y4, ACC, ACC;   \
	VADDPS  Y6, ACC, ACC

// REDUCE16 is _mm512_reduce_add_ps of the 16 lanes LO (0..7), HI (8..15),
// left in the low float of X(LO).
#define REDUCE16(LO, HI, X, T) \
	VADDPS       HI, LO, LO; \
	VEXTRACTF128 $1, LO, T;  \
	VADDPS       X, T, X;    \
	VMOVHLPS     X, X, T;    \
	VADDPS       T, X, X;    \
	VMOVSHDUP    X, T;       \
	VADDSS       T, X, X

// func dotBF16DpAVX2(w, a *uint16, n64 int) (c1, c2 float32)
TEXT ·dotBF16DpAVX2(SB), NOSPLIT, $0-32
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     n64+16(FP), CX
	VXORPS   Y0, Y0, Y0
	VXORPS   Y1, Y1, Y1
	VXORPS   Y2, Y2, Y2
	VXORPS   Y3, Y3, Y3
	VPCMPEQD Y15, Y15, Y15
	VPSLLD   $16, Y15, Y15

dploop:
	DPSTEP(0, Y0)
	DPSTEP(32, Y1)
	DPSTEP(64, Y2)
	DPSTEP(96, Y3)
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  dploop

	REDUCE16(Y0, Y1, X0, X8)
	REDUCE16(Y2, Y3, X2, X8)
	VZEROUPPER
	MOVSS X0, c1+24(FP)
	MOVSS X2, c2+28(FP)
	RET

// func dotBF16TinyAVX2(w, a *uint16, n32 int) float32
TEXT ·dotBF16TinyAVX2(SB), NOSPLIT, $0-28
	MOVQ     w+0(FP), SI
	MOVQ     a+8(FP), DI
	MOVQ     n32+16(FP), CX
	VXORPS   Y0, Y0, Y0
	VXORPS   Y1, Y1, Y1
	VPCMPEQD Y15, Y15, Y15
	VPSLLD   $16, Y15, Y15

tinyloop:
	DPSTEP(0, Y0)
	DPSTEP(32, Y1)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  tinyloop

	REDUCE16(Y0, Y1, X0, X8)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET
