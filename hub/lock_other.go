//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package hub

const haveFlock = false

// lockFile is a no-op where flock is unavailable: concurrent downloads of
// one file may then clash, and the checksum rejects the result.
func lockFile(string) (func(), error) { return func() {}, nil }
