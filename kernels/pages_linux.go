package kernels

import (
	"os"

	"golang.org/x/sys/unix"
)

// releasePages asks the kernel to reclaim the pages wholly inside b, once
// its contents live on in a packed copy. MADV_PAGEOUT drops clean pages of
// a mapped file (a later read faults them back in from the file) and never
// discards anonymous memory (with no swap it leaves it alone), so it is
// safe on any slice: without it a packed model would count twice in RSS.
// Kernels older than Linux 5.4 refuse it; that only costs memory.
func releasePages(b []byte) {
	page := os.Getpagesize()
	if len(b) < page {
		return
	}
	start := (page - int(uintptrOf(b))%page) % page
	end := start + (len(b)-start)/page*page
	if end > start {
		unix.Madvise(b[start:end], unix.MADV_PAGEOUT)
	}
}

// adviseHuge asks for transparent huge pages under b (where THP is in
// "madvise" mode, as on many distributions, nothing else gets them): a
// mat·vec streams hundreds of MB per token, and with 4 KiB pages each
// one costs a TLB miss. Call it before b is first written.
func adviseHuge(b []byte) {
	const huge = 2 << 20
	start := (huge - int(uintptrOf(b))%huge) % huge
	if len(b) < start+huge {
		return
	}
	end := start + (len(b)-start)/huge*huge
	unix.Madvise(b[start:end], unix.MADV_HUGEPAGE)
}
