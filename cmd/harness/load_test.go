package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLoadAndReportExitCodes: bad usage and bad profiles exit 2, a failed
// threshold exits 1 naming it (a passing run's exit 0 and its report are
// TestSharedRuns').
func TestLoadAndReportExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("duration: 5s\npacer: {type: constant, rate: -5}\nmix: {get: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
		// failed is a threshold that must be among those stderr's
		// "thresholds failed: a, b" line names.
		failed string
	}{
		{"no profile", []string{"load"}, ExitUsage, "--profile FILE is required", ""},
		{"missing file", []string{"load", "--profile", filepath.Join(dir, "nope.yaml")}, ExitUsage, "cannot read the profile", ""},
		{"bad profile", []string{"load", "--profile", bad}, ExitUsage, "pacer.rate: must be", ""},
		{"bad rate flag", []string{"load", "--profile", "../../profiles/smoke.yaml", "--rate", "-1"}, ExitUsage, "--rate must be > 0", ""},
		// The shipped example must fail back-off compliance. On a loaded
		// machine the generator may also fall behind (maxNotSent) or miss
		// its rate, so the failed list must contain backoff, not be it.
		{"non-compliant client", []string{"load", "--profile", "../../profiles/examples/noncompliant-immediate.yaml",
			"--duration", "1s", "--out", filepath.Join(dir, "run-bad")}, ExitFailed, "", "backoff"},
		{"report of no run", []string{"report", dir}, ExitUsage, "not a load run directory", ""},
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
			if tt.failed != "" {
				if failed := failedThresholds(errs); !slices.Contains(failed, tt.failed) {
					t.Errorf("failed thresholds %q do not include %q\nstderr: %s", failed, tt.failed, errs)
				}
			}
		})
	}
}

// failedThresholds returns the thresholds the "thresholds failed: a, b"
// line of stderr names, in its order; nil when there is no such line.
func failedThresholds(stderr string) []string {
	const prefix = "thresholds failed: "
	for line := range strings.Lines(stderr) {
		_, list, ok := strings.Cut(strings.TrimSpace(line), prefix)
		if !ok {
			continue
		}
		var names []string
		for n := range strings.SplitSeq(list, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		return names
	}
	return nil
}

// TestFailedThresholds: the "thresholds failed" line parses into its names
// whatever else failed beside them, and stderr without it into none.
func TestFailedThresholds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		stderr string
		want   []string
	}{
		{"load: profile p\nharness: thresholds failed: backoff\n", []string{"backoff"}},
		{"harness: thresholds failed: maxNotSent, backoff\n", []string{"maxNotSent", "backoff"}},
		{"harness: thresholds failed: latency.all.p50, minRate, backoff", []string{"latency.all.p50", "minRate", "backoff"}},
		{"load: reports in run\n", nil},
	} {
		if got := failedThresholds(tt.stderr); !slices.Equal(got, tt.want) {
			t.Errorf("failedThresholds(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
	}
}
