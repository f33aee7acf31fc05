package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/internal/testrun"
)

// junitCounts validates a JUnit file against the Jenkins schema the
// reports package's tests use (testrun.ReadJUnit: loudly not, without
// xmllint), checks that every <error> says the run was interrupted, and
// returns its <testsuites> counts.
func junitCounts(t *testing.T, path string) (tests, failures, errs int) {
	t.Helper()
	doc := testrun.ReadJUnit(t, "../../reports/testdata/junit.xsd", path)
	for _, e := range doc.ErrorCases() {
		if e.Message != conform.ReasonInterrupted {
			t.Errorf("%s: <error message=%q>, want %q", path, e.Message, conform.ReasonInterrupted)
		}
	}
	return doc.Tests, doc.Failures, doc.Errors
}

// TestConformInterrupted interrupts `harness conform --out` as SIGINT does
// (main cancels run's context) and checks that every file it writes says
// the run is partial (conform.json interrupted with its aborted count, the
// reports' INTERRUPTED headline, the aborted scenarios as JUnit errors
// that validate), that the live run exits 130, and that `harness report`
// on the folder exits 4 (partial) with the reason in every format.
func TestConformInterrupted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		after int // writes to stdout before the interruption
	}{
		{name: "every scenario early", args: []string{"--concurrency", "1"}, after: 2},
		{name: "tag subset concurrent", args: []string{"--tags", "@op:getThreadNetworks,@op:token", "--concurrency", "4"}, after: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "run")
			ts := newTestState(t, append([]string{"conform", "--out", out, "--format", "progress"}, tt.args...)...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ts.globalState.Stdout = &testrun.CancelAfter{W: ts.Stdout, N: tt.after, Cancel: cancel}
			if code := run(ctx, ts.globalState); code != ExitInterrupted {
				t.Fatalf("exit %d, want %d (interrupted)\n%s", code, ExitInterrupted, ts.Stderr.String())
			}
			if !strings.Contains(ts.Stdout.String(), "\nINTERRUPTED (target mock") {
				t.Errorf("stdout has no INTERRUPTED headline:\n%s", ts.Stdout.String())
			}
			for _, w := range []string{conform.PartialNote, "aborted (" + conform.ReasonInterrupted + ")"} {
				if !strings.Contains(ts.Stdout.String(), w) || !strings.Contains(ts.Stderr.String(), w) {
					t.Errorf("stdout and stderr should say %q:\n%s\n%s", w, ts.Stdout.String(), ts.Stderr.String())
				}
			}

			b, err := os.ReadFile(filepath.Join(out, runs.ConformFile))
			if err != nil {
				t.Fatal(err)
			}
			res, err := conform.ParseResult(b)
			if err != nil {
				t.Fatal(err)
			}
			aborted := len(res.AbortedScenarios())
			if !res.Interrupted || res.Aborted != aborted || aborted == 0 {
				t.Fatalf("conform.json: interrupted %v, aborted %d; %d scenarios aborted", res.Interrupted, res.Aborted, aborted)
			}
			if tests, failures, errs := junitCounts(t, filepath.Join(out, conform.JUnitFile)); tests != len(res.Scenarios) || failures != 0 || errs != aborted {
				t.Errorf("junit.xml: tests %d failures %d errors %d; want %d, 0, %d (the aborted)", tests, failures, errs, len(res.Scenarios), aborted)
			}
			if _, _, errs := junitCounts(t, filepath.Join(out, "coverage.xml")); errs == 0 {
				t.Error("coverage.xml: no cell is an error, though the interruption left cells with no finished scenario")
			}
			for _, f := range []struct{ file, want string }{
				{"report.md", "Conformance run: INTERRUPTED"},
				{"report.html", `<span class="word">INTERRUPTED</span>`},
				{"report.html", `banner partial`},
			} {
				body, err := os.ReadFile(filepath.Join(out, f.file))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(body), f.want) || !strings.Contains(string(body), conform.PartialNote) || strings.Contains(string(body), "PASS") {
					t.Errorf("%s: want %q and %q, and no PASS:\n%.600s", f.file, f.want, conform.PartialNote, body)
				}
			}

			db := filepath.Join(t.TempDir(), "history.db")
			if code, _, stderr := runHarness(t, nil, "history", "record", out, "--history", db); code != ExitPartial || !strings.Contains(stderr, "run is partial") {
				t.Errorf("history record: exit %d, want %d (a partial run is not recorded):\n%s", code, ExitPartial, stderr)
			}
			for _, format := range []string{"text", "markdown", "html", "json"} {
				code, stdout, stderr := runHarness(t, nil, "report", out, "--format", format)
				if code != ExitPartial || !strings.Contains(stderr, "partial") || !strings.Contains(stderr, conform.PartialNote) {
					t.Errorf("report --format %s: exit %d, want %d (partial) with the reason:\n%s", format, code, ExitPartial, stderr)
				}
				checkReport(t, format, stdout, false)
				if format == "json" {
					var doc struct {
						Verdict     struct{ Result string }
						Interrupted bool
						Counts      struct{ Skipped, Aborted int }
					}
					if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Verdict.Result != "partial" || !doc.Interrupted || doc.Counts.Aborted != aborted {
						t.Errorf("report json: %v: verdict %q, interrupted %v, aborted %d; want partial, true, %d", err, doc.Verdict.Result, doc.Interrupted, doc.Counts.Aborted, aborted)
					}
				} else if strings.Contains(stdout, "PASS") || !strings.Contains(stdout, "INTERRUPTED") {
					t.Errorf("report --format %s: no INTERRUPTED headline, or a PASS:\n%.600s", format, stdout)
				}
			}
		})
	}
}
