package reports_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/reports"
)

// syntheticConform is a conformance result over the real contract: each
// documented pair gets a scenario, one fails (its message carries a token
// that must not show), one is skipped, and one pair is left uncovered.
func syntheticConform(t testing.TB) conform.Result {
	t.Helper()
	doc := contract.Documented()
	var scen []conform.ScenarioResult
	i := 0
	for _, op := range contract.Operations() {
		for _, st := range doc[op] {
			i++
			r := conform.ScenarioResult{Feature: op, URI: "features/" + op + ".feature", Name: op + " answers " + itoa(st),
				Tags: []string{"@op:" + op, "@status:" + itoa(st)}, Outcome: conform.Passed, Duration: 40 * time.Millisecond}
			switch i {
			case 2:
				r.Outcome = conform.Failed
				r.Failure = "expected status " + itoa(st) + ", got 500; body: {\"token\":\"Atza|IwEBIExampleSecretToken123\"} | <b>"
			case 3:
				r.Outcome, r.Reason = conform.Skipped, "mock-only: needs the mock's control API"
			case 4:
				continue // left uncovered
			}
			scen = append(scen, r)
		}
	}
	if i < 4 {
		t.Fatalf("the contract documents only %d pairs", i)
	}
	return conform.Result{Target: "http://127.0.0.1:9443", Started: time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC),
		Duration: 12 * time.Second, Requests: int64(len(scen) * 3), Scenarios: scen, Coverage: conform.BuildCoverage(scen, doc)}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestLoadJSON(t *testing.T) {
	dir, sum := syntheticReport(t)
	var buf bytes.Buffer
	if err := reports.WriteLoadJSON(&buf, reports.NewLoadReport(sum, dir, generated)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Atza|") {
		t.Error("a token is in clear in the JSON report")
	}
	var got struct {
		Schema        string `json:"schema"`
		SchemaVersion int    `json:"schemaVersion"`
		DurationUnit  string `json:"durationUnit"`
		Verdict       struct {
			Result     string   `json:"result"`
			Qualifiers []string `json:"qualifiers"`
		} `json:"verdict"`
		All struct {
			Latency struct{ P99, Max float64 } `json:"latencySeconds"`
		} `json:"all"`
		Accounting struct {
			Planned, Offered, Sent, NotSent int64
		} `json:"accounting"`
		Generator struct {
			Saturated bool    `json:"saturated"`
			LagP99    float64 `json:"lagP99Seconds"`
		} `json:"generator"`
		Knee struct {
			Found bool    `json:"found"`
			Rate  float64 `json:"offeredRate"`
		} `json:"knee"`
		Thresholds []struct {
			Metric, Operator, Unit string
			Limit, Actual          *float64
			Pass                   bool
		} `json:"thresholds"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema != reports.LoadReportSchema || got.SchemaVersion != reports.ReportSchemaVersion || got.DurationUnit != "seconds" {
		t.Errorf("schema %q v%d unit %q", got.Schema, got.SchemaVersion, got.DurationUnit)
	}
	if got.Verdict.Result != "fail" || strings.Join(got.Verdict.Qualifiers, ",") != "generator saturated" {
		t.Errorf("verdict %q, want fail", got.Verdict.Result)
	}
	if want := sum.All.Latency.P99.Seconds(); got.All.Latency.P99 != want {
		t.Errorf("p99 %v s, want %v s (durations in seconds)", got.All.Latency.P99, want)
	}
	if a := got.Accounting; a.Planned != int64(sum.PlannedHits) || a.Offered != a.Planned || a.Sent+a.NotSent != a.Planned {
		t.Errorf("accounting %+v does not add up to the %d planned hits", a, sum.PlannedHits)
	}
	if !got.Generator.Saturated || got.Generator.LagP99 != sum.Generator.Lag.P99.Seconds() {
		t.Errorf("generator %+v, want saturated with lag p99 %v s", got.Generator, sum.Generator.Lag.P99.Seconds())
	}
	if !got.Knee.Found || got.Knee.Rate != sum.Knee.Rate {
		t.Errorf("knee %+v, want %v/s", got.Knee, sum.Knee.Rate)
	}
	wantTh := []struct {
		metric, op, unit string
		limit            float64
		hasActual        bool
	}{
		{"latency.all.p99", "<=", "seconds", 0.25, true},
		{"errorRate", "<=", "fraction", 0.05, true},
		{"minRate", ">=", "perSecond", 90, true},
		{"backoff", "==", "", 0, false},
	}
	if len(got.Thresholds) != len(wantTh) {
		t.Fatalf("%d thresholds, want %d", len(got.Thresholds), len(wantTh))
	}
	for i, w := range wantTh {
		g := got.Thresholds[i]
		if g.Metric != w.metric || g.Operator != w.op || g.Unit != w.unit || (w.unit != "" && (g.Limit == nil || *g.Limit != w.limit)) || (g.Actual != nil) != w.hasActual {
			t.Errorf("threshold %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestLoadMarkdown(t *testing.T) {
	dir, sum := syntheticReport(t)
	var buf bytes.Buffer
	if err := reports.WriteLoadMarkdown(&buf, reports.NewLoadReport(sum, dir, generated)); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"## ❌ Load run `capacity-ramp`: FAIL", "| Planned | Sent | Answered | Not sent |", "Generator **SATURATED**", "| Step | Offered | Achieved |", "**Knee: 400/s**",
		"4 ◆ knee", "### Back-off compliance: FAIL", "### Thresholds", "| latency.all.p99 | ≤ 250ms |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "Atza|") {
		t.Error("a token is in clear in the markdown report")
	}
}

func TestConformFormats(t *testing.T) {
	res := syntheticConform(t)
	r := reports.ConformReport{Result: res, Generated: generated}
	cases := []struct {
		format reports.Format
		want   []string
	}{
		{reports.FormatHTML, []string{`<span class="word">FAIL</span>`, `class="cell-failed"`, `class="cell-skipped"`, `class="cell-not-covered"`, "NOT COVERED", "Failed scenarios (1)", "mock-only", "&lt;b&gt;"}},
		{reports.FormatMarkdown, []string{"## ❌ Conformance run: FAIL", "NOT COVERED", "FAIL 1/1", "### Failed scenarios (1)", `\|`}},
		{reports.FormatJSON, []string{`"schema": "harness.report.conform"`, `"result": "fail"`, `"uncovered": [`, `"durationSeconds": 12`}},
	}
	for _, tc := range cases {
		t.Run(string(tc.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := reports.WriteConformFormat(&buf, tc.format, r); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s lacks %q", tc.format, w)
				}
			}
			if strings.Contains(out, "Atza|") || strings.Contains(out, "<b>") {
				t.Errorf("%s shows a token in clear or unescaped markup", tc.format)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	cases := []struct {
		in   string
		want reports.Format
		err  bool
	}{{"html", reports.FormatHTML, false}, {"MD", reports.FormatMarkdown, false}, {"json", reports.FormatJSON, false}, {"text", reports.FormatText, false}, {"pdf", "", true}}
	for _, tc := range cases {
		got, err := reports.ParseFormat(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseFormat(%q) = %q, %v", tc.in, got, err)
		}
	}
}
