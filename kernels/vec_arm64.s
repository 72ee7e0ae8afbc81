//go:build !purego

#include "textflag.h"

// NEON float kernels over n (a multiple of 8) elements: F16 widening by
// FCVTL/FCVTL2, FMA accumulation into two 4-lane sums (dots, written to out
// as four lane sums) or in place (axpy). WORDs are checked against their
// comments by TestARM64Encodings; the code was generated once by a script.

// func dotF16F32NEON(a *uint16, b *float32, n int, out *[4]float32)
TEXT ·dotF16F32NEON(SB), NOSPLIT, $0-32
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	MOVD out+24(FP), R4
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
dotf16f32neonloop:
	CBZ  R2, dotf16f32neondone
	VLD1.P 16(R0), [V2.H8]
	WORD $0x0e217844 // FCVTL V4.4S, V2.4H
	WORD $0x4e217845 // FCVTL2 V5.4S, V2.8H
	VLD1.P 32(R1), [V6.S4, V7.S4]
	WORD $0x4e26cc80 // FMLA V0.4S, V4.4S, V6.4S
	WORD $0x4e27cca1 // FMLA V1.4S, V5.4S, V7.4S
	SUB  $8, R2
	B    dotf16f32neonloop
dotf16f32neondone:
	WORD $0x4e21d400 // FADD V0.4S, V0.4S, V1.4S
	VST1 [V0.S4], (R4)
	RET

// func dotF16F16NEON(a *uint16, b *uint16, n int, out *[4]float32)
TEXT ·dotF16F16NEON(SB), NOSPLIT, $0-32
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	MOVD out+24(FP), R4
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
dotf16f16neonloop:
	CBZ  R2, dotf16f16neondone
	VLD1.P 16(R0), [V2.H8]
	WORD $0x0e217844 // FCVTL V4.4S, V2.4H
	WORD $0x4e217845 // FCVTL2 V5.4S, V2.8H
	VLD1.P 16(R1), [V3.H8]
	WORD $0x0e217866 // FCVTL V6.4S, V3.4H
	WORD $0x4e217867 // FCVTL2 V7.4S, V3.8H
	WORD $0x4e26cc80 // FMLA V0.4S, V4.4S, V6.4S
	WORD $0x4e27cca1 // FMLA V1.4S, V5.4S, V7.4S
	SUB  $8, R2
	B    dotf16f16neonloop
dotf16f16neondone:
	WORD $0x4e21d400 // FADD V0.4S, V0.4S, V1.4S
	VST1 [V0.S4], (R4)
	RET

// func axpyNEON(dst *float32, alpha float32, x *float32, n int)
TEXT ·axpyNEON(SB), NOSPLIT, $0-32
	MOVD  dst+0(FP), R0
	FMOVS alpha+8(FP), F16
	MOVD  x+16(FP), R1
	MOVD  n+24(FP), R2
axpyneonloop:
	CBZ  R2, axpyneondone
	VLD1.P 32(R1), [V4.S4, V5.S4]
	VLD1 (R0), [V6.S4, V7.S4]
	WORD $0x4f901086 // FMLA V6.4S, V4.4S, V16.S[0]
	WORD $0x4f9010a7 // FMLA V7.4S, V5.4S, V16.S[0]
	VST1.P [V6.S4, V7.S4], 32(R0)
	SUB  $8, R2
	B    axpyneonloop
axpyneondone:
	RET

// func axpyF16NEON(dst *float32, alpha float32, x *uint16, n int)
TEXT ·axpyF16NEON(SB), NOSPLIT, $0-32
	MOVD  dst+0(FP), R0
	FMOVS alpha+8(FP), F16
	MOVD  x+16(FP), R1
	MOVD  n+24(FP), R2
axpyf16neonloop:
	CBZ  R2, axpyf16neondone
	VLD1.P 16(R1), [V2.H8]
	WORD $0x0e217844 // FCVTL V4.4S, V2.4H
	WORD $0x4e217845 // FCVTL2 V5.4S, V2.8H
	VLD1 (R0), [V6.S4, V7.S4]
	WORD $0x4f901086 // FMLA V6.4S, V4.4S, V16.S[0]
	WORD $0x4f9010a7 // FMLA V7.4S, V5.4S, V16.S[0]
	VST1.P [V6.S4, V7.S4], 32(R0)
	SUB  $8, R2
	B    axpyf16neonloop
axpyf16neondone:
	RET

