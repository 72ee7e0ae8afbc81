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
	"strings"
	"unsafe"

	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/tensor"
)

// maxSamplerState bounds the sampler state a file may claim: its penalty
// window holds at most a context's worth of tokens.
func maxSamplerState(cells int) int { return 1024 + 4*max(cells, 1<<16) }

// crcReader checksums what it reads.
type crcReader struct {
	r   *bufio.Reader
	crc uint32
	err error
	at  string // what is being read, for errors
}

func (c *crcReader) read(b []byte, what string) {
	if c.err != nil {
		return
	}
	c.at = what
	if _, err := io.ReadFull(c.r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			c.err = fmt.Errorf("session: %w: reading %s", ErrTruncated, what)
		} else {
			c.err = fmt.Errorf("session: reading %s: %w", what, err)
		}
		return
	}
	c.crc = crc32.Update(c.crc, castagnoli, b)
}

func (c *crcReader) int32s(v []int32, what string) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
	c.read(b, what)
	if !nativeLittle {
		swapBytes(b, 4)
	}
}

func (c *crcReader) float32s(v []float32, what string) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
	c.read(b, what)
	if !nativeLittle {
		swapBytes(b, 4)
	}
}

// readerSize is how many bytes r has left, or -1 if it cannot tell.
func readerSize(r io.Reader) int64 {
	switch v := r.(type) {
	case *bytes.Reader:
		return int64(v.Len())
	case *strings.Reader:
		return int64(v.Len())
	case *bytes.Buffer:
		return int64(v.Len())
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return st.Size() - off
	}
	return -1
}

// Load reads a session saved by WriteTo into sequence seq of ctx, which
// must be empty. The file must come from the same model (its fingerprint
// is checked); a KV cache of the other type (F16/F32) is converted. Before
// allocating anything it checks the sizes the header claims against the
// model's dimensions, the context's free space and, when it can tell, the
// reader's length. A truncated, corrupted (checksum), foreign-model or
// newer-version file is an error wrapping ErrTruncated, ErrCorrupt,
// ErrOtherModel or ErrVersion, and leaves the context as it was. Load
// reads ahead through a buffer: r may be read past the session's end.
func Load(ctx *model.Context, seq int, r io.Reader) (*Session, error) {
	s, err := New(ctx, seq)
	if err != nil {
		return nil, err
	}
	size := readerSize(r)
	cr := &crcReader{r: bufio.NewReaderSize(r, 1<<16)}
	hb := make([]byte, headerSize)
	cr.read(hb, "the header")
	if cr.err != nil {
		if !bytes.HasPrefix(hb, []byte(fileMagic)) && errors.Is(cr.err, ErrTruncated) {
			return nil, fmt.Errorf("session: %w (shorter than a header)", ErrNotSession)
		}
		return nil, cr.err
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, err
	}
	want := modelHeader(ctx)
	if h.fingerprint != want.fingerprint || h.layers != want.layers || h.kDim != want.kDim || h.vDim != want.vDim || h.vocab != want.vocab {
		return nil, fmt.Errorf("%w: the file's model is %s; this one is %s", ErrOtherModel, h.describe(), want.describe())
	}
	fileType := tensor.Type(h.kvType)
	if fileType != tensor.F16 && fileType != tensor.F32 {
		return nil, fmt.Errorf("session: %w: KV type id %d is neither f16 nor f32", ErrCorrupt, h.kvType)
	}
	if need := h.size(); size >= 0 && size < need {
		return nil, fmt.Errorf("session: %w: the header describes %d bytes, the file has %d", ErrTruncated, need, size)
	}
	cache := ctx.Cache()
	cells := cache.TotalPages() * cache.PageSize()
	n := int(h.n)
	if need, free := cache.PagesNeeded(seq, n), cache.FreePages(); n > cells || need > free {
		return nil, fmt.Errorf("session: %w: %d tokens need %d pages of %d cells, %d free", ErrNoRoom, n, need, cache.PageSize(), free)
	}
	if h.nLogits != 0 && h.nLogits != h.vocab {
		return nil, fmt.Errorf("session: %w: %d logits, vocabulary %d", ErrCorrupt, h.nLogits, h.vocab)
	}
	if int(h.nPending) > cells {
		return nil, fmt.Errorf("session: %w: %d pending tokens do not fit a context of %d", ErrNoRoom, h.nPending, cells)
	}
	if int(h.nSamp) > maxSamplerState(cells) {
		return nil, fmt.Errorf("session: %w: sampler state of %d bytes", ErrCorrupt, h.nSamp)
	}

	tokens := make([]int32, n)
	pos := make([]int32, n)
	cr.int32s(tokens, "tokens")
	cr.int32s(pos, "positions")
	if cr.err != nil {
		return nil, cr.err
	}
	if err := checkTokens(tokens, h.vocab, "token"); err != nil {
		return nil, err
	}
	for i, p := range pos {
		if p < 0 {
			return nil, fmt.Errorf("session: %w: position %d of cell %d", ErrCorrupt, p, i)
		}
	}
	if err := cache.Restore(seq, pos); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	undo := func(err error) (*Session, error) {
		_ = cache.Truncate(seq, 0)
		return nil, err
	}
	if err := readKV(cr, ctx, seq, fileType, int(h.layers)); err != nil {
		return undo(err)
	}
	var logits []float32
	if h.nLogits > 0 {
		logits = make([]float32, h.nLogits)
		cr.float32s(logits, "logits")
	}
	pending := make([]int32, h.nPending)
	cr.int32s(pending, "pending tokens")
	var samp []byte
	if h.nSamp > 0 {
		samp = make([]byte, h.nSamp)
		cr.read(samp, "sampler state")
	}
	if cr.err != nil {
		return undo(cr.err)
	}
	sum := cr.crc
	var stored [4]byte
	cr.read(stored[:], "checksum")
	if cr.err != nil {
		return undo(cr.err)
	}
	if got := binary.LittleEndian.Uint32(stored[:]); got != sum {
		return undo(fmt.Errorf("session: %w: checksum %08x, stored %08x", ErrCorrupt, sum, got))
	}
	if err := checkTokens(pending, h.vocab, "pending token"); err != nil {
		return undo(err)
	}
	for i, x := range logits {
		if math.IsNaN(float64(x)) {
			return undo(fmt.Errorf("session: %w: logit %d is NaN", ErrCorrupt, i))
		}
	}
	s.tokens = append(s.tokens, tokens...)
	s.logits = logits
	s.pending = pending
	s.sampler = samp
	return s, nil
}

func checkTokens(toks []int32, vocab uint32, what string) error {
	for i, t := range toks {
		if t < 0 || uint32(t) >= vocab {
			return fmt.Errorf("session: %w: %s %d at index %d out of range [0, %d)", ErrCorrupt, what, t, i, vocab)
		}
	}
	return nil
}

// readKV reads every layer's keys then values into the restored cells,
// converting when the file's KV type is not the cache's.
func readKV(cr *crcReader, ctx *model.Context, seq int, fileType tensor.Type, layers int) error {
	cache := ctx.Cache()
	cacheType := cache.Config().Type
	var tmp []byte
	for l := range layers {
		for _, values := range []bool{false, true} {
			what := fmt.Sprintf("layer %d keys", l)
			if values {
				what = fmt.Sprintf("layer %d values", l)
			}
			err := cache.Runs(seq, l, func(_ int, keys, vals []byte) error {
				dst := keys
				if values {
					dst = vals
				}
				if fileType == cacheType {
					cr.read(dst, what)
					if !nativeLittle {
						swapBytes(dst, elemSize(cacheType))
					}
					return cr.err
				}
				elems := len(dst) / elemSize(cacheType)
				if cap(tmp) < elems*elemSize(fileType) {
					tmp = make([]byte, elems*elemSize(fileType))
				}
				src := tmp[:elems*elemSize(fileType)]
				cr.read(src, what)
				if cr.err != nil {
					return cr.err
				}
				if !nativeLittle {
					swapBytes(src, elemSize(fileType))
				}
				convertKV(dst, src, cacheType, elems)
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// convertKV converts elems native-order elements of src (the other KV
// type) into dst of type to.
func convertKV(dst, src []byte, to tensor.Type, elems int) {
	f16 := func(b []byte) []uint16 { return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(b))), elems) }
	f32 := func(b []byte) []float32 { return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), elems) }
	if to == tensor.F32 {
		tensor.F16ToF32Row(f32(dst), f16(src))
	} else {
		tensor.F32ToF16Row(f16(dst), f32(src))
	}
}

// LoadFile is Load from a file.
func LoadFile(ctx *model.Context, seq int, path string) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	defer f.Close()
	s, err := Load(ctx, seq, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// LoadBytes is Load from a session held in memory (MarshalBinary's output).
func LoadBytes(ctx *model.Context, seq int, b []byte) (*Session, error) {
	return Load(ctx, seq, bytes.NewReader(b))
}
