//go:build !unix

package gguf

import "os"

func mapFile(fd *os.File, size int) ([]byte, func() error, error) {
	return readFile(fd, size)
}
