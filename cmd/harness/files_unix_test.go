//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadProfileSpecialFiles: a profile that is not a regular file (a
// device that never ends, a FIFO with no writer, a folder) is refused with
// exit 2 before a byte is read: no out-of-memory, no hang.
func TestLoadProfileSpecialFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", 200<<10)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"device", "/dev/zero", "character device"},
		{"FIFO", fifo, "FIFO"},
		{"folder", dir, "a directory"},
		{"too large", big, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan struct{})
			var code int
			var errs string
			go func() {
				defer close(done)
				code, _, errs = runHarness(t, nil, "load", "--profile", tt.path, "--out", filepath.Join(t.TempDir(), "run"))
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second): // a hang is the bug; the bound only keeps it from stalling the suite
				t.Fatal("harness load hangs on the profile")
			}
			if code != ExitUsage || !strings.Contains(errs, tt.want) || !strings.Contains(errs, tt.path) {
				t.Errorf("exit %d, want 2 naming %s and %q:\n%s", code, tt.path, tt.want, errs)
			}
		})
	}
}

// TestReportSpecialFiles: a saved run whose data file is a FIFO or a
// folder is named as damaged (exit 4) without blocking on it.
func TestReportSpecialFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"results.bin", "attempts.jsonl", "journal.jsonl"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := copyRun(t, "../../internal/loadgen/testdata/replay")
			p := filepath.Join(dir, name)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			var code int
			var out, errs string
			go func() {
				defer close(done)
				code, out, errs = runHarness(t, nil, "report", dir)
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second): // a hang is the bug; the bound only keeps it from stalling the suite
				t.Fatal("harness report hangs on a FIFO")
			}
			if code != ExitPartial || !strings.Contains(out, "DAMAGED: "+name+": unreadable") || !strings.Contains(out, "not a regular file") {
				t.Errorf("exit %d, want 4 naming %s as not a regular file:\n%s%s", code, name, out, errs)
			}
		})
	}
}
