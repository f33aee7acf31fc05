package timeseries_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/timeseries"
)

func TestAbsorb(t *testing.T) {
	t.Parallel()
	a := timeseries.Interval{
		Start: t0, Seconds: 1, Operation: "getLocker", AchievedRate: 3,
		Offered: 4, Sent: 3, Answered: 3, NotSent: 1, Throttled: 1, Retries: 2,
		NotSentReasons: map[string]int64{"quiet-period": 1},
		Statuses:       map[string]int64{"200": 2, "429": 1},
		P50:            0.01, P90: 0.05, P99: 0.2, Max: 0.3, LagP99: 0.002, LagMax: 0.004,
	}
	b := timeseries.Interval{
		Start: t0.Add(1e9), Seconds: 2, Operation: "getLocker", AchievedRate: 9,
		Offered: 10, Sent: 10, Answered: 9, Throttled: 0, Retries: 1,
		Statuses: map[string]int64{"200": 9},
		Errors:   map[string]int64{"EOF": 1},
		P50:      0.02, P90: 0.04, P99: 0.1, Max: 0.5, LagP99: 0.003, LagMax: 0.001,
	}
	for _, c := range []struct {
		name     string
		dst, src timeseries.Interval
		want     timeseries.Interval
	}{
		{"into empty maps", timeseries.Interval{Operation: "x"}, a, timeseries.Interval{
			Operation: "x", Offered: 4, Sent: 3, Answered: 3, NotSent: 1, Throttled: 1, Retries: 2,
			NotSentReasons: map[string]int64{"quiet-period": 1},
			Statuses:       map[string]int64{"200": 2, "429": 1},
			P50:            0.01, P90: 0.05, P99: 0.2, Max: 0.3, LagP99: 0.002, LagMax: 0.004,
		}},
		{"counts summed, worst kept, rest the caller's", a, b, timeseries.Interval{
			Start: t0, Seconds: 1, Operation: "getLocker", AchievedRate: 3,
			Offered: 14, Sent: 13, Answered: 12, NotSent: 1, Throttled: 1, Retries: 3,
			NotSentReasons: map[string]int64{"quiet-period": 1},
			Statuses:       map[string]int64{"200": 11, "429": 1},
			Errors:         map[string]int64{"EOF": 1},
			P50:            0.02, P90: 0.05, P99: 0.2, Max: 0.5, LagP99: 0.003, LagMax: 0.004,
		}},
	} {
		t.Run(c.name, func(t *testing.T) { // not parallel: the check below follows them
			got := c.dst.Clone()
			got.Absorb(c.src)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Absorb:\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
	// Clone's maps are its own: absorbing into a clone leaves the original be.
	if a.Statuses["200"] != 2 || len(a.Errors) != 0 {
		t.Errorf("Absorb into a Clone changed the original: %+v", a)
	}
}

func TestRetried(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		calls []int64
		want  int64
	}{
		{"none", nil, 0},
		{"some", []int64{2, 1}, 3},
		{"zero and negative are not retries", []int64{0, -1, 4}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := timeseries.NewAggregator(start)
			a.Record("get", start, start, time.Millisecond, 200, "", 1)
			for _, n := range tt.calls {
				a.Retried("get", n)
			}
			for _, iv := range a.Cut(start.Add(time.Second)) {
				if iv.Retries != tt.want {
					t.Errorf("%s: %d retries, want %d", iv.Operation, iv.Retries, tt.want)
				}
			}
		})
	}
}
