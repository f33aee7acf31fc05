package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/conform"
)

func sampleConformResult() conform.Result {
	scen := []conform.ScenarioResult{
		{URI: "tokens.feature", Name: "refresh", Tags: []string{"@op:token", "@status:200"}, Outcome: conform.Passed},
		{URI: "tokens.feature", Name: "bad grant", Tags: []string{"@op:token", "@status:400"}, Outcome: conform.Failed,
			Failure: "POST /auth/o2/token answered 200, the contract says 400"},
		{URI: "get.feature", Name: "throttled", Tags: []string{"@op:getThreadNetworks", "@status:429", "@mock-only"},
			Outcome: conform.Skipped, Reason: "mock-only: needs the mock's control API"},
	}
	doc := map[string][]int{"token": {200, 400, 401}, "getThreadNetworks": {429}}
	return conform.Result{Target: "real", Duration: 1500 * time.Millisecond, Requests: 12, Scenarios: scen,
		Coverage: conform.BuildCoverage(scen, doc)}
}

func TestCoverageCellText(t *testing.T) {
	tests := []struct {
		cell conform.Cell
		want string
	}{
		{conform.Cell{State: conform.CellPassed, Passed: 3}, "pass 3"},
		{conform.Cell{State: conform.CellFailed, Failed: 1, Passed: 2}, "FAIL 1/3"},
		{conform.Cell{State: conform.CellSkipped, Skipped: 2}, "skip 2"},
		{conform.Cell{State: conform.CellNotCovered}, "NOT COVERED"},
	}
	for _, tc := range tests {
		if got := CoverageCellText(tc.cell); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.cell, got, tc.want)
		}
	}
}

func TestWriteCoverage(t *testing.T) {
	res := sampleConformResult()
	var b bytes.Buffer
	if err := WriteCoverage(&b, res.Coverage); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"getThreadNetworks", "token", "200", "429", "pass 1", "FAIL 1/1", "skip 1",
		"NOT COVERED", "getThreadNetworks 429 skipped: mock-only", "Not covered by any scenario: token 401"} {
		if !strings.Contains(out, want) {
			t.Errorf("matrix lacks %q:\n%s", want, out)
		}
	}
	// getThreadNetworks documents only 429: its 200 column is blank.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "getThreadNetworks ") && strings.Contains(line, "pass") {
			t.Errorf("undocumented cell filled: %s", line)
		}
	}
}

func TestWriteSkippedAndSummary(t *testing.T) {
	res := sampleConformResult()
	var b bytes.Buffer
	if err := WriteSkippedScenarios(&b, res.Scenarios); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "throttled") || !strings.Contains(b.String(), "mock-only: needs") {
		t.Errorf("skipped list:\n%s", b.String())
	}
	b.Reset()
	if err := WriteSkippedScenarios(&b, res.Scenarios[:1]); err != nil || b.Len() != 0 {
		t.Errorf("nothing skipped should write nothing, wrote %q", b.String())
	}
	if err := WriteConformSummary(&b, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FAIL (target real", "bad grant", "answered 200", "12 requests", "token 401"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestWriteCoverageJUnit(t *testing.T) {
	res := sampleConformResult()
	var b bytes.Buffer
	if err := WriteCoverageJUnit(&b, res); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d suites, want 1", len(doc.Suites))
	}
	if doc.Tests != 4 || doc.Failures != 2 || doc.Suites[0].Skipped != 1 {
		t.Fatalf("tests %d failures %d skipped %d", doc.Tests, doc.Failures, doc.Suites[0].Skipped)
	}
	cases := map[string]junitCase{}
	for _, c := range doc.Suites[0].Cases {
		cases[c.Name] = c
	}
	tests := []struct {
		name, failure, skipped string
	}{
		{"token 200", "", ""},
		{"token 400", "1 of 1 covering scenarios failed", ""},
		{"token 401", "no scenario is tagged @op:token @status:401", ""},
		{"getThreadNetworks 429", "", "mock-only: needs the mock's control API"},
	}
	for _, tc := range tests {
		c, ok := cases[tc.name]
		if !ok {
			t.Errorf("no test case %q", tc.name)
			continue
		}
		if got := msg(c.Failure); got != tc.failure {
			t.Errorf("%s failure %q, want %q", tc.name, got, tc.failure)
		}
		if got := msg(c.Skipped); got != tc.skipped {
			t.Errorf("%s skipped %q, want %q", tc.name, got, tc.skipped)
		}
	}
}

func msg(m *junitMessage) string {
	if m == nil {
		return ""
	}
	return m.Message
}
