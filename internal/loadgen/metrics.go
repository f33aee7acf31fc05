package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/alexa-harness/harness/internal/opmetrics"
)

// liveMetrics are a run's live Prometheus metrics (Options.MetricsAddr), in
// a registry of the run's own, the request families of the mock's shapes
// (internal/opmetrics: harness_mock_requests_total,
// harness_mock_request_duration_seconds) with harness_load_ in front, by
// operation, so one Grafana board can follow the generator and the mock side
// by side.
type liveMetrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	planned  prometheus.Counter
	notSent  *prometheus.CounterVec
	lag      prometheus.Histogram
}

func newLiveMetrics(inFlight func() float64) *liveMetrics {
	m := &liveMetrics{
		requests: opmetrics.NewRequests("harness_load",
			"Requests sent to the target and completed, by mix operation and final status (error: transport error; cancelled: cut short by Ctrl-C)."),
		latency: opmetrics.NewLatency("harness_load",
			"Latency of a request from its intended send time (open model), retries included, by mix operation."),
		planned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "harness_load_hits_due_total",
			Help: "Hits the schedule has made due so far.",
		}),
		notSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harness_load_hits_not_sent_total",
			Help: "Hits not sent, by reason (in-flight-cap, quiet-period, coalesced; behind-schedule and stopped at the end).",
		}, []string{"reason"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "harness_load_schedule_lag_seconds",
			Help:    "Actual minus intended send time of each sent hit: the generator's own lateness.",
			Buckets: opmetrics.LatencyBuckets(),
		}),
	}
	m.reg = opmetrics.NewRegistry(m.requests, m.latency, m.planned, m.notSent, m.lag,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "harness_load_in_flight", Help: "Hits in flight now."}, inFlight))
	return m
}

// observe records one issued hit.
func (m *liveMetrics) observe(op, status, notSent string, latency, lag time.Duration) {
	if notSent != "" {
		m.notSent.WithLabelValues(notSent).Inc()
		return
	}
	m.requests.WithLabelValues(op, status).Inc()
	if status != statusCancelled {
		m.latency.WithLabelValues(op).Observe(latency.Seconds())
	}
	if lag >= 0 {
		m.lag.Observe(lag.Seconds())
	}
}

// metricsListenAddr is addr with the loopback host when it names none
// (":9101" → "127.0.0.1:9101"): live metrics stay on the machine unless a
// host is given.
func metricsListenAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--metrics-addr %q: want HOST:PORT or :PORT (e.g. :9101, 127.0.0.1:9101): %w", addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return "", fmt.Errorf("--metrics-addr %q: the port must be 0–65535", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// checkListen refuses, before the run starts, a --metrics-addr the run
// could not serve on (an address that is not this machine's, a port that is
// taken or privileged) by a trial listen, closed at once.
func checkListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--metrics-addr %q: cannot listen there (%w): give an address of this machine and a free port, e.g. :9101", addr, err)
	}
	if err := ln.Close(); err != nil {
		return fmt.Errorf("--metrics-addr %q: %w", addr, err)
	}
	return nil
}

// serve starts the /metrics server; the returned function stops it.
func (m *liveMetrics) serve(ctx context.Context, addr string) (url string, stop func(), err error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("loadgen: --metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	// Serve returns http.ErrServerClosed at Shutdown; any other failure only
	// ends the live metrics (scrapers see the port closed), never the run.
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/metrics", func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}
