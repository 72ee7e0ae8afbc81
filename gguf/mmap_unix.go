//go:build unix

package gguf

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/gollama/gollama/internal/mapping"
)

func mapFile(fd *os.File, size int) ([]byte, func() error, error) {
	data, err := unix.Mmap(int(fd.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return readFile(fd, size)
	}
	mapping.Add(data)
	return data, func() error {
		mapping.Remove(data)
		return unix.Munmap(data)
	}, nil
}
