package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/runs"
)

// checkReport checks one rendered report of format in its own terms: the
// HTML page is a whole self-contained document (with a chart for a load
// run), the Markdown has a table, the JSON is valid with a schema version.
func checkReport(t *testing.T, format, body string, load bool) {
	t.Helper()
	switch format {
	case "html":
		for _, w := range []string{"<!DOCTYPE html>", "</html>", "<table"} {
			if !strings.Contains(body, w) {
				t.Errorf("html report lacks %q", w)
			}
		}
		if load && !strings.Contains(body, "<svg") {
			t.Error("html load report has no inline SVG chart")
		}
		for _, n := range []string{"<script src=", "http://cdn", "https://cdn"} {
			if strings.Contains(body, n) {
				t.Errorf("html report is not self-contained: it has %q", n)
			}
		}
	case "markdown", "md":
		if !strings.Contains(body, "| --- |") {
			t.Errorf("markdown report has no table:\n%s", body)
		}
	case "json":
		var doc struct {
			Schema        string `json:"schema"`
			SchemaVersion int    `json:"schemaVersion"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("json report is not valid JSON: %v\n%s", err, body)
		}
		if doc.SchemaVersion < 1 || doc.Schema == "" {
			t.Errorf("json report has schema %q, schemaVersion %d", doc.Schema, doc.SchemaVersion)
		}
	case "text":
		if strings.TrimSpace(body) == "" {
			t.Error("text report is empty")
		}
	default:
		t.Fatalf("checkReport: unknown format %q", format)
	}
}

// testRunReports (TestSharedRuns): load --out and conform --out leave
// report.html and report.md in the run folder, and harness report renders
// both kinds of folder in every --format, to stdout or --output, with the
// run's exit code; a bad --format is exit 2 naming the flag, a damaged
// conform.json exit 4. The shared load and conform runs (embedded mock).
func testRunReports(t *testing.T, shared sharedRuns) {
	root := t.TempDir()
	loadDir, confDir := shared.load, shared.conform
	if shared.conformCode != ExitOK {
		t.Fatalf("conform: exit %d\n%s", shared.conformCode, shared.conformOut)
	}
	for _, dir := range []string{loadDir, confDir} {
		for _, f := range []struct{ file, format string }{{"report.html", "html"}, {"report.md", "markdown"}} {
			b, err := os.ReadFile(filepath.Join(dir, f.file))
			if err != nil {
				t.Fatalf("the run did not write %s: %v", f.file, err)
			}
			checkReport(t, f.format, string(b), dir == loadDir)
		}
	}
	damaged := filepath.Join(root, "damaged")
	if err := os.MkdirAll(damaged, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(damaged, runs.ConformFile), []byte(`{"target":"mock","scenarios":[`), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		dir    string
		format string // "" for no --format
		output bool   // --output FILE
		code   int
		want   string // in stdout (the report), or in stderr for an error
	}{
		{"load default", loadDir, "", false, ExitOK, `Load run "smoke-loose"`},
		{"load text", loadDir, "text", false, ExitOK, "Result: PASS"},
		{"load html", loadDir, "html", false, ExitOK, "<svg"},
		{"load markdown", loadDir, "markdown", false, ExitOK, "| --- |"},
		{"load md", loadDir, "md", false, ExitOK, "| --- |"},
		{"load json", loadDir, "json", false, ExitOK, `"schemaVersion"`},
		{"load html to a file", loadDir, "html", true, ExitOK, "<svg"},
		{"conform text", confDir, "text", false, ExitOK, "PASS"},
		{"conform html", confDir, "html", false, ExitOK, "<table"},
		{"conform markdown", confDir, "markdown", false, ExitOK, "| --- |"},
		{"conform json", confDir, "json", false, ExitOK, `"schemaVersion"`},
		{"conform json to a file", confDir, "json", true, ExitOK, `"schemaVersion"`},
		{"bad format", loadDir, "pdf", false, ExitUsage, `--format "pdf"`},
		{"bad format, conform folder", confDir, "xml", false, ExitUsage, `--format "xml"`},
		{"damaged conform.json", damaged, "html", false, ExitPartial, "DAMAGED"},
		{"not a run", root, "html", false, ExitUsage, "not a load run directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"report", tt.dir}
			if tt.format != "" {
				args = append(args, "--format", tt.format)
			}
			file := filepath.Join(t.TempDir(), "report.out")
			if tt.output {
				args = append(args, "-o", file)
			}
			code, out, errs := runHarness(t, nil, args...)
			if code != tt.code {
				t.Fatalf("%v: exit %d, want %d\nstdout: %.2000s\nstderr: %s", args, code, tt.code, out, errs)
			}
			if tt.code != ExitOK {
				if !strings.Contains(errs, tt.want) {
					t.Errorf("stderr does not say %q:\n%s", tt.want, errs)
				}
				return
			}
			body := out
			if tt.output {
				if out != "" {
					t.Errorf("with --output, stdout is not empty:\n%.500s", out)
				}
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("--output: %v", err)
				}
				body = string(b)
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("report does not hold %q:\n%.2000s", tt.want, body)
			}
			format := tt.format
			if format == "" {
				format = "text"
			}
			checkReport(t, format, body, tt.dir == loadDir)
		})
	}
}

// testRunRecordFlags (TestSharedRuns): load --record --history FILE
// records the finished run, which harness history list then shows; conform
// refuses --history and --record without --out (exit 2) before running
// anything.
func testRunRecordFlags(t *testing.T, shared sharedRuns) {
	db := shared.history
	env := map[string]string{"XDG_STATE_HOME": filepath.Join(t.TempDir(), "state")}
	if !strings.Contains(shared.loadStderr, "history: recorded as run #1 in "+db) {
		t.Errorf("load does not say it recorded the run:\n%s", shared.loadStderr)
	}
	code, list, errs := runHarness(t, env, "history", "list", "--history", db)
	if code != ExitOK {
		t.Fatalf("history list: exit %d\n%s", code, errs)
	}
	for _, w := range []string{"1 run", "smoke-loose"} {
		if !strings.Contains(list, w) {
			t.Errorf("history list does not show %q:\n%s", w, list)
		}
	}

	for _, args := range [][]string{{"--record"}, {"--history", db}} {
		code, _, errs := runHarness(t, env, append([]string{"conform", "--tags", "@op:token"}, args...)...)
		if code != ExitUsage || !strings.Contains(errs, "need --out DIR") {
			t.Errorf("conform %v without --out: exit %d, want 2 naming --out\n%s", args, code, errs)
		}
	}
}
