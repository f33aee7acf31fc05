package opmetrics_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/alexa-harness/harness/internal/opmetrics"
)

func TestLatencyBuckets(t *testing.T) {
	t.Parallel()
	b := opmetrics.LatencyBuckets()
	if len(b) != 18 || b[0] != 0.00005 || b[17] < 6.5 || b[17] > 6.6 {
		t.Fatalf("buckets %v: want 18 from 50 µs doubling to 6.5 s", b)
	}
	b[0] = 1
	if opmetrics.LatencyBuckets()[0] != 0.00005 {
		t.Fatal("LatencyBuckets shares its slice between calls")
	}
}

func TestFamilies(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"harness_mock", "harness_load"} {
		t.Run(prefix, func(t *testing.T) {
			t.Parallel()
			req := opmetrics.NewRequests(prefix, "requests help")
			lat := opmetrics.NewLatency(prefix, "latency help")
			reg := opmetrics.NewRegistry(req, lat)
			req.WithLabelValues("getLocker", "200").Inc()
			lat.WithLabelValues("getLocker").Observe(0.0001)
			want := map[string]bool{
				prefix + "_requests_total":           false,
				prefix + "_request_duration_seconds": false,
				"go_goroutines":                      false,
				"process_start_time_seconds":         false,
			}
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, mf := range mfs {
				if _, ok := want[mf.GetName()]; ok {
					want[mf.GetName()] = true
				}
			}
			for name, seen := range want {
				// process_ collectors exist only where procfs does.
				if !seen && !strings.HasPrefix(name, "process_") {
					t.Errorf("%s not gathered", name)
				}
			}
			if got := testutil.ToFloat64(req.WithLabelValues("getLocker", "200")); got != 1 {
				t.Errorf("%s_requests_total{getLocker,200} = %v, want 1", prefix, got)
			}
			if n := testutil.CollectAndCount(lat, prefix+"_request_duration_seconds"); n != 1 {
				t.Errorf("%d latency series, want 1", n)
			}
		})
	}
}

func TestNewRegistryOwnRegistry(t *testing.T) {
	t.Parallel()
	// Two registries with the same families do not collide (no global
	// registry): two mocks in one process count separately.
	a, b := opmetrics.NewRequests("x", "h"), opmetrics.NewRequests("x", "h")
	opmetrics.NewRegistry(a)
	opmetrics.NewRegistry(b)
	a.WithLabelValues("op", "200").Inc()
	if got := testutil.ToFloat64(b.WithLabelValues("op", "200")); got != 0 {
		t.Fatalf("second registry's counter = %v, want 0", got)
	}
	if err := prometheus.NewRegistry().Register(opmetrics.NewLatency("x", "h")); err != nil {
		t.Fatal(err)
	}
}
