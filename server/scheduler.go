package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/sample"
	"github.com/gollama/gollama/session"
	"github.com/gollama/gollama/tokenizer"
)

// errQueueFull is returned by submit when the deferred-request queue is at
// its bound (HTTP 429).
var errQueueFull = errors.New("server busy: too many requests queued")

// errShuttingDown refuses work once Shutdown has begun (HTTP 503).
var errShuttingDown = errors.New("server shutting down")

// job is one generation request waiting for, or running in, a slot.
type job struct {
	ctx         context.Context
	prompt      []int32
	params      gollama.Params
	cachePrompt bool
	slotID      int // requested slot, -1 for any
	out         *outbox

	queued time.Time
}

// event is what a job's outbox carries: a token's text, or the end.
type event struct {
	id   int32
	text string
	done *result
}

// result summarises a finished job.
type result struct {
	tokens      []int32
	text        string
	stopReason  string // gollama.Stop* constants
	stopWord    string
	promptN     int // tokens evaluated (cached prefix excluded)
	cachedN     int // prompt tokens reused from the slot's cache
	promptDur   time.Duration
	predictDur  time.Duration
	slot        int
	err         error
	promptTotal int
}

// outbox is an unbounded queue from the scheduler to one HTTP handler, so
// a slow client never stalls the batch the other slots share.
type outbox struct {
	mu     sync.Mutex
	events []event
	notify chan struct{}
}

func newOutbox() *outbox { return &outbox{notify: make(chan struct{}, 1)} }

func (o *outbox) push(e event) {
	o.mu.Lock()
	o.events = append(o.events, e)
	o.mu.Unlock()
	select {
	case o.notify <- struct{}{}:
	default:
	}
}

// drain returns the events pushed since the last call, waiting for at
// least one.
func (o *outbox) drain(buf []event) []event {
	for {
		o.mu.Lock()
		if len(o.events) > 0 {
			buf = append(buf[:0], o.events...)
			o.events = o.events[:0]
			o.mu.Unlock()
			return buf
		}
		o.mu.Unlock()
		<-o.notify
	}
}

// slot is one conversation of the shared executor; between requests it
// keeps its KV cache so a later prompt can reuse the common prefix.
type slot struct {
	id     int
	conv   *session.Conversation
	job    *job
	taskID int

	// state of the running job
	toEval   []int32 // prompt tokens not yet queued for evaluation
	next     int32   // sampled token to evaluate next step; -1 none
	fed      bool    // queued tokens this step whose logits it will sample from
	smp      *sample.Sampler
	stops    *sample.StopMatcher
	dec      *tokenizer.StreamDecoder
	res      *result
	text     []byte
	start    time.Time
	genStart time.Time
	lastUsed time.Time
}

func (s *slot) tokens() []int32 { return s.conv.Session().Tokens() }

func (s *slot) active() bool { return s.job != nil }

// scheduler runs continuous batching: every step evaluates, in one
// forward pass, the next token of every decoding slot and a chunk of each
// prompt being read; requests join free slots between steps.
type scheduler struct {
	m         *gollama.Model
	mc        *model.Context
	exec      *session.Executor
	tok       *tokenizer.Tokenizer
	slots     []*slot
	ctxPerSlt int
	vocab     int
	metrics   *metrics

	queue    chan *job     // deferred requests, bounded
	actions  chan func()   // slot save/restore/erase, run between steps
	quit     chan struct{} // closed by close
	done     chan struct{} // closed when the loop has exited
	closing  sync.Once
	mu       sync.Mutex // guards slots' public state for /slots
	taskSeq  int
	maxBatch int
}

func newScheduler(m *gollama.Model, nSlots, ctxPerSlot, queueSize, maxBatch int, kvF32 bool, met *metrics) (*scheduler, error) {
	// One spare sequence (and its cells) to restore a slot file into before
	// the slot's old state is let go.
	cells := (nSlots + 1) * (ctxPerSlot + 64)
	mc, err := m.Internal().NewContext(model.Options{
		MaxBatch: maxBatch, MaxOutputs: nSlots, MaxSeqs: nSlots + 1, Cells: cells, CacheF32: kvF32, Threads: m.Threads(),
	})
	if err != nil {
		return nil, err
	}
	s := &scheduler{m: m, mc: mc, exec: session.NewExecutor(mc), tok: m.Tokenizer(), ctxPerSlt: ctxPerSlot, vocab: m.Internal().Vocab, metrics: met,
		queue: make(chan *job, queueSize), actions: make(chan func()), quit: make(chan struct{}), done: make(chan struct{}), maxBatch: maxBatch}
	for i := 0; i < nSlots; i++ {
		conv, err := s.exec.Create()
		if err != nil {
			mc.Close()
			return nil, err
		}
		s.slots = append(s.slots, &slot{id: i, conv: conv, next: -1})
	}
	go s.loop()
	return s, nil
}

// submit queues a job; it fails at once when the queue is full.
func (s *scheduler) submit(j *job) error {
	select {
	case <-s.quit:
		return errShuttingDown
	default:
	}
	select {
	case s.queue <- j:
		s.metrics.deferred.Set(float64(len(s.queue)))
		return nil
	default:
		return errQueueFull
	}
}

// do runs fn on the scheduler's goroutine between steps.
func (s *scheduler) do(fn func()) error {
	ran := make(chan struct{})
	select {
	case s.actions <- func() { fn(); close(ran) }:
		<-ran
		return nil
	case <-s.done:
		return errShuttingDown
	}
}

func (s *scheduler) close() {
	s.closing.Do(func() { close(s.quit) })
	<-s.done
	s.mc.Close()
}

func (s *scheduler) loop() {
	defer close(s.done)
	var waiting []*job // taken from the queue, no free slot yet
	for {
		waiting = s.assign(waiting)
		if !s.anyActive() {
			select {
			case j := <-s.queue:
				waiting = append(waiting, j)
			case fn := <-s.actions:
				fn()
			case <-s.quit:
				s.failAll(waiting, errShuttingDown)
				return
			}
			continue
		}
		select {
		case fn := <-s.actions:
			fn()
		case <-s.quit:
			s.failAll(waiting, errShuttingDown)
			for _, sl := range s.slots {
				if sl.active() {
					s.finish(sl, gollama.StopCancelled, errShuttingDown)
				}
			}
			return
		default:
		}
		s.step()
	}
}

func (s *scheduler) anyActive() bool {
	for _, sl := range s.slots {
		if sl.active() {
			return true
		}
	}
	return false
}

func (s *scheduler) failAll(js []*job, err error) {
	for _, j := range js {
		j.out.push(event{done: &result{err: err, slot: -1}})
	}
	for {
		select {
		case j := <-s.queue:
			j.out.push(event{done: &result{err: err, slot: -1}})
		default:
			return
		}
	}
}

// assign moves queued jobs into free slots: the requested one, else the
// free slot whose cached tokens share the longest prefix with the prompt,
// else the least recently used.
func (s *scheduler) assign(waiting []*job) []*job {
	for {
		select {
		case j := <-s.queue:
			waiting = append(waiting, j)
			continue
		default:
		}
		break
	}
	kept := waiting[:0]
	for _, j := range waiting {
		if j.ctx.Err() != nil {
			j.out.push(event{done: &result{err: j.ctx.Err(), stopReason: gollama.StopCancelled, slot: -1}})
			continue
		}
		sl := s.pickSlot(j)
		if sl == nil {
			kept = append(kept, j)
			continue
		}
		s.start(sl, j)
	}
	s.metrics.deferred.Set(float64(len(kept) + len(s.queue)))
	return kept
}

func (s *scheduler) pickSlot(j *job) *slot {
	if j.slotID >= 0 {
		if sl := s.slots[j.slotID]; !sl.active() {
			return sl
		}
		return nil
	}
	var best *slot
	bestLen := -1
	for _, sl := range s.slots {
		if sl.active() {
			continue
		}
		n := 0
		if j.cachePrompt {
			n = commonPrefix(sl.tokens(), j.prompt)
		}
		if n > bestLen || n == bestLen && sl.lastUsed.Before(best.lastUsed) {
			best, bestLen = sl, n
		}
	}
	return best
}

func commonPrefix(a, b []int32) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// start binds a job to a slot: keep the cached prefix (if asked), drop the
// rest, and queue the remaining prompt tokens.
func (s *scheduler) start(sl *slot, j *job) {
	keep := 0
	if j.cachePrompt {
		keep = commonPrefix(sl.tokens(), j.prompt)
		if keep == len(j.prompt) {
			keep-- // evaluate the last prompt token again for its logits
		}
	}
	sl.conv.Session().Truncate(keep)
	smp, err := sample.New(j.params.Params, s.vocab)
	var stops *sample.StopMatcher
	if err == nil {
		stops, err = sample.NewStopMatcher(j.params.Stop...)
	}
	if err != nil {
		j.out.push(event{done: &result{err: err, slot: sl.id}})
		return
	}
	for _, t := range j.prompt {
		smp.Accept(t)
	}
	s.mu.Lock()
	s.taskSeq++
	sl.job, sl.taskID = j, s.taskSeq
	s.mu.Unlock()
	sl.toEval = append(sl.toEval[:0], j.prompt[keep:]...)
	sl.next = -1
	sl.smp, sl.stops, sl.dec = smp, stops, s.tok.NewStreamDecoder(false)
	sl.res = &result{slot: sl.id, cachedN: keep, promptN: len(j.prompt) - keep, promptTotal: len(j.prompt)}
	sl.text = sl.text[:0]
	sl.start, sl.genStart = time.Now(), time.Time{}
	s.metrics.processing.Inc()
}

// step queues, for every active slot, its sampled token (decoding slots
// first, so long prompts never starve them) or a chunk of its prompt,
// within one batch, and evaluates them in one forward pass.
func (s *scheduler) step() {
	budget := s.maxBatch
	for _, sl := range s.slots {
		sl.fed = false
		if !sl.active() {
			continue
		}
		if err := sl.job.ctx.Err(); err != nil {
			s.finish(sl, gollama.StopCancelled, err)
			continue
		}
		if sl.next >= 0 && budget > 0 {
			sl.conv.Prompt(sl.next)
			sl.next, sl.fed = -1, true
			budget--
		}
	}
	for _, sl := range s.slots {
		if !sl.active() || len(sl.toEval) == 0 || budget == 0 {
			continue
		}
		n := min(len(sl.toEval), budget)
		sl.conv.Prompt(sl.toEval[:n]...)
		sl.toEval = sl.toEval[n:]
		sl.fed = len(sl.toEval) == 0
		budget -= n
	}
	if budget == s.maxBatch {
		return
	}
	if err := s.exec.Infer(); err != nil {
		for _, sl := range s.slots {
			if sl.active() {
				s.finish(sl, "", err)
			}
		}
		return
	}
	for _, sl := range s.slots {
		if sl.active() && sl.fed {
			s.sampleNext(sl)
		}
	}
	s.updateCacheMetrics()
}

// sampleNext samples a slot's next token from logits and streams it.
func (s *scheduler) sampleNext(sl *slot) {
	j := sl.job
	now := time.Now()
	if sl.genStart.IsZero() {
		sl.genStart = now
		sl.res.promptDur = now.Sub(sl.start)
		s.metrics.promptDone(sl.res.promptN, sl.res.promptDur)
	}
	tok, err := sl.conv.Sample(sl.smp)
	if err != nil {
		s.finish(sl, "", err)
		return
	}
	sl.res.tokens = append(sl.res.tokens, tok)
	if s.tok.IsEOG(tok) && !j.params.IgnoreEOS {
		s.finish(sl, gollama.StopEOS, nil)
		return
	}
	out, stopped := sl.stops.Feed(sl.dec.Add(tok))
	if out != "" {
		sl.text = append(sl.text, out...)
		j.out.push(event{id: tok, text: out})
	}
	switch {
	case stopped:
		sl.res.stopWord = sl.stops.Matched()
		s.finish(sl, gollama.StopString, nil)
	case j.params.MaxTokens >= 0 && len(sl.res.tokens) >= j.params.MaxTokens:
		s.finish(sl, gollama.StopLength, nil)
	case len(sl.tokens())+1 >= s.ctxPerSlt:
		s.finish(sl, gollama.StopContext, nil)
	default:
		sl.next = tok
	}
}

// finish ends a slot's job, flushing held-back text; the slot keeps its
// KV cache for the next request's prefix.
func (s *scheduler) finish(sl *slot, reason string, err error) {
	res := sl.res
	if err == nil && reason != gollama.StopString {
		rest, stopped := sl.stops.Feed(sl.dec.Flush())
		if stopped {
			res.stopWord, reason = sl.stops.Matched(), gollama.StopString
		} else {
			rest += sl.stops.Flush()
		}
		if rest != "" {
			sl.text = append(sl.text, rest...)
			sl.job.out.push(event{id: -1, text: rest})
		}
	}
	res.stopReason, res.err, res.text = reason, err, string(sl.text)
	if !sl.genStart.IsZero() {
		res.predictDur = time.Since(sl.genStart)
	}
	s.metrics.predicted(len(res.tokens), res.predictDur)
	s.metrics.processing.Dec()
	if sl.next >= 0 {
		sl.next = -1 // sampled, never evaluated: not in the cache
	}
	if len(sl.toEval) > 0 {
		sl.toEval = sl.toEval[:0]
	}
	if sl.conv.RequiresInference() {
		// A failed step left tokens queued: start the slot afresh.
		sl.conv.Dispose()
		if conv, err := s.exec.Create(); err == nil {
			sl.conv = conv
		}
	}
	s.mu.Lock()
	j := sl.job
	sl.job, sl.lastUsed = nil, time.Now()
	s.mu.Unlock()
	j.out.push(event{done: res})
}

func (s *scheduler) updateCacheMetrics() {
	used := 0
	for _, sl := range s.slots {
		used += len(sl.tokens())
	}
	s.metrics.kvTokens.Set(float64(used))
	s.metrics.kvRatio.Set(float64(used) / float64(len(s.slots)*s.ctxPerSlt))
}
