//go:build !purego

package kernels

// Legacy-quant dots on NEON (dotlegacy_arm64.s) over nb 32-value blocks,
// table = f16Table: per block an exact integer dot, then the generic dot's
// float32 expression in scalar float32 operations (no fused multiply-add),
// so results match dot_generic.go bit for bit. Pointers must be valid for
// nb blocks (the wrappers slice first).

// dotQ41SDOT is dotQ4_1Generic (20-byte Q4_1 blocks, 36-byte Q8_1).
//
//go:noescape
func dotQ41SDOT(w, a *byte, nb int, table *float32) float32

// dotQ41SMULL is dotQ41SDOT on base NEON (SMULL + SADALP).
//
//go:noescape
func dotQ41SMULL(w, a *byte, nb int, table *float32) float32

// dotQ50SDOT is dotQ5_0Generic (22-byte Q5_0 blocks, 34-byte Q8_0): qh's
// bytes are spread over the lanes by TBL and tested against each lane's
// bit (CMTST) for value = (nibble | h<<4) − 16.
//
//go:noescape
func dotQ50SDOT(w, a *byte, nb int, table *float32) float32

// dotQ50SMULL is dotQ50SDOT on base NEON.
//
//go:noescape
func dotQ50SMULL(w, a *byte, nb int, table *float32) float32

// dotQ51SDOT is dotQ5_1Generic (24-byte Q5_1 blocks, 36-byte Q8_1).
//
//go:noescape
func dotQ51SDOT(w, a *byte, nb int, table *float32) float32

// dotQ51SMULL is dotQ51SDOT on base NEON.
//
//go:noescape
func dotQ51SMULL(w, a *byte, nb int, table *float32) float32

// dotIQ4NLSDOT is dotIQ4_NLGeneric (18-byte blocks, 34-byte Q8_0), the
// nibbles mapped through lut (the codebook) by TBL.
//
//go:noescape
func dotIQ4NLSDOT(w, a *byte, nb int, table *float32, lut *int8) float32

// dotIQ4NLSMULL is dotIQ4NLSDOT on base NEON.
//
//go:noescape
func dotIQ4NLSMULL(w, a *byte, nb int, table *float32, lut *int8) float32

func dotQ4_1SDOTRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	nb := n / 32
	return dotQ41SDOT(&w[:20*nb][0], &a[:36*nb][0], nb, &f16Table[0])
}

func dotQ4_1SMULLRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	nb := n / 32
	return dotQ41SMULL(&w[:20*nb][0], &a[:36*nb][0], nb, &f16Table[0])
}

func dotQ5_0SDOTRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	nb := n / 32
	return dotQ50SDOT(&w[:22*nb][0], &a[:34*nb][0], nb, &f16Table[0])
}

func dotQ5_0SMULLRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	nb := n / 32
	return dotQ50SMULL(&w[:22*nb][0], &a[:34*nb][0], nb, &f16Table[0])
}

func dotQ5_1SDOTRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	nb := n / 32
	return dotQ51SDOT(&w[:24*nb][0], &a[:36*nb][0], nb, &f16Table[0])
}

func dotQ5_1SMULLRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	nb := n / 32
	return dotQ51SMULL(&w[:24*nb][0], &a[:36*nb][0], nb, &f16Table[0])
}

func dotIQ4_NLSDOTRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	nb := n / 32
	return dotIQ4NLSDOT(&w[:18*nb][0], &a[:34*nb][0], nb, &f16Table[0], &kvaluesIQ4NL[0])
}

func dotIQ4_NLSMULLRow(w, a []byte, n int) float32 {
	if n < 32 {
		return 0
	}
	nb := n / 32
	return dotIQ4NLSMULL(&w[:18*nb][0], &a[:34*nb][0], nb, &f16Table[0], &kvaluesIQ4NL[0])
}
