package kernels

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/gollama/gollama/internal/mapping"
)

// releasePages drops this process's mapping of the pages wholly inside b
// once its contents live on in a packed copy, so a packed model does not
// count twice in RSS. Only for read-only file mappings (gguf.Open's):
// MADV_DONTNEED there just unmaps, the file stays in the page cache for the
// next run, and a later read faults the page back in; anonymous memory
// would come back zeroed, so it is left alone.
func releasePages(b []byte) {
	page := os.Getpagesize()
	if len(b) < page || !mapping.FileBacked(b) {
		return
	}
	start := (page - int(uintptrOf(b))%page) % page
	end := start + (len(b)-start)/page*page
	if end > start {
		unix.Madvise(b[start:end], unix.MADV_DONTNEED)
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
