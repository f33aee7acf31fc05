package reports_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/timeseries"
	"github.com/alexa-harness/harness/reports"
)

func minimalSummary() *loadgen.Summary {
	return &loadgen.Summary{Profile: "smoke", Target: "mock", Pacer: "constant 10/s", Clients: 1, Policy: "standard",
		Started: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Planned: time.Second, Elapsed: time.Second, Pass: true, ThresholdsMet: true,
		All: loadgen.OpSummary{Name: "all"}}
}

// Every format renders runs at the edges: no time series, an empty one,
// a night of one-second intervals (charts downsampled, page bounded).
func TestLoadReportEdges(t *testing.T) {
	// Two hours of one-second intervals, well past the 600 points a chart
	// draws, built directly: the aggregator has tests of its own.
	night := func() []timeseries.Interval {
		start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		out := make([]timeseries.Interval, 0, 2*3600)
		for i := range 2 * 3600 {
			p50 := float64(5+i%20) / 1000
			out = append(out, timeseries.Interval{
				Start: start.Add(time.Duration(i) * time.Second), Seconds: 1, Operation: "all",
				Offered: 2, Sent: 2, Answered: 2, AchievedRate: 2,
				P50: p50, P90: p50 + 0.002, P99: p50 + 0.004, Max: p50 + 0.005,
				Statuses: map[string]int64{"200": 2},
			})
		}
		return out
	}()
	cases := []struct {
		name       string
		series     []timeseries.Interval
		problem    string
		charts     int
		maxHTML    int
		wantInHTML []string
	}{
		{"no time series", nil, "no timeseries.jsonl in the run folder", 0, 100 << 10, []string{"No time series:", `<span class="word">PASS</span>`}},
		{"empty time series", []timeseries.Interval{}, "", 0, 100 << 10, []string{`<span class="word">PASS</span>`}},
		{"two hours of seconds", night, "", 4, 2 << 20, []string{"Each point covers 12 intervals"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := reports.LoadReport{Summary: minimalSummary(), Series: tc.series, SeriesProblem: tc.problem, Generated: generated}
			for _, f := range []reports.Format{reports.FormatHTML, reports.FormatMarkdown, reports.FormatJSON, reports.FormatText} {
				var buf bytes.Buffer
				if err := reports.WriteLoadFormat(&buf, f, r); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if buf.Len() == 0 {
					t.Errorf("%s: empty output", f)
				}
				if f == reports.FormatJSON && !json.Valid(buf.Bytes()) {
					t.Errorf("json: invalid output")
				}
				if f != reports.FormatHTML {
					continue
				}
				page := buf.String()
				if n := strings.Count(page, `<svg class="chart"`); n != tc.charts {
					t.Errorf("%d charts, want %d", n, tc.charts)
				}
				if len(page) > tc.maxHTML {
					t.Errorf("page is %d KiB, want at most %d KiB", len(page)>>10, tc.maxHTML>>10)
				}
				for _, w := range tc.wantInHTML {
					if !strings.Contains(page, w) {
						t.Errorf("page lacks %q", w)
					}
				}
			}
		})
	}
}

// FuzzLoadReportFromSeries renders whatever the strict reader accepts: no
// panic, valid JSON, for any readable time series.
func FuzzLoadReportFromSeries(f *testing.F) {
	hdr := `{"schema":"harness.timeseries","schemaVersion":1,"durationUnit":"seconds","started":"2026-12-01T10:00:00Z"}` + "\n"
	f.Add([]byte(hdr + `{"start":"2026-12-01T10:00:00Z","seconds":1,"operation":"all","offered":1,"sent":1,"answered":1,"notSent":0,"achievedRate":1,"p50":0.01,"p90":0.01,"p99":0.01,"max":0.01,"statuses":{"200":1},"throttled":0,"retries":0,"lagP99":0,"lagMax":0}` + "\n"))
	f.Add([]byte(hdr + `{"start":"2026-12-01T10:00:00Z","seconds":0,"operation":"all","offered":0,"sent":5,"answered":0,"notSent":9,"notSentReasons":{"x":9},"achievedRate":0,"p50":0,"p90":0,"p99":0,"max":0,"errors":{"<script>":5},"throttled":0,"retries":0,"lagP99":1e9,"lagMax":1e9}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, ivs, err := timeseries.Decode(bytes.NewReader(data), "fuzz.jsonl")
		r := reports.LoadReport{Summary: minimalSummary(), Series: ivs, Generated: generated}
		if err != nil {
			r.SeriesProblem, r.SeriesDamaged = err.Error(), true
		}
		var buf bytes.Buffer
		if err := reports.WriteLoadHTML(&buf, r); err != nil {
			t.Fatalf("html: %v", err)
		}
		if strings.Contains(buf.String(), "<script") {
			t.Fatal("unescaped markup from the time series reached the page")
		}
		buf.Reset()
		if err := reports.WriteLoadJSON(&buf, r); err != nil || !json.Valid(buf.Bytes()) {
			t.Fatalf("json: %v", err)
		}
	})
}
