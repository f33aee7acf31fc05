package opmetrics_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alexa-harness/harness/internal/opmetrics"
)

// gathered sums each family g gathers: counter values, histogram sample
// counts, one per series of any other kind.
func gathered(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				got[mf.GetName()] += m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				got[mf.GetName()] += float64(m.GetHistogram().GetSampleCount())
			default:
				got[mf.GetName()]++
			}
		}
	}
	return got
}

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
			got := gathered(t, reg)
			for name, want := range map[string]float64{
				prefix + "_requests_total":           1,
				prefix + "_request_duration_seconds": 1,
				"go_goroutines":                      1,
			} {
				if got[name] != want {
					t.Errorf("%s = %v, want %v (gathered %v)", name, got[name], want, got)
				}
			}
		})
	}
}

func TestNewRegistryIsItsOwn(t *testing.T) {
	t.Parallel()
	// The same families in two registries do not collide (no global
	// registry): two mocks in one process count separately.
	a, b := opmetrics.NewRequests("x", "h"), opmetrics.NewRequests("x", "h")
	ra, rb := opmetrics.NewRegistry(a), opmetrics.NewRegistry(b)
	a.WithLabelValues("op", "200").Inc()
	b.WithLabelValues("op", "200")
	for _, c := range []struct {
		name string
		reg  prometheus.Gatherer
		want float64
	}{{"first", ra, 1}, {"second", rb, 0}} {
		if got := gathered(t, c.reg)["x_requests_total"]; got != c.want {
			t.Errorf("%s registry counts %v, want %v", c.name, got, c.want)
		}
	}
}
