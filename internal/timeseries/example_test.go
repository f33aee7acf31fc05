package timeseries_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/alexa-harness/harness/internal/timeseries"
)

// A load generator offers hits, records their outcomes and cuts the
// aggregator once a second (with times from its own clock), streaming each
// cut to the run folder.
func Example() {
	dir, err := os.MkdirTemp("", "timeseries-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	agg := timeseries.NewAggregator(start)
	w, err := timeseries.Create(dir, start)
	if err != nil {
		fmt.Println(err)
		return
	}
	agg.Offer("getLocks", 3)
	agg.Record("getLocks", start, start.Add(time.Millisecond), 12*time.Millisecond, 200, "", 1)
	agg.Record("getLocks", start, start, 30*time.Millisecond, 429, "", 2)
	agg.NotSent("getLocks", "generator behind schedule", 1)
	if err := w.Write(agg.Cut(start.Add(time.Second))); err != nil {
		fmt.Println(err)
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}

	_, ivs, err := timeseries.Read(filepath.Join(dir, timeseries.FileName))
	if err != nil {
		fmt.Println(err)
	}
	for _, iv := range ivs {
		fmt.Printf("%s: offered %d sent %d answered %d not sent %d, 429s %d, p99 %.3fs, lag max %.3fs\n",
			iv.Operation, iv.Offered, iv.Sent, iv.Answered, iv.NotSent, iv.Throttled, iv.P99, iv.LagMax)
	}
	// Output:
	// all: offered 3 sent 2 answered 2 not sent 1, 429s 1, p99 0.030s, lag max 0.001s
	// getLocks: offered 3 sent 2 answered 2 not sent 1, 429s 1, p99 0.030s, lag max 0.001s
}

// A streaming caller cuts with Tick each second and ends with Finish: the
// last answers, 4 ms after the last tick, are folded into the second
// before instead of making a 4 ms interval that reads 250/s; consumers take
// per-interval rates through RateFloor and Rate.
func ExampleAggregator_Finish() {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	agg := timeseries.NewAggregator(start)
	var ivs []timeseries.Interval
	for s := range 2 {
		for i := range 20 {
			at := start.Add(time.Duration(s)*time.Second + time.Duration(i)*50*time.Millisecond)
			agg.Record("get", at, at, time.Millisecond, 200, "", 1)
		}
		ivs = append(ivs, agg.Tick(start.Add(time.Duration(s+1)*time.Second))...)
	}
	end := start.Add(2*time.Second + 4*time.Millisecond)
	agg.Record("get", end, end, time.Millisecond, 200, "", 1)
	ivs = append(ivs, agg.Finish(end)...)
	floor := timeseries.RateFloor(ivs)
	for _, iv := range ivs {
		if iv.Operation == timeseries.AllOperations {
			rate, ok := iv.Rate(floor)
			fmt.Printf("%.3fs: answered %d, rate %.2f/s (a sample: %v)\n", iv.Seconds, iv.Answered, rate, ok)
		}
	}
	// Output:
	// 1.000s: answered 20, rate 20.00/s (a sample: true)
	// 1.004s: answered 21, rate 20.92/s (a sample: true)
}
