package mapping

import "testing"

func TestFileBacked(t *testing.T) {
	whole := make([]byte, 100)
	other := make([]byte, 10)
	if FileBacked(whole) {
		t.Fatal("unrecorded slice reported file-backed")
	}
	Add(whole)
	for _, c := range []struct {
		b    []byte
		want bool
	}{{whole, true}, {whole[10:20], true}, {whole[99:], true}, {whole[:0], false}, {other, false}} {
		if got := FileBacked(c.b); got != c.want {
			t.Errorf("FileBacked(len %d) = %v, want %v", len(c.b), got, c.want)
		}
	}
	Remove(whole)
	if FileBacked(whole[10:20]) {
		t.Fatal("removed mapping still reported")
	}
}
