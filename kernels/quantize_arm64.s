//go:build !purego

#include "textflag.h"

// NEON activation quantizers, bit for bit quantizeQ8_0Generic,
// quantizeQ8_1Generic (ggml's _ref: d = amax/127, x·(1/d) rounded half
// away from zero, FCVTAS) and quantizeQ8_KGeneric (−127/max, rounded half
// to even as ggml's nearest_int). Float ops are single IEEE operations as in the Go, so
// they round alike. WORDs are checked against their comments
// (TestARM64EncodingsMore).

// func quantizeQ8x32NEON(x *float32, nb int, qs *byte, stride int, ds *float32, sums *int32)
// For each block i of 32 values: quants to qs+i·stride, d to ds[i], Σq to
// sums[i] (the Go wrapper writes the f16 header fields).
TEXT ·quantizeQ8x32NEON(SB), NOSPLIT, $0-48
	MOVD x+0(FP), R0
	MOVD nb+8(FP), R2
	MOVD qs+16(FP), R1
	MOVD stride+24(FP), R3
	MOVD ds+32(FP), R4
	MOVD sums+40(FP), R5
	MOVW $0x42fe0000, R6 // 127.0
	FMOVS R6, F20
	FMOVS $1.0, F21
	CBZ  R2, q8x32done

q8x32loop:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4ea0f810 // FABS V16.4S, V0.4S
	WORD $0x4ea0f831 // FABS V17.4S, V1.4S
	WORD $0x4ea0f852 // FABS V18.4S, V2.4S
	WORD $0x4ea0f873 // FABS V19.4S, V3.4S
	WORD $0x4ea0f898 // FABS V24.4S, V4.4S
	WORD $0x4ea0f8b9 // FABS V25.4S, V5.4S
	WORD $0x4ea0f8da // FABS V26.4S, V6.4S
	WORD $0x4ea0f8fb // FABS V27.4S, V7.4S
	WORD $0x4e31f610 // FMAX V16.4S, V16.4S, V17.4S
	WORD $0x4e33f652 // FMAX V18.4S, V18.4S, V19.4S
	WORD $0x4e39f718 // FMAX V24.4S, V24.4S, V25.4S
	WORD $0x4e3bf75a // FMAX V26.4S, V26.4S, V27.4S
	WORD $0x4e32f610 // FMAX V16.4S, V16.4S, V18.4S
	WORD $0x4e3af718 // FMAX V24.4S, V24.4S, V26.4S
	WORD $0x4e38f610 // FMAX V16.4S, V16.4S, V24.4S
	WORD $0x6e30fa10 // FMAXV S16, V16.4S
	FDIVS F20, F16, F22 // d = amax/127
	VEOR V23.B16, V23.B16, V23.B16
	FCMPS $(0.0), F22
	BEQ  q8x32zero
	FDIVS F22, F21, F23 // id = 1/d

q8x32zero:
	VDUP V23.S[0], V23.S4
	WORD $0x6e37dc00 // FMUL V0.4S, V0.4S, V23.4S
	WORD $0x6e37dc21 // FMUL V1.4S, V1.4S, V23.4S
	WORD $0x6e37dc42 // FMUL V2.4S, V2.4S, V23.4S
	WORD $0x6e37dc63 // FMUL V3.4S, V3.4S, V23.4S
	WORD $0x6e37dc84 // FMUL V4.4S, V4.4S, V23.4S
	WORD $0x6e37dca5 // FMUL V5.4S, V5.4S, V23.4S
	WORD $0x6e37dcc6 // FMUL V6.4S, V6.4S, V23.4S
	WORD $0x6e37dce7 // FMUL V7.4S, V7.4S, V23.4S
	WORD $0x4e21c800 // FCVTAS V0.4S, V0.4S
	WORD $0x4e21c821 // FCVTAS V1.4S, V1.4S
	WORD $0x4e21c842 // FCVTAS V2.4S, V2.4S
	WORD $0x4e21c863 // FCVTAS V3.4S, V3.4S
	WORD $0x4e21c884 // FCVTAS V4.4S, V4.4S
	WORD $0x4e21c8a5 // FCVTAS V5.4S, V5.4S
	WORD $0x4e21c8c6 // FCVTAS V6.4S, V6.4S
	WORD $0x4e21c8e7 // FCVTAS V7.4S, V7.4S
	WORD $0x0e614810 // SQXTN V16.4H, V0.4S
	WORD $0x4e614830 // SQXTN2 V16.8H, V1.4S
	WORD $0x0e614851 // SQXTN V17.4H, V2.4S
	WORD $0x4e614871 // SQXTN2 V17.8H, V3.4S
	WORD $0x0e214a18 // SQXTN V24.8B, V16.8H
	WORD $0x4e214a38 // SQXTN2 V24.16B, V17.8H
	WORD $0x0e614890 // SQXTN V16.4H, V4.4S
	WORD $0x4e6148b0 // SQXTN2 V16.8H, V5.4S
	WORD $0x0e6148d1 // SQXTN V17.4H, V6.4S
	WORD $0x4e6148f1 // SQXTN2 V17.8H, V7.4S
	WORD $0x0e214a19 // SQXTN V25.8B, V16.8H
	WORD $0x4e214a39 // SQXTN2 V25.16B, V17.8H
	VST1 [V24.B16, V25.B16], (R1)
	ADD  R3, R1
	WORD $0x4e202b1a // SADDLP V26.8H, V24.16B
	WORD $0x4e202b3b // SADDLP V27.8H, V25.16B
	VADD V26.H8, V27.H8, V26.H8
	WORD $0x4e703b5a // SADDLV S26, V26.8H
	FMOVS.P F22, 4(R4)
	FMOVS.P F26, 4(R5)
	SUBS $1, R2
	BNE  q8x32loop

q8x32done:
	RET

// func quantizeQ8_KNEON(dst *byte, x *float32, nb int)
// 292-byte blocks: d (float32), 256 quants, 16 int16 sums of 16.
TEXT ·quantizeQ8_KNEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R1
	MOVD x+8(FP), R0
	MOVD nb+16(FP), R2
	MOVW $0xc2fe0000, R6 // -127.0
	FMOVS R6, F19
	FMOVS $1.0, F22
	// ggml's nearest_int: the float32 sum with 1.5·2^23 holds the rounded
	// integer in its mantissa; min(127, that) truncated to int8, as the Go
	// does (so even overflowing scales give the generic bytes).
	MOVW $0x4b400000, R6 // 12582912.0
	VDUP R6, V28.S4
	MOVW $0x7fffff, R6
	VDUP R6, V29.S4
	MOVW $0x400000, R6
	VDUP R6, V30.S4
	MOVW $127, R6
	VDUP R6, V31.S4
	CBZ  R2, q8kdone

q8kblock:
	MOVD R0, R7
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	MOVD $16, R8

q8kminmax:
	VLD1.P 64(R7), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD $0x4e20c610 // FMAXNM V16.4S, V16.4S, V0.4S
	WORD $0x4ea0c631 // FMINNM V17.4S, V17.4S, V0.4S
	WORD $0x4e21c610 // FMAXNM V16.4S, V16.4S, V1.4S
	WORD $0x4ea1c631 // FMINNM V17.4S, V17.4S, V1.4S
	WORD $0x4e22c610 // FMAXNM V16.4S, V16.4S, V2.4S
	WORD $0x4ea2c631 // FMINNM V17.4S, V17.4S, V2.4S
	WORD $0x4e23c610 // FMAXNM V16.4S, V16.4S, V3.4S
	WORD $0x4ea3c631 // FMINNM V17.4S, V17.4S, V3.4S
	SUBS $1, R8
	BNE  q8kminmax
	WORD $0x6e30ca10 // FMAXNMV S16, V16.4S
	WORD $0x6eb0ca31 // FMINNMV S17, V17.4S
	// NaNs are skipped (the NM forms), as the Go's a > amax skips them.
	// The value of largest magnitude, its sign kept; on a tie between +m and
	// −m the first one, as the Go scan takes.
	FNEGS F17, F18
	FMOVS F16, F20
	FCMPS F18, F16
	BGT  q8kscale
	FMOVS F17, F20
	BLT  q8kscale
	FCMPS $(0.0), F16
	BEQ  q8kzero
	MOVD R0, R7

q8kfirst:
	FMOVS.P 4(R7), F20
	FABSS F20, F21
	FCMPS F16, F21
	BNE  q8kfirst

q8kscale:
	FDIVS F20, F19, F21 // iscale = -127/vmax
	FDIVS F21, F22, F23 // d = 1/iscale
	VDUP V21.S[0], V21.S4
	B    q8kquant

q8kzero:
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V23.B16, V23.B16, V23.B16

q8kquant:
	FMOVS F23, (R1)
	ADD  $4, R1, R9 // quants
	ADD  $260, R1, R10 // sums
	MOVD $16, R8

q8kloop:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD $0x6e35dc00 // FMUL V0.4S, V0.4S, V21.4S
	WORD $0x6e35dc21 // FMUL V1.4S, V1.4S, V21.4S
	WORD $0x6e35dc42 // FMUL V2.4S, V2.4S, V21.4S
	WORD $0x6e35dc63 // FMUL V3.4S, V3.4S, V21.4S
	WORD $0x4e3cd400 // FADD V0.4S, V0.4S, V28.4S
	WORD $0x4e3cd421 // FADD V1.4S, V1.4S, V28.4S
	WORD $0x4e3cd442 // FADD V2.4S, V2.4S, V28.4S
	WORD $0x4e3cd463 // FADD V3.4S, V3.4S, V28.4S
	VAND V29.B16, V0.B16, V0.B16
	VAND V29.B16, V1.B16, V1.B16
	VAND V29.B16, V2.B16, V2.B16
	VAND V29.B16, V3.B16, V3.B16
	VSUB V30.S4, V0.S4, V0.S4
	VSUB V30.S4, V1.S4, V1.S4
	VSUB V30.S4, V2.S4, V2.S4
	VSUB V30.S4, V3.S4, V3.S4
	WORD $0x4ebf6c00 // SMIN V0.4S, V0.4S, V31.4S
	WORD $0x4ebf6c21 // SMIN V1.4S, V1.4S, V31.4S
	WORD $0x4ebf6c42 // SMIN V2.4S, V2.4S, V31.4S
	WORD $0x4ebf6c63 // SMIN V3.4S, V3.4S, V31.4S
	WORD $0x0e612810 // XTN V16.4H, V0.4S
	WORD $0x4e612830 // XTN2 V16.8H, V1.4S
	WORD $0x0e612851 // XTN V17.4H, V2.4S
	WORD $0x4e612871 // XTN2 V17.8H, V3.4S
	WORD $0x0e212a18 // XTN V24.8B, V16.8H
	WORD $0x4e212a38 // XTN2 V24.16B, V17.8H
	VST1.P [V24.B16], 16(R9)
	WORD $0x4e202b1a // SADDLP V26.8H, V24.16B
	WORD $0x4e703b5a // SADDLV S26, V26.8H
	VMOV V26.S[0], R11
	MOVH.P R11, 2(R10)
	SUBS $1, R8
	BNE  q8kloop
	ADD  $292, R1
	SUBS $1, R2
	BNE  q8kblock

q8kdone:
	RET
