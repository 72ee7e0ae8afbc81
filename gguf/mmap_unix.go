//go:build unix

package gguf

import (
	"os"

	"golang.org/x/sys/unix"
)

func mapFile(fd *os.File, size int) ([]byte, func() error, error) {
	data, err := unix.Mmap(int(fd.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return readFile(fd, size)
	}
	return data, func() error { return unix.Munmap(data) }, nil
}
