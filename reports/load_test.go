package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/loadgen"
)

func TestWriteLoad(t *testing.T) {
	lat := loadgen.Latency{P50: 2 * time.Millisecond, P90: 5 * time.Millisecond, P95: 8 * time.Millisecond, P99: 1500 * time.Millisecond, Max: 2 * time.Second}
	op := func(name string, n int) loadgen.OpSummary {
		return loadgen.OpSummary{Name: name, Requests: n, Rate: float64(n) / 10, Successes: n - 1, SuccessRatio: float64(n-1) / float64(n),
			Latency: lat, Statuses: map[string]int{"200": n - 2, "429": 1, "error": 1}}
	}
	empty := compliance.Check(nil, compliance.Options{})
	tests := []struct {
		name string
		sum  loadgen.Summary
		want []string
		not  []string
	}{
		{
			name: "pass with operations and attempts",
			sum: loadgen.Summary{Profile: "smoke", Target: "mock", Pacer: "constant 20/s", Clients: 4, Policy: "standard",
				Planned: 10 * time.Second, PlannedHits: 200, Elapsed: 10 * time.Second,
				All: op("all", 200), Operations: []loadgen.OpSummary{op("create", 50), op("get", 150)},
				Attempts:   []loadgen.AttemptStats{{Operation: "getThreadNetworks", Attempts: 160, Retries: 10, Throttled: 9}},
				Thresholds: []loadgen.ThresholdResult{{Name: "latency.all.p99", Limit: "≤ 2s", Actual: "1.5s", Pass: true}}, Pass: true},
			want: []string{`Load run "smoke"`, "intended send time", "create", "get", "1.5s", "200×148 429×1 error×1", "getThreadNetworks", "latency.all.p99", "Result: PASS"},
			not:  []string{"FAIL", "Steps"},
		},
		{
			name: "fail with steps and interruption",
			sum: loadgen.Summary{Profile: "ramp", Interrupted: true, Partial: true, All: op("all", 10),
				Steps: []loadgen.StepSummary{
					{Index: 0, Rate: 100, Achieved: 99.5, Op: op("step", 10), Complete: true, MetSLO: true},
					{Index: 1, Rate: 200, Achieved: 150, Op: op("step", 10), Complete: true, Reasons: []string{"p99 1.5s > 50ms"}},
				},
				HighestRate: 100,
				Thresholds:  []loadgen.ThresholdResult{{Name: "minRate", Limit: "≥ 50/s", Actual: "1/s"}},
				Notes:       []string{"no summary.json"}},
			not:  []string{"Back-off compliance"},
			want: []string{"INTERRUPTED, partial run", "Steps", "MISSED: p99 1.5s > 50ms", "Highest step rate that met the SLO: 100/s", "Result: FAIL (minRate) — on a partial run", "note: no summary.json"},
		},
		{
			name: "compliance, both views disagreeing",
			sum: loadgen.Summary{Profile: "storm", All: op("all", 10),
				Compliance: &loadgen.ComplianceSummary{Mode: "required", Policy: "standard", Client: &empty, Server: &empty,
					Reasons: []string{"the client and server views disagree on C1"}}},
			want: []string{"Back-off compliance (required, policy standard): FAIL", "  - the client and server views disagree on C1",
				"server view (mock journal) DISAGREE.", "\nClient view (attempt log):\n", "\nServer view (mock journal):\n", "Result: FAIL"},
			not: []string{"Steps", "Thresholds"},
		},
		{
			name: "compliance, client view only",
			sum: loadgen.Summary{Profile: "env", All: op("all", 10), Pass: true,
				Compliance: &loadgen.ComplianceSummary{Mode: "report", Policy: "standard", Client: &empty, Pass: true}},
			want: []string{"Back-off compliance (report, policy standard): PASS", "Client view (attempt log):", "Result: PASS"},
			not:  []string{"Server view", "DISAGREE", "agree."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteLoad(&b, &tt.sum); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}
