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
