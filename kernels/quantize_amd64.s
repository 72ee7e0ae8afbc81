//go:build !purego

#include "textflag.h"

// AVX2 activation quantizers. Q8_0 and Q8_1 are llama.cpp's x86 ones
// (quantize_row_q8_0/q8_1 in arch/x86/quants.c, what made the reference
// logits): d = amax/127, values times 127/amax, rounded half to even; bit
// for bit tensor.QuantizeRowQ8_0x86/Q8_1x86. Q8_K is quantize_row_q8_K_ref
// (x86 uses it too), bit for bit quantizeQ8_KGeneric: −127/max scaling,
// round half to even (VCVTPS2DQ under the default rounding mode).

// ABSMAX32: Y = lane-wise max |Y0..Y3| (Y15 = abs mask; T0, T1 scratch).
#define ABSMAX32(T0, T1, X, Y) \
	VANDPS       Y15, Y0, T0; \
	VANDPS       Y15, Y1, T1; \
	VMAXPS       T1, T0, T0;  \
	VANDPS       Y15, Y2, T1; \
	VMAXPS       T1, T0, T0;  \
	VANDPS       Y15, Y3, T1; \
	VMAXPS       T1, T0, Y

// HMAX8: X (low lane) = max of Y's eight floats; T scratch.
#define HMAX8(Y, X, T) \
	VEXTRACTF128 $1, Y, T;        \
	VMAXPS       T, X, X;         \
	VPERMILPS    $0x4e, X, T;     \
	VMAXPS       T, X, X;         \
	VPERMILPS    $0xb1, X, T;     \
	VMAXPS       T, X, X

// PACK32: the int32 vectors Y4..Y7 to 32 int8 in order, in Y4.
#define PACK32 \
	VPACKSSDW Y5, Y4, Y4;  \
	VPACKSSDW Y7, Y6, Y6;  \
	VPACKSSWB Y6, Y4, Y4;  \
	VPERMD    Y4, Y11, Y4

#define SETUPCONSTS \
	MOVL         $0x7fffffff, AX; \
	VMOVD        AX, X15;         \
	VPBROADCASTD X15, Y15;        \
	MOVL         $0x80000000, AX; \
	VMOVD        AX, X14;         \
	VPBROADCASTD X14, Y14;        \
	MOVL         $0x3f800000, AX; \
	VMOVD        AX, X13;         \
	VPBROADCASTD X13, Y13;        \
	MOVL         $0x3f000000, AX; \
	VMOVD        AX, X12;         \
	VPBROADCASTD X12, Y12;        \
	VMOVDQU      packOrder<>(SB), Y11

// func quantizeQ8_0AVX2(dst *byte, x *float32, nb int)
TEXT ·quantizeQ8_0AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ nb+16(FP), CX
	SETUPCONSTS
	MOVL  $0x42fe0000, AX // 127.0
	VMOVD AX, X10

q80qloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	ABSMAX32(Y4, Y5, X8, Y8)
	HMAX8(Y8, X8, X9)
	VMOVAPS X8, X7       // amax
	VDIVSS  X10, X8, X8  // d = amax/127
	VCVTPS2PH $0, X8, X9
	VPEXTRW $0, X9, AX
	MOVW    AX, (DI)
	VXORPS  X9, X9, X9
	VUCOMISS X9, X7
	JEQ     q80zero
	VMOVAPS X10, X9      // 127
	VDIVSS  X7, X9, X9   // id = 127/amax
	VBROADCASTSS X9, Y9
	JMP     q80scale

q80zero:
	VXORPS Y9, Y9, Y9

q80scale:
	VMULPS Y9, Y0, Y0
	VMULPS Y9, Y1, Y1
	VMULPS Y9, Y2, Y2
	VMULPS Y9, Y3, Y3
	VCVTPS2DQ Y0, Y4 // nearest even
	VCVTPS2DQ Y1, Y5
	VCVTPS2DQ Y2, Y6
	VCVTPS2DQ Y3, Y7
	PACK32
	VMOVDQU Y4, 2(DI)
	ADDQ    $128, SI
	ADDQ    $34, DI
	DECQ    CX
	JNZ     q80qloop
	VZEROUPPER
	RET

// Q8_1: Q8_0 plus s = d·Σq at bytes 2..3, quants at 4.
// func quantizeQ8_1AVX2(dst *byte, x *float32, nb int)
TEXT ·quantizeQ8_1AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ nb+16(FP), CX
	SETUPCONSTS
	MOVL  $0x42fe0000, AX // 127.0
	VMOVD AX, X10

q81qloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	ABSMAX32(Y4, Y5, X8, Y8)
	HMAX8(Y8, X8, X9)
	VMOVAPS X8, X7       // amax
	VDIVSS  X10, X8, X8  // d = amax/127
	VCVTPS2PH $0, X8, X9
	VPEXTRW $0, X9, AX
	MOVW    AX, (DI)
	VXORPS  X9, X9, X9
	VUCOMISS X9, X7
	JEQ     q81zero
	VMOVAPS X10, X9      // 127
	VDIVSS  X7, X9, X9   // id = 127/amax
	VBROADCASTSS X9, Y9
	JMP     q81scale

q81zero:
	VXORPS Y9, Y9, Y9

q81scale:
	VMULPS Y9, Y0, Y0
	VMULPS Y9, Y1, Y1
	VMULPS Y9, Y2, Y2
	VMULPS Y9, Y3, Y3
	VCVTPS2DQ Y0, Y4 // nearest even
	VCVTPS2DQ Y1, Y5
	VCVTPS2DQ Y2, Y6
	VCVTPS2DQ Y3, Y7
	// s = f16(float32(Σq)·d)
	VPADDD  Y5, Y4, Y0
	VPADDD  Y7, Y6, Y1
	VPADDD  Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD  X1, X0, X0
	VPHADDD X0, X0, X0
	VPHADDD X0, X0, X0
	VCVTDQ2PS X0, X0
	VMULSS  X8, X0, X0
	VCVTPS2PH $0, X0, X0
	VPEXTRW $0, X0, AX
	MOVW    AX, 2(DI)
	PACK32
	VMOVDQU Y4, 4(DI)
	ADDQ    $128, SI
	ADDQ    $36, DI
	DECQ    CX
	JNZ     q81qloop
	VZEROUPPER
	RET

// Q8_K per 256 values: 8 groups of 32. Pass 1 finds amax; the scalar scan
// then finds the first value of that magnitude (its sign sets the scale's,
// as in the Go loop); pass 2 scales, rounds, clamps to 127 and packs.
// func quantizeQ8_KAVX2(dst *byte, x *float32, nb int)
TEXT ·quantizeQ8_KAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ nb+16(FP), CX
	SETUPCONSTS
	MOVL         $127, AX
	VMOVD        AX, X10
	VPBROADCASTD X10, Y10

q8kblock:
	VXORPS Y8, Y8, Y8
	XORQ   AX, AX

q8kmax:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS 32(SI)(AX*1), Y1
	VMOVUPS 64(SI)(AX*1), Y2
	VMOVUPS 96(SI)(AX*1), Y3
	ABSMAX32(Y4, Y5, Y4, Y4)
	VMAXPS  Y4, Y8, Y8
	ADDQ    $128, AX
	CMPQ    AX, $1024
	JB      q8kmax
	HMAX8(Y8, X8, X9)

	VXORPS   X9, X9, X9
	VUCOMISS X9, X8
	JNE      q8kfind
	// All zero: d = 0, quants and sums 0.
	VPXOR   Y0, Y0, Y0
	MOVL    $0, (DI)
	XORQ    AX, AX

q8kclear:
	VMOVDQU Y0, 4(DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, $256
	JB      q8kclear
	VMOVDQU Y0, 260(DI)
	JMP     q8knext

q8kfind:
	// First index whose |x| equals amax, eight at a time.
	XORQ         AX, AX
	VBROADCASTSS X8, Y8

q8kscan:
	VANDPS    (SI)(AX*1), Y15, Y0
	VCMPPS    $0, Y8, Y0, Y0
	VMOVMSKPS Y0, DX
	TESTL     DX, DX
	JNZ       q8kfound
	ADDQ      $32, AX
	JMP       q8kscan

q8kfound:
	BSFL   DX, DX
	LEAQ   (AX)(DX*4), AX
	VMOVSS (SI)(AX*1), X9 // max (signed)
	MOVL   $0xc2fe0000, BX // -127.0
	VMOVD  BX, X7
	VDIVSS X9, X7, X7     // iscale = -127/max
	VMOVAPS X13, X6
	VDIVSS X7, X6, X6     // d = 1/iscale
	VMOVSS X6, (DI)
	VBROADCASTSS X7, Y9
	XORQ AX, AX           // float offset
	XORQ BX, BX           // quant offset
	XORQ DX, DX           // bsum offset

q8kquant:
	VMULPS  (SI)(AX*1), Y9, Y0
	VMULPS  32(SI)(AX*1), Y9, Y1
	VMULPS  64(SI)(AX*1), Y9, Y2
	VMULPS  96(SI)(AX*1), Y9, Y3
	VCVTPS2DQ Y0, Y4
	VCVTPS2DQ Y1, Y5
	VCVTPS2DQ Y2, Y6
	VCVTPS2DQ Y3, Y7
	VPMINSD Y10, Y4, Y4
	VPMINSD Y10, Y5, Y5
	VPMINSD Y10, Y6, Y6
	VPMINSD Y10, Y7, Y7
	// bsums of the two groups of 16: sums of Y4+Y5 and of Y6+Y7.
	VPADDD  Y5, Y4, Y0
	VPADDD  Y7, Y6, Y1
	VPHADDD Y1, Y0, Y0
	VPHADDD Y0, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD  X1, X0, X0
	VPEXTRW $0, X0, R8
	MOVW    R8, 260(DI)(DX*1)
	VPEXTRW $2, X0, R8
	MOVW    R8, 262(DI)(DX*1)
	PACK32
	VMOVDQU Y4, 4(DI)(BX*1)
	ADDQ    $128, AX
	ADDQ    $32, BX
	ADDQ    $4, DX
	CMPQ    BX, $256
	JB      q8kquant

q8knext:
	ADDQ $1024, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q8kblock
	VZEROUPPER
	RET

// packOrder undoes the lane interleave of VPACKSSDW/VPACKSSWB.
DATA packOrder<>+0(SB)/4, $0
DATA packOrder<>+4(SB)/4, $4
DATA packOrder<>+8(SB)/4, $1
DATA packOrder<>+12(SB)/4, $5
DATA packOrder<>+16(SB)/4, $2
DATA packOrder<>+20(SB)/4, $6
DATA packOrder<>+24(SB)/4, $3
DATA packOrder<>+28(SB)/4, $7
GLOBL packOrder<>(SB), RODATA|NOPTR, $32
