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
