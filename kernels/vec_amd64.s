//go:build !purego

#include "textflag.h"
#include "simd_amd64.h"

// AVX2+FMA+F16C float kernels over n8 = n &^ 7 elements (the Go wrappers
// do the last n%8). Dots and sums keep four 8-lane float32 accumulators.

#define REDUCE4 \
	VADDPS Y1, Y0, Y0; \
	VADDPS Y3, Y2, Y2; \
	VADDPS Y2, Y0, Y0; \
	HSUM8(Y0, X0, X1)

// DOTLOOP(labels..., LOADA, LOADB, asz, bsz): LOADx(off, Y) loads 8 floats
// from element offset off into Y; asz, bsz are element sizes in bytes.
#define DOTLOOP(L32, L8, LDONE, LOADA, LOADB, asz, bsz) \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	CMPQ   CX, $32;    \
	JB     L8;    \
L32:;                 \
	LOADA(0, Y4);      \
	LOADA(8, Y5);      \
	LOADA(16, Y6);     \
	LOADA(24, Y7);     \
	LOADB(0, Y8);      \
	LOADB(8, Y9);      \
	LOADB(16, Y10);    \
	LOADB(24, Y11);    \
	VFMADD231PS Y8, Y4, Y0;  \
	VFMADD231PS Y9, Y5, Y1;  \
	VFMADD231PS Y10, Y6, Y2; \
	VFMADD231PS Y11, Y7, Y3; \
	ADDQ $(32*asz), SI; \
	ADDQ $(32*bsz), DI; \
	SUBQ $32, CX;      \
	CMPQ CX, $32;      \
	JAE  L32;     \
L8:;                  \
	CMPQ CX, $8;       \
	JB   LDONE;   \
	LOADA(0, Y4);      \
	LOADB(0, Y8);      \
	VFMADD231PS Y8, Y4, Y0; \
	ADDQ $(8*asz), SI; \
	ADDQ $(8*bsz), DI; \
	SUBQ $8, CX;       \
	JMP  L8;      \
LDONE:;               \
	REDUCE4

#define LOADF32(off, Y) VMOVUPS (4*off)(SI), Y
#define LOADF32B(off, Y) VMOVUPS (4*off)(DI), Y
#define LOADF16(off, Y) VCVTPH2PS (2*off)(SI), Y
#define LOADF16B(off, Y) VCVTPH2PS (2*off)(DI), Y

// func dotF16F32AVX2(a *uint16, b *float32, n int) float32
TEXT ·dotF16F32AVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	DOTLOOP(f16f3232, f16f328, f16f32done, LOADF16, LOADF32B, 2, 4)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func sumAVX2(x *float32, n int) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ   CX, $32
	JB     sum8

sum32:
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $32, CX
	CMPQ   CX, $32
	JAE    sum32

sum8:
	CMPQ   CX, $8
	JB     sumdone
	VADDPS (SI), Y0, Y0
	ADDQ   $32, SI
	SUBQ   $8, CX
	JMP    sum8

sumdone:
	REDUCE4
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// AXPYLOOP: dst[i] += alpha*x[i], 8 at a time; LOADX as in DOTLOOP.
#define AXPYLOOP(L8, LDONE, LOADX, xsz) \
L8:;                      \
	CMPQ CX, $8;           \
	JB   LDONE;       \
	LOADX(0, Y4);          \
	VFMADD213PS (DI), Y15, Y4; \
	VMOVUPS Y4, (DI);      \
	ADDQ $(8*xsz), SI;     \
	ADDQ $32, DI;          \
	SUBQ $8, CX;           \
	JMP  L8;          \
LDONE:

// func axpyAVX2(dst *float32, alpha float32, x *float32, n int)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	VBROADCASTSS alpha+8(FP), Y15
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	AXPYLOOP(axpyf328, axpyf32done, LOADF32, 4)
	VZEROUPPER
	RET

// func axpyF16AVX2(dst *float32, alpha float32, x *uint16, n int)
TEXT ·axpyF16AVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	VBROADCASTSS alpha+8(FP), Y15
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	AXPYLOOP(axpyf168, axpyf16done, LOADF16, 2)
	VZEROUPPER
	RET

// func f32ToF16AVX2(dst *uint16, src *float32, n int)
TEXT ·f32ToF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

tohalf8:
	CMPQ      CX, $8
	JB        tohalfdone
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, X1
	VMOVDQU   X1, (DI)
	ADDQ      $32, SI
	ADDQ      $16, DI
	SUBQ      $8, CX
	JMP       tohalf8

tohalfdone:
	VZEROUPPER
	RET

// func f16ToF32AVX2(dst *float32, src *uint16, n int)
TEXT ·f16ToF32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

fromhalf8:
	CMPQ      CX, $8
	JB        fromhalfdone
	VCVTPH2PS (SI), Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       fromhalf8

fromhalfdone:
	VZEROUPPER
	RET
