// Macros the AVX2 kernel files share (#include "simd_amd64.h").

// HSUM8 leaves the sum of Y's eight floats in the low lane of X, in
// ggml's hsum_float_8 order: ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
#define HSUM8(Y, X, T) \
	VEXTRACTF128 $1, Y, T; \
	VADDPS       X, T, X;  \
	VMOVHLPS     X, X, T;  \
	VADDPS       T, X, X;  \
	VMOVSHDUP    X, T;     \
	VADDSS       T, X, X

// HSUM4 is the same for the four floats of X: (x0+x2) + (x1+x3).
#define HSUM4(X, T) \
	VMOVHLPS  X, X, T; \
	VADDPS    T, X, X; \
	VMOVSHDUP X, T;    \
	VADDSS    T, X, X

// BCAST8 sets every byte of Y to the byte value v (via scratch GPR R).
#define BCAST8(v, R, X, Y) \
	MOVL         v, R;    \
	VMOVD        R, X;    \
	VPBROADCASTD X, Y

// ZERO8 clears Y0-Y7 (the usual accumulators).
#define ZERO8 \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7
