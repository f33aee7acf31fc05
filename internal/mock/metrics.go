package mock

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/opmetrics"
)

// metrics are the Server's Prometheus metrics, in a registry of its own (no
// global registry: two mocks in one process count separately). The counters
// of the usual (operation, status) pairs are resolved once, so the hot path
// does no label hashing.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	counters map[opStatus]prometheus.Counter // read-only after newMetrics
	latByOp  map[string]prometheus.Observer  // read-only after newMetrics
	handler  http.Handler
}

type opStatus struct {
	op     string
	status int
}

func newMetrics() *metrics {
	m := &metrics{
		requests: opmetrics.NewRequests("harness_mock",
			"Requests the mock answered, by operation and status (0: connection reset by a fault)."),
		latency: opmetrics.NewLatency("harness_mock",
			"Time from a request's arrival to its answer, by operation."),
		counters: map[opStatus]prometheus.Counter{},
		latByOp:  map[string]prometheus.Observer{},
	}
	m.reg = opmetrics.NewRegistry(m.requests, m.latency)
	statuses := []int{0, 200, 400, 401, 403, 404, 405, 409, 413, 429, 500, 503}
	for _, op := range append(contract.Operations(), opUnknown) {
		m.latByOp[op] = m.latency.WithLabelValues(op)
		for _, st := range statuses {
			m.counters[opStatus{op, st}] = m.requests.WithLabelValues(op, strconv.Itoa(st))
		}
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
	return m
}

func (m *metrics) observe(op string, status int, d time.Duration) {
	if c, ok := m.counters[opStatus{op, status}]; ok {
		c.Inc()
	} else {
		m.requests.WithLabelValues(op, strconv.Itoa(status)).Inc()
	}
	if o, ok := m.latByOp[op]; ok {
		o.Observe(d.Seconds())
	} else {
		m.latency.WithLabelValues(op).Observe(d.Seconds())
	}
}
