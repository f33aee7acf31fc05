package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/loadgen"
)

// copyRun copies the run src into a fresh folder of t.
func copyRun(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// replaceLine replaces line n (1-based) of dir/file with text.
func replaceLine(t *testing.T, path string, n int, text string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) < n {
		t.Fatalf("%s has %d lines, want %d or more", path, len(lines), n)
	}
	lines[n-1] = text + "\n"
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testReportDamagedRuns (TestSharedRuns): harness report names every
// damaged, missing or foreign file of a saved run and exits 4
// (ExitPartial), never 0, on a run whose data is damaged or partial; an
// intact run still passes. Each case damages a copy of the shared load run
// (embedded mock, backoff: required).
func testReportDamagedRuns(t *testing.T, shared sharedRuns) {
	base := shared.load
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		code   int
		want   []string // in stdout+stderr
		never  []string
	}{
		{"intact", func(*testing.T, string) {}, ExitOK, []string{"Result: PASS"}, []string{"DAMAGED", "partial"}},
		{"32 bytes overwritten in results.bin", func(t *testing.T, dir string) {
			p := filepath.Join(dir, loadgen.FileResults)
			b, _ := os.ReadFile(p)
			copy(b[len(b)/3:], bytes.Repeat([]byte{0xA5}, 32))
			os.WriteFile(p, b, 0o644)
		}, ExitPartial, []string{"DAMAGED: results.bin", "no verdict"}, []string{"Result: PASS\n"}},
		{"random bytes as results.bin", func(t *testing.T, dir string) {
			p := filepath.Join(dir, loadgen.FileResults)
			st, _ := os.Stat(p)
			b := make([]byte, st.Size())
			r := rand.New(rand.NewPCG(1, 2))
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			os.WriteFile(p, b, 0o644)
		}, ExitPartial, []string{"DAMAGED: results.bin: damaged at byte", "no verdict"}, []string{"Result: PASS"}},
		{"results.bin missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, loadgen.FileResults))
		}, ExitPartial, []string{"results.bin: missing", "summary.json counts"}, nil},
		{"a bad journal line", func(t *testing.T, dir string) {
			replaceLine(t, filepath.Join(dir, loadgen.FileJournal), 3, `{"time":"2026-01-01T00:00:00Z","operation":"x",`)
		}, ExitPartial, []string{"DAMAGED: journal.jsonl: 1 damaged line not used (line 3)", "server view is incomplete"}, []string{"Result: PASS"}},
		{"a bad attempts line", func(t *testing.T, dir string) {
			replaceLine(t, filepath.Join(dir, loadgen.FileAttempts), 2, `garbage`)
		}, ExitPartial, []string{"DAMAGED: attempts.jsonl: 1 damaged line not used (line 2)", "client view is incomplete"}, []string{"Result: PASS"}},
		{"corrupt summary.json", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, loadgen.FileSummary), []byte(`{"profile": "smoke", "started": `), 0o644)
		}, ExitPartial, []string{"DAMAGED: summary.json: damaged, not used"}, []string{"did not finish"}},
		{"summary.json is a directory", func(t *testing.T, dir string) {
			p := filepath.Join(dir, loadgen.FileSummary)
			os.Remove(p)
			os.Mkdir(p, 0o755)
		}, ExitPartial, []string{"DAMAGED: summary.json: unreadable", "a directory"}, nil},
		{"journal.jsonl missing from a finished run", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, loadgen.FileJournal))
		}, ExitPartial, []string{"journal.jsonl: missing", "server view is missing"}, []string{"Result: PASS"}},
		{"killed run with backoff: required", func(t *testing.T, dir string) {
			// What SIGKILL leaves: the streamed files, the last attempt cut
			// mid-line, and neither the journal nor the summary (both are
			// written only at the end of a run).
			os.Remove(filepath.Join(dir, loadgen.FileSummary))
			os.Remove(filepath.Join(dir, loadgen.FileJournal))
			os.Remove(filepath.Join(dir, "summary.txt"))
			p := filepath.Join(dir, loadgen.FileAttempts)
			st, _ := os.Stat(p)
			os.Truncate(p, st.Size()-10)
		}, ExitPartial, []string{"summary.json: missing: the run did not finish", "journal.jsonl: missing", "server view is missing",
			"is cut short", "no verdict"}, []string{"Result: PASS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyRun(t, base)
			tt.damage(t, dir)
			code, out, errs := runHarness(t, nil, "report", dir)
			all := out + errs
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, all)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("output does not say %q:\n%s", w, all)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(all, n) {
					t.Errorf("output says %q:\n%s", n, all)
				}
			}
		})
	}
}
