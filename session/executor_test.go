package session

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/sample"
)

func greedySampler(t *testing.T, vocab int) *sample.Sampler {
	t.Helper()
	p := sample.DefaultParams()
	p.Temperature = 0
	smp, err := sample.New(p, vocab)
	if err != nil {
		t.Fatal(err)
	}
	return smp
}

// Conversations decoded together give what each gives alone.
func TestExecutorMatchesSingleSessions(t *testing.T) {
	m := loadModel(t, "stories260K-F32")
	prompts := [][]int32{prompt, prompt[:4], append([]int32{1}, prompt[5:]...)}
	const steps = 8
	var want [][]int32
	for _, p := range prompts {
		ctx := newContext(t, m, false, 1)
		s, _ := New(ctx, 0)
		want = append(want, greedyRun(t, s, p, steps))
	}
	for _, maxOut := range []int{3, 1} { // 1: the logits need one call each
		pool := kernels.NewPool(2)
		defer pool.Close()
		ctx, err := m.NewContext(model.Options{MaxBatch: 16, MaxOutputs: maxOut, MaxSeqs: 4, Cells: 256, PageSize: 16, Pool: pool})
		if err != nil {
			t.Fatal(err)
		}
		exec := NewExecutor(ctx)
		var convs []*Conversation
		for _, p := range prompts {
			c, err := exec.Create()
			if err != nil {
				t.Fatal(err)
			}
			c.Prompt(p...)
			convs = append(convs, c)
		}
		got := make([][]int32, len(convs))
		for range steps {
			if err := exec.Infer(); err != nil {
				t.Fatal(err)
			}
			for i, c := range convs {
				tok, err := c.Sample(greedySampler(t, m.Vocab))
				if err != nil {
					t.Fatal(err)
				}
				got[i] = append(got[i], tok)
				c.Prompt(tok)
			}
		}
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("MaxOutputs %d, conversation %d: %v, alone %v", maxOut, i, got[i], want[i])
			}
		}
		ctx.Close()
	}
}

func TestExecutorForkSaveLoadDispose(t *testing.T) {
	m := loadModel(t, "tinystories656k-F16")
	ctx := newContext(t, m, false, 4)
	exec := NewExecutor(ctx)
	a, _ := exec.Create()
	a.Prompt(prompt...)
	if _, err := a.Sample(greedySampler(t, m.Vocab)); !errors.Is(err, ErrNeedsInference) {
		t.Errorf("sample before infer: %v", err)
	}
	if err := exec.Infer(); err != nil {
		t.Fatal(err)
	}
	b, err := a.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if u := b.Session().Usage(); u.SharedPages != u.Pages || u.Pages == 0 {
		t.Errorf("fork usage %+v", u)
	}
	// Different continuations from the same state.
	a.Prompt(10)
	b.Prompt(20)
	if err := exec.Infer(); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Logits(), b.Logits()) {
		t.Error("forks gave the same logits for different tokens")
	}
	// Save with a queued token; load it back queued; both continue alike.
	a.Prompt(30)
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	c, err := exec.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Queued(), []int32{30}) || exec.Conversations() != 3 {
		t.Fatalf("loaded queue %v, %d conversations", c.Queued(), exec.Conversations())
	}
	if err := exec.Infer(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Logits(), c.Logits()) {
		t.Error("loaded conversation diverged from its original")
	}
	free := ctx.Cache().FreePages()
	b.Dispose()
	c.Dispose()
	if exec.Conversations() != 1 || ctx.Cache().FreePages() <= free {
		t.Errorf("dispose: %d conversations, free pages %d → %d", exec.Conversations(), free, ctx.Cache().FreePages())
	}
	if err := b.Prompt(1); !errors.Is(err, ErrDisposed) {
		t.Errorf("prompt after dispose: %v", err)
	}
	if err := a.Prompt(-1); err == nil {
		t.Error("negative token accepted")
	}
}
