// Package runs turns a saved run — a run folder left by "harness load" or
// "harness conform", or a run recorded in the history database — into what
// comparison (internal/regress) and history (internal/history) need: its
// kind, profile, start, summary, and its per-interval samples per
// (operation, metric).
//
// It is the one owner of the mapping from a time series interval
// (internal/timeseries) to samples (Samples): latency percentiles p50, p90
// and p99 and the generator's lag_p99 in seconds, achieved_rate in answers
// per second, and error_ratio and throttled_ratio as fractions of the hits
// sent. Both a folder read now and a run recorded earlier go through it, so
// a recorded run compares exactly as its folder would.
//
// A folder is read strictly: summary.json through loadgen.ParseSavedSummary,
// timeseries.jsonl through timeseries.Read. A run that did not finish (no
// summary.json, or one that says it was interrupted) is Partial; a damaged
// file is an error wrapping ErrDamaged that names it, never skipped.
package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/regress"
	"github.com/alexa-harness/harness/internal/timeseries"
	"github.com/alexa-harness/harness/internal/userfile"
)

// Errors Load and FromHistory wrap, for errors.Is.
var (
	// ErrNotRun: the path is not a run folder (a usage error: the fix is
	// the path).
	ErrNotRun = errors.New("not a run folder")
	// ErrDamaged: a file of the run is damaged, so its figures cannot be
	// trusted.
	ErrDamaged = errors.New("run data damaged")
	// ErrPartial: Record refuses a run that did not finish.
	ErrPartial = errors.New("run is partial")
)

// ConformFile is the result file "harness conform --out" writes.
const ConformFile = "conform.json"

// conformProfile is the profile name a conformance run is recorded under.
const conformProfile = "conform"

// Run is a saved run as comparison and history see it.
type Run struct {
	// Source names where the run came from: its folder, or "history run N".
	Source string
	// HistoryID is the run's id in the history (0 for a folder).
	HistoryID int64
	Kind      string // history.KindLoad, KindConform, ...
	Profile   string
	// ProfileText is the effective profile (profile.yaml) when known.
	ProfileText string
	Started     time.Time
	// Env is where the run ran (known for a recorded run only).
	Env history.Env
	// Summary is the run's summary file as written (summary.json, or
	// conform.json for a conformance run).
	Summary json.RawMessage
	// Samples are the per-interval samples (Samples of the time series).
	Samples []history.Sample
	// Partial is set for a run that did not finish; Notes say why, and
	// what else the reader should know (no time series, say).
	Partial bool
	Notes   []string
}

// Observations returns the run's samples as regress observations.
func (r *Run) Observations() []regress.Observation {
	out := make([]regress.Observation, len(r.Samples))
	for i, s := range r.Samples {
		out[i] = regress.Observation{Operation: s.Operation, Metric: s.Metric, Value: s.Value}
	}
	return out
}

// Label is a short name of the run for tables: its history id or folder,
// profile and start.
func (r *Run) Label() string {
	src := r.Source
	if r.HistoryID > 0 {
		src = "#" + strconv.FormatInt(r.HistoryID, 10)
	}
	return fmt.Sprintf("%s (%s, %s)", src, r.Profile, r.Started.UTC().Format(time.RFC3339))
}

// Load reads the run folder dir. A load run is profile.yaml, summary.json
// and timeseries.jsonl; a conformance run is conform.json. A folder that is
// neither is ErrNotRun; a damaged file is ErrDamaged. A load run without a
// time series (from before they were recorded) loads with no samples and a
// note saying so.
func Load(dir string) (*Run, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: no such folder: give a run folder (the --out of harness load) or a history id: %w", dir, ErrNotRun)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", dir, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("%s: is a file: give a run folder (the --out of harness load) or a history id: %w", dir, ErrNotRun)
	}
	r := &Run{Source: dir, Kind: history.KindLoad}
	sumPath := filepath.Join(dir, loadgen.FileSummary)
	raw, err := readOptional(sumPath, history.MaxSummary)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sumPath, err)
	}
	if raw != nil {
		sum, err := loadgen.ParseSavedSummary(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: damaged: %v: %w", sumPath, err, ErrDamaged)
		}
		r.Profile, r.Started, r.Summary = sum.Profile, sum.Started, raw
		if sum.Interrupted {
			r.Partial = true
			r.Notes = append(r.Notes, "the run was interrupted: its figures cover only the time it ran")
		}
		if len(sum.Damage) > 0 {
			return nil, fmt.Errorf("%s: the run's data is damaged (%s): %w", dir, strings.Join(sum.Damage, "; "), ErrDamaged)
		}
	}
	profPath := filepath.Join(dir, loadgen.FileProfile)
	text, err := readOptional(profPath, history.MaxProfileText)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", profPath, err)
	}
	if text != nil {
		r.ProfileText = string(text)
	}
	if raw == nil {
		if text == nil {
			return loadConform(dir)
		}
		prof, _, err := loadgen.LoadProfile(profPath)
		if err != nil {
			return nil, fmt.Errorf("%s: damaged: %v: %w", profPath, err, ErrDamaged)
		}
		r.Profile = prof.Name
		r.Partial = true
		r.Notes = append(r.Notes, "no "+loadgen.FileSummary+": the run did not finish (killed or crashed?)")
	}

	tsPath := filepath.Join(dir, timeseries.FileName)
	hdr, ivs, err := timeseries.Read(tsPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Notes = append(r.Notes, "no "+timeseries.FileName+": a run from before time series were recorded, so it has no per-interval samples")
		if r.Started.IsZero() {
			return nil, fmt.Errorf("%s: neither %s nor %s: not a run folder: %w", dir, loadgen.FileSummary, timeseries.FileName, ErrNotRun)
		}
		return r, nil
	case err != nil:
		var de *timeseries.DamageError
		if errors.As(err, &de) {
			return nil, fmt.Errorf("%w: %w", err, ErrDamaged)
		}
		return nil, fmt.Errorf("%s: %w", tsPath, err)
	}
	if r.Started.IsZero() {
		r.Started = hdr.Started
	}
	r.Samples = Samples(ivs)
	return r, nil
}

// loadConform reads a conformance run folder (conform.json).
func loadConform(dir string) (*Run, error) {
	path := filepath.Join(dir, ConformFile)
	raw, err := readOptional(path, history.MaxSummary)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	case raw == nil:
		return nil, fmt.Errorf("%s: holds no %s, %s or %s: not a run folder of harness load or conform: %w",
			dir, loadgen.FileSummary, loadgen.FileProfile, ConformFile, ErrNotRun)
	}
	res, err := conform.ParseResult(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: damaged: %v: %w", path, err, ErrDamaged)
	}
	r := &Run{Source: dir, Kind: history.KindConform, Profile: conformProfile, Started: res.Started, Summary: raw,
		Notes: []string{"a conformance run has no per-interval samples"}}
	if res.Partial() {
		r.Partial = true
		r.Notes = append(r.Notes, "the conformance run was interrupted: "+res.Verdict())
	}
	return r, nil
}

// readOptional reads a file of the run, bounded: nil, nil when missing.
func readOptional(path string, limit int64) ([]byte, error) {
	b, err := userfile.Read(path, limit)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// FromHistory returns run id of the history store.
func FromHistory(ctx context.Context, store *history.Store, id int64) (*Run, error) {
	h, err := store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("history run %d (%s): %w", id, store.Path(), err)
	}
	r := &Run{Source: "history run " + strconv.FormatInt(id, 10), HistoryID: h.ID, Kind: h.Kind, Profile: h.ProfileName,
		ProfileText: h.ProfileText, Started: h.StartedAt, Env: h.Env, Summary: h.Summary, Samples: h.Samples}
	if len(h.Samples) == 0 {
		r.Notes = append(r.Notes, "recorded without per-interval samples")
	}
	return r, nil
}

// Record records the finished run in folder dir in the history store, with
// env as where it ran, and returns its id. A partial run (ErrPartial) or a
// damaged one (ErrDamaged) is not recorded: the history feeds change-point
// detection, where a cut-short run would read as a shift.
func Record(ctx context.Context, store *history.Store, dir string, env history.Env) (int64, error) {
	r, err := Load(dir)
	if err != nil {
		return 0, err
	}
	if r.Partial {
		return 0, fmt.Errorf("%s: not recorded in the history: %s: %w", dir, strings.Join(r.Notes, "; "), ErrPartial)
	}
	id, err := store.Record(ctx, history.Run{Kind: r.Kind, StartedAt: r.Started, ProfileName: r.Profile, ProfileText: r.ProfileText,
		Env: env, Summary: r.Summary, Samples: r.Samples})
	if err != nil {
		return 0, fmt.Errorf("%s: recording in %s: %w", dir, store.Path(), err)
	}
	return id, nil
}
