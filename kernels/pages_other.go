//go:build !linux

package kernels

// releasePages is a no-op off Linux: packed copies count beside the mapping in RSS.
func releasePages([]byte) {}

// adviseHuge is a no-op where transparent huge pages do not exist.
func adviseHuge([]byte) {}
