package timeseries_test

import (
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/timeseries"
)

// BenchmarkRecord is the per-hit cost the load generator pays: one Record,
// from goroutines in parallel as the dispatcher calls it.
func BenchmarkRecord(b *testing.B) {
	a := timeseries.NewAggregator(t0)
	ops := []string{"getLocks", "setLock", "getDevice"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			a.Record(ops[i%3], t0, t0.Add(time.Duration(i%1000)*time.Microsecond), time.Duration(i%50000)*time.Microsecond, 200, "", 1)
		}
	})
}

// BenchmarkCut is the cost of closing one interval of three operations.
func BenchmarkCut(b *testing.B) {
	a := timeseries.NewAggregator(t0)
	b.ReportAllocs()
	now := t0
	for b.Loop() {
		for i := range 100 {
			a.Record("op"+string(rune('a'+i%3)), t0, t0, time.Duration(i)*time.Millisecond, 200+i%2*229, "", 1)
		}
		now = now.Add(time.Second)
		_ = a.Cut(now)
	}
}
