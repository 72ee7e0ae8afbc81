package session

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/tensor"
)

// The file format is described in the package documentation.

const (
	fileMagic     = "GOLLSESS"
	formatVersion = 1
	headerSize    = 100
	archLen       = 16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors Load wraps, so callers can tell the failures apart.
var (
	ErrNotSession = errors.New("not a gollama session file")
	ErrVersion    = errors.New("session file format version not supported")
	ErrOtherModel = errors.New("session was saved from a different model")
	ErrCorrupt    = errors.New("session file corrupted")
	ErrTruncated  = errors.New("session file truncated")
	ErrNoRoom     = errors.New("session does not fit in the context")
	nativeLittle  = binary.NativeEndian.Uint16([]byte{1, 0}) == 1
)

type header struct {
	fingerprint              [32]byte
	arch                     string
	layers, kDim, vDim       uint32
	vocab, kvType, n         uint32
	nLogits, nPending, nSamp uint32
}

func (h *header) marshal() []byte {
	b := make([]byte, 0, headerSize)
	b = append(b, fileMagic...)
	b = binary.LittleEndian.AppendUint32(b, formatVersion)
	b = append(b, h.fingerprint[:]...)
	var arch [archLen]byte
	copy(arch[:], h.arch)
	b = append(b, arch[:]...)
	for _, v := range []uint32{h.layers, h.kDim, h.vDim, h.vocab, h.kvType, h.n, h.nLogits, h.nPending, h.nSamp} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func parseHeader(b []byte) (header, error) {
	var h header
	if string(b[:8]) != fileMagic {
		return h, fmt.Errorf("session: %w (magic %q)", ErrNotSession, b[:8])
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != formatVersion {
		if v > formatVersion {
			return h, fmt.Errorf("session: %w: version %d is newer than this program reads (%d)", ErrVersion, v, formatVersion)
		}
		return h, fmt.Errorf("session: %w: version %d", ErrVersion, v)
	}
	if got, want := crc32.Checksum(b[:96], castagnoli), binary.LittleEndian.Uint32(b[96:]); got != want {
		return h, fmt.Errorf("session: %w: header checksum %08x, stored %08x", ErrCorrupt, got, want)
	}
	copy(h.fingerprint[:], b[12:44])
	h.arch = string(bytes.TrimRight(b[44:60], "\x00"))
	u := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	h.layers, h.kDim, h.vDim, h.vocab, h.kvType = u(60), u(64), u(68), u(72), u(76)
	h.n, h.nLogits, h.nPending, h.nSamp = u(80), u(84), u(88), u(92)
	return h, nil
}

func elemSize(t tensor.Type) int {
	if t == tensor.F16 {
		return 2
	}
	return 4
}

// size is the file's total length the header implies.
func (h *header) size() int64 {
	n := int64(h.n)
	kv := int64(h.layers) * n * int64(h.kDim+h.vDim) * int64(elemSize(tensor.Type(h.kvType)))
	return headerSize + 8*n + kv + 4*int64(h.nLogits) + 4*int64(h.nPending) + int64(h.nSamp) + 4
}

func (h *header) describe() string {
	return fmt.Sprintf("%s, %d layers, KV %d+%d per token, vocabulary %d, fingerprint %x", h.arch, h.layers, h.kDim, h.vDim, h.vocab, h.fingerprint[:6])
}

func modelHeader(ctx *model.Context) header {
	m := ctx.Model()
	cfg := ctx.Cache().Config()
	return header{
		fingerprint: m.Fingerprint(), arch: m.Arch,
		layers: uint32(cfg.Layers), kDim: uint32(cfg.KDim), vDim: uint32(cfg.VDim),
		vocab: uint32(m.Vocab), kvType: uint32(cfg.Type),
	}
}

// crcWriter checksums what it writes and counts it.
type crcWriter struct {
	w   *bufio.Writer
	crc uint32
	n   int64
	err error
}

func (c *crcWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	c.crc = crc32.Update(c.crc, castagnoli, b)
	var k int
	k, c.err = c.w.Write(b)
	c.n += int64(k)
}

func (c *crcWriter) int32s(v []int32) {
	if nativeLittle {
		c.write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
		return
	}
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	c.write(b)
}

func (c *crcWriter) float32s(v []float32) {
	if nativeLittle {
		c.write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
		return
	}
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	c.write(b)
}

// WriteTo writes the session in the format of the package doc: tokens, KV cells,
// logits, pending tokens and sampler state, checksummed.
func (s *Session) WriteTo(w io.Writer) (int64, error) {
	h := modelHeader(s.ctx)
	cache := s.ctx.Cache()
	h.n = uint32(len(s.tokens))
	h.nLogits = uint32(len(s.logits))
	h.nPending = uint32(len(s.pending))
	h.nSamp = uint32(len(s.sampler))
	cw := &crcWriter{w: bufio.NewWriterSize(w, int(min(1<<20, max(4096, h.size()))))}
	cw.write(h.marshal())
	cw.int32s(s.tokens)
	cw.int32s(cache.Positions(s.seq))
	esz := elemSize(cache.Config().Type)
	var swap []byte
	// Per layer, the keys of every page, then the values.
	for l := range int(h.layers) {
		for _, values := range []bool{false, true} {
			err := cache.Runs(s.seq, l, func(_ int, keys, vals []byte) error {
				b := keys
				if values {
					b = vals
				}
				if !nativeLittle {
					swap = append(swap[:0], b...)
					swapBytes(swap, esz)
					b = swap
				}
				cw.write(b)
				return cw.err
			})
			if err != nil {
				return cw.n, fmt.Errorf("session: save: %w", err)
			}
		}
	}
	cw.float32s(s.logits)
	cw.int32s(s.pending)
	cw.write(s.sampler)
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], cw.crc)
	cw.write(sum[:])
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	if cw.err != nil {
		return cw.n, fmt.Errorf("session: save: %w", cw.err)
	}
	return cw.n, nil
}

// MarshalBinary is WriteTo into memory.
func (s *Session) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	_, err := s.WriteTo(&b)
	return b.Bytes(), err
}

// SaveFile writes the session to path atomically: into a temporary file
// beside it, synced, then renamed over path, so a crash or an error never
// leaves a partial file behind.
func (s *Session) SaveFile(path string) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := s.WriteTo(w)
		return err
	})
}

// WriteFileAtomic writes path through fn via a synced temporary file in
// the same directory renamed over it.
func WriteFileAtomic(path string, fn func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("session: save: %w", err)
	}
	tmp := f.Name()
	err = fn(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("session: save %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the rename durable; not all systems allow it
		d.Close()
	}
	return nil
}

func swapBytes(b []byte, size int) {
	for i := 0; i+size <= len(b); i += size {
		for j, k := i, i+size-1; j < k; j, k = j+1, k-1 {
			b[j], b[k] = b[k], b[j]
		}
	}
}
