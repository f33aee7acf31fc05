package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/changepoint"
	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/testrun"
)

// TestDetectionRelative: a change point's relative change is given only
// when it is defined (regress.Relative): a zero or subnormal mean before
// the change leaves it out, so the JSON always encodes and the text never
// shows ±Inf or NaN.
func TestDetectionRelative(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		before, after float64
		wantRelative  bool
	}{
		{"ordinary", 0.010, 0.020, true},
		{"zero before", 0, 0.020, false},
		{"subnormal before", math.SmallestNonzeroFloat64, 0.020, false},
		{"negative before", -2, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			d := Detection{Metric: "p99", Operation: "all", Profile: "nightly",
				Changes: []changepoint.ChangePoint{{Index: 1, Q: 3, P: 0.001, Before: tt.before, After: tt.after}}}
			for i := range 4 {
				d.Points = append(d.Points, history.Point{RunID: int64(i + 1), StartedAt: start.Add(time.Duration(i) * time.Hour), Value: tt.after, N: 30})
			}
			var js bytes.Buffer
			if err := WriteDetection(&js, FormatJSON, d); err != nil {
				t.Fatalf("json: %v", err)
			}
			var doc struct {
				Changes []struct {
					Relative *float64 `json:"relative"`
				} `json:"changePoints"`
			}
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Changes) != 1 {
				t.Fatalf("decode %v, %d changes:\n%s", err, len(doc.Changes), js.String())
			}
			if got := doc.Changes[0].Relative != nil; got != tt.wantRelative {
				t.Errorf("relative given = %v, want %v:\n%s", got, tt.wantRelative, js.String())
			}
			var text bytes.Buffer
			if err := WriteDetection(&text, FormatText, d); err != nil {
				t.Fatalf("text: %v", err)
			}
			testrun.CheckFiniteText(t, "text", text.String())
		})
	}
}

// TestPerSecond: a chart reads no rate from an interval shorter than the
// series' floor (timeseries.RateFloor), so a run's closing few
// milliseconds never draw a spike.
func TestPerSecond(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		n         int64
		secs      float64
		floor     float64
		want      float64
		wantNoVal bool
	}{
		{"a full second", 20, 1, 0.5, 20, false},
		{"a folded tail", 21, 1.0042, 0.5, 21 / 1.0042, false},
		{"a 4 ms tail", 1, 0.0036, 0.5, 0, true},
		{"no length", 5, 0, 0.1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := perSecond(tt.n, tt.secs, tt.floor)
			if tt.wantNoVal != math.IsNaN(got) || (!tt.wantNoVal && math.Abs(got-tt.want) > 1e-9) {
				t.Errorf("perSecond(%d, %g, %g) = %g, want %g (no value: %v)", tt.n, tt.secs, tt.floor, got, tt.want, tt.wantNoVal)
			}
		})
	}
}
