package session

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the decoder: it must return an error
// or a session, never panic, and leave the sequence empty on error.
func FuzzLoad(f *testing.F) {
	m := loadModel(f, "stories260K-F32")
	ctx := newContext(f, m, false, 1)
	s, _ := New(ctx, 0)
	if err := s.Eval(prompt[:5]); err != nil {
		f.Fatal(err)
	}
	s.SetPending([]int32{7})
	s.SetSamplerState([]byte{1, 2, 3})
	good, err := s.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	s.Reset()
	f.Add(good)
	f.Add(good[:headerSize])
	f.Add([]byte(fileMagic))
	hdr := bytes.Clone(good[:headerSize])
	hdr[80] = 0xff // a huge token count, with a header checksum that no longer matches
	f.Add(hdr)
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := LoadBytes(ctx, 0, b)
		if err != nil {
			if ctx.Cache().Len(0) != 0 {
				t.Fatalf("error %v left %d cells", err, ctx.Cache().Len(0))
			}
			return
		}
		if l.Len() != ctx.Cache().Len(0) {
			t.Fatalf("%d tokens, %d cells", l.Len(), ctx.Cache().Len(0))
		}
		// A loaded session writes back to the same bytes.
		again, err := l.MarshalBinary()
		if err != nil || !bytes.Equal(again, b[:len(again)]) {
			t.Fatalf("re-encoding differs (%v)", err)
		}
		l.Reset()
	})
}

// FuzzLoadChecksummed is FuzzLoad with both checksums recomputed, so the
// fuzzer reaches the checks behind them (sizes, tokens, positions).
func FuzzLoadChecksummed(f *testing.F) {
	m := loadModel(f, "stories260K-F32")
	ctx := newContext(f, m, true, 1)
	s, _ := New(ctx, 0)
	if err := s.Eval(prompt[:3]); err != nil {
		f.Fatal(err)
	}
	good, err := s.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	s.Reset()
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= headerSize {
			b = bytes.Clone(b)
			copy(b, fileMagic)
			binary.LittleEndian.PutUint32(b[8:], formatVersion)
			binary.LittleEndian.PutUint32(b[96:], crc32.Checksum(b[:96], castagnoli))
			if len(b) >= headerSize+4 {
				binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
			}
		}
		l, err := LoadBytes(ctx, 0, b)
		if err != nil {
			if ctx.Cache().Len(0) != 0 {
				t.Fatalf("error %v left %d cells", err, ctx.Cache().Len(0))
			}
			return
		}
		l.Reset()
	})
}
