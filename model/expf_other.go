//go:build !amd64 || purego

package model

// Without the AVX2 kernels everything runs the scalar Go.
const haveAVX2 = false

func softmaxExpVec(x []float32, maxScore float32) int { return 0 }

func swigluVec(gate, up []float32, n int) int { return 0 }

func dotF16LanesVec(k []uint16, q []float32, l []float32) int { return 0 }

func dotF16Cells(k []uint16, stride int, q []float32, out []float32, tiny bool) {
	dotF16CellsGo(k, stride, q, out, tiny)
}

func dotF16Cells4(k []uint16, stride int, q []float32, out []float32, ostride, n int) {
	dotF16Cells4Go(k, stride, q, out, ostride, n)
}

func axpyF16Cells(lanes []float32, width, t0, hv int, p []float32, v []uint16, vstride int) {
	axpyF16CellsGo(lanes, width, t0, hv, p, v, vstride)
}

func dotF32Cells(k []float32, stride int, q []float32, out []float32, tiny bool) {
	dotF32CellsGo(k, stride, q, out, tiny)
}

func axpyF32Cells(lanes []float32, width, t0, hv int, p []float32, v []float32, vstride int) {
	axpyF32CellsGo(lanes, width, t0, hv, p, v, vstride)
}
