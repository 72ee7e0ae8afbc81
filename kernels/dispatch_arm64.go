//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gollama/gollama/tensor"
)

func supportedLevels() []Level { return []Level{NEON} }

func detectLevel() Level { return NEON } // Advanced SIMD is mandatory on arm64

// neonSet builds the NEON kernel set, with SDOT integer dots if dotprod.
func neonSet(dotprod bool) kernelSet {
	k := genericKernels
	k.level = NEON
	k.name = "neon"
	k.dotF32 = dotNEON
	k.dotF16 = dotF16F32NEONRow
	k.axpy = axpyNEONRow
	k.axpyF16 = axpyF16NEONRow
	k.dot[tensor.F16] = dotF16RowNEON
	k.dot[tensor.BF16] = dotBF16RowNEON
	k.dot[tensor.Q3_K] = dotQ3_KNEON // lanes, no SDOT
	k.quantize[tensor.Q8_0] = quantizeQ8_0NEONRow
	k.quantize[tensor.Q8_1] = quantizeQ8_1NEONRow
	k.quantize[tensor.Q8_K] = quantizeQ8_KNEONRow
	if dotprod {
		k.name = "neon+dotprod"
		k.dot[tensor.Q8_0] = dotQ8_0SDOTRow
		k.dot[tensor.Q4_0] = dotQ4_0SDOTRow
		k.dot[tensor.Q4_K] = dotQ4_KSDOTRow
		k.dot[tensor.Q5_K] = dotQ5_KSDOTRow
		k.dot[tensor.Q6_K] = dotQ6_KSDOTRow
		k.dot[tensor.Q4_1] = dotQ4_1SDOTRow
		k.dot[tensor.Q5_0] = dotQ5_0SDOTRow
		k.dot[tensor.Q5_1] = dotQ5_1SDOTRow
		k.dot[tensor.IQ4_NL] = dotIQ4_NLSDOTRow
		k.dot[tensor.Q2_K] = dotQ2_KSDOTRow
		k.dot[tensor.IQ4_XS] = dotIQ4_XSSDOTRow
	} else {
		k.dot[tensor.Q8_0] = dotQ8_0SMULLRow
		k.dot[tensor.Q4_0] = dotQ4_0SMULLRow
		k.dot[tensor.Q4_K] = dotQ4_KSMULLRow
		k.dot[tensor.Q5_K] = dotQ5_KSMULLRow
		k.dot[tensor.Q6_K] = dotQ6_KSMULLRow
		k.dot[tensor.Q4_1] = dotQ4_1SMULLRow
		k.dot[tensor.Q5_0] = dotQ5_0SMULLRow
		k.dot[tensor.Q5_1] = dotQ5_1SMULLRow
		k.dot[tensor.IQ4_NL] = dotIQ4_NLSMULLRow
		k.dot[tensor.Q2_K] = dotQ2_KSMULLRow
		k.dot[tensor.IQ4_XS] = dotIQ4_XSSMULLRow
	}
	return k
}

var (
	neonKernels      = neonSet(cpu.ARM64.HasASIMDDP)
	neonNoDotKernels = neonSet(false)
)

func kernelsFor(l Level) *kernelSet {
	if l == NEON {
		return &neonKernels
	}
	return &genericKernels
}

// simdKernelSets is every accelerated set this CPU can run, for tests.
func simdKernelSets() []*kernelSet {
	if cpu.ARM64.HasASIMDDP {
		return []*kernelSet{&neonKernels, &neonNoDotKernels}
	}
	return []*kernelSet{&neonKernels}
}
