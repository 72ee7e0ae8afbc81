//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package hub

import (
	"os"
	"syscall"
)

const haveFlock = true

// lockFile takes an exclusive advisory lock on path (created if needed),
// waiting for other holders: the same flock huggingface_hub's filelock
// takes, so a gollama pull and a Python download of the same file do not
// write one .incomplete file together.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
