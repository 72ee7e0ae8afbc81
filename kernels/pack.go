package kernels

import (
	"runtime"
	"sync"
	"weak"

	"github.com/gollama/gollama/tensor"
)

// Weights whose level has a rowGroup-row kernel are multiplied from a
// packed copy, made on first use and kept while the tensor lives: each
// group of rowGroup rows is stored block by block (block b of row r at
// b·rowGroup·wb + r·wb within the group). The kernel then reads one
// sequential stream instead of eight strided ones, which the hardware
// prefetchers keep up with far better (mat·vec from DRAM about a third
// faster). The sums do not change: the same blocks meet the same
// activations in the same order.
//
// Q4_0 goes further: a group's block b is 144 bytes, the eight rows' f16
// scales (row order) then four 32-byte quarters, quarter k holding quant
// bytes 4k..4k+3 of each row in row order (llama.cpp's block_q4_0x8 with
// 4-byte interleave), so the kernel converts the scales with one
// instruction and sums the rows' products without horizontal adds. Q8_0
// likewise: a block's eight scales (16 bytes), then each row's 32 quants
// in row order (272 bytes).

// packRows writes src's rows (rows of rb bytes, blocks of wb bytes, rows
// a multiple of rowGroup) to dst in the packed layout.
func packRows(dst, src []byte, rows, rb, wb int) {
	nb := rb / wb
	if wb == 18 { // Q4_0: fixed-size copies compile to moves, not memmove calls
		for g := 0; g < rows; g += rowGroup {
			in, out := src[g*rb:(g+rowGroup)*rb], dst[g*rb:(g+rowGroup)*rb]
			for b := 0; b < nb; b++ {
				o := (*[rowGroup * 18]byte)(out[b*rowGroup*18:])
				for r := 0; r < rowGroup; r++ {
					i := (*[18]byte)(in[r*rb+b*18:])
					*(*[2]byte)(o[2*r:]) = *(*[2]byte)(i[0:])
					*(*[4]byte)(o[16+4*r:]) = *(*[4]byte)(i[2:])
					*(*[4]byte)(o[48+4*r:]) = *(*[4]byte)(i[6:])
					*(*[4]byte)(o[80+4*r:]) = *(*[4]byte)(i[10:])
					*(*[4]byte)(o[112+4*r:]) = *(*[4]byte)(i[14:])
				}
			}
		}
		return
	}
	if wb == 34 { // Q8_0: a block's eight scales, then the rows' 32 quants each
		for g := 0; g < rows; g += rowGroup {
			in, out := src[g*rb:(g+rowGroup)*rb], dst[g*rb:(g+rowGroup)*rb]
			for b := 0; b < nb; b++ {
				o := (*[rowGroup * 34]byte)(out[b*rowGroup*34:])
				for r := 0; r < rowGroup; r++ {
					i := (*[34]byte)(in[r*rb+b*34:])
					*(*[2]byte)(o[2*r:]) = *(*[2]byte)(i[0:])
					*(*[32]byte)(o[16+32*r:]) = *(*[32]byte)(i[2:])
				}
			}
		}
		return
	}
	if wb == 144 || wb == 210 { // Q4_K, Q6_K: two halves of four rows, each block by block
		const sub = rowGroup / 2
		for g := 0; g < rows; g += rowGroup {
			for h := 0; h < 2; h++ {
				out := dst[(g+h*sub)*rb : (g+(h+1)*sub)*rb]
				for r := 0; r < sub; r++ {
					row := src[(g+h*sub+r)*rb : (g+h*sub+r+1)*rb]
					for b := 0; b < nb; b++ {
						copy(out[(b*sub+r)*wb:(b*sub+r+1)*wb], row[b*wb:(b+1)*wb])
					}
				}
			}
		}
		return
	}
	for g := 0; g < rows; g += rowGroup {
		out := dst[g*rb : (g+rowGroup)*rb]
		for r := 0; r < rowGroup; r++ {
			row := src[(g+r)*rb : (g+r+1)*rb]
			for b := 0; b < nb; b++ {
				copy(out[(b*rowGroup+r)*wb:(b*rowGroup+r+1)*wb], row[b*wb:(b+1)*wb])
			}
		}
	}
}

// packedWeight is a tensor's packed copy and what it was made from: a
// tensor whose Data is replaced is packed again (weights are otherwise
// taken to be immutable, as mapped model files are).
type packedWeight struct {
	src  *byte
	size int
	data []byte
}

var packed struct {
	mu sync.Mutex
	m  map[weak.Pointer[tensor.Tensor]]*packedWeight
}

// packedData returns w's first rows·rb bytes in the packed layout, packing
// them on first use. The copy is dropped when w is garbage collected.
func packedData(w *tensor.Tensor, rows, rb, wb int) []byte {
	return weightCopy(w, rows, rb, wb, false)
}

// hugeData returns a copy of w's first rows·rb bytes in memory advised
// for transparent huge pages, made on first use like packedData. For
// weights whose mat·vec is bound by memory (Q8_0) the mapped file's 4 KiB
// pages cost a TLB miss every 4 KiB of the stream; the copy (on THP
// systems) streams about 7% faster. The mapped pages are released, so
// RSS stays about the file size.
func hugeData(w *tensor.Tensor, rows, rb int) []byte {
	return weightCopy(w, rows, rb, rb, true)
}

func weightCopy(w *tensor.Tensor, rows, rb, wb int, plain bool) []byte {
	size := rows * rb
	key := weak.Make(w)
	packed.mu.Lock()
	defer packed.mu.Unlock()
	pw, ok := packed.m[key]
	if ok && pw.src == &w.Data[0] && pw.size == size {
		return pw.data
	}
	if packed.m == nil {
		packed.m = make(map[weak.Pointer[tensor.Tensor]]*packedWeight)
	}
	data := make([]byte, size)
	adviseHuge(data)
	if plain {
		copy(data, w.Data[:size])
	} else {
		packRows(data, w.Data[:size], rows, rb, wb)
	}
	releasePages(w.Data[:size])
	if !ok {
		runtime.AddCleanup(w, func(k weak.Pointer[tensor.Tensor]) {
			packed.mu.Lock()
			delete(packed.m, k)
			packed.mu.Unlock()
		}, key)
	}
	packed.m[key] = &packedWeight{src: &w.Data[0], size: size, data: data}
	return data
}
