package loadgen

import (
	"fmt"
	"path/filepath"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Replay rebuilds a run's summary from its directory: the effective profile,
// results.bin, attempts.jsonl and (target mock) journal.jsonl. It works on a
// partial run (no summary.json, or files cut short by a crash): whatever
// complete records are there are used. Every file is checked (rundamage.go):
// what is missing or cut short is a note and makes Summary.Partial; what is
// damaged (a corrupt record, line or summary, a record count summary.json
// contradicts, another run's file) is listed in Summary.Damage. A run with
// either is never a plain PASS.
func Replay(dir string) (*Summary, error) {
	prof, _, err := LoadProfile(filepath.Join(dir, FileProfile))
	if err != nil {
		return nil, &UsageError{fmt.Errorf("%s: not a load run directory (or its profile is damaged): %w", dir, err)}
	}
	sched, err := NewSchedule(prof.Pacer, 0)
	if err != nil {
		return nil, &UsageError{err}
	}
	chk := &RunCheck{Dir: dir} // every file is checked: rundamage.go
	saved := chk.readSavedSummary()
	sum := &Summary{
		Profile: prof.Name, Description: prof.Description, Target: prof.Target, Pacer: sched.String(),
		Clients: prof.Clients.Count, Policy: prof.Clients.Retry.Policy, Planned: prof.Duration.D(),
		PlannedHits: int(sched.Hits(prof.Duration.D())), LatencyFrom: "intended send time (open model)", OutDir: dir,
	}
	if saved != nil {
		sum.Started, sum.Ended, sum.Elapsed = saved.Started, saved.Ended, saved.Elapsed
		sum.Interrupted, sum.Notes, sum.Policy = saved.Interrupted, saved.Notes, saved.Policy
	}

	agg := newAggregator(prof, sched)
	agg.interrupted = saved == nil || saved.Interrupted
	n := chk.readResults(func(r *vegeta.Result) { agg.add(r, -1) }, saved)
	if saved == nil && n > 0 {
		sum.Started = agg.all.first
		sum.Elapsed = agg.all.last.Sub(agg.all.first)
	}

	keep := prof.Thresholds.Backoff != BackoffOff
	events, stats := chk.readAttempts(keep, saved != nil)
	chk.compareAttempts(saved, stats)
	sum.Attempts = sortedAttemptStats(stats)
	journal, haveJournal := chk.readJournal(prof.Target, saved != nil)
	sum.Compliance = gradeCompliance(prof, events, 0, journal, haveJournal, prof.Target == TargetMock, 0)
	chk.gradeViews(sum.Compliance)
	sum.Accounting, sum.Generator = replayAccounting(saved, agg, int64(sum.PlannedHits))
	finish(sum, prof, agg)
	chk.compareCounts(saved, sum.All)
	chk.apply(sum)
	sum.settle() // apply may have found the run partial or damaged
	return sum, nil
}

// maxReplayEvents bounds the attempts kept for grading in Replay.
const maxReplayEvents = 1 << 20

// replayAccounting is the saved run's accounting and generator health (they
// cannot be rebuilt from results.bin, which holds only the hits sent); for
// a run that left no summary, the hits sent, and the rest of the planned
// hits as NotSentUnrecorded.
func replayAccounting(saved *Summary, agg *aggregator, planned int64) (Accounting, *GeneratorHealth) {
	if saved != nil && saved.Accounting.Planned > 0 {
		return saved.Accounting, saved.Generator
	}
	a := accountIssued(agg)
	a.Planned = max(planned, a.Sent)
	if n := a.Planned - a.Sent; n > 0 {
		a.NotSentReasons[NotSentUnrecorded] = n
	}
	return a.total(), nil
}
