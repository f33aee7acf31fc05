package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/runs"
)

// TestHistoryCommands: record saved runs into a history, list and show
// them, and compare them by id; each step with its exit code.
func TestHistoryCommands(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "h", "history.db")
	day := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	base := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, seed: 1, started: day})
	rerun := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, seed: 2, started: day.Add(24 * time.Hour)})
	slow := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.030, n: 30, seed: 3, started: day.Add(48 * time.Hour)})
	cut := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, seed: 4, interrupted: true})
	env := map[string]string{"HOME": t.TempDir(), runs.EnvRevisionVar: "abc123"}
	h := func(args ...string) (int, string, string) {
		t.Helper()
		return runHarness(t, env, args...)
	}

	// Reading a history that does not exist is a usage error, and creates nothing.
	if code, _, errs := h("history", "list", "--history", db); code != ExitUsage || !strings.Contains(errs, "no such database") {
		t.Fatalf("list of a missing history: exit %d, %s", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("listing a missing history created it")
	}
	for i, dir := range []string{base, rerun, slow} {
		code, out, errs := h("history", "record", dir, "--history", db)
		if code != ExitOK || !strings.Contains(out, "as run #"+strconv.Itoa(i+1)) {
			t.Fatalf("record %s: exit %d\n%s%s", dir, code, out, errs)
		}
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"record a partial run", []string{"history", "record", cut}, ExitPartial, nil, []string{"not recorded", "interrupted"}},
		{"record what is no run", []string{"history", "record", t.TempDir()}, ExitUsage, nil, []string{"not a run folder"}},
		{"list", []string{"history"}, ExitOK, []string{"3 runs", "nightly", "abc123", "2026-11-22 02:00:00"}, nil},
		{"list by kind", []string{"history", "list", "--kind", "conform"}, ExitOK, []string{"0 runs"}, nil},
		{"list limited", []string{"history", "list", "--limit", "1"}, ExitOK, []string{"1 run"}, nil},
		{"show", []string{"history", "show", "2"}, ExitOK, []string{"Run #2", "nightly", "abc123", "p50", "10."}, nil},
		{"show unknown", []string{"history", "show", "99"}, ExitUsage, nil, []string{"99", "no such run"}},
		{"show no id", []string{"history", "show", "x"}, ExitUsage, nil, []string{"run id"}},
		{"bad kind", []string{"history", "--kind", "soak"}, ExitUsage, nil, []string{"--kind"}},
		{"bad limit", []string{"history", "--limit", "-3"}, ExitUsage, nil, []string{"--limit"}},
		{"bad subcommand", []string{"history", "drop"}, ExitUsage, nil, []string{"history show ID"}},
		{"compare ids unchanged", []string{"compare", "1", "#2"}, ExitOK, []string{"no significant change", "#1 (nightly", "revision abc123"}, nil},
		{"compare ids regressed", []string{"compare", "1", "3"}, ExitFailed, []string{"REGRESSION", "get p50"}, nil},
		{"compare id with folder", []string{"compare", "1", slow}, ExitFailed, []string{"REGRESSION"}, nil},
		{"compare unknown id", []string{"compare", "1", "42"}, ExitUsage, nil, []string{"candidate", "no run #42"}},
	}
	for _, s := range steps {
		args := append(s.args, "--history", db)
		code, out, errs := h(args...)
		if code != s.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", s.name, code, s.code, out, errs)
			continue
		}
		for _, w := range s.stdout {
			if !strings.Contains(out, w) {
				t.Errorf("%s: stdout lacks %q:\n%s", s.name, w, out)
			}
		}
		for _, w := range s.stderr {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", s.name, w, errs)
			}
		}
	}

	code, out, _ := h("history", "--history", db, "--format", "json")
	var list struct {
		Schema string `json:"schema"`
		Runs   []struct {
			ID          int64
			Profile     string
			GitRevision string
			Samples     int
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != ExitOK {
		t.Fatalf("list json: exit %d, %v\n%s", code, err, out)
	}
	if list.Schema != "harness.history" || len(list.Runs) != 3 || list.Runs[0].ID != 3 || list.Runs[0].GitRevision != "abc123" || list.Runs[0].Samples == 0 {
		t.Errorf("list json: %+v", list)
	}
}

// TestRecordRun: the helper load and conform call for --history/--record
// records a finished run, says so, and leaves a partial run out without
// failing the command; without the flags it does nothing.
func TestRecordRun(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	ts := newTestState(t)
	ts.Env["XDG_STATE_HOME"] = state
	done := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 12, seed: 1})
	cut := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 12, seed: 2, interrupted: true})
	ctx := context.Background()

	// The flags load and conform add.
	var hf historyFlags
	fs := pflag.NewFlagSet("load", pflag.ContinueOnError)
	hf.addRecordFlags(fs)
	if err := fs.Parse([]string{"--history", "h.db", "--record"}); err != nil || hf.path != "h.db" || !hf.record {
		t.Fatalf("flags: %v, %+v", err, hf)
	}

	var w bytes.Buffer
	if err := (&historyFlags{}).recordRun(ctx, ts.globalState, done, &w); err != nil || w.Len() != 0 {
		t.Fatalf("no flags: %v, %q", err, w.String())
	}
	def := filepath.Join(state, "harness", "history.db")
	if _, err := os.Stat(def); err == nil {
		t.Fatal("recorded without --history or --record")
	}
	if err := (&historyFlags{record: true}).recordRun(ctx, ts.globalState, done, &w); err != nil || !strings.Contains(w.String(), "run #1 in "+def) {
		t.Fatalf("--record: %v, %q (want run #1 in %s)", err, w.String(), def)
	}
	w.Reset()
	if err := (&historyFlags{path: def}).recordRun(ctx, ts.globalState, cut, &w); err != nil || !strings.Contains(w.String(), "not recorded") {
		t.Fatalf("partial run: %v, %q", err, w.String())
	}
	store, err := history.Open(ctx, def)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	list, err := store.List(ctx, history.Filter{})
	if err != nil || len(list) != 1 || list[0].ProfileName != "nightly" || list[0].SampleCount == 0 || list[0].Env.Host == "" {
		t.Fatalf("history holds %+v, %v; want the one finished run with its samples and host", list, err)
	}
}

// syntheticHistory records n load runs of profile "nightly" into a new
// history, one a day, each with 20 per-interval p99 samples of "all" around
// level(i) seconds (±5 % seeded noise), git revision "rev-<i>".
func syntheticHistory(t *testing.T, n int, level func(i int) float64) (string, []int64) {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "history.db")
	store, err := history.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rng := rand.New(rand.NewPCG(12, 1))
	day := time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)
	var ids []int64
	for i := range n {
		started := day.AddDate(0, 0, i)
		r := history.Run{Kind: history.KindLoad, StartedAt: started, ProfileName: "nightly", Summary: json.RawMessage(`{}`),
			Env: history.Env{GitRevision: "rev-" + strconv.Itoa(i), Host: "ci", HarnessVersion: "(devel)"}}
		for k := range 20 {
			r.Samples = append(r.Samples, history.Sample{IntervalStart: started.Add(time.Duration(k) * time.Second), Operation: "all",
				Metric: runs.MetricP99, Value: level(i) * (1 + 0.1*(rng.Float64()-0.5))})
		}
		id, err := store.Record(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return db, ids
}

// TestHistoryDetect: change-point detection over a synthetic history in a
// temporary SQLite file finds the run where p99 stepped from 50 ms to
// 65 ms (naming its id, time and revision), and nothing in a flat history.
func TestHistoryDetect(t *testing.T) {
	t.Parallel()
	const step = 14
	shifted, ids := syntheticHistory(t, 30, func(i int) float64 {
		if i >= step {
			return 0.065
		}
		return 0.050
	})
	code, out, errs := runHarness(t, nil, "history", "--detect", "--history", shifted, "--profile", "nightly", "--format", "json")
	if code != ExitOK {
		t.Fatalf("detect: exit %d\n%s", code, errs)
	}
	var doc struct {
		Runs         int `json:"runs"`
		ChangePoints []struct {
			RunID       int64   `json:"runId"`
			GitRevision string  `json:"gitRevision"`
			Before      float64 `json:"before"`
			After       float64 `json:"after"`
		} `json:"changePoints"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Runs != 30 || len(doc.ChangePoints) != 1 {
		t.Fatalf("want one change point over 30 runs, got %+v", doc)
	}
	cp := doc.ChangePoints[0]
	if cp.RunID != ids[step] || cp.GitRevision != "rev-"+strconv.Itoa(step) || cp.After <= cp.Before {
		t.Errorf("change point %+v, want run #%d (rev-%d) going up", cp, ids[step], step)
	}
	// The text names the run, when it started and its revision; the profile
	// defaults to the newest load run's.
	code, out, _ = runHarness(t, nil, "history", "--detect", "--history", shifted)
	if code != ExitOK || !strings.Contains(out, "#"+strconv.FormatInt(ids[step], 10)) || !strings.Contains(out, "2026-10-15 02:00:00") ||
		!strings.Contains(out, "rev-14") || !strings.Contains(out, "Since run #"+strconv.FormatInt(ids[step], 10)) {
		t.Errorf("detect text: exit %d\n%s", code, out)
	}

	code, out, _ = runHarness(t, nil, "history", "--detect", "--history", shifted, "--format", "markdown")
	if code != ExitOK || !strings.Contains(out, "| #"+strconv.FormatInt(ids[step], 10)+" |") {
		t.Errorf("detect markdown: exit %d\n%s", code, out)
	}

	// Too few runs to find any change point: no verdict (exit 4), never
	// "no change point" with exit 0.
	for _, n := range []int{2, 5} {
		few, _ := syntheticHistory(t, n, func(int) float64 { return 0.050 })
		code, out, errs = runHarness(t, nil, "history", "--detect", "--history", few)
		if code != ExitPartial || !strings.Contains(out, "too few") || !strings.Contains(out, "not enough runs: no verdict") ||
			strings.Contains(out, "no change point") || !strings.Contains(errs, "no verdict") {
			t.Errorf("%d runs: exit %d, want 4 with no verdict\nstdout: %s\nstderr: %s", n, code, out, errs)
		}
		code, out, _ = runHarness(t, nil, "history", "--detect", "--history", few, "--format", "json")
		if code != ExitPartial || !strings.Contains(out, `"noVerdict": true`) {
			t.Errorf("%d runs, json: exit %d, want 4 with noVerdict\n%s", n, code, out)
		}
	}

	flat, _ := syntheticHistory(t, 30, func(int) float64 { return 0.050 })
	code, out, errs = runHarness(t, nil, "history", "--detect", "--history", flat, "--metric", "p99", "--operation", "all")
	if code != ExitOK || !strings.Contains(out, "no change point") {
		t.Errorf("flat history: exit %d\n%s%s", code, out, errs)
	}
	for _, bad := range [][]string{
		{"--metric", "p42"}, {"--operation", "create"}, {"--profile", "weekly"}, {"--format", "html"},
	} {
		code, _, errs := runHarness(t, nil, append([]string{"history", "--detect", "--history", flat}, bad...)...)
		if code != ExitUsage || errs == "" {
			t.Errorf("detect %v: exit %d, want 2 with a reason\n%s", bad, code, errs)
		}
	}
}
