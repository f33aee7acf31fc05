package merge

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/timeseries"
)

// seriesAlign is the resolution at which the shards' intervals are matched
// by their start (from each shard's own first interval): shards started at
// one --start-at cut their intervals within milliseconds of each other.
const seriesAlign = 100 * time.Millisecond

// mergeSeries merges the shards' timeseries.jsonl interval by interval
// (matched by start offset and operation): counts and maps summed, the
// achieved rate recomputed, Max and LagMax the largest; P50/P90/P99 and
// LagP99 are the largest shard's (an upper bound, said in the returned
// note: the exact percentiles are the summary's). No shard with a time
// series: nothing, no note.
func mergeSeries(out string, shards []shard) (string, error) {
	type key struct {
		off time.Duration
		op  string
	}
	rows := map[key]*timeseries.Interval{}
	var started time.Time
	have, missing := 0, []string{}
	for _, s := range shards {
		h, ivs, err := timeseries.Read(filepath.Join(s.dir, timeseries.FileName))
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, s.info.Shard.String())
			continue
		}
		if err != nil {
			return "", refuse("merge: %s (shard %s): %w", s.dir, s.info.Shard, err)
		}
		have++
		if started.IsZero() || h.Started.Before(started) {
			started = h.Started
		}
		for _, iv := range ivs {
			off := iv.Start.Sub(h.Started).Round(seriesAlign)
			k := key{off, iv.Operation}
			m := rows[k]
			if m == nil {
				c := iv.Clone()
				rows[k] = &c
				continue
			}
			m.Seconds = max(m.Seconds, iv.Seconds)
			m.Absorb(iv)
		}
	}
	if have == 0 {
		return "", nil
	}
	keys := slices.SortedFunc(maps.Keys(rows), func(a, b key) int {
		if a.off != b.off {
			return cmp.Compare(a.off, b.off)
		}
		// "all" first in each interval, then the operations A–Z (as Cut does).
		if (a.op == timeseries.AllOperations) != (b.op == timeseries.AllOperations) {
			if a.op == timeseries.AllOperations {
				return -1
			}
			return 1
		}
		return strings.Compare(a.op, b.op)
	})
	ivs := make([]timeseries.Interval, 0, len(keys))
	for _, k := range keys {
		iv := *rows[k]
		iv.Start = started.Add(k.off)
		if iv.Seconds > 0 {
			iv.AchievedRate = float64(iv.Answered) / iv.Seconds
		}
		if math.IsNaN(iv.AchievedRate) || math.IsInf(iv.AchievedRate, 0) {
			iv.AchievedRate = 0
		}
		ivs = append(ivs, iv)
	}
	w, err := timeseries.Create(out, started)
	if err != nil {
		return "", fmt.Errorf("merge: %w", err)
	}
	werr := w.Write(ivs)
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(filepath.Join(out, timeseries.FileName))
		return "", fmt.Errorf("merge: %w", werr)
	}
	note := "time series merged interval by interval: counts summed exactly; each interval's p50/p90/p99 and lag p99 are the largest shard's (an upper bound); the summary's percentiles are exact"
	if len(missing) > 0 {
		note += fmt.Sprintf("; shards %s had no %s, so the series counts only the other shards", strings.Join(missing, ", "), timeseries.FileName)
	}
	return note, nil
}
