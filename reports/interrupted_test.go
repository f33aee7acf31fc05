package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/testrun"
)

// interruptedResult is a conformance run stopped after its first two
// scenarios: the rest aborted ("aborted: interrupted"); failed makes the
// second one fail.
func interruptedResult(failed bool) conform.Result {
	scen := []conform.ScenarioResult{
		{URI: "tokens.feature", Feature: "Tokens", Name: "refresh", Tags: []string{"@op:token", "@status:200"}, Outcome: conform.Passed},
		{URI: "tokens.feature", Feature: "Tokens", Name: "bad grant", Tags: []string{"@op:token", "@status:400"}, Outcome: conform.Passed},
		{URI: "get.feature", Feature: "Get", Name: "throttled", Tags: []string{"@op:getThreadNetworks", "@status:429"},
			Outcome: conform.Skipped, Reason: conform.ReasonInterrupted},
		{URI: "get.feature", Feature: "Get", Name: "listed", Tags: []string{"@op:getThreadNetworks", "@status:200"},
			Outcome: conform.Skipped, Reason: conform.ReasonInterrupted},
	}
	if failed {
		scen[1].Outcome, scen[1].Failure = conform.Failed, "POST /auth/o2/token answered 200, the contract says 400"
	}
	doc := map[string][]int{"token": {200, 400}, "getThreadNetworks": {200, 429}}
	return conform.Result{Target: "mock", Started: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Duration: time.Second, Requests: 3,
		Interrupted: true, Aborted: 2, Scenarios: scen, Coverage: conform.BuildCoverage(scen, doc)}
}

// TestConformReportsInterrupted: every conformance report of an
// interrupted run says so (never PASS), counts the aborted scenarios apart
// from the skipped, and its JUnit documents carry them as errors (valid
// against the Jenkins schema), so that CI does not read the run as green.
func TestConformReportsInterrupted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		failed      bool
		word, class string
	}{
		{"interrupted, nothing failed", false, "INTERRUPTED", "partial"},
		{"interrupted, a scenario failed", true, "FAIL", "fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := interruptedResult(tt.failed)
			r := ConformReport{Result: res, Generated: res.Started}
			render := func(f Format) string {
				var b bytes.Buffer
				if err := WriteConformFormat(&b, f, r); err != nil {
					t.Fatal(err)
				}
				return b.String()
			}
			for f, want := range map[Format][]string{
				FormatText:     {tt.word + " (target mock", conform.PartialNote, "2 aborted (" + conform.ReasonInterrupted + ")", "aborted 1"},
				FormatMarkdown: {"Conformance run: " + tt.word, conform.PartialNote},
				FormatHTML:     {`banner ` + tt.class, `<span class="word">` + tt.word + `</span>`, "Aborted (interrupted)", conform.PartialNote},
			} {
				out := render(f)
				for _, w := range want {
					if !strings.Contains(out, w) {
						t.Errorf("%s report lacks %q:\n%.800s", f, w, out)
					}
				}
				if strings.Contains(out, "PASS") {
					t.Errorf("%s report says PASS:\n%.800s", f, out)
				}
			}
			var doc jsonConformReport
			if err := json.Unmarshal([]byte(render(FormatJSON)), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Verdict.Result != tt.class || doc.Verdict.OK || !doc.Interrupted || doc.Counts.Aborted != 2 || doc.Counts.Skipped != 0 {
				t.Errorf("json: verdict %+v, interrupted %v, counts %+v; want %s, not ok, interrupted, 2 aborted, 0 skipped", doc.Verdict, doc.Interrupted, doc.Counts, tt.class)
			}

			for _, j := range []struct {
				name            string
				write           func(*bytes.Buffer, conform.Result) error
				errors, skipped int
			}{
				{"scenarios", func(b *bytes.Buffer, r conform.Result) error { return WriteScenarioJUnit(b, r) }, 2, 0},
				{"coverage", func(b *bytes.Buffer, r conform.Result) error { return WriteCoverageJUnit(b, r) }, 2, 0},
			} {
				var b bytes.Buffer
				if err := j.write(&b, res); err != nil {
					t.Fatal(err)
				}
				validateJUnit(t, b.Bytes())
				out := b.String()
				if n := strings.Count(out, `<error message="`+conform.ReasonInterrupted+`" type="aborted">`); n != j.errors ||
					!strings.Contains(out, `errors="2"`) || strings.Contains(out, `<skipped`) {
					t.Errorf("%s junit: %d aborted errors, want %d, errors=\"2\" and no <skipped>:\n%s", j.name, n, j.errors, out)
				}
			}
		})
	}
}

// validateJUnit checks doc against the Jenkins schema with xmllint
// (testrun.ValidateJUnit: loudly not, without it).
func validateJUnit(t *testing.T, doc []byte) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if testrun.ValidateJUnit(t, jenkinsJUnitXSD, file) && t.Failed() {
		t.Logf("the document:\n%s", doc)
	}
}
