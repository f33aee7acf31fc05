package loadgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// Replay rebuilds a run's summary from its directory: the effective profile,
// results.bin, attempts.jsonl and (target mock) journal.jsonl. It works on a
// partial run (no summary.json, or files cut short by a crash): whatever
// complete records are there are used, and Summary.Partial says so.
func Replay(dir string) (*Summary, error) {
	prof, _, err := LoadProfile(filepath.Join(dir, FileProfile))
	if err != nil {
		return nil, &UsageError{fmt.Errorf("%s: not a load run directory (or its profile is damaged): %w", dir, err)}
	}
	sched, err := NewSchedule(prof.Pacer, 0)
	if err != nil {
		return nil, &UsageError{err}
	}
	var saved *Summary
	if b, err := os.ReadFile(filepath.Join(dir, FileSummary)); err == nil {
		var s Summary
		if json.Unmarshal(b, &s) == nil {
			saved = &s
		}
	}
	sum := &Summary{
		Profile: prof.Name, Description: prof.Description, Target: prof.Target, Pacer: sched.String(),
		Clients: prof.Clients.Count, Policy: prof.Clients.Retry.Policy, Planned: prof.Duration.D(),
		PlannedHits: int(sched.Hits(prof.Duration.D())), LatencyFrom: "intended send time (open model)", OutDir: dir,
	}
	if saved != nil {
		sum.Started, sum.Ended, sum.Elapsed = saved.Started, saved.Ended, saved.Elapsed
		sum.Interrupted, sum.Notes, sum.Policy = saved.Interrupted, saved.Notes, saved.Policy
	} else {
		sum.Partial = true
		sum.Notes = append(sum.Notes, "no summary.json: the run did not finish; figures are from the results saved so far")
	}

	agg := newAggregator(prof, sched)
	agg.interrupted = saved == nil || saved.Interrupted
	n, truncated, err := readResults(filepath.Join(dir, FileResults), agg)
	if err != nil {
		return nil, err
	}
	if truncated {
		sum.Partial = true
		sum.Notes = append(sum.Notes, fmt.Sprintf("results.bin ends in a truncated record; %d complete results read", n))
	}
	if saved == nil && n > 0 {
		sum.Started = agg.all.first
		sum.Elapsed = agg.all.last.Sub(agg.all.first)
	}

	keep := prof.Thresholds.Backoff != BackoffOff
	events, stats, bad, err := readAttempts(filepath.Join(dir, FileAttempts), keep)
	if err != nil {
		return nil, err
	}
	if bad {
		sum.Partial = true
		sum.Notes = append(sum.Notes, "attempts.jsonl ends in a damaged line; it was skipped")
	}
	sum.Attempts = sortedAttemptStats(stats)
	journal, haveJournal, err := readJournal(filepath.Join(dir, FileJournal))
	if err != nil {
		return nil, err
	}
	sum.Compliance = gradeCompliance(prof, events, 0, journal, haveJournal, prof.Target == TargetMock && !sum.Partial, 0)
	finish(sum, prof, agg)
	return sum, nil
}

// readResults decodes results.bin into agg; a truncated last record (crash)
// ends the read without an error.
func readResults(path string, agg *aggregator) (n int, truncated bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		switch {
		case err == nil:
			agg.add(&r)
			n++
			continue
		case errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
			return n, false, nil
		default:
			// io.ErrUnexpectedEOF, or a corrupt tail: keep what was read.
			return n, true, nil
		}
	}
}

// maxReplayEvents bounds the attempts kept for grading in Replay.
const maxReplayEvents = 1 << 20

func readAttempts(path string, keep bool) ([]compliance.Event, map[string]*AttemptStats, bool, error) {
	stats := map[string]*AttemptStats{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, stats, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("attempts: %w", err)
	}
	defer f.Close()
	var events []compliance.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	bad := false
	for sc.Scan() {
		var a clients.Attempt
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			bad = true
			continue
		}
		countAttempt(stats, a)
		if keep && len(events) < maxReplayEvents {
			events = append(events, a.Event())
		}
	}
	if err := sc.Err(); err != nil {
		bad = true
	}
	return events, stats, bad, nil
}

func readJournal(path string) ([]mockcontrol.JournalEntry, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	var out []mockcontrol.JournalEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var j mockcontrol.JournalEntry
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			continue
		}
		out = append(out, j)
	}
	return out, true, nil
}
