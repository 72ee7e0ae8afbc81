//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gollama/gollama/tensor"
)

func hasAVX2() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C }

func supportedLevels() []Level {
	if hasAVX2() {
		return []Level{AVX2}
	}
	return nil
}

func detectLevel() Level {
	if hasAVX2() {
		return AVX2
	}
	return Generic
}

var avx2Kernels = func() kernelSet {
	k := genericKernels
	k.level = AVX2
	k.name = "avx2"
	k.x86Q8 = true
	k.dot[tensor.Q8_0] = dotQ8_0Asm
	k.dot[tensor.Q4_0] = dotQ4_0Asm
	k.dot[tensor.IQ4_NL] = dotIQ4_NLAsm
	k.dot[tensor.Q4_K] = dotQ4_KAsm
	k.dot[tensor.Q5_K] = dotQ5_KAsm
	k.dot[tensor.Q6_K] = dotQ6_KAsm
	k.dot[tensor.F32] = dotF32GgmlRow
	k.dot[tensor.F16] = dotF16GgmlRow
	k.dotBatch[tensor.F32] = dotF32TinyRow
	k.dotBatch[tensor.F16] = dotF16TinyRow
	k.dot2x2Batch[tensor.F16] = dotF16TinyRow2x2
	k.dot4[tensor.Q8_0] = blocksAsm4(dotQ8_0x4AVX2, 32)
	k.dot4[tensor.Q4_0] = blocksAsm4(dotQ4_0x4AVX2, 32)
	k.dotR4[tensor.Q8_0] = rowsAsm4(dotQ8_0x4rAVX2, 32, 34, 34)
	k.dotR4[tensor.Q4_K] = kRowsAsm4(dotQ4_Kx4rAVX2, 144)
	k.dotR4[tensor.Q5_K] = kRowsAsm4(dotQ5_Kx4rAVX2, 176)
	k.dotR4[tensor.Q6_K] = kRowsAsm4(dotQ6_Kx4rAVX2, 210)
	k.dotRows[tensor.Q4_K] = kGroupRows(dotQ4_Kx4rAVX2, 144)
	k.dotRows4[tensor.Q4_K] = kGroupRows4(dotQ4_Kx2rx4AVX2, 144)
	k.dotRows[tensor.Q6_K] = kGroupRows(dotQ6_Kx4rAVX2, 210)
	k.dotRows4[tensor.Q6_K] = kGroupRows4(dotQ6_Kx2rx4AVX2, 210)
	k.dotR2x4[tensor.Q8_0] = rowsAsm2x4(dotQ8_0x2rx4AVX2, 32, 34, 34)
	k.dotR2x4[tensor.Q4_K] = kRowsAsm2x4(dotQ4_Kx2rx4AVX2, 144)
	k.dotR2x4[tensor.Q6_K] = kRowsAsm2x4(dotQ6_Kx2rx4AVX2, 210)
	k.hugeCopy[tensor.Q8_0] = true
	k.dotRows[tensor.Q4_0] = blocksAsmRows(dotQ4_0x8rAVX2, 32, 18, 34)
	k.dotRows4[tensor.Q4_0] = blocksAsmRows4(dotQ4_0x8rx4AVX2, 32, 18, 34)
	k.dotRows[tensor.Q8_0] = q8Rows
	k.dotRows4[tensor.Q8_0] = q8Rows4
	k.dotPlain[tensor.Q4_0] = blocksAsm(dotQ4_0LanesAVX2, 32)
	k.dot4Plain[tensor.Q4_0] = blocksAsm4(dotQ4_0Lanesx4AVX2, 32)
	k.dot4[tensor.Q4_K] = blocksAsm4(dotQ4_Kx4AVX2, 256)
	k.dot4[tensor.Q5_K] = blocksAsm4(dotQ5_Kx4AVX2, 256)
	k.dot4[tensor.Q6_K] = blocksAsm4(dotQ6_Kx4AVX2, 256)
	k.dot[tensor.Q5_0] = blocksAsm(dotQ5_0AVX2, 32)
	k.dot[tensor.Q4_1] = blocksAsm(dotQ4_1AVX2, 32)
	k.dot[tensor.Q5_1] = blocksAsm(dotQ5_1AVX2, 32)
	k.dot[tensor.IQ4_XS] = blocksAsm(dotIQ4_XSAVX2, 256)
	k.dot[tensor.Q2_K] = blocksAsm(dotQ2_KAVX2, 256)
	k.dot[tensor.Q3_K] = blocksAsm(dotQ3_KAVX2, 256)
	k.dot[tensor.BF16] = dotBF16DpAsm
	k.dotBatch[tensor.BF16] = dotBF16DpTinyAsm
	k.dot4Batch[tensor.BF16] = dotBF16DpTinyAsm4
	k.dotF32 = dotGgml
	k.dotF16 = dotF16F32Asm
	k.axpy = axpyAsm
	k.axpyF16 = axpyF16Asm
	k.f32ToF16 = f32ToF16Asm
	k.f16ToF32 = f16ToF32Asm
	k.ropePairs = ropePairsAsm
	k.ropeNeoX = ropeNeoXAsm
	k.sum = sumAsm
	k.quantize[tensor.Q8_0] = quantizeQ8_0Asm
	k.quantize[tensor.F16] = quantizeF16Asm
	k.quantize[tensor.Q8_1] = quantizeQ8_1Asm
	k.quantize[tensor.Q8_K] = quantizeQ8_KAsm
	return k
}()

// simdKernelSets is every accelerated set this CPU can run, for tests.
func simdKernelSets() []*kernelSet {
	if hasAVX2() {
		return []*kernelSet{&avx2Kernels}
	}
	return nil
}

func kernelsFor(l Level) *kernelSet {
	if l == AVX2 {
		return &avx2Kernels
	}
	return &genericKernels
}
