package main

import (
	"path/filepath"
	"sync"
	"testing"
)

// looseProfile is smoke with generator-side thresholds a loaded machine
// cannot fail (see the file): for the tests whose point is the CLI, not the
// load generator's health.
const looseProfile = "testdata/smoke-loose.yaml"

// sharedRuns are two finished runs that tests read or copy and never
// change: a load run of looseProfile (embedded mock) made with --out and
// --record --history, and a conform run of the @op:token scenarios
// (embedded mock) made with --format none --out.
type sharedRuns struct {
	load        string // the load run folder
	history     string // the history database the load run was recorded in
	loadStderr  string // what harness load printed on stderr
	conform     string // the conform run folder
	conformOut  string // what harness conform printed, stdout then stderr
	conformCode int    // harness conform's exit code
}

// newSharedRuns makes both runs (at once) in folders of t and checks what
// every passing load run must do: exit 0 with the summary on stdout and the
// run's reports written. The conform run's exit code and output are the
// conform tests' to check.
func newSharedRuns(t *testing.T) sharedRuns {
	t.Helper()
	root := t.TempDir()
	r := sharedRuns{load: filepath.Join(root, "load"), history: filepath.Join(root, "history.db"), conform: filepath.Join(root, "conform")}
	var wg sync.WaitGroup
	wg.Go(func() {
		code, out, errs := runHarness(t, nil, "conform", "--format", "none", "--tags", "@op:token", "--out", r.conform)
		r.conformCode, r.conformOut = code, out+errs
	})
	code, out, errs := runHarness(t, nil, "load", "--profile", looseProfile, "--out", r.load, "--record", "--history", r.history)
	wg.Wait()
	if code != ExitOK {
		t.Fatalf("load %s: exit %d, want 0\nstdout: %s\nstderr: %s", looseProfile, code, out, errs)
	}
	assertSays(t, "load's stdout", out, []string{`Load run "smoke-loose"`, "Result: PASS"}, nil)
	assertSays(t, "load's stderr", errs, []string{"load: reports in " + r.load}, nil)
	r.loadStderr = errs
	return r
}

// TestSharedRuns: the tests that only read the shared runs
// (newSharedRuns) or work on copies of them, each a parallel subtest.
func TestSharedRuns(t *testing.T) {
	t.Parallel()
	shared := newSharedRuns(t)
	for _, tt := range []struct {
		name string
		test func(*testing.T, sharedRuns)
	}{
		{"run reports", testRunReports},
		{"record flags", testRunRecordFlags},
		{"damaged load runs", testReportDamagedRuns},
		{"reused out folder", testReusedOutFolder},
		{"report output inside the run", testReportOutputInsideRun},
		{"conform mock", testConformCmdMock},
		{"conform junit", testConformCmdJUnit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, shared)
		})
	}
}
