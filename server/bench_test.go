package server

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollama/gollama"
)

// BenchmarkThroughput compares aggregate generation throughput of 32
// concurrent requests (16 tokens each) with 1 slot (one at a time) and
// with 8 slots (continuous batching), reported as tok/s; "ratio" runs a
// round of each in turn, so both see the same machine load, and reports
// their quotient as x-single.
//
// On stories260K (the default) a step costs little more than its fixed
// overhead; set GOLLAMA_BENCH_MODEL to a real-size GGUF (e.g. one written
// by "gollama synth --shape smollm2-135m") to see weight-bound decoding,
// where batching pays most.
func BenchmarkThroughput(b *testing.B) {
	m := testModel(b)
	if path := os.Getenv("GOLLAMA_BENCH_MODEL"); path != "" {
		var err error
		if m, err = gollama.Load(path, gollama.Options{ContextLength: 256}); err != nil {
			b.Fatal(err)
		}
		defer m.Close()
	}
	const requests, tokens = 32, 16
	for _, slots := range []int{1, 8} {
		b.Run(fmt.Sprintf("slots=%d", slots), func(b *testing.B) {
			_, hs := testServer(b, m, Options{Parallel: slots, QueueSize: 64})
			var total time.Duration
			for range b.N {
				total += requestRound(b, hs.URL, requests, tokens)
			}
			b.ReportMetric(float64(requests*tokens*b.N)/total.Seconds(), "tok/s")
		})
	}
	b.Run("ratio", func(b *testing.B) {
		_, one := testServer(b, m, Options{Parallel: 1, QueueSize: 64})
		_, eight := testServer(b, m, Options{Parallel: 8, QueueSize: 64})
		var t1, t8 time.Duration
		for range b.N {
			t1 += requestRound(b, one.URL, requests, tokens)
			t8 += requestRound(b, eight.URL, requests, tokens)
		}
		r1, r8 := float64(requests*tokens*b.N)/t1.Seconds(), float64(requests*tokens*b.N)/t8.Seconds()
		b.ReportMetric(r1, "tok/s-1")
		b.ReportMetric(r8, "tok/s-8")
		b.ReportMetric(r8/r1, "x-single")
	})
}

// requestRound posts requests concurrent /completion requests of tokens
// tokens each to the server at url and returns how long they all took.
func requestRound(b *testing.B, url string, requests, tokens int) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for r := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"prompt":"Once upon a time %d","n_predict":%d,"ignore_eos":true,"seed":%d}`, r, tokens, r)
			resp, err := http.Post(url+"/completion", "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}
