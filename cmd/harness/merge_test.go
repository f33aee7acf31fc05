package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestShardFlagsAndMerge: --shard and --start-at refuse bad values (exit 2)
// before anything starts; two shards of smoke-loose (each with its embedded
// mock) run at one start, each passes, they merge into one run that passes
// and that harness report reads alike, and merge refuses an incomplete set
// of shards (exit 2, naming the missing one).
func TestShardFlagsAndMerge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	smoke := "../../profiles/smoke.yaml"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "4/4"}, "--shard \"4/4\""},
		{[]string{"--shard", "$(JOB_COMPLETION_INDEX)/4"}, "whole numbers"},
		{[]string{"--start-at", "SET-START-AT-RFC3339-UTC"}, "placeholder"},
		{[]string{"--start-at", "2020-01-01T00:00:00Z"}, "in the past"},
		{[]string{"--shard", "0/5", "--duration", "1s", "--out", filepath.Join(dir, "too-many")}, "clients.count 4 is below the 5 shards"},
	} {
		args := append([]string{"load", "--profile", smoke}, tt.args...)
		code, _, errs := runHarness(t, nil, args...)
		if code != ExitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, want 2 with %q\nstderr: %s", tt.args, code, tt.want, errs)
		}
	}

	// Now: a shard may be ready up to loadgen.StartAtTolerance after
	// --start-at, so neither shard waits and both still start in step.
	startAt := time.Now().UTC().Format(time.RFC3339Nano)
	shards := []string{filepath.Join(dir, "shard-0"), filepath.Join(dir, "shard-1")}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	logs := make([]string, 2)
	for i, d := range shards {
		wg.Go(func() {
			codes[i], _, logs[i] = runHarness(t, nil, "load", "--profile", looseProfile,
				"--shard", []string{"0/2", "1/2"}[i], "--start-at", startAt, "--out", d)
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != ExitOK {
			t.Fatalf("shard %d/2: exit %d, want 0\n%s", i, c, logs[i])
		}
	}
	merged := filepath.Join(dir, "merged")
	code, out, errs := runHarness(t, nil, append(append([]string{"merge"}, shards...), "--out", merged)...)
	if code != ExitOK || !strings.Contains(out, "Result: PASS") || !strings.Contains(out, "merged from 2 shards") {
		t.Fatalf("merge: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	rcode, rout, rerrs := runHarness(t, nil, "report", merged)
	if rcode != code || !strings.Contains(rout, "Result: PASS") || !strings.Contains(rout, "merged from 2 shards") {
		t.Errorf("report of the merged run: exit %d (merge %d)\n%s\n%s", rcode, code, rout, rerrs)
	}
	// A refused merge claims no folder: the retry says the same, and a
	// merge into a folder holding a run is refused with advice that fits
	// merge (--out is required: no "leave it out").
	half := filepath.Join(dir, "half")
	for try := 1; try <= 2; try++ {
		code, _, errs = runHarness(t, nil, "merge", shards[0], "--out", half)
		if code != ExitUsage || !strings.Contains(errs, "shard 1/2 missing") {
			t.Errorf("merge of one shard of two (try %d): exit %d, want 2 naming shard 1/2\n%s", try, code, errs)
		}
		if _, err := os.Lstat(half); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("merge of one shard of two (try %d) created %s (%v)", try, half, err)
		}
	}
	before := snapshotTree(t, merged)
	code, _, errs = runHarness(t, nil, append(append([]string{"merge"}, shards...), "--out", merged)...)
	if code != ExitUsage || !strings.Contains(errs, "holds an earlier run") || !strings.Contains(errs, "--overwrite") || strings.Contains(errs, "leave") {
		t.Errorf("merge into a folder holding a run: exit %d, want 2 with advice for merge\n%s", code, errs)
	}
	assertTreeUnchanged(t, merged, before)
	code, _, errs = runHarness(t, nil, "merge", shards[0], shards[1], "--out", filepath.Join(shards[0], "m"))
	if code != ExitUsage || !strings.Contains(errs, "inside the shard folder") {
		t.Errorf("merge into a shard's folder: exit %d, want 2\n%s", code, errs)
	}
	code, _, errs = runHarness(t, nil, "merge", shards[0], shards[1])
	if code != ExitUsage || !strings.Contains(errs, "--out DIR is required") {
		t.Errorf("merge without --out: exit %d\n%s", code, errs)
	}
}
