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
	if dotprod {
		k.name = "neon+dotprod"
		k.dot[tensor.Q8_0] = dotQ8_0SDOTRow
		k.dot[tensor.Q4_0] = dotQ4_0SDOTRow
		k.dot[tensor.Q4_K] = dotQ4_KSDOTRow
		k.dot[tensor.Q5_K] = dotQ5_KSDOTRow
		k.dot[tensor.Q6_K] = dotQ6_KSDOTRow
	} else {
		k.dot[tensor.Q8_0] = dotQ8_0SMULLRow
		k.dot[tensor.Q4_0] = dotQ4_0SMULLRow
		k.dot[tensor.Q4_K] = dotQ4_KSMULLRow
		k.dot[tensor.Q5_K] = dotQ5_KSMULLRow
		k.dot[tensor.Q6_K] = dotQ6_KSMULLRow
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
