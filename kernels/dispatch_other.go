//go:build purego || !(amd64 || arm64)

package kernels

func supportedLevels() []Level { return nil }

func detectLevel() Level { return Generic }

func kernelsFor(Level) *kernelSet { return &genericKernels }

func simdKernelSets() []*kernelSet { return nil }
