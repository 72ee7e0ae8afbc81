//go:build !linux

package kernels

// releasePages is a no-op where MADV_PAGEOUT does not exist.
func releasePages([]byte) {}

// adviseHuge is a no-op where transparent huge pages do not exist.
func adviseHuge([]byte) {}
