package timeseries_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/timeseries"
)

// span is a stretch of a run ending in a cut: hits answered in it (each at
// latency ms), then the cut at its end.
type span struct {
	length  time.Duration
	latency []time.Duration // one answered "get" hit each
	tailOp  string          // an operation first seen here, one answered hit
}

// TestTickFinish: Ticks then Finish give every interval once, in order; a
// closing remainder shorter than half the interval before it is folded
// into it (exact counts, merged histograms), a longer one kept.
func TestTickFinish(t *testing.T) {
	ms := time.Millisecond
	ten := func(n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = 10 * ms
		}
		return out
	}
	cases := []struct {
		name  string
		ticks []span // regular cuts
		tail  span   // to Finish
		// want: each interval's length (s) and answered count ("all" row)
		wantSecs     []float64
		wantAnswered []int64
		wantOps      []int // rows per interval
	}{
		{
			name:  "4 ms remainder is folded (the 20/s smoke run)",
			ticks: []span{{length: time.Second, latency: ten(20)}, {length: time.Second, latency: ten(20)}},
			tail:  span{length: 4 * ms, latency: ten(1)},
			// 1 answer in 4 ms would read 250/s; folded: 21 in 1.004 s
			wantSecs: []float64{1, 1.004}, wantAnswered: []int64{20, 21}, wantOps: []int{2, 2},
		},
		{
			name:     "remainder of half an interval or more is kept",
			ticks:    []span{{length: time.Second, latency: ten(20)}},
			tail:     span{length: 500 * ms, latency: ten(10)},
			wantSecs: []float64{1, 0.5}, wantAnswered: []int64{20, 10}, wantOps: []int{2, 2},
		},
		{
			name:     "empty remainder at the last tick is folded: no zero-length row",
			ticks:    []span{{length: time.Second, latency: ten(3)}, {length: time.Second, latency: ten(4)}},
			tail:     span{},
			wantSecs: []float64{1, 1}, wantAnswered: []int64{3, 4}, wantOps: []int{2, 2},
		},
		{
			name:  "relative to the interval: quarter-second ticks fold a 100 ms remainder",
			ticks: []span{{length: 250 * ms, latency: ten(5)}, {length: 250 * ms, latency: ten(5)}},
			tail:  span{length: 100 * ms, latency: ten(2)},
			// 0.25 + 0.1
			wantSecs: []float64{0.25, 0.35}, wantAnswered: []int64{5, 7}, wantOps: []int{2, 2},
		},
		{
			name:     "a run shorter than one tick is one interval, however short",
			tail:     span{length: 4 * ms, latency: ten(1)},
			wantSecs: []float64{0.004}, wantAnswered: []int64{1}, wantOps: []int{2},
		},
		{
			name:  "an operation first seen in the folded remainder gets a row there, not before",
			ticks: []span{{length: time.Second, latency: ten(2)}, {length: time.Second, latency: ten(2)}},
			tail:  span{length: 10 * ms, tailOp: "put"},
			// all, get | all, get, put
			wantSecs: []float64{1, 1.01}, wantAnswered: []int64{2, 3}, wantOps: []int{2, 3},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := timeseries.NewAggregator(t0)
			now, recorded := t0, int64(0)
			play := func(s span) {
				for i, l := range s.latency {
					at := now.Add(s.length * time.Duration(i) / time.Duration(len(s.latency)))
					a.Offer("get", 1)
					a.Record("get", at, at, l, 200, "", 1)
					recorded++
				}
				if s.tailOp != "" {
					a.Offer(s.tailOp, 1)
					a.Record(s.tailOp, now, now, ms, 200, "", 1)
					recorded++
				}
				now = now.Add(s.length)
			}
			var rows []timeseries.Interval
			for _, s := range tc.ticks {
				play(s)
				rows = append(rows, a.Tick(now)...)
			}
			play(tc.tail)
			rows = append(rows, a.Finish(now)...)

			var alls []timeseries.Interval
			perInterval := map[time.Time]int{}
			var sumOps int64
			for _, r := range rows {
				if err := r.Validate(); err != nil {
					t.Errorf("%s at %v: invalid: %v", r.Operation, r.Start, err)
				}
				perInterval[r.Start]++
				if r.Operation == timeseries.AllOperations {
					alls = append(alls, r)
				} else {
					sumOps += r.Answered
				}
			}
			if len(alls) != len(tc.wantSecs) {
				t.Fatalf("%d intervals, want %d: %+v", len(alls), len(tc.wantSecs), rows)
			}
			start, answered := t0, int64(0)
			for i, iv := range alls {
				if !iv.Start.Equal(start) || math.Abs(iv.Seconds-tc.wantSecs[i]) > 1e-9 || iv.Answered != tc.wantAnswered[i] {
					t.Errorf("interval %d: start %v, %v s, %d answered; want %v, %v s, %d", i, iv.Start, iv.Seconds, iv.Answered, start, tc.wantSecs[i], tc.wantAnswered[i])
				}
				if want := float64(iv.Answered) / iv.Seconds; math.Abs(iv.AchievedRate-want) > 1e-9 {
					t.Errorf("interval %d: rate %v, want answered/seconds %v", i, iv.AchievedRate, want)
				}
				if n := perInterval[iv.Start]; n != tc.wantOps[i] {
					t.Errorf("interval %d: %d rows, want %d", i, n, tc.wantOps[i])
				}
				start = start.Add(time.Duration(iv.Seconds * float64(time.Second)))
				answered += iv.Answered
			}
			// every hit counted once, in "all" and in its operation
			if answered != recorded || sumOps != recorded {
				t.Errorf("answered: all rows %d, operation rows %d; recorded %d", answered, sumOps, recorded)
			}
		})
	}
}

// TestFoldKeepsPercentilesExact: the folded interval's percentiles come
// from the two intervals' histograms merged, not from the larger of the
// two rows' (an upper envelope would make p50 the remainder's one slow hit).
func TestFoldKeepsPercentilesExact(t *testing.T) {
	a := timeseries.NewAggregator(t0)
	for range 99 {
		a.Record("get", t0, t0.Add(time.Millisecond), 10*time.Millisecond, 200, "", 1)
	}
	if got := a.Tick(t0.Add(time.Second)); got != nil {
		t.Fatalf("first Tick returned %d rows, want none (held back)", len(got))
	}
	end := t0.Add(time.Second + 3*time.Millisecond)
	a.Record("get", end, end.Add(20*time.Millisecond), 500*time.Millisecond, 503, "", 2)
	a.Record("get", end, end, 0, 0, "dial tcp: connection refused", 1)
	rows := a.Finish(end)
	if len(rows) != 2 {
		t.Fatalf("Finish returned %d rows, want all and get of one folded interval: %+v", len(rows), rows)
	}
	for _, iv := range rows {
		if iv.Sent != 101 || iv.Answered != 100 || iv.Retries != 1 || iv.Statuses["200"] != 99 || iv.Statuses["503"] != 1 ||
			iv.Errors["dial tcp: connection refused"] != 1 {
			t.Errorf("%s: counts %+v, want 101 sent, 100 answered, 1 retry, 99×200, 1×503, 1 refused", iv.Operation, iv)
		}
		if math.Abs(iv.P50-0.010) > 0.0001 || math.Abs(iv.P99-0.010) > 0.0001 || iv.Max != 0.5 {
			t.Errorf("%s: p50 %v p99 %v max %v; want 10 ms, 10 ms (99 of 100 hits), 500 ms", iv.Operation, iv.P50, iv.P99, iv.Max)
		}
		if iv.LagMax != 0.02 {
			t.Errorf("%s: lag max %v, want 0.02", iv.Operation, iv.LagMax)
		}
	}
}

// TestShardsFoldAlike: two shards cut on one grid (one --start-at) that end
// a few milliseconds apart fold alike, so merging their intervals by start
// matches a single process's series.
func TestShardsFoldAlike(t *testing.T) {
	run := func(hitsPerSec, tailHits int, end time.Duration) []timeseries.Interval {
		a := timeseries.NewAggregator(t0)
		var rows []timeseries.Interval
		for s := range 3 {
			for i := range hitsPerSec {
				at := t0.Add(time.Duration(s)*time.Second + time.Duration(i)*time.Second/time.Duration(hitsPerSec))
				a.Record("get", at, at, time.Millisecond, 200, "", 1)
			}
			rows = append(rows, a.Tick(t0.Add(time.Duration(s+1)*time.Second))...)
		}
		for range tailHits {
			a.Record("get", t0.Add(3*time.Second), t0.Add(3*time.Second), time.Millisecond, 200, "", 1)
		}
		return append(rows, a.Finish(t0.Add(end))...)
	}
	one := run(20, 2, 3*time.Second+5*time.Millisecond)
	a, b := run(10, 1, 3*time.Second+2*time.Millisecond), run(10, 1, 3*time.Second+7*time.Millisecond)
	if len(a) != len(one) || len(b) != len(one) {
		t.Fatalf("rows: shards %d and %d, one process %d", len(a), len(b), len(one))
	}
	for i := range one {
		if !a[i].Start.Equal(one[i].Start) || !b[i].Start.Equal(one[i].Start) || a[i].Answered+b[i].Answered != one[i].Answered {
			t.Errorf("row %d: shards start %v/%v answered %d+%d; one process %v, %d", i, a[i].Start, b[i].Start, a[i].Answered, b[i].Answered, one[i].Start, one[i].Answered)
		}
	}
}

// TestCutAfterTick: Cut returns the held interval too, so a caller that
// mixes them loses nothing.
func TestCutAfterTick(t *testing.T) {
	a := timeseries.NewAggregator(t0)
	a.Record("get", t0, t0, time.Millisecond, 200, "", 1)
	a.Tick(t0.Add(time.Second))
	a.Record("get", t0, t0, time.Millisecond, 200, "", 1)
	rows := a.Cut(t0.Add(time.Second + 2*time.Millisecond))
	if len(rows) != 4 || rows[0].Answered != 1 || rows[0].Seconds != 1 || rows[2].Answered != 1 || math.Abs(rows[2].Seconds-0.002) > 1e-12 {
		t.Errorf("Cut after Tick: %+v; want the held second then the 2 ms open interval, 1 answer each", rows)
	}
}

// TestRate: an interval's rate is a sample only when it lasted at least
// its series' RateFloor: TailFold of the usual interval, never under
// MinRateSeconds.
func TestRate(t *testing.T) {
	series := func(secs ...float64) []timeseries.Interval {
		var ivs []timeseries.Interval
		for _, s := range secs {
			ivs = append(ivs, timeseries.Interval{Operation: timeseries.AllOperations, Seconds: s, Answered: 5, AchievedRate: 5 / s},
				// an operation's row has the interval's length too: not counted twice
				timeseries.Interval{Operation: "get", Seconds: s, Answered: 5, AchievedRate: 5 / s})
		}
		return ivs
	}
	cases := []struct {
		name      string
		ivs       []timeseries.Interval
		wantFloor float64
		want      []bool // per "all" row
	}{
		{"the reviewer's smoke run: 1 answer in 3.6 ms after five seconds", series(1, 1, 1, 1, 1, 0.0036), 0.5,
			[]bool{true, true, true, true, true, false}},
		{"a 300 ms remainder of one-second intervals (a file written before the fold)", series(1, 1, 0.3), 0.5, []bool{true, true, false}},
		{"a 600 ms remainder is kept (Finish keeps it too)", series(1, 1, 0.6), 0.5, []bool{true, true, true}},
		{"two intervals: the longer one sets the floor", series(1, 0.004), 0.5, []bool{true, false}},
		{"quarter-second intervals (progress on a terminal) and a 100 ms remainder", series(0.25, 0.25, 0.25, 0.1), 0.125,
			[]bool{true, true, true, false}},
		{"125 ms intervals: the floor is MinRateSeconds", series(0.125, 0.125, 0.125), timeseries.MinRateSeconds, []bool{true, true, true}},
		{"a run of one 4 ms interval has no rate", series(0.004), timeseries.MinRateSeconds, []bool{false}},
		{"a run of one 150 ms interval has one", series(0.15), timeseries.MinRateSeconds, []bool{true}},
		{"zero-length and empty", series(0), timeseries.MinRateSeconds, []bool{false}},
		{"no intervals", nil, timeseries.MinRateSeconds, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			floor := timeseries.RateFloor(tc.ivs)
			if math.Abs(floor-tc.wantFloor) > 1e-12 {
				t.Errorf("RateFloor = %v, want %v", floor, tc.wantFloor)
			}
			var got []bool
			for _, iv := range tc.ivs {
				r, ok := iv.Rate(floor)
				if (ok && r != iv.AchievedRate) || (!ok && r != 0) {
					t.Errorf("%v s: Rate = %v, %v; want the achieved rate %v when ok, else 0", iv.Seconds, r, ok, iv.AchievedRate)
				}
				if iv.Operation == timeseries.AllOperations {
					got = append(got, ok)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("rate samples %v, want %v", got, tc.want)
			}
		})
	}
	// a floor under MinRateSeconds (or NaN) is raised to it
	iv := timeseries.Interval{Seconds: 0.05, AchievedRate: 100}
	if _, ok := iv.Rate(0); ok {
		t.Error("a 50 ms interval gave a rate sample with floor 0")
	}
	if _, ok := iv.Rate(math.NaN()); ok {
		t.Error("a 50 ms interval gave a rate sample with a NaN floor")
	}
}
