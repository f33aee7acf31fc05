package rundir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 10, 20, 30, 0, time.UTC)

func write(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClaim: a run owns its folder: a missing or empty folder is claimed,
// an earlier run is refused unless overwrite (then it is removed, not
// mixed in), and a folder of other files is never written into or cleared.
func TestClaim(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		setup     func(t *testing.T, dir string) string // returns the path to claim
		overwrite bool
		err       error
		want      []string // error text
		left      []string // files in the folder afterwards
	}{
		{"missing", func(t *testing.T, dir string) string { return filepath.Join(dir, "a", "b") }, false, nil, nil, []string{Marker}},
		{"empty", func(t *testing.T, dir string) string { return dir }, false, nil, nil, []string{Marker}},
		{"earlier run, no overwrite", func(t *testing.T, dir string) string {
			write(t, dir, Marker, "journal.jsonl")
			return dir
		}, false, ErrNotEmpty, []string{"holds an earlier run", "--overwrite"}, []string{Marker, "journal.jsonl"}},
		{"earlier run, overwrite", func(t *testing.T, dir string) string {
			write(t, dir, Marker, "journal.jsonl", "results.bin")
			os.Mkdir(filepath.Join(dir, "sub"), 0o755)
			return dir
		}, true, nil, nil, []string{Marker}},
		{"user's files, overwrite", func(t *testing.T, dir string) string {
			write(t, dir, "thesis.tex")
			return dir
		}, true, ErrNotRun, []string{"not a harness run folder", "empty or new folder"}, []string{"thesis.tex"}},
		{"a file", func(t *testing.T, dir string) string {
			write(t, dir, "f")
			return filepath.Join(dir, "f")
		}, true, ErrNotRun, []string{"is a file, not a folder"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			dir := tt.setup(t, root)
			err := Claim(dir, "load", tt.overwrite, t0)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Claim = %v, want %v", err, tt.err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) || !strings.Contains(err.Error(), dir) {
					t.Errorf("error %q does not name the folder and %q", err, w)
				}
			}
			if tt.left == nil {
				return
			}
			entries, _ := os.ReadDir(dir)
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			if strings.Join(got, ",") != strings.Join(tt.left, ",") {
				t.Errorf("folder holds %v, want %v", got, tt.left)
			}
			if tt.err == nil {
				b, _ := os.ReadFile(filepath.Join(dir, Marker))
				if !strings.Contains(string(b), "harness load run, started 2026-12-01T10:20:30Z") {
					t.Errorf("marker = %q", b)
				}
			}
		})
	}
}

// TestFresh: two runs in the same second get two folders.
func TestFresh(t *testing.T) {
	t.Parallel()
	parent := filepath.Join(t.TempDir(), "runs")
	a, err := Fresh(parent, "smoke", "load", t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Fresh(parent, "smoke", "load", t0)
	if err != nil {
		t.Fatal(err)
	}
	if a != filepath.Join(parent, "smoke-20261201-102030") || b != a+"-2" {
		t.Errorf("folders %s, %s", a, b)
	}
	for _, d := range []string{a, b} {
		if _, err := os.Stat(filepath.Join(d, Marker)); err != nil {
			t.Errorf("%s not claimed: %v", d, err)
		}
	}
}
