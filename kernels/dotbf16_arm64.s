//go:build !purego

#include "textflag.h"

// BF16·BF16 on base NEON (no BF16 extension needed): a bfloat16 is the top
// half of a float32, so ZIP1/ZIP2 with a zero vector widens it exactly;
// products of bfloat16s are exact in float32, so FMLA rounds only the sums.
// WORDs are checked against their comments (TestARM64EncodingsMore).

// func dotBF16NEON(w, a *uint16, n int, out *[4]float32)
// n is a multiple of 8.
TEXT ·dotBF16NEON(SB), NOSPLIT, $0-32
	MOVD w+0(FP), R0
	MOVD a+8(FP), R1
	MOVD n+16(FP), R2
	MOVD out+24(FP), R4
	VEOR V31.B16, V31.B16, V31.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	CMP  $16, R2
	BLT  bf16tail

bf16loop:
	VLD1.P 32(R0), [V0.B16, V1.B16]
	VLD1.P 32(R1), [V2.B16, V3.B16]
	VZIP1 V0.H8, V31.H8, V4.H8
	VZIP2 V0.H8, V31.H8, V5.H8
	VZIP1 V2.H8, V31.H8, V6.H8
	VZIP2 V2.H8, V31.H8, V7.H8
	VZIP1 V1.H8, V31.H8, V8.H8
	VZIP2 V1.H8, V31.H8, V9.H8
	VZIP1 V3.H8, V31.H8, V10.H8
	VZIP2 V3.H8, V31.H8, V11.H8
	WORD $0x4e26cc90 // FMLA V16.4S, V4.4S, V6.4S
	WORD $0x4e27ccb1 // FMLA V17.4S, V5.4S, V7.4S
	WORD $0x4e2acd12 // FMLA V18.4S, V8.4S, V10.4S
	WORD $0x4e2bcd33 // FMLA V19.4S, V9.4S, V11.4S
	SUB  $16, R2
	CMP  $16, R2
	BGE  bf16loop

bf16tail:
	CBZ  R2, bf16done
	VLD1 (R0), [V0.B16]
	VLD1 (R1), [V2.B16]
	VZIP1 V0.H8, V31.H8, V4.H8
	VZIP2 V0.H8, V31.H8, V5.H8
	VZIP1 V2.H8, V31.H8, V6.H8
	VZIP2 V2.H8, V31.H8, V7.H8
	WORD $0x4e26cc90 // FMLA V16.4S, V4.4S, V6.4S
	WORD $0x4e27ccb1 // FMLA V17.4S, V5.4S, V7.4S

bf16done:
	WORD $0x4e31d610 // FADD V16.4S, V16.4S, V17.4S
	WORD $0x4e33d652 // FADD V18.4S, V18.4S, V19.4S
	WORD $0x4e32d610 // FADD V16.4S, V16.4S, V18.4S
	VST1 [V16.S4], (R4)
	RET
