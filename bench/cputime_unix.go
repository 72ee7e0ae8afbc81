//go:build unix

package bench

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time (user + system) the process has used, summed
// over its threads. On a shared machine a run's CPU time moves far less
// than its wall time: tokens per CPU-second is the steadier figure.
func CPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
