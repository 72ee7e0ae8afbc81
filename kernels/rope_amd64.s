//go:build !purego

#include "textflag.h"

// func ropePairsAVX2(v, cs *float32, n int)
// Four pairs a step: x0 and x1 duplicated across each pair's lanes, the
// rounded products x1·sin, x1·cos, then x0·cos − x1·sin (even lanes) and
// x0·sin + x1·cos (odd lanes) in one fused VFMADDSUB231PS.
TEXT ·ropePairsAVX2(SB), NOSPLIT, $0-24
	MOVQ v+0(FP), DI
	MOVQ cs+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   rpdone

rploop:
	VMOVUPS        (DI), Y0
	VMOVUPS        (SI), Y1
	VMOVSLDUP      Y0, Y2      // x0 x0
	VMOVSHDUP      Y0, Y3      // x1 x1
	VPERMILPS      $0xb1, Y1, Y4 // sin cos
	VMULPS         Y4, Y3, Y3  // x1·sin, x1·cos
	VFMADDSUB231PS Y1, Y2, Y3  // x0·cos − x1·sin, x0·sin + x1·cos
	VMOVUPS        Y3, (DI)
	ADDQ           $32, DI
	ADDQ           $32, SI
	DECQ           CX
	JNZ            rploop

rpdone:
	VZEROUPPER
	RET

// func ropeNeoXAVX2(v, cs *float32, half int)
// Eight pairs a step: cs's interleaved cosines and sines split into two
// vectors (VSHUFPS picks within 128-bit lanes, VPERMPD restores order).
TEXT ·ropeNeoXAVX2(SB), NOSPLIT, $0-24
	MOVQ v+0(FP), DI
	MOVQ cs+8(FP), SI
	MOVQ half+16(FP), CX
	LEAQ (DI)(CX*4), R8   // v[half:]
	SHRQ $3, CX

rnloop:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VSHUFPS     $0x88, Y5, Y4, Y6 // cos
	VSHUFPS     $0xdd, Y5, Y4, Y7 // sin
	VPERMPD     $0xd8, Y6, Y6
	VPERMPD     $0xd8, Y7, Y7
	VMOVUPS     (DI), Y0          // x0
	VMOVUPS     (R8), Y1          // x1
	VMULPS      Y7, Y1, Y2        // x1·sin
	VMULPS      Y6, Y1, Y3        // x1·cos
	VFMSUB231PS Y6, Y0, Y2        // x0·cos − x1·sin
	VFMADD231PS Y7, Y0, Y3        // x0·sin + x1·cos
	VMOVUPS     Y2, (DI)
	VMOVUPS     Y3, (R8)
	ADDQ        $32, DI
	ADDQ        $32, R8
	ADDQ        $64, SI
	DECQ        CX
	JNZ         rnloop

	VZEROUPPER
	RET
