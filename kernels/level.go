package kernels

import (
	"fmt"
	"os"
	"sync/atomic"
)

// Level is an instruction-set level with its own kernel set.
type Level int

const (
	Generic Level = iota // pure Go
	AVX2                 // amd64 with AVX2, FMA and F16C
	AVX512               // amd64 AVX-512 (no kernels in this build)
	NEON                 // arm64 Advanced SIMD
)

func (l Level) String() string {
	switch l {
	case Generic:
		return "generic"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	case NEON:
		return "neon"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel is the inverse of Level.String.
func ParseLevel(s string) (Level, error) {
	for l := Generic; l <= NEON; l++ {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown CPU level %q (want generic, avx2, avx512 or neon)", s)
}

// active is the kernel set in use; an atomic pointer so SetLevel may race
// with running kernels without tearing.
var active atomic.Pointer[kernelSet]

var levelErr error

func init() {
	best := detectLevel()
	active.Store(kernelsFor(best))
	if s := os.Getenv("GOLLAMA_CPU"); s != "" {
		l, err := ParseLevel(s)
		if err == nil {
			err = SetLevel(l)
		}
		if err != nil {
			levelErr = fmt.Errorf("GOLLAMA_CPU: %w; using %s", err, best)
		}
	}
}

// CPU is the level whose kernels are in use.
func CPU() Level { return active.Load().level }

// Detected is the best level this CPU and build support.
func Detected() Level { return detectLevel() }

// LevelError reports a GOLLAMA_CPU setting that init could not honour
// (unknown name, or a level the CPU lacks); nil if none.
func LevelError() error { return levelErr }

// SetLevel switches every kernel to level l's set. It refuses a level the
// CPU (or this build) cannot run, so dispatch never reaches an instruction
// the CPU lacks.
func SetLevel(l Level) error {
	if !levelSupported(l) {
		return fmt.Errorf("CPU level %s not supported here (best: %s)", l, detectLevel())
	}
	active.Store(kernelsFor(l))
	return nil
}

// levelSupported reports whether kernelsFor(l) is safe on this CPU.
func levelSupported(l Level) bool {
	if l == Generic {
		return true
	}
	for _, s := range supportedLevels() {
		if s == l {
			return true
		}
	}
	return false
}

// Levels lists every level usable here, generic first (tests compare each
// against generic).
func Levels() []Level { return append([]Level{Generic}, supportedLevels()...) }
