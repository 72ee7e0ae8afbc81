package gguf

import (
	"io"
	"os"
)

// readFile is the fallback where mmap is unavailable: the file is read
// into memory once.
func readFile(fd *os.File, size int) ([]byte, func() error, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(fd, data); err != nil {
		return nil, nil, err
	}
	return data, func() error { return nil }, nil
}
