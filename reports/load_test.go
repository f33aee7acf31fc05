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
				Thresholds: []loadgen.ThresholdResult{{Name: "latency.all.p99", Limit: "≤ 2s", Actual: "1.5s", Pass: true}}, Pass: true, ThresholdsMet: true},
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
			name: "accounting, saturated generator, error set and a knee on the generator's account",
			sum: loadgen.Summary{Profile: "ramp", All: func() loadgen.OpSummary {
				o := op("all", 10)
				o.ErrorSet = map[string]int{"503 Service Unavailable": 4, "getThreadNetworks: no answer after 1 attempt: context deadline exceeded": 1}
				return o
			}(),
				Accounting: loadgen.Accounting{Planned: 1000, Sent: 600, Answered: 590, NotSent: 400,
					NotSentReasons: map[string]int64{loadgen.NotSentInFlightCap: 300, loadgen.NotSentBehind: 100}, GeneratorShare: 0.4},
				Generator: &loadgen.GeneratorHealth{Lag: &loadgen.Latency{P99: 40 * time.Millisecond, Max: 90 * time.Millisecond}, MaxLag: 10 * time.Millisecond,
					CPU: 0.5, CPUPeak: 0.7, GOMAXPROCS: 2, MachineCPU: 1, MaxInFlight: 8, PeakInFlight: 8,
					FDLimit: loadgen.FDLimit{Before: 1024, Soft: 4096, Hard: 4096}, Saturated: true, Reasons: []string{"schedule lag p99 40ms > 10ms"},
					Warnings: []string{"hits in flight reached the cap 8 (generator.maxInFlight)"}},
				Steps: []loadgen.StepSummary{
					{Index: 0, Rate: 100, Achieved: 99.5, Op: op("step", 10), Complete: true, MetSLO: true, CPU: 0.2},
					{Index: 1, Rate: 200, Achieved: 150, Op: op("step", 10), Complete: true, Generator: "schedule lag p99 40ms > 10ms", Reasons: []string{"generator: schedule lag p99 40ms > 10ms"}},
				},
				Knee:        &loadgen.Knee{Rate: 100, Step: 1, Cause: "generator", NextStep: 2, NextRate: 200, Why: "the generator could not drive it"},
				HighestRate: 100,
				Thresholds:  []loadgen.ThresholdResult{{Name: "maxNotSent", Limit: "≤ 1%", Actual: "40%"}}},
			want: []string{"Hits: planned 1000 · sent 600 (60 %) · answered 590 · not sent 400 (40 %): behind-schedule 100, in-flight-cap 300",
				"only the requests that reached the target", "schedule lag p99 40ms, max 90ms (limit 10ms)", "machine CPU 100%", "in flight peak 8 of cap 8",
				"raised from 1024", "GENERATOR SATURATED", "  - schedule lag p99 40ms > 10ms", "warning: hits in flight reached the cap 8",
				"Error set", "503 Service Unavailable", "context deadline exceeded", "GENERATOR-LIMITED (not graded)",
				"Knee not found: the generator saturated first, at step 2 (200/s)", "Highest step met with a healthy generator: 100/s (step 1)",
				"Result: FAIL (maxNotSent) — GENERATOR SATURATED"},
			not: []string{"Result: PASS"},
		},
		{
			name: "a knee on the target's account",
			sum: loadgen.Summary{Profile: "ramp", All: op("all", 10), Pass: true, ThresholdsMet: true,
				Steps: []loadgen.StepSummary{
					{Index: 0, Rate: 100, Achieved: 99.5, Op: op("step", 10), Complete: true, MetSLO: true},
					{Index: 1, Rate: 200, Achieved: 199, Op: op("step", 10), Complete: true, Reasons: []string{"p99 1.5s > 50ms"}},
				},
				Knee: &loadgen.Knee{Rate: 100, Step: 1, Cause: "target", NextStep: 2, NextRate: 200, Why: "p99 1.5s > 50ms"}},
			want: []string{"Knee: 100/s (step 1); step 2 (200/s) missed the SLO on the target's account: p99 1.5s > 50ms", "MISSED: p99 1.5s > 50ms", "Result: PASS\n"},
			not:  []string{"GENERATOR"},
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
			sum: loadgen.Summary{Profile: "env", All: op("all", 10), Pass: true, ThresholdsMet: true,
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
