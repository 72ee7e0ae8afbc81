package session

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/sample"
)

// Tokens of "Once upon a time, there was a little" in stories260K's vocab
// are not needed: any in-vocabulary ids make a valid prompt.
var prompt = []int32{1, 403, 407, 261, 378, 432, 269, 300, 280, 362}

func loadModel(t testing.TB, name string) *model.Model {
	t.Helper()
	f, err := gguf.Open(testdata.Path(t, "models/"+name+".gguf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := model.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newContext(t testing.TB, m *model.Model, f32 bool, seqs int) *model.Context {
	t.Helper()
	pool := kernels.NewPool(2)
	t.Cleanup(pool.Close)
	ctx, err := m.NewContext(model.Options{MaxBatch: 64, MaxSeqs: seqs, MaxOutputs: max(seqs, 1), Cells: 512, CacheF32: f32, PageSize: 16, Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctx.Close)
	return ctx
}

// greedyRun evaluates toks then decodes n tokens greedily, returning them.
func greedyRun(t testing.TB, s *Session, toks []int32, n int) []int32 {
	t.Helper()
	if err := s.Eval(toks); err != nil {
		t.Fatal(err)
	}
	var out []int32
	for i := range n {
		tok := int32(kernels.Argmax(s.Logits()))
		out = append(out, tok)
		if i < n-1 {
			if err := s.Eval([]int32{tok}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		model string
		f32   bool
	}{{"stories260K-F32", false}, {"stories260K-F32", true}, {"tinystories656k-F16", false}, {"tinystories656k-F16", true}} {
		m := loadModel(t, tc.model)
		ctx := newContext(t, m, tc.f32, 2)
		s, _ := New(ctx, 0)
		want := greedyRun(t, s, prompt, 16)

		s.Reset()
		first := greedyRun(t, s, prompt, 8)
		s.SetPending(first[7:])
		s.SetSamplerState([]byte("opaque"))
		path := filepath.Join(t.TempDir(), "s.session")
		if err := s.SaveFile(path); err != nil {
			t.Fatal(err)
		}
		// A fresh model and context, as a new process would have.
		m2 := loadModel(t, tc.model)
		ctx2 := newContext(t, m2, tc.f32, 2)
		l, err := LoadFile(ctx2, 1, path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.Tokens(), s.Tokens()) || !slices.Equal(l.Logits(), s.Logits()) || !slices.Equal(l.Pending(), first[7:]) || string(l.SamplerState()) != "opaque" {
			t.Fatalf("%s: loaded state differs", tc.model)
		}
		rest := greedyRun(t, l, l.Pending(), 8)
		got := append(first, rest...)
		if !slices.Equal(got, want) {
			t.Errorf("%s f32=%v: 8 + load + 8 = %v, one go %v", tc.model, tc.f32, got, want)
		}
	}
}

// A file saved with an F16 cache loads into an F32 context and back.
func TestLoadConvertsKVType(t *testing.T) {
	m := loadModel(t, "stories260K-F32")
	ctx16 := newContext(t, m, false, 1)
	s, _ := New(ctx16, 0)
	greedyRun(t, s, prompt, 1)
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	ctx32 := newContext(t, m, true, 1)
	l, err := LoadBytes(ctx32, 0, b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := l.MarshalBinary()
	s.Reset()
	l2, err := LoadBytes(ctx16, 0, b2)
	if err != nil {
		t.Fatal(err)
	}
	b3, _ := l2.MarshalBinary()
	if !bytes.Equal(b, b3) {
		t.Error("f16 → f32 → f16 changed the session")
	}
}

func TestLoadErrors(t *testing.T) {
	m := loadModel(t, "stories260K-F32")
	ctx := newContext(t, m, false, 2)
	s, _ := New(ctx, 0)
	greedyRun(t, s, prompt, 1)
	good, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	free := ctx.Cache().FreePages()
	check := func(name string, b []byte, want error) {
		t.Helper()
		_, err := LoadBytes(ctx, 1, b)
		if !errors.Is(err, want) {
			t.Errorf("%s: error %v, want %v", name, err, want)
		}
		if ctx.Cache().Len(1) != 0 || ctx.Cache().FreePages() != free {
			t.Errorf("%s: the context changed", name)
		}
	}
	check("empty", nil, ErrNotSession)
	check("text", []byte("hello, world"), ErrNotSession)
	for _, n := range []int{50, headerSize, headerSize + 3, len(good) / 2, len(good) - 1} {
		check("truncated", good[:n], ErrTruncated)
		// Through a reader that cannot tell its length, too.
		if _, err := Load(ctx, 1, struct{ *bytes.Reader }{bytes.NewReader(good[:n])}); !errors.Is(err, ErrTruncated) {
			t.Errorf("truncated to %d, unknown length: %v", n, err)
		}
	}
	for _, off := range []int{20, 70, headerSize + 1, len(good) / 2, len(good) - 10, len(good) - 1} {
		b := bytes.Clone(good)
		b[off] ^= 0x10
		check("corrupt", b, ErrCorrupt)
	}
	future := bytes.Clone(good)
	future[8] = 2
	_, err = LoadBytes(ctx, 1, future)
	if !errors.Is(err, ErrVersion) || !bytes.Contains([]byte(err.Error()), []byte("newer")) {
		t.Errorf("future version: %v", err)
	}
	// Another model: a clear message naming both.
	other := newContext(t, loadModel(t, "tinystories656k-F16"), false, 1)
	_, err = LoadBytes(other, 0, good)
	if !errors.Is(err, ErrOtherModel) || other.Cache().Len(0) != 0 {
		t.Errorf("other model: %v", err)
	} else {
		t.Log(err)
	}
	// Sequence already in use.
	if _, err := LoadBytes(ctx, 0, good); err == nil {
		t.Error("loaded into a busy sequence")
	}
}

func TestForkSharesPagesUntilWritten(t *testing.T) {
	m := loadModel(t, "stories260K-F32")
	ctx := newContext(t, m, false, 3)
	c := ctx.Cache()
	parent, _ := New(ctx, 0)
	long := make([]int32, 0, 40)
	for len(long) < 40 { // 40 tokens: two full pages of 16 and a partial one
		long = append(long, prompt...)
	}
	long = long[:40]
	// The last token alone, as Rewind(40) below recomputes it: a token's
	// K and V from a batch and from a lone pass may round differently
	// (llama.cpp's tinyBLAS and vec_dot orders).
	if err := parent.Eval(long[:39]); err != nil {
		t.Fatal(err)
	}
	if err := parent.Eval(long[39:]); err != nil {
		t.Fatal(err)
	}
	parentKV := kvBytes(t, parent)
	freeBefore := c.FreePages()
	child, err := parent.Fork(1)
	if err != nil {
		t.Fatal(err)
	}
	pp, _ := c.SeqPages(0)
	cp, shared := c.SeqPages(1)
	if c.FreePages() != freeBefore || !slices.Equal(pp, cp) || shared != 3 {
		t.Fatalf("fork copied pages: free %d → %d, pages %v / %v, shared %d", freeBefore, c.FreePages(), pp, cp, shared)
	}
	if u := child.Usage(); u.Pages != 3 || u.SharedPages != 3 || u.SharedBytes != 3*c.PageBytes() {
		t.Errorf("usage %+v", u)
	}
	// Different continuations: the child's write copies only the partial
	// last page.
	if err := child.Eval([]int32{5}); err != nil {
		t.Fatal(err)
	}
	if err := parent.Eval([]int32{7}); err != nil {
		t.Fatal(err)
	}
	cp2, shared2 := c.SeqPages(1)
	if c.FreePages() != freeBefore-1 || shared2 != 2 || !slices.Equal(cp2[:2], pp[:2]) || cp2[2] == pp[2] {
		t.Errorf("after writes: free %d (was %d), child pages %v, parent %v, shared %d", c.FreePages(), freeBefore, cp2, pp, shared2)
	}
	if slices.Equal(child.Logits(), parent.Logits()) {
		t.Error("different tokens gave the same logits")
	}
	// The parent is as if the child never existed.
	if err := parent.Truncate(40); err != nil {
		t.Fatal(err)
	}
	if err := parent.Rewind(40); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kvBytes(t, parent), parentKV) {
		t.Error("the fork disturbed the parent")
	}
	// A clone shares nothing.
	child.Close()
	clone, err := parent.Clone(2)
	if err != nil {
		t.Fatal(err)
	}
	if u := clone.Usage(); u.SharedPages != 0 || u.Pages != 3 {
		t.Errorf("clone usage %+v", u)
	}
	if !bytes.Equal(kvBytes(t, clone), parentKV) {
		t.Error("clone differs from its parent")
	}
}

// kvBytes is a session's tokens, positions and KV cells.
func kvBytes(t *testing.T, s *Session) []byte {
	t.Helper()
	var b []byte
	for _, tok := range s.Tokens() {
		b = append(b, byte(tok), byte(tok>>8))
	}
	c := s.Context().Cache()
	for _, p := range c.Positions(s.Seq()) {
		b = append(b, byte(p), byte(p>>8))
	}
	for l := range c.Config().Layers {
		err := c.Runs(s.Seq(), l, func(_ int, k, v []byte) error {
			b = append(append(b, k...), v...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// Removing a range and shifting the rest back gives the state of having
// evaluated the remaining tokens at their new positions, up to the
// rounding of a rotated key.
func TestRemoveAndShift(t *testing.T) {
	m := loadModel(t, "stories260K-F32")
	ctx := newContext(t, m, true, 2)
	toks := append(append([]int32(nil), prompt...), prompt[1:]...)
	a, _ := New(ctx, 0)
	if err := a.Eval(toks); err != nil {
		t.Fatal(err)
	}
	if err := a.Remove(3, 8); err != nil {
		t.Fatal(err)
	}
	if err := a.Shift(3, a.Len(), -5); err != nil {
		t.Fatal(err)
	}
	if a.NextPos() != int32(a.Len()) {
		t.Fatalf("next position %d, len %d", a.NextPos(), a.Len())
	}
	kept := append(append([]int32(nil), toks[:3]...), toks[8:]...)
	if !slices.Equal(a.Tokens(), kept) {
		t.Fatalf("tokens %v, want %v", a.Tokens(), kept)
	}
	b, _ := New(ctx, 1)
	if err := b.Eval(kept); err != nil {
		t.Fatal(err)
	}
	// Layer 0's keys depend on the token alone: those of the shifted cells,
	// rotated twice, match the ones rotated once at the new position. (Later
	// layers saw the removed tokens.)
	c := ctx.Cache()
	var maxDiff float32
	for l := range 1 {
		for cell := range a.Len() {
			ka, kb := c.K32(0, l, cell), c.K32(1, l, cell)
			for i := range ka {
				maxDiff = max(maxDiff, abs(ka[i]-kb[i]))
			}
			if !slices.Equal(c.V32(0, l, cell), c.V32(1, l, cell)) {
				t.Fatalf("layer 0 value of cell %d changed", cell)
			}
		}
	}
	if maxDiff > 1e-4 {
		t.Errorf("shifted keys differ by %g", maxDiff)
	}
	// Both continue alike.
	if err := a.Eval([]int32{9}); err != nil {
		t.Fatal(err)
	}
	if err := b.Eval([]int32{9}); err != nil {
		t.Fatal(err)
	}
	la, lb := a.Logits(), b.Logits()
	var d float32
	for i := range la {
		d = max(d, abs(la[i]-lb[i]))
	}
	// V of the re-evaluated tokens after the gap differ (they saw the
	// removed tokens), so only a loose bound holds.
	if kernels.Argmax(la) < 0 || d > 5 {
		t.Errorf("logits differ by %g", d)
	}
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

func TestContextShift(t *testing.T) {
	m := loadModel(t, "stories260K-F32")
	ctx := newContext(t, m, false, 1)
	s, _ := New(ctx, 0)
	toks := make([]int32, 0, 30)
	for len(toks) < 30 {
		toks = append(toks, prompt...)
	}
	toks = toks[:30]
	if err := s.Eval(toks); err != nil {
		t.Fatal(err)
	}
	n, err := s.ContextShift(4)
	if err != nil || n != 13 {
		t.Fatalf("discarded %d, %v", n, err)
	}
	want := append(append([]int32(nil), toks[:4]...), toks[17:]...)
	if !slices.Equal(s.Tokens(), want) {
		t.Errorf("tokens %v, want %v", s.Tokens(), want)
	}
	for i, p := range ctx.Cache().Positions(0) {
		if p != int32(i) {
			t.Fatalf("positions %v", ctx.Cache().Positions(0))
		}
	}
	if err := s.Eval([]int32{3}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ContextShift(s.Len()); !errors.Is(err, ErrNothingToDiscard) {
		t.Errorf("keep everything: %v", err)
	}
}

// The sampler state a generation saves restores into a sampler that then
// draws the same tokens.
func TestSamplerStateRoundTrip(t *testing.T) {
	m := loadModel(t, "stories260K-F32")
	ctx := newContext(t, m, false, 2)
	s, _ := New(ctx, 0)
	if err := s.Eval(prompt); err != nil {
		t.Fatal(err)
	}
	p := sample.DefaultParams()
	p.Seed = 42
	smp, err := sample.New(p, m.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	smp.Sample(s.Logits())
	st, _ := smp.MarshalBinary()
	s.SetSamplerState(st)
	b, _ := s.MarshalBinary()
	want := smp.Sample(s.Logits())

	l, err := LoadBytes(ctx, 1, b)
	if err != nil {
		t.Fatal(err)
	}
	smp2, _ := sample.New(p, m.Vocab)
	if err := smp2.UnmarshalBinary(l.SamplerState()); err != nil {
		t.Fatal(err)
	}
	if got := smp2.Sample(l.Logits()); got != want {
		t.Errorf("restored sampler drew %d, want %d", got, want)
	}
}

func TestSaveFileAtomic(t *testing.T) {
	m := loadModel(t, "stories260K-F32")
	ctx := newContext(t, m, false, 1)
	s, _ := New(ctx, 0)
	greedyRun(t, s, prompt, 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.session")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	failing := errors.New("disk full")
	if err := WriteFileAtomic(path, func(io.Writer) error { return failing }); err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Error("a failed save touched the file")
	}
	if err := s.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}
