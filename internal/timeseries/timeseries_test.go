package timeseries_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/timeseries"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

type hit struct {
	op      string
	lag     time.Duration
	latency time.Duration
	status  int
	err     string
	tries   int
}

func TestAggregatorCut(t *testing.T) {
	cases := []struct {
		name    string
		offered map[string]int64
		notSent [][3]any // op, reason, n
		hits    []hit
		secs    float64
		want    map[string]timeseries.Interval // by operation; only the fields checked
	}{
		{
			name:    "answers, 429s, transport errors and retries",
			offered: map[string]int64{"get": 4, "put": 2},
			hits: []hit{
				{"get", 0, 10 * time.Millisecond, 200, "", 1},
				{"get", 2 * time.Millisecond, 20 * time.Millisecond, 200, "", 1},
				{"get", 0, 30 * time.Millisecond, 429, "", 3},
				{"put", time.Millisecond, 0, 0, "dial tcp: connection refused", 1},
			},
			notSent: [][3]any{{"get", "generator behind schedule", int64(1)}, {"put", "stopped", int64(1)}},
			secs:    2,
			want: map[string]timeseries.Interval{
				"all": {Offered: 6, Sent: 4, Answered: 3, NotSent: 2, Throttled: 1, Retries: 2, AchievedRate: 1.5, Max: 0.03, LagMax: 0.002,
					Statuses: map[string]int64{"200": 2, "429": 1}, Errors: map[string]int64{"dial tcp: connection refused": 1},
					NotSentReasons: map[string]int64{"generator behind schedule": 1, "stopped": 1}},
				"get": {Offered: 4, Sent: 3, Answered: 3, NotSent: 1, Throttled: 1, Retries: 2, AchievedRate: 1.5, Max: 0.03, LagMax: 0.002,
					Statuses: map[string]int64{"200": 2, "429": 1}, NotSentReasons: map[string]int64{"generator behind schedule": 1}},
				"put": {Offered: 2, Sent: 1, NotSent: 1, LagMax: 0.001,
					Errors: map[string]int64{"dial tcp: connection refused": 1}, NotSentReasons: map[string]int64{"stopped": 1}},
			},
		},
		{
			name:    "nothing happened",
			offered: nil,
			secs:    1,
			want:    map[string]timeseries.Interval{"all": {}},
		},
		{
			name: "a token in an error text is redacted",
			hits: []hit{{"get", 0, 0, 0, "bad token Atza|IwEBIExampleSecretToken123", 1}},
			secs: 1,
			want: map[string]timeseries.Interval{
				"all": {Sent: 1, Errors: map[string]int64{"bad token ****": 1}},
				"get": {Sent: 1, Errors: map[string]int64{"bad token ****": 1}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := timeseries.NewAggregator(t0)
			for op, n := range tc.offered {
				a.Offer(op, n)
			}
			for _, ns := range tc.notSent {
				a.NotSent(ns[0].(string), ns[1].(string), ns[2].(int64))
			}
			for i, h := range tc.hits {
				intended := t0.Add(time.Duration(i) * time.Millisecond)
				a.Record(h.op, intended, intended.Add(h.lag), h.latency, h.status, h.err, h.tries)
			}
			end := t0.Add(time.Duration(tc.secs * float64(time.Second)))
			got := a.Cut(end)
			if len(got) != len(tc.want) {
				t.Fatalf("Cut returned %d rows, want %d: %+v", len(got), len(tc.want), got)
			}
			if got[0].Operation != timeseries.AllOperations {
				t.Errorf("first row is %q, want %q", got[0].Operation, timeseries.AllOperations)
			}
			for _, g := range got {
				w, ok := tc.want[g.Operation]
				if !ok {
					t.Errorf("unexpected row %q", g.Operation)
					continue
				}
				if err := g.Validate(); err != nil {
					t.Errorf("%s: Cut produced an invalid interval: %v", g.Operation, err)
				}
				if !g.Start.Equal(t0) || g.Seconds != tc.secs {
					t.Errorf("%s: start %v seconds %v, want %v %v", g.Operation, g.Start, g.Seconds, t0, tc.secs)
				}
				checkCounts(t, g, w)
			}
		})
	}
}

func checkCounts(t *testing.T, g, w timeseries.Interval) {
	t.Helper()
	type pair struct {
		name      string
		got, want int64
	}
	for _, p := range []pair{{"offered", g.Offered, w.Offered}, {"sent", g.Sent, w.Sent}, {"answered", g.Answered, w.Answered},
		{"notSent", g.NotSent, w.NotSent}, {"throttled", g.Throttled, w.Throttled}, {"retries", g.Retries, w.Retries}} {
		if p.got != p.want {
			t.Errorf("%s %s = %d, want %d", g.Operation, p.name, p.got, p.want)
		}
	}
	if g.AchievedRate != w.AchievedRate || g.Max != w.Max || g.LagMax != w.LagMax {
		t.Errorf("%s rate/max/lagMax = %v/%v/%v, want %v/%v/%v", g.Operation, g.AchievedRate, g.Max, g.LagMax, w.AchievedRate, w.Max, w.LagMax)
	}
	for _, m := range []struct {
		name      string
		got, want map[string]int64
	}{{"statuses", g.Statuses, w.Statuses}, {"errors", g.Errors, w.Errors}, {"notSentReasons", g.NotSentReasons, w.NotSentReasons}} {
		if len(m.got) != len(m.want) {
			t.Errorf("%s %s = %v, want %v", g.Operation, m.name, m.got, m.want)
			continue
		}
		for k, v := range m.want {
			found := false
			for gk, gv := range m.got {
				// redacted keys end in a digest the test does not know
				if (gk == k || strings.HasPrefix(gk, k)) && gv == v {
					found = true
				}
			}
			if !found {
				t.Errorf("%s %s = %v, want %v", g.Operation, m.name, m.got, m.want)
			}
		}
	}
}

func TestCutResetsAndKeepsRows(t *testing.T) {
	a := timeseries.NewAggregator(t0)
	a.Record("get", t0, t0, 5*time.Millisecond, 200, "", 1)
	first := a.Cut(t0.Add(time.Second))
	second := a.Cut(t0.Add(2 * time.Second))
	if len(first) != 2 || len(second) != 2 {
		t.Fatalf("rows per cut: %d then %d, want 2 and 2 (an idle operation keeps its row)", len(first), len(second))
	}
	if first[1].P50 <= 0 || first[1].Answered != 1 {
		t.Errorf("first cut get: %+v", first[1])
	}
	if s := second[1]; s.Answered != 0 || s.P50 != 0 || s.Max != 0 || s.Statuses != nil || !s.Start.Equal(t0.Add(time.Second)) {
		t.Errorf("second cut was not reset: %+v", s)
	}
}

func TestPercentileNeverAboveMax(t *testing.T) {
	a := timeseries.NewAggregator(t0, timeseries.WithSignificantFigures(1))
	for i := range 100 {
		a.Record("get", t0, t0, 1003*time.Millisecond+time.Duration(i)*time.Microsecond, 200, "", 1)
	}
	iv := a.Cut(t0.Add(time.Second))[0]
	if iv.P99 > iv.Max || iv.P50 > iv.Max {
		t.Fatalf("percentile above max: %+v", iv)
	}
	if iv.Max != (1003*time.Millisecond + 99*time.Microsecond).Seconds() {
		t.Errorf("max = %v, want the exact maximum", iv.Max)
	}
}

func TestBoundedKinds(t *testing.T) {
	a := timeseries.NewAggregator(t0)
	for i := range timeseries.MaxOperations + 10 {
		op := "op" + strings.Repeat("x", i)
		a.Record(op, t0, t0, 0, 0, "error "+strings.Repeat("y", i), 1)
	}
	ivs := a.Cut(t0.Add(time.Second))
	if len(ivs) != timeseries.MaxOperations+2 { // all + MaxOperations + (other)
		t.Errorf("%d rows, want %d", len(ivs), timeseries.MaxOperations+2)
	}
	if n := len(ivs[0].Errors); n != timeseries.MaxErrorKinds+1 {
		t.Errorf("%d error kinds in all, want %d (+other)", n, timeseries.MaxErrorKinds+1)
	}
	if ivs[0].Errors[timeseries.ErrorOther] == 0 {
		t.Errorf("no %q error count: %v", timeseries.ErrorOther, ivs[0].Errors)
	}
}

func TestAggregatorConcurrent(t *testing.T) {
	a := timeseries.NewAggregator(t0)
	var wg sync.WaitGroup
	const workers, per = 8, 500
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				a.Offer("get", 1)
				a.Record("get", t0, t0, time.Duration(w*per+i)*time.Microsecond, 200, "", 1)
			}
		})
	}
	var cuts []timeseries.Interval
	for i := range 5 {
		cuts = append(cuts, a.Cut(t0.Add(time.Duration(i+1) * time.Millisecond))[0])
	}
	wg.Wait()
	cuts = append(cuts, a.Cut(t0.Add(time.Second))[0])
	var sent, offered int64
	for _, c := range cuts {
		sent += c.Sent
		offered += c.Offered
	}
	if sent != workers*per || offered != workers*per {
		t.Errorf("sent %d offered %d over the cuts, want %d each", sent, offered, workers*per)
	}
}

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	w, err := timeseries.Create(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	a := timeseries.NewAggregator(t0)
	var want []timeseries.Interval
	for s := range 3 {
		a.Offer("get", 10)
		for i := range 10 {
			a.Record("get", t0, t0, time.Duration(i+1)*time.Millisecond, 200, "", 1)
		}
		ivs := a.Cut(t0.Add(time.Duration(s+1) * time.Second))
		want = append(want, ivs...)
		if err := w.Write(ivs); err != nil {
			t.Fatal(err)
		}
		// flushed at each write: readable while the run goes on
		_, got, err := timeseries.Read(filepath.Join(dir, timeseries.FileName))
		if err != nil || len(got) != len(want) {
			t.Fatalf("after cut %d: read %d intervals, err %v; want %d", s, len(got), err, len(want))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	hdr, got, err := timeseries.Read(filepath.Join(dir, timeseries.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if hdr.SchemaVersion != timeseries.SchemaVersion || !hdr.Started.Equal(t0) || hdr.DurationUnit != "seconds" {
		t.Errorf("header %+v", hdr)
	}
	for i := range want {
		if got[i].Operation != want[i].Operation || got[i].P99 != want[i].P99 || got[i].Answered != want[i].Answered || !got[i].Start.Equal(want[i].Start) {
			t.Errorf("interval %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

const goodHeader = `{"schema":"harness.timeseries","schemaVersion":1,"durationUnit":"seconds","started":"2026-12-01T10:00:00Z"}`
const goodLine = `{"start":"2026-12-01T10:00:00Z","seconds":1,"operation":"all","offered":1,"sent":1,"answered":1,"notSent":0,"achievedRate":1,"p50":0.01,"p90":0.01,"p99":0.01,"max":0.01,"throttled":0,"retries":0,"lagP99":0,"lagMax":0}`

func TestReadDamage(t *testing.T) {
	cases := []struct {
		name     string
		content  string
		good     int
		wantErr  string // "" for none
		wantLine int
	}{
		{"good", goodHeader + "\n" + goodLine + "\n" + goodLine + "\n", 2, "", 0},
		{"header only", goodHeader + "\n", 0, "", 0},
		{"empty file", "", 0, "empty file", 1},
		{"not our header", `{"schema":"other","schemaVersion":1,"durationUnit":"seconds"}` + "\n", 0, "schema is \"other\"", 1},
		{"newer version", strings.Replace(goodHeader, `"schemaVersion":1`, `"schemaVersion":9`, 1) + "\n", 0, "newer", 1},
		{"truncated last line", goodHeader + "\n" + goodLine + "\n" + goodLine[:40], 1, "truncated last line", 3},
		{"garbage in the middle", goodHeader + "\n" + goodLine + "\nnot json\n" + goodLine + "\n", 2, "not an interval", 3},
		{"unknown field", goodHeader + "\n" + strings.Replace(goodLine, `"sent"`, `"sentx"`, 1) + "\n", 0, "unknown field", 2},
		{"negative count", goodHeader + "\n" + strings.Replace(goodLine, `"offered":1`, `"offered":-1`, 1) + "\n", 0, "offered: -1 is negative", 2},
		{"answered above sent", goodHeader + "\n" + strings.Replace(goodLine, `"answered":1`, `"answered":2`, 1) + "\n", 0, "more than sent", 2},
		{"percentile above max", goodHeader + "\n" + strings.Replace(goodLine, `"p99":0.01`, `"p99":0.5`, 1) + "\n", 0, "out of order", 2},
		{"huge number", goodHeader + "\n" + strings.Replace(goodLine, `"p50":0.01`, `"p50":1e400`, 1) + "\n", 0, "not an interval", 2},
		{"long line", goodHeader + "\n" + strings.Repeat("x", timeseries.MaxLine+10) + "\n" + goodLine + "\n", 1, "line longer than", 2},
		{"empty line", goodHeader + "\n\n" + goodLine + "\n", 1, "empty line", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), timeseries.FileName)
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, got, err := timeseries.Read(path)
			if len(got) != tc.good {
				t.Errorf("read %d intervals, want %d", len(got), tc.good)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
			}
			var le *timeseries.LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %T does not unwrap to a *LineError", err)
			}
			if le.Line != tc.wantLine || le.File != path {
				t.Errorf("damage at %s:%d, want %s:%d", le.File, le.Line, path, tc.wantLine)
			}
		})
	}
}
