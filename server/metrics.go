package server

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are llama-server's Prometheus metrics, under its names, so
// dashboards made for llama-server work unchanged.
type metrics struct {
	reg            *prometheus.Registry
	promptTokens   prometheus.Counter
	predictedTotal prometheus.Counter
	promptRate     prometheus.Gauge
	predictedRate  prometheus.Gauge
	kvRatio        prometheus.Gauge
	kvTokens       prometheus.Gauge
	processing     prometheus.Gauge
	deferred       prometheus.Gauge

	mu                      sync.Mutex
	promptN, predictedN     float64
	promptSecs, predictSecs float64
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "llamacpp:" + name, Help: help})
		m.reg.MustRegister(c)
		return c
	}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "llamacpp:" + name, Help: help})
		m.reg.MustRegister(g)
		return g
	}
	m.promptTokens = counter("prompt_tokens_total", "Number of prompt tokens processed.")
	m.predictedTotal = counter("tokens_predicted_total", "Number of generation tokens processed.")
	m.promptRate = gauge("prompt_tokens_seconds", "Average prompt throughput in tokens/s.")
	m.predictedRate = gauge("predicted_tokens_seconds", "Average generation throughput in tokens/s.")
	m.kvRatio = gauge("kv_cache_usage_ratio", "KV-cache usage. 1 means 100 percent usage.")
	m.kvTokens = gauge("kv_cache_tokens", "KV-cache tokens.")
	m.processing = gauge("requests_processing", "Number of requests processing.")
	m.deferred = gauge("requests_deferred", "Number of requests deferred.")
	return m
}

func (m *metrics) promptDone(n int, d time.Duration) {
	m.promptTokens.Add(float64(n))
	m.mu.Lock()
	defer m.mu.Unlock()
	m.promptN += float64(n)
	m.promptSecs += d.Seconds()
	if m.promptSecs > 0 {
		m.promptRate.Set(m.promptN / m.promptSecs)
	}
}

func (m *metrics) predicted(n int, d time.Duration) {
	m.predictedTotal.Add(float64(n))
	m.mu.Lock()
	defer m.mu.Unlock()
	m.predictedN += float64(n)
	m.predictSecs += d.Seconds()
	if m.predictSecs > 0 {
		m.predictedRate.Set(m.predictedN / m.predictSecs)
	}
}
