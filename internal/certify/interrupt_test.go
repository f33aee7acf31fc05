package certify

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/testrun"
)

// TestInterruptedCertificate interrupts real certification runs of the
// reference adapter and checks every file of the certificate: none claims
// certification, certificate.json says interrupted with the aborted count
// apart from the skipped, junit.xml marks the aborted scenarios as errors
// and validates, and godog's cucumber.json does not show them passed.
func TestInterruptedCertificate(t *testing.T) {
	t.Parallel()
	adapter, env := selfAdapter(t, "reference-fast")
	tests := []struct {
		name        string
		tags        string
		concurrency int
		after       int // console writes before the interruption
	}{
		{name: "concurrent", concurrency: 4, after: 3},
		{name: "one at a time on a tag subset", tags: "@rule:P1,@rule:T3", concurrency: 1, after: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res, err := Run(ctx, Options{Adapter: adapter, Env: env, Tags: tt.tags, Concurrency: tt.concurrency, OutDir: out,
				Format: "progress", Output: &testrun.CancelAfter{N: tt.after, Cancel: cancel}})
			if !errors.Is(err, context.Canceled) || res == nil {
				t.Fatalf("Run = %v, %v; want the partial result and context.Canceled", res, err)
			}
			if err := WriteCertificate(out, res); err != nil {
				t.Fatal(err)
			}
			p, f, s := res.Counts()
			aborted := 0
			for _, sc := range res.Scenarios {
				if sc.Interrupted() {
					aborted++
				}
			}
			if !res.Interrupted || !res.Partial() || res.OK() || aborted == 0 || res.Aborted != aborted || p+f+s+aborted != len(res.Scenarios) {
				t.Fatalf("interrupted %v partial %v OK %v; %d passed %d failed %d skipped %d aborted (field %d) of %d",
					res.Interrupted, res.Partial(), res.OK(), p, f, s, aborted, res.Aborted, len(res.Scenarios))
			}
			if tt.tags != "" && s == 0 {
				t.Errorf("no scenario skipped as not selected by %q: the interruption swallowed them", tt.tags)
			}

			md, err := os.ReadFile(filepath.Join(out, CertificateFile))
			if err != nil {
				t.Fatal(err)
			}
			head := string(md)[:min(len(md), 400)]
			if !strings.Contains(head, "**INTERRUPTED — NOT CERTIFIED") || strings.Contains(head, "**CERTIFIED") || !strings.Contains(head, "This is not a certificate") {
				t.Errorf("%s claims or lacks the verdict:\n%s", CertificateFile, head)
			}
			if n := strings.Count(string(md), "### ABORTED: "); n != aborted {
				t.Errorf("%s lists %d ABORTED scenarios, want %d", CertificateFile, n, aborted)
			}

			var doc struct {
				Interrupted bool `json:"interrupted"`
				Aborted     int  `json:"aborted"`
			}
			if b, err := os.ReadFile(filepath.Join(out, ResultFile)); err != nil || json.Unmarshal(b, &doc) != nil || !doc.Interrupted || doc.Aborted != aborted {
				t.Errorf("%s: %v: interrupted %v aborted %d, want true %d", ResultFile, err, doc.Interrupted, doc.Aborted, aborted)
			}

			checkJUnit(t, filepath.Join(out, JUnitFile), len(res.Scenarios), f, aborted)

			var features []struct {
				Elements []struct {
					Steps []struct {
						Result struct{ Status string } `json:"result"`
					} `json:"steps"`
				} `json:"elements"`
			}
			b, err := os.ReadFile(filepath.Join(out, CucumberFile))
			if err != nil || json.Unmarshal(b, &features) != nil {
				t.Fatalf("%s: %v", CucumberFile, err)
			}
			green := 0
			for _, ft := range features {
				for _, e := range ft.Elements {
					ok := len(e.Steps) > 0
					for _, st := range e.Steps {
						ok = ok && st.Result.Status == "passed"
					}
					if ok {
						green++
					}
				}
			}
			if green > p {
				t.Errorf("%s shows %d scenarios passed, the run %d", CucumberFile, green, p)
			}
		})
	}
}

// checkJUnit validates a JUnit file against the Jenkins schema
// (testrun.ReadJUnit: loudly not, without xmllint) and checks its counts:
// tests, failures, and one <error message="aborted: interrupted"
// type="aborted"> per aborted scenario.
func checkJUnit(t *testing.T, path string, tests, failures, aborted int) {
	t.Helper()
	doc := testrun.ReadJUnit(t, "../../reports/testdata/junit.xsd", path)
	n := 0
	for _, e := range doc.ErrorCases() {
		if e.Message == conform.ReasonInterrupted && e.Type == "aborted" {
			n++
		}
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != aborted || n != aborted {
		t.Errorf("%s: tests %d failures %d errors %d, %d aborted <error>s; want %d, %d, %d, %d", path, doc.Tests, doc.Failures, doc.Errors, n, tests, failures, aborted, aborted)
	}
}
