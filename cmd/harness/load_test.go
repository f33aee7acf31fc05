package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadAndReportExitCodes: bad usage and bad profiles exit 2, a failed
// threshold exits 1, a passing run 0; report re-renders a saved run.
func TestLoadAndReportExitCodes(t *testing.T) {
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
	}{
		{"no profile", []string{"load"}, ExitUsage, "--profile FILE is required"},
		{"missing file", []string{"load", "--profile", filepath.Join(dir, "nope.yaml")}, ExitUsage, "cannot read the profile"},
		{"bad profile", []string{"load", "--profile", bad}, ExitUsage, "pacer.rate: must be > 0"},
		{"bad rate flag", []string{"load", "--profile", "../../profiles/smoke.yaml", "--rate", "-1"}, ExitUsage, "--rate must be > 0"},
		{"non-compliant client", []string{"load", "--profile", "../../profiles/examples/noncompliant-immediate.yaml",
			"--duration", "3s", "--out", filepath.Join(dir, "run-bad")}, ExitFailed, "thresholds failed: backoff"},
		{"smoke", []string{"load", "--profile", "../../profiles/smoke.yaml", "--duration", "2s", "--out", good}, ExitOK, ""},
		{"report", []string{"report", good}, ExitOK, ""},
		{"report of no run", []string{"report", dir}, ExitUsage, "not a load run directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			root := newRootCmd()
			root.SetOut(&out)
			root.SetErr(&errb)
			root.SetArgs(tt.args)
			err := root.ExecuteContext(context.Background())
			code := ExitOK
			if err != nil {
				code = ExitUsage
				if ee, ok := err.(*exitError); ok {
					code = ee.code
				}
			}
			if code != tt.code {
				t.Fatalf("exit %d, want %d (err %v)\n%s", code, tt.code, err, errb.String())
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("error %v, want it to mention %q", err, tt.want)
			}
			if tt.code != ExitUsage && !strings.Contains(out.String(), "Result:") {
				t.Errorf("no summary printed:\n%s", out.String())
			}
		})
	}
}
