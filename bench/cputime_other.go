//go:build !unix

package bench

import "time"

// CPUTime is unavailable here; ok is false.
func CPUTime() (time.Duration, bool) { return 0, false }
