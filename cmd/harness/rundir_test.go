package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/loadgen"
)

// testReusedOutFolder (TestSharedRuns): a run owns its folder. A mock-target
// run (a copy of the shared load run, its run marker included) and then a
// target: env run into the same --out no longer mix their files: the second
// is refused (exit 2, the first run untouched) unless --overwrite, which
// removes the first run, so harness report grades no journal of another
// run; a folder of the user's own files is never written into; and a
// journal copied beside an env run is named as another run's file.
func testReusedOutFolder(t *testing.T, shared sharedRuns) {
	env, _, _ := mockEnv(t)
	tmp := t.TempDir()
	envProfile := filepath.Join(tmp, "env.yaml")
	if err := os.WriteFile(envProfile, []byte(`name: env-get
target: env
duration: 1s
pacer: {type: constant, rate: 10}
mix: {get: 1}
clients: {count: 1}
thresholds: {backoff: report, maxNotSent: 1}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	if err := os.CopyFS(out, os.DirFS(shared.load)); err != nil {
		t.Fatal(err)
	}
	userDir := filepath.Join(tmp, "mine")
	os.Mkdir(userDir, 0o755)
	os.WriteFile(filepath.Join(userDir, "notes.txt"), []byte("mine"), 0o644)
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(out, name))
		return err == nil
	}
	steps := []struct {
		name  string
		args  []string
		code  int
		want  string // in stdout+stderr
		check func(t *testing.T)
	}{
		{"the mock run", []string{"report", out}, ExitOK, `Load run "smoke-loose"`,
			func(t *testing.T) {
				if !exists(loadgen.FileJournal) {
					t.Fatal("the mock run has no journal.jsonl")
				}
			}},
		{"env run into the same folder", []string{"load", "--profile", envProfile, "--out", out}, ExitUsage, "holds an earlier run",
			func(t *testing.T) {
				b, _ := os.ReadFile(filepath.Join(out, loadgen.FileProfile))
				if !strings.Contains(string(b), "name: smoke-loose") || !exists(loadgen.FileJournal) {
					t.Error("the refused run touched the earlier run's files")
				}
			}},
		{"env run with --overwrite", []string{"load", "--profile", envProfile, "--out", out, "--overwrite"}, ExitOK, "Result: PASS",
			func(t *testing.T) {
				if exists(loadgen.FileJournal) {
					t.Error("the mock run's journal.jsonl is still in the env run's folder")
				}
			}},
		{"report of the env run", []string{"report", out}, ExitOK, `Load run "env-get"`, nil},
		{"a journal copied beside the env run", nil, ExitPartial, "journal.jsonl: present, but this run's target is \"env\"", nil},
		{"a folder of the user's files", []string{"load", "--profile", envProfile, "--out", userDir, "--overwrite"}, ExitUsage, "not a harness run folder",
			func(t *testing.T) {
				if b, _ := os.ReadFile(filepath.Join(userDir, "notes.txt")); string(b) != "mine" {
					t.Error("the user's file was touched")
				}
			}},
		{"--overwrite without --out", []string{"load", "--profile", envProfile, "--overwrite"}, ExitUsage, "--overwrite needs --out", nil},
		{"conform into the load run's folder", []string{"conform", "--tags", "@op:token", "--out", out}, ExitUsage, "holds an earlier run", nil},
	}
	for _, s := range steps {
		if s.args == nil { // the copied journal
			os.WriteFile(filepath.Join(out, loadgen.FileJournal), []byte(`{"time":"2026-01-01T00:00:00Z","method":"GET","path":"/","status":200}`+"\n"), 0o644)
			s.args = []string{"report", out}
		}
		code, stdout, stderr := runHarness(t, env, s.args...)
		if s.code >= 0 && code != s.code {
			t.Fatalf("%s: exit %d, want %d\n%s%s", s.name, code, s.code, stdout, stderr)
		}
		if !strings.Contains(stdout+stderr, s.want) {
			t.Errorf("%s: output does not say %q:\n%s%s", s.name, s.want, stdout, stderr)
		}
		if s.check != nil {
			s.check(t)
		}
	}
}
