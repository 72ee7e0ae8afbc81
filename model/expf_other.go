//go:build !amd64 || purego

package model

// Without the AVX2 kernels everything runs the scalar Go.
const haveAVX2 = false

func softmaxExpVec(x []float32, maxScore float32) int { return 0 }

func swigluVec(gate, up []float32, n int) int { return 0 }

func dotF16LanesVec(k []uint16, q []float32, l []float32) int { return 0 }
