//go:build !purego

#include "textflag.h"

// NEON kernels. Go's assembler lacks SDOT, SMULL, SADALP and the vector
// SCVTF/FMLA/FADD forms used here, so they are WORD encodings; each
// carries the instruction as a comment, and TestARM64Encodings re-derives
// every word from its comment (ARM ARM encodings), so the two cannot drift.
// Results go to out as four lane sums; the Go wrappers add them up.

// func dotF32NEON(a, b *float32, n int, out *[4]float32)
// n is a multiple of 4.
TEXT ·dotF32NEON(SB), NOSPLIT, $0-32
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	MOVD out+24(FP), R4
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	CMP  $16, R2
	BLT  f32tail

f32loop:
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R1), [V16.S4, V17.S4, V18.S4, V19.S4]
	WORD $0x4e30cc80 // FMLA V0.4S, V4.4S, V16.4S
	WORD $0x4e31cca1 // FMLA V1.4S, V5.4S, V17.4S
	WORD $0x4e32ccc2 // FMLA V2.4S, V6.4S, V18.4S
	WORD $0x4e33cce3 // FMLA V3.4S, V7.4S, V19.4S
	SUB  $16, R2
	CMP  $16, R2
	BGE  f32loop

f32tail:
	CBZ    R2, f32done
	VLD1.P 16(R0), [V4.S4]
	VLD1.P 16(R1), [V16.S4]
	WORD $0x4e30cc80 // FMLA V0.4S, V4.4S, V16.4S
	SUB    $4, R2
	B      f32tail

f32done:
	WORD $0x4e21d400 // FADD V0.4S, V0.4S, V1.4S
	WORD $0x4e23d442 // FADD V2.4S, V2.4S, V3.4S
	WORD $0x4e22d400 // FADD V0.4S, V0.4S, V2.4S
	VST1 [V0.S4], (R4)
	RET

// Block scale product: F18 = f16table[w.d] · f16table[a.d] (R3 = table).
// func dotQ8_0SDOT(w, a *byte, nb int, table *float32, out *[4]float32)
TEXT ·dotQ8_0SDOT(SB), NOSPLIT, $0-40
	MOVD w+0(FP), R0
	MOVD a+8(FP), R1
	MOVD nb+16(FP), R2
	MOVD table+24(FP), R3
	MOVD out+32(FP), R4
	VEOR V0.B16, V0.B16, V0.B16

q80sdot:
	MOVHU (R0), R5
	MOVHU (R1), R6
	FMOVS (R3)(R5<<2), F16
	FMOVS (R3)(R6<<2), F17
	FMULS F16, F17, F18
	ADD   $2, R0, R7
	ADD   $2, R1, R8
	VLD1  (R7), [V1.B16, V2.B16]
	VLD1  (R8), [V3.B16, V4.B16]
	VEOR  V5.B16, V5.B16, V5.B16
	WORD $0x4e839425 // SDOT V5.4S, V1.16B, V3.16B
	WORD $0x4e849445 // SDOT V5.4S, V2.16B, V4.16B
	WORD $0x4e21d8a5 // SCVTF V5.4S, V5.4S
	WORD $0x4f9210a0 // FMLA V0.4S, V5.4S, V18.S[0]
	ADD   $34, R0
	ADD   $34, R1
	SUBS  $1, R2
	BNE   q80sdot
	VST1  [V0.S4], (R4)
	RET

// func dotQ8_0SMULL(w, a *byte, nb int, table *float32, out *[4]float32)
TEXT ·dotQ8_0SMULL(SB), NOSPLIT, $0-40
	MOVD w+0(FP), R0
	MOVD a+8(FP), R1
	MOVD nb+16(FP), R2
	MOVD table+24(FP), R3
	MOVD out+32(FP), R4
	VEOR V0.B16, V0.B16, V0.B16

q80smull:
	MOVHU (R0), R5
	MOVHU (R1), R6
	FMOVS (R3)(R5<<2), F16
	FMOVS (R3)(R6<<2), F17
	FMULS F16, F17, F18
	ADD   $2, R0, R7
	ADD   $2, R1, R8
	VLD1  (R7), [V1.B16, V2.B16]
	VLD1  (R8), [V3.B16, V4.B16]
	VEOR  V5.B16, V5.B16, V5.B16
	WORD $0x0e23c034 // SMULL V20.8H, V1.8B, V3.8B
	WORD $0x4e23c035 // SMULL2 V21.8H, V1.16B, V3.16B
	WORD $0x4e606a85 // SADALP V5.4S, V20.8H
	WORD $0x4e606aa5 // SADALP V5.4S, V21.8H
	WORD $0x0e24c054 // SMULL V20.8H, V2.8B, V4.8B
	WORD $0x4e24c055 // SMULL2 V21.8H, V2.16B, V4.16B
	WORD $0x4e606a85 // SADALP V5.4S, V20.8H
	WORD $0x4e606aa5 // SADALP V5.4S, V21.8H
	WORD $0x4e21d8a5 // SCVTF V5.4S, V5.4S
	WORD $0x4f9210a0 // FMLA V0.4S, V5.4S, V18.S[0]
	ADD   $34, R0
	ADD   $34, R1
	SUBS  $1, R2
	BNE   q80smull
	VST1  [V0.S4], (R4)
	RET

// Q4_0: nibbles (low: values 0..15, high: 16..31) minus 8 as int8.
// func dotQ4_0SDOT(w, a *byte, nb int, table *float32, out *[4]float32)
TEXT ·dotQ4_0SDOT(SB), NOSPLIT, $0-40
	MOVD w+0(FP), R0
	MOVD a+8(FP), R1
	MOVD nb+16(FP), R2
	MOVD table+24(FP), R3
	MOVD out+32(FP), R4
	VEOR V0.B16, V0.B16, V0.B16
	VMOVI $15, V10.B16
	VMOVI $8, V11.B16

q40sdot:
	MOVHU (R0), R5
	MOVHU (R1), R6
	FMOVS (R3)(R5<<2), F16
	FMOVS (R3)(R6<<2), F17
	FMULS F16, F17, F18
	ADD   $2, R0, R7
	ADD   $2, R1, R8
	VLD1  (R7), [V1.B16]
	VLD1  (R8), [V3.B16, V4.B16]
	VAND  V10.B16, V1.B16, V6.B16
	VUSHR $4, V1.B16, V7.B16
	VSUB  V11.B16, V6.B16, V6.B16
	VSUB  V11.B16, V7.B16, V7.B16
	VEOR  V5.B16, V5.B16, V5.B16
	WORD $0x4e8394c5 // SDOT V5.4S, V6.16B, V3.16B
	WORD $0x4e8494e5 // SDOT V5.4S, V7.16B, V4.16B
	WORD $0x4e21d8a5 // SCVTF V5.4S, V5.4S
	WORD $0x4f9210a0 // FMLA V0.4S, V5.4S, V18.S[0]
	ADD   $18, R0
	ADD   $34, R1
	SUBS  $1, R2
	BNE   q40sdot
	VST1  [V0.S4], (R4)
	RET

// func dotQ4_0SMULL(w, a *byte, nb int, table *float32, out *[4]float32)
TEXT ·dotQ4_0SMULL(SB), NOSPLIT, $0-40
	MOVD w+0(FP), R0
	MOVD a+8(FP), R1
	MOVD nb+16(FP), R2
	MOVD table+24(FP), R3
	MOVD out+32(FP), R4
	VEOR V0.B16, V0.B16, V0.B16
	VMOVI $15, V10.B16
	VMOVI $8, V11.B16

q40smull:
	MOVHU (R0), R5
	MOVHU (R1), R6
	FMOVS (R3)(R5<<2), F16
	FMOVS (R3)(R6<<2), F17
	FMULS F16, F17, F18
	ADD   $2, R0, R7
	ADD   $2, R1, R8
	VLD1  (R7), [V1.B16]
	VLD1  (R8), [V3.B16, V4.B16]
	VAND  V10.B16, V1.B16, V6.B16
	VUSHR $4, V1.B16, V7.B16
	VSUB  V11.B16, V6.B16, V6.B16
	VSUB  V11.B16, V7.B16, V7.B16
	VEOR  V5.B16, V5.B16, V5.B16
	WORD $0x0e23c0d4 // SMULL V20.8H, V6.8B, V3.8B
	WORD $0x4e23c0d5 // SMULL2 V21.8H, V6.16B, V3.16B
	WORD $0x4e606a85 // SADALP V5.4S, V20.8H
	WORD $0x4e606aa5 // SADALP V5.4S, V21.8H
	WORD $0x0e24c0f4 // SMULL V20.8H, V7.8B, V4.8B
	WORD $0x4e24c0f5 // SMULL2 V21.8H, V7.16B, V4.16B
	WORD $0x4e606a85 // SADALP V5.4S, V20.8H
	WORD $0x4e606aa5 // SADALP V5.4S, V21.8H
	WORD $0x4e21d8a5 // SCVTF V5.4S, V5.4S
	WORD $0x4f9210a0 // FMLA V0.4S, V5.4S, V18.S[0]
	ADD   $18, R0
	ADD   $34, R1
	SUBS  $1, R2
	BNE   q40smull
	VST1  [V0.S4], (R4)
	RET
