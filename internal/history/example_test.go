package history_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/alexa-harness/harness/internal/history"
)

func Example() {
	dir, err := os.MkdirTemp("", "history-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	store, err := history.Open(ctx, filepath.Join(dir, "history.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	start := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	for night, p50 := range []float64{5.1, 5.0, 25.2} {
		at := start.Add(time.Duration(night) * 24 * time.Hour)
		_, err := store.Record(ctx, history.Run{
			Kind: history.KindLoad, StartedAt: at, ProfileName: "nightly",
			Env:     history.Env{GitRevision: fmt.Sprintf("rev%d", night), Host: "ci", HarnessVersion: "dev"},
			Samples: []history.Sample{{IntervalStart: at, Operation: "get", Metric: "p50_ms", Value: p50}},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	points, err := store.Series(ctx, "p50_ms", "get", "nightly")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range points {
		fmt.Printf("run %d %s %s: %.1f ms\n", p.RunID, p.StartedAt.Format("2006-01-02"), p.GitRevision, p.Value)
	}
	// Output:
	// run 1 2026-11-01 rev0: 5.1 ms
	// run 2 2026-11-02 rev1: 5.0 ms
	// run 3 2026-11-03 rev2: 25.2 ms
}
