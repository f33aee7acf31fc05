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

// TestClaimAdvice: refusing a folder that holds an earlier run, the advice
// says what leaving the flag out does only when the command said so
// (Without), and never more than that.
func TestClaimAdvice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []ClaimOption
		want string
		not  string
	}{
		{"a fresh folder without the flag", []ClaimOption{Without("leave --out out for a fresh timestamped folder under runs/")},
			"give a new folder, leave --out out for a fresh timestamped folder under runs/, or add --overwrite", ""},
		{"no files without the flag", []ClaimOption{Without("leave --out out to run without writing files")},
			"give a new folder, leave --out out to run without writing files, or add --overwrite", "timestamped"},
		{"the flag is required", nil, "give a new folder or add --overwrite to replace that run", "leave"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := Claim(dir, "load", false, t0); err != nil {
				t.Fatal(err)
			}
			write(t, dir, "summary.json")
			err := Claim(dir, "load", false, t0, tt.opts...)
			if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), tt.want) || (tt.not != "" && strings.Contains(err.Error(), tt.not)) {
				t.Errorf("err = %v, want ErrNotEmpty saying %q", err, tt.want)
			}
		})
	}
}

// TestContains: a path is inside a folder when it is the folder or below
// it, also through a symbolic link or ".." segments, and also when it does
// not exist yet; a sibling with the same prefix is not.
func TestContains(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	run := filepath.Join(root, "run")
	if err := os.MkdirAll(filepath.Join(run, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	haveLink := os.Symlink(run, link) == nil
	tests := []struct {
		name, path string
		want       bool
		needsLink  bool
	}{
		{"the folder itself", run, true, false},
		{"a file of the run", filepath.Join(run, "summary.json"), true, false},
		{"a new file deeper down", filepath.Join(run, "sub", "new", "x.json"), true, false},
		{"through ..", filepath.Join(root, "other", "..", "run", "summary.json"), true, false},
		{"through a symbolic link", filepath.Join(link, "summary.json"), true, true},
		{"a sibling with the same prefix", filepath.Join(root, "run2", "summary.json"), false, false},
		{"the parent", root, false, false},
		{"elsewhere", filepath.Join(t.TempDir(), "summary.json"), false, false},
	}
	for _, tt := range tests {
		if tt.needsLink && !haveLink {
			t.Logf("NOT CHECKED: %s (cannot make a symbolic link here)", tt.name)
			continue
		}
		got, err := Contains(run, tt.path)
		if err != nil || got != tt.want {
			t.Errorf("%s: Contains(%s, %s) = %v, %v; want %v", tt.name, run, tt.path, got, err, tt.want)
		}
	}
}
