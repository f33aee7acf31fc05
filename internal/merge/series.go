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
				c := iv
				c.NotSentReasons, c.Statuses, c.Errors = maps.Clone(iv.NotSentReasons), maps.Clone(iv.Statuses), maps.Clone(iv.Errors)
				rows[k] = &c
				continue
			}
			m.Seconds = max(m.Seconds, iv.Seconds)
			m.Offered += iv.Offered
			m.Sent += iv.Sent
			m.Answered += iv.Answered
			m.NotSent += iv.NotSent
			m.Throttled += iv.Throttled
			m.Retries += iv.Retries
			m.NotSentReasons = addMap(m.NotSentReasons, iv.NotSentReasons)
			m.Statuses = addMap(m.Statuses, iv.Statuses)
			m.Errors = addMap(m.Errors, iv.Errors)
			m.P50, m.P90, m.P99, m.Max = max(m.P50, iv.P50), max(m.P90, iv.P90), max(m.P99, iv.P99), max(m.Max, iv.Max)
			m.LagP99, m.LagMax = max(m.LagP99, iv.LagP99), max(m.LagMax, iv.LagMax)
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

func addMap(dst, src map[string]int64) map[string]int64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = map[string]int64{}
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}
