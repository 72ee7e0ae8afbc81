package sample

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// State encoding (little-endian), version 1:
//
//	"GSMP" | version u8 | vocab u32 | seed u64 | len u8 + PCG state |
//	mu f32 bits | window length u32 | window tokens i32… (oldest first)
//
// The parameters are not stored: restore into a Sampler built with the same
// Params (sessions keep those separately).
const (
	stateMagic   = "GSMP"
	stateVersion = 1
)

// MarshalBinary saves what Sample and Accept depend on besides the
// parameters: the generator state, the concrete seed, mirostat's mu and the
// penalty window.
func (s *Sampler) MarshalBinary() ([]byte, error) {
	rngState, err := s.rng.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("sample: saving generator state: %w", err)
	}
	if len(rngState) > 255 {
		return nil, errors.New("sample: generator state too long")
	}
	b := make([]byte, 0, 4+1+4+8+1+len(rngState)+4+4+4*s.windowLen)
	b = append(b, stateMagic...)
	b = append(b, stateVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(s.vocab))
	b = binary.LittleEndian.AppendUint64(b, s.seed)
	b = append(b, byte(len(rngState)))
	b = append(b, rngState...)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s.mu))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.windowLen))
	for _, tok := range s.Window() {
		b = binary.LittleEndian.AppendUint32(b, uint32(tok))
	}
	return b, nil
}

// UnmarshalBinary restores state saved by MarshalBinary. The vocabulary size
// must match. If the saved window is longer than this Sampler's RepeatLastN,
// only its newest tokens are kept; if penalties are off it is dropped.
// On error the Sampler is unchanged.
func (s *Sampler) UnmarshalBinary(b []byte) error {
	r := stateReader{b: b}
	if string(r.next(4)) != stateMagic {
		return errors.New("sample: state: bad magic (not a sampler state)")
	}
	if v := r.next(1); v == nil || v[0] != stateVersion {
		return fmt.Errorf("sample: state: unsupported version %v", v)
	}
	vocab := r.u32()
	if r.err == nil && int(vocab) != s.vocab {
		return fmt.Errorf("sample: state: vocabulary size %d, sampler has %d", vocab, s.vocab)
	}
	seed := r.u64()
	var n []byte
	if l := r.next(1); l != nil {
		n = r.next(int(l[0]))
	}
	mu := math.Float32frombits(r.u32())
	count := r.u32()
	if r.err != nil {
		return r.err
	}
	if uint64(count)*4 != uint64(len(r.b)) {
		return fmt.Errorf("sample: state: window of %d tokens needs %d bytes, have %d", count, uint64(count)*4, len(r.b))
	}
	tokens := make([]int32, count)
	for i := range tokens {
		tokens[i] = int32(r.u32())
		if tokens[i] < 0 || int(tokens[i]) >= s.vocab {
			return fmt.Errorf("sample: state: window token %d at position %d out of range (vocabulary size %d)", tokens[i], i, s.vocab)
		}
	}
	rng := s.rng
	if err := rng.UnmarshalBinary(n); err != nil {
		return fmt.Errorf("sample: state: generator: %w", err)
	}
	s.rng = rng
	s.seed = seed
	s.mu = mu
	s.windowStart, s.windowLen = 0, 0
	clear(s.counts)
	if len(tokens) > len(s.window) {
		tokens = tokens[len(tokens)-len(s.window):]
	}
	for _, tok := range tokens {
		s.Accept(tok)
	}
	return nil
}

type stateReader struct {
	b   []byte
	err error
}

func (r *stateReader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.err = errors.New("sample: state: truncated")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *stateReader) u32() uint32 {
	if v := r.next(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

func (r *stateReader) u64() uint64 {
	if v := r.next(8); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}
