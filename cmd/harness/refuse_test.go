package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/rundir"
)

// snapshotTree is every file and folder under root, each file with its
// bytes (a folder or symbolic link with nil), for "nothing was created or
// changed" checks.
func snapshotTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	snap := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			snap[rel] = b
			return nil
		}
		snap[rel+"/"] = nil
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// assertTreeUnchanged fails when a path under root was created, removed or
// changed since before (snapshotTree).
func assertTreeUnchanged(t *testing.T, root string, before map[string][]byte) {
	t.Helper()
	after := snapshotTree(t, root)
	for p, b := range after {
		old, ok := before[p]
		switch {
		case !ok:
			t.Errorf("%s was created", filepath.Join(root, p))
		case !bytes.Equal(old, b):
			t.Errorf("%s was changed", filepath.Join(root, p))
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s was removed", filepath.Join(root, p))
		}
	}
}

// earlierRun makes dir a folder holding an earlier harness run (its marker
// and one file).
func earlierRun(t *testing.T, dir, command string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{rundir.Marker: "harness " + command + " run, started 2026-12-01T00:00:00Z\n", "summary.json": `{"pass":false}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRefusedBeforeAnythingStarts: bad input to load, conform, merge and
// report is refused with exit 2 and a message naming the flag and the way
// out, before anything starts: no run folder claimed (no .harness-run), no
// file created, none changed (byte for byte), nothing on stdout. A refusal
// that leaves nothing behind can be retried with the same flags (each case
// runs twice and must say the same both times, never "holds an earlier run").
func TestRefusedBeforeAnythingStarts(t *testing.T) {
	t.Parallel()
	smoke := "../../profiles/smoke.yaml"
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) // files the case needs under root
		args  func(root string) []string
		env   func(root string) map[string]string
		want  []string // substrings of stderr
		not   []string // not in stderr
	}{
		{
			name: "load --history a folder",
			args: func(r string) []string {
				return []string{"load", "--profile", smoke, "--out", filepath.Join(r, "out"), "--history", r}
			},
			want: []string{"load: --history ", "not a SQLite history database", "pass another --history file"},
		},
		{
			name:  "load --history a file that is not a database",
			setup: func(t *testing.T, r string) { writeFile(t, filepath.Join(r, "notes.txt"), "my notes, not SQLite\n") },
			args: func(r string) []string {
				return []string{"load", "--profile", smoke, "--out", filepath.Join(r, "out"), "--history", filepath.Join(r, "notes.txt")}
			},
			want: []string{"load: --history ", "notes.txt is not a SQLite history database"},
		},
		{
			name: "load --record with a default history that is not a database",
			setup: func(t *testing.T, r string) {
				writeFile(t, filepath.Join(r, "state", "harness", "history.db"), "junk")
			},
			args: func(r string) []string {
				return []string{"load", "--profile", smoke, "--out", filepath.Join(r, "out"), "--record"}
			},
			env: func(r string) map[string]string {
				return map[string]string{"XDG_STATE_HOME": filepath.Join(r, "state")}
			},
			want: []string{"load: --record (history ", "not a SQLite history database"},
		},
		{
			name: "load --rate beyond the generator",
			args: func(r string) []string {
				return []string{"load", "--profile", smoke, "--out", filepath.Join(r, "out"), "--rate", "1e12"}
			},
			want: []string{"--rate 1e+12", "pacer.rate", "1e+06"},
		},
		{
			name: "load --duration beyond a day",
			args: func(r string) []string {
				return []string{"load", "--profile", smoke, "--out", filepath.Join(r, "out"), "--duration", "1000000h"}
			},
			want: []string{"--duration 1000000h", "duration: must be 1s to 24h"},
		},
		{
			name: "load --metrics-addr not of this machine",
			args: func(r string) []string {
				// 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address.
				return []string{"load", "--profile", smoke, "--out", filepath.Join(r, "out"), "--metrics-addr", "192.0.2.1:9101"}
			},
			want: []string{`--metrics-addr "192.0.2.1:9101": cannot listen there`, "e.g. :9101"},
		},
		{
			name:  "load --out holding an earlier run",
			setup: func(t *testing.T, r string) { earlierRun(t, filepath.Join(r, "run"), "load") },
			args: func(r string) []string {
				return []string{"load", "--profile", smoke, "--out", filepath.Join(r, "run")}
			},
			want: []string{"holds an earlier run", "leave --out out for a fresh timestamped folder under runs/", "--overwrite"},
		},
		{
			name:  "conform --history not a database",
			setup: func(t *testing.T, r string) { writeFile(t, filepath.Join(r, "h.db"), "junk") },
			args: func(r string) []string {
				return []string{"conform", "--format", "none", "--out", filepath.Join(r, "out"), "--history", filepath.Join(r, "h.db")}
			},
			want: []string{"conform: --history ", "h.db is not a SQLite history database"},
		},
		{
			name:  "conform --out holding an earlier run",
			setup: func(t *testing.T, r string) { earlierRun(t, filepath.Join(r, "run"), "conform") },
			args: func(r string) []string {
				return []string{"conform", "--format", "none", "--out", filepath.Join(r, "run")}
			},
			want: []string{"holds an earlier run", "leave --out out to run without writing files", "--overwrite"},
			not:  []string{"timestamped"},
		},
		{
			name:  "merge of a folder that is not a shard",
			setup: func(t *testing.T, r string) { writeFile(t, filepath.Join(r, "plain", "x.txt"), "x") },
			args: func(r string) []string {
				return []string{"merge", filepath.Join(r, "plain"), "--out", filepath.Join(r, "merged")}
			},
			want: []string{"not a shard run", "harness load --shard I/N"},
		},
		{
			name:  "report -o onto the run's own summary.json",
			setup: func(t *testing.T, r string) { earlierRun(t, filepath.Join(r, "run"), "load") },
			args: func(r string) []string {
				return []string{"report", filepath.Join(r, "run"), "--format", "json", "-o", filepath.Join(r, "run", "summary.json")}
			},
			want: []string{"--output ", "is inside the run folder", "write the report outside it"},
		},
		{
			name:  "report -o a new file inside the run folder",
			setup: func(t *testing.T, r string) { earlierRun(t, filepath.Join(r, "run"), "load") },
			args: func(r string) []string {
				return []string{"report", filepath.Join(r, "run"), "--format", "html", "-o", filepath.Join(r, "run", "sub", "page.html")}
			},
			want: []string{"is inside the run folder"},
		},
		{
			name: "report -o into the run folder through a symbolic link",
			setup: func(t *testing.T, r string) {
				earlierRun(t, filepath.Join(r, "run"), "load")
				if err := os.Symlink(filepath.Join(r, "run"), filepath.Join(r, "link")); err != nil {
					t.Skipf("SKIPPED: cannot make a symbolic link here (%v), so the link case is NOT checked", err)
				}
			},
			args: func(r string) []string {
				return []string{"report", filepath.Join(r, "run"), "--format", "json", "-o", filepath.Join(r, "link", "summary.json")}
			},
			want: []string{"is inside the run folder"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			if tt.setup != nil {
				tt.setup(t, root)
			}
			var env map[string]string
			if tt.env != nil {
				env = tt.env(root)
			}
			before := snapshotTree(t, root)
			for try := 1; try <= 2; try++ {
				code, out, errs := runHarness(t, env, tt.args(root)...)
				if code != ExitUsage {
					t.Fatalf("try %d: exit %d, want 2\nstdout: %.1000s\nstderr: %s", try, code, out, errs)
				}
				if out != "" {
					t.Errorf("try %d: stdout is not empty (something started):\n%.1000s", try, out)
				}
				assertSays(t, "stderr", errs, tt.want, append([]string{"results in", "Result:"}, tt.not...))
				assertTreeUnchanged(t, root, before)
			}
		})
	}
}

// writeFile writes body to path, creating its folder.
func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testReportOutputInsideRun: "harness report DIR -o DIR/summary.json" on a
// real finished load run is refused (exit 2) and leaves every file of the
// run byte-identical; the same report written outside the folder works.
func testReportOutputInsideRun(t *testing.T, shared sharedRuns) {
	before := snapshotTree(t, shared.load)
	for _, name := range []string{"summary.json", "report.html", "results.bin"} {
		code, out, errs := runHarness(t, nil, "report", shared.load, "--format", "json", "-o", filepath.Join(shared.load, name))
		if code != ExitUsage || out != "" || !strings.Contains(errs, "is inside the run folder") {
			t.Errorf("-o %s inside the run: exit %d, want 2 naming the folder\nstdout: %.500s\nstderr: %s", name, code, out, errs)
		}
	}
	assertTreeUnchanged(t, shared.load, before)
	outside := filepath.Join(t.TempDir(), "summary.json")
	if code, _, errs := runHarness(t, nil, "report", shared.load, "--format", "json", "-o", outside); code != ExitOK {
		t.Errorf("-o outside the run: exit %d\n%s", code, errs)
	}
	if b, err := os.ReadFile(outside); err != nil || !strings.Contains(string(b), `"thresholdsMet"`) || !strings.Contains(string(b), `"schemaVersion"`) {
		t.Errorf("the report outside the run: %v\n%.1000s", err, b)
	}
}
