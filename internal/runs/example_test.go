package runs_test

import (
	"fmt"
	"time"

	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// Samples turns one interval of a run's time series into the samples that
// compare and history use.
func ExampleSamples() {
	iv := timeseries.Interval{
		Start: time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC), Seconds: 1, Operation: "get",
		Offered: 20, Sent: 20, Answered: 19, AchievedRate: 19,
		P50: 0.0012, P90: 0.0031, P99: 0.0204, Max: 0.0210,
		Statuses: map[string]int64{"200": 17, "429": 1, "503": 1}, Throttled: 1, LagP99: 0.0002,
	}
	for _, s := range runs.Samples([]timeseries.Interval{iv}) {
		fmt.Printf("%s %-15s %g %s\n", s.Operation, s.Metric, s.Value, runs.Unit(s.Metric))
	}
	// Output:
	// get p50             0.0012 seconds
	// get p90             0.0031 seconds
	// get p99             0.0204 seconds
	// get achieved_rate   19 perSecond
	// get error_ratio     0.1 fraction
	// get throttled_ratio 0.05 fraction
	// get lag_p99         0.0002 seconds
}
