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
// with 8 slots (continuous batching), reported as tok/s.
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
	for _, slots := range []int{1, 8} {
		b.Run(fmt.Sprintf("slots=%d", slots), func(b *testing.B) {
			_, hs := testServer(b, m, Options{Parallel: slots, QueueSize: 64})
			const requests, tokens = 32, 16
			var total time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				var wg sync.WaitGroup
				for r := 0; r < requests; r++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						body := fmt.Sprintf(`{"prompt":"Once upon a time %d","n_predict":%d,"ignore_eos":true,"seed":%d}`, r, tokens, r)
						resp, err := http.Post(hs.URL+"/completion", "application/json", strings.NewReader(body))
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
				total += time.Since(start)
			}
			b.ReportMetric(float64(requests*tokens*b.N)/total.Seconds(), "tok/s")
		})
	}
}
