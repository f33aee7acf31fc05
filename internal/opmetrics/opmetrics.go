// Package opmetrics owns the Prometheus metric shapes the mock and the load
// generator share, so one Grafana board can follow both side by side: a
// registry of its own (never the global one: two in one process count
// separately) with the Go and process collectors, a
// PREFIX_requests_total counter by operation and status, and a
// PREFIX_request_duration_seconds histogram by operation with one set of
// latency buckets.
package opmetrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// LatencyBuckets returns the latency histogram buckets, in seconds: 50 µs
// doubling up to 6.5 s (18 buckets). A fresh slice each call.
func LatencyBuckets() []float64 { return prometheus.ExponentialBuckets(0.00005, 2, 18) }

// NewRegistry returns a registry of its own with the Go and process
// collectors registered, and cs.
func NewRegistry(cs ...prometheus.Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(cs...)
	return reg
}

// NewRequests returns the counter PREFIX_requests_total by "operation" and
// "status", with help.
func NewRequests(prefix, help string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: prefix + "_requests_total",
		Help: help,
	}, []string{"operation", "status"})
}

// NewLatency returns the histogram PREFIX_request_duration_seconds by
// "operation", with help and LatencyBuckets.
func NewLatency(prefix, help string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    prefix + "_request_duration_seconds",
		Help:    help,
		Buckets: LatencyBuckets(),
	}, []string{"operation"})
}
