package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadAndReportExitCodes: bad usage and bad profiles exit 2, a failed
// threshold exits 1, a passing run 0; report re-renders a saved run.
func TestLoadAndReportExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("duration: 5s\npacer: {type: constant, rate: -5}\nmix: {get: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "run-good")
	tests := []struct {
		name string
		args []string
		code int
		want string
		// then runs after args succeeded (it reads what args wrote) and
		// must exit 0 with a summary.
		then []string
	}{
		{"no profile", []string{"load"}, ExitUsage, "--profile FILE is required", nil},
		{"missing file", []string{"load", "--profile", filepath.Join(dir, "nope.yaml")}, ExitUsage, "cannot read the profile", nil},
		{"bad profile", []string{"load", "--profile", bad}, ExitUsage, "pacer.rate: must be", nil},
		{"bad rate flag", []string{"load", "--profile", "../../profiles/smoke.yaml", "--rate", "-1"}, ExitUsage, "--rate must be > 0", nil},
		{"non-compliant client", []string{"load", "--profile", "../../profiles/examples/noncompliant-immediate.yaml",
			"--duration", "3s", "--out", filepath.Join(dir, "run-bad")}, ExitFailed, "thresholds failed: backoff", nil},
		{"smoke, then report", []string{"load", "--profile", "../../profiles/smoke.yaml", "--duration", "2s", "--out", good}, ExitOK, "",
			[]string{"report", good}},
		{"report of no run", []string{"report", dir}, ExitUsage, "not a load run directory", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runHarness(t, nil, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.code, errs)
			}
			if tt.want != "" && !strings.Contains(errs, tt.want) {
				t.Errorf("stderr does not mention %q:\n%s", tt.want, errs)
			}
			if tt.code != ExitUsage && !strings.Contains(out, "Result:") {
				t.Errorf("no summary printed:\n%s", out)
			}
			if tt.then == nil {
				return
			}
			code, out, errs = runHarness(t, nil, tt.then...)
			if code != ExitOK || !strings.Contains(out, "Result: PASS") || !strings.Contains(out, `Load run "smoke"`) {
				t.Errorf("%v: exit %d, want 0 with the run's summary\nstdout: %s\nstderr: %s", tt.then, code, out, errs)
			}
		})
	}
}
