// Package history keeps the memory of earlier runs: each run's kind, profile,
// environment (git revision, host, harness version), summary and per-interval
// samples, in one embedded SQLite file, so that a later run can be compared
// with an earlier one and a metric's history searched for change points.
//
// The database is SQLite through modernc.org/sqlite, a pure-Go translation of
// SQLite (no cgo, so the harness stays a static binary), opened in WAL mode
// with foreign keys on and a busy timeout, with a schema_version table so a
// newer layout is refused rather than misread. Every field written is bounded
// (see the Max constants) and every number finite; a file that is not a
// history database is refused with an error naming it.
package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// SchemaVersion is the layout this package writes and reads.
const SchemaVersion = 1

// Bounds on what one run may hold.
const (
	MaxSamples     = 2_000_000
	MaxProfileText = 1 << 20
	MaxSummary     = 16 << 20
	MaxName        = 256  // operation, metric, profile name
	MaxEnvField    = 1024 // git revision, host, harness version
	MaxList        = 10_000
	DefaultList    = 100
	// MaxSeriesRuns bounds the runs in one Series (the most recent are kept).
	MaxSeriesRuns = 10_000
)

// Kinds of run.
const (
	KindLoad    = "load"
	KindConform = "conform"
	KindCertify = "certify"
)

// ErrNotFound is returned by Get for an unknown run id.
var ErrNotFound = errors.New("history: no such run")

// Env is where a run ran.
type Env struct {
	GitRevision    string
	Host           string
	HarnessVersion string
}

// Sample is one per-interval value of one operation's metric.
type Sample struct {
	IntervalStart time.Time
	Operation     string
	Metric        string
	Value         float64
}

// Run is one recorded run.
type Run struct {
	ID          int64 // set by the store; ignored by Record
	Kind        string
	StartedAt   time.Time
	ProfileName string
	ProfileText string
	Env         Env
	Summary     json.RawMessage
	Samples     []Sample
}

// RunInfo is a run without its profile text, summary and samples.
type RunInfo struct {
	ID          int64
	Kind        string
	StartedAt   time.Time
	ProfileName string
	Env         Env
	SampleCount int
}

// Filter selects runs for List; zero fields select everything.
type Filter struct {
	Kind    string
	Profile string
	Since   time.Time // inclusive
	Until   time.Time // exclusive
	// Limit is the most runs returned, newest first (default DefaultList,
	// at most MaxList).
	Limit int
}

// Point is one run's value of a metric: the median of its per-interval
// samples of that operation and metric.
type Point struct {
	RunID       int64
	StartedAt   time.Time
	GitRevision string
	Value       float64
	N           int
}

// Store is an open history database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
}

// DefaultPath returns $XDG_STATE_HOME/harness/history.db, or
// $HOME/.local/state/harness/history.db when XDG_STATE_HOME is unset or not
// absolute (as the XDG Base Directory specification says). lookupEnv is
// normally os.LookupEnv, injected by main.
func DefaultPath(lookupEnv func(string) (string, bool)) (string, error) {
	if v, ok := lookupEnv("XDG_STATE_HOME"); ok && filepath.IsAbs(v) {
		return filepath.Join(v, "harness", "history.db"), nil
	}
	if home, ok := lookupEnv("HOME"); ok && filepath.IsAbs(home) {
		return filepath.Join(home, ".local", "state", "harness", "history.db"), nil
	}
	return "", errors.New("history: neither XDG_STATE_HOME nor HOME is set to an absolute path: pass --history FILE")
}

const sqliteHeader = "SQLite format 3\x00"

const schema = `
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL CHECK (kind IN ('load', 'conform', 'certify')),
	started_ns INTEGER NOT NULL,
	profile_name TEXT NOT NULL,
	profile_text TEXT NOT NULL,
	git_revision TEXT NOT NULL,
	host TEXT NOT NULL,
	harness_version TEXT NOT NULL,
	summary TEXT,
	sample_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_profile_started ON runs (profile_name, started_ns);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_ns);
CREATE TABLE IF NOT EXISTS samples (
	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	interval_ns INTEGER NOT NULL,
	operation TEXT NOT NULL,
	metric TEXT NOT NULL,
	value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_series ON samples (run_id, operation, metric);
`

// Check checks, creating and changing nothing, that path can be a history
// database: a usable path, and either missing, empty or an SQLite file (Open
// checks the same first). A command that records its run at the end calls
// it before the run starts, so a wrong --history is refused up front.
func Check(path string) error {
	_, err := checkPath(path)
	return err
}

// checkPath is Check, returning the absolute path.
func checkPath(path string) (string, error) {
	if path == "" {
		return "", errors.New("history: empty database path: pass --history FILE")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("history: database path %q: %w", path, err)
	}
	if strings.ContainsRune(abs, '?') {
		return "", fmt.Errorf("history: database path %q contains '?': choose a path without it", path)
	}
	if err := checkHeader(abs); err != nil {
		return "", err
	}
	return abs, nil
}

// Open opens (creating if needed, with its parent directory) the history
// database at path, creates or checks the schema and turns on WAL.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := checkPath(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("history: creating the directory for %s: %w", abs, err)
	}
	dsn := abs + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("history: opening %s: %w", abs, err)
	}
	s := &Store{db: db, path: abs}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// checkHeader refuses an existing non-empty file that is not SQLite.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("history: opening %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == nil) {
		return nil // empty file: SQLite initialises it
	}
	if err != nil || string(head) != sqliteHeader {
		return fmt.Errorf("history: %s is not a SQLite history database (bad header): move it aside or pass another --history file", path)
	}
	return nil
}

func (s *Store) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return s.fail("reading", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("opening", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return s.fail("creating the schema of", err)
	}
	var v sql.NullInt64
	err = tx.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_version").Scan(&v)
	if err != nil {
		return s.fail("reading the schema version of", err)
	}
	switch {
	case !v.Valid:
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (?)", SchemaVersion); err != nil {
			return s.fail("writing the schema version of", err)
		}
	case v.Int64 > SchemaVersion:
		return fmt.Errorf("history: %s has schema version %d, newer than this harness reads (%d): upgrade the harness or pass another --history file", s.path, v.Int64, SchemaVersion)
	case v.Int64 < 1:
		return fmt.Errorf("history: %s has invalid schema version %d: move it aside or pass another --history file", s.path, v.Int64)
	}
	if err := tx.Commit(); err != nil {
		return s.fail("initialising", err)
	}
	return nil
}

// fail wraps a database error with the file name and the fix.
func (s *Store) fail(doing string, err error) error {
	return fmt.Errorf("history: %s %s failed (is it a damaged or foreign file? move it aside or pass another --history file): %w", doing, s.path, err)
}

// Path returns the database file's absolute path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// minTime and maxTime bound the times stored as int64 Unix nanoseconds.
func minTime() time.Time { return time.Unix(0, 0) }
func maxTime() time.Time { return time.Unix(0, math.MaxInt64) }

func validTime(t time.Time) bool { return !t.Before(minTime()) && !t.After(maxTime()) }

func checkField(name, v string, limit int, required bool) error {
	if required && v == "" {
		return fmt.Errorf("history: run %s is empty: set it", name)
	}
	if len(v) > limit {
		return fmt.Errorf("history: run %s is %d bytes, more than %d: shorten it", name, len(v), limit)
	}
	return nil
}

func validKind(k string) bool { return k == KindLoad || k == KindConform || k == KindCertify }

// validate checks a run before anything is written.
func validate(r Run) error {
	if !validKind(r.Kind) {
		return fmt.Errorf("history: run kind %q unknown: use %q, %q or %q", r.Kind, KindLoad, KindConform, KindCertify)
	}
	if !validTime(r.StartedAt) {
		return fmt.Errorf("history: run start %v outside 1970–2262: set StartedAt", r.StartedAt)
	}
	for _, f := range []struct {
		name, v  string
		limit    int
		required bool
	}{
		{"profile name", r.ProfileName, MaxName, true},
		{"profile text", r.ProfileText, MaxProfileText, false},
		{"git revision", r.Env.GitRevision, MaxEnvField, false},
		{"host", r.Env.Host, MaxEnvField, false},
		{"harness version", r.Env.HarnessVersion, MaxEnvField, false},
	} {
		if err := checkField(f.name, f.v, f.limit, f.required); err != nil {
			return err
		}
	}
	if len(r.Summary) > MaxSummary {
		return fmt.Errorf("history: run summary is %d bytes, more than %d", len(r.Summary), MaxSummary)
	}
	if len(r.Summary) > 0 && !json.Valid(r.Summary) {
		return errors.New("history: run summary is not valid JSON")
	}
	if len(r.Samples) > MaxSamples {
		return fmt.Errorf("history: run has %d samples, more than %d: record coarser intervals", len(r.Samples), MaxSamples)
	}
	for i, s := range r.Samples {
		if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			return fmt.Errorf("history: sample %d (operation %q, metric %q) value %v is not finite", i, s.Operation, s.Metric, s.Value)
		}
		if !validTime(s.IntervalStart) {
			return fmt.Errorf("history: sample %d interval start %v outside 1970–2262", i, s.IntervalStart)
		}
		if s.Operation == "" || s.Metric == "" || len(s.Operation) > MaxName || len(s.Metric) > MaxName {
			return fmt.Errorf("history: sample %d operation %q / metric %q must be 1 to %d bytes", i, s.Operation, s.Metric, MaxName)
		}
	}
	return nil
}

// Record stores a run with its samples in one transaction and returns its id.
func (s *Store) Record(ctx context.Context, r Run) (int64, error) {
	if err := validate(r); err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.fail("writing to", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	var summary any
	if len(r.Summary) > 0 {
		summary = string(r.Summary)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs
		(kind, started_ns, profile_name, profile_text, git_revision, host, harness_version, summary, sample_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Kind, r.StartedAt.UnixNano(), r.ProfileName, r.ProfileText,
		r.Env.GitRevision, r.Env.Host, r.Env.HarnessVersion, summary, len(r.Samples))
	if err != nil {
		return 0, s.fail("writing a run to", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, s.fail("writing a run to", err)
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO samples (run_id, interval_ns, operation, metric, value) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return 0, s.fail("writing samples to", err)
	}
	defer stmt.Close()
	for _, smp := range r.Samples {
		if _, err := stmt.ExecContext(ctx, id, smp.IntervalStart.UnixNano(), smp.Operation, smp.Metric, smp.Value); err != nil {
			return 0, s.fail("writing samples to", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, s.fail("committing a run to", err)
	}
	return id, nil
}

// List returns runs matching f, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]RunInfo, error) {
	if f.Kind != "" && !validKind(f.Kind) {
		return nil, fmt.Errorf("history: filter kind %q unknown: use %q, %q or %q", f.Kind, KindLoad, KindConform, KindCertify)
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultList
	case limit < 0 || limit > MaxList:
		return nil, fmt.Errorf("history: list limit %d out of range: use 1 to %d", limit, MaxList)
	}
	q := "SELECT id, kind, started_ns, profile_name, git_revision, host, harness_version, sample_count FROM runs WHERE 1=1"
	var args []any
	if f.Kind != "" {
		q += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.Profile != "" {
		q += " AND profile_name = ?"
		args = append(args, f.Profile)
	}
	if !f.Since.IsZero() {
		q += " AND started_ns >= ?"
		args = append(args, clampNanos(f.Since))
	}
	if !f.Until.IsZero() {
		q += " AND started_ns < ?"
		args = append(args, clampNanos(f.Until))
	}
	q += " ORDER BY started_ns DESC, id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail("listing runs in", err)
	}
	defer rows.Close()
	var out []RunInfo
	for rows.Next() {
		var ri RunInfo
		var ns int64
		if err := rows.Scan(&ri.ID, &ri.Kind, &ns, &ri.ProfileName, &ri.Env.GitRevision, &ri.Env.Host, &ri.Env.HarnessVersion, &ri.SampleCount); err != nil {
			return nil, s.fail("listing runs in", err)
		}
		ri.StartedAt = time.Unix(0, ns).UTC()
		out = append(out, ri)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("listing runs in", err)
	}
	return out, nil
}

func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(minTime()):
		return 0
	case t.After(maxTime()):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// Get returns one run with its samples (in interval, operation, metric order).
func (s *Store) Get(ctx context.Context, id int64) (Run, error) {
	var r Run
	var ns int64
	var summary sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, kind, started_ns, profile_name, profile_text,
		git_revision, host, harness_version, summary, sample_count FROM runs WHERE id = ?`, id).
		Scan(&r.ID, &r.Kind, &ns, &r.ProfileName, &r.ProfileText, &r.Env.GitRevision, &r.Env.Host, &r.Env.HarnessVersion, &summary, new(int))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("%w: id %d in %s: run `harness history` to list the ids", ErrNotFound, id, s.path)
	}
	if err != nil {
		return Run{}, s.fail("reading a run from", err)
	}
	r.StartedAt = time.Unix(0, ns).UTC()
	if summary.Valid {
		r.Summary = json.RawMessage(summary.String)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT interval_ns, operation, metric, value FROM samples
		WHERE run_id = ? ORDER BY interval_ns, operation, metric, rowid LIMIT ?`, id, MaxSamples+1)
	if err != nil {
		return Run{}, s.fail("reading samples from", err)
	}
	defer rows.Close()
	for rows.Next() {
		var smp Sample
		var ins int64
		if err := rows.Scan(&ins, &smp.Operation, &smp.Metric, &smp.Value); err != nil {
			return Run{}, s.fail("reading samples from", err)
		}
		if len(r.Samples) == MaxSamples {
			return Run{}, fmt.Errorf("history: run %d in %s has more than %d samples: the file was not written by this harness", id, s.path, MaxSamples)
		}
		smp.IntervalStart = time.Unix(0, ins).UTC()
		r.Samples = append(r.Samples, smp)
	}
	if err := rows.Err(); err != nil {
		return Run{}, s.fail("reading samples from", err)
	}
	return r, nil
}

// Series returns, oldest first, one Point per run of the profile that has
// samples of (operation, metric): the median of that run's samples. Only the
// MaxSeriesRuns most recent runs of the profile are considered. The values
// feed change-point detection over history.
func (s *Store) Series(ctx context.Context, metric, operation, profile string) ([]Point, error) {
	if metric == "" || operation == "" || profile == "" {
		return nil, errors.New("history: series needs a metric, an operation and a profile name")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.started_ns, r.git_revision, s.value
		FROM runs r JOIN samples s ON s.run_id = r.id
		WHERE r.id IN (SELECT id FROM runs WHERE profile_name = ? ORDER BY started_ns DESC, id DESC LIMIT ?)
		  AND s.operation = ? AND s.metric = ?
		ORDER BY r.started_ns, r.id`, profile, MaxSeriesRuns, operation, metric)
	if err != nil {
		return nil, s.fail("reading a series from", err)
	}
	defer rows.Close()
	var out []Point
	var vals []float64
	flush := func() {
		if len(vals) == 0 {
			return
		}
		p := &out[len(out)-1]
		p.N = len(vals)
		p.Value = median(vals)
		vals = vals[:0]
	}
	for rows.Next() {
		var id, ns int64
		var rev string
		var v float64
		if err := rows.Scan(&id, &ns, &rev, &v); err != nil {
			return nil, s.fail("reading a series from", err)
		}
		if len(out) == 0 || out[len(out)-1].RunID != id {
			flush()
			out = append(out, Point{RunID: id, StartedAt: time.Unix(0, ns).UTC(), GitRevision: rev})
		}
		if len(vals) >= MaxSamples {
			return nil, fmt.Errorf("history: run %d in %s has more than %d samples of %s/%s: the file was not written by this harness", id, s.path, MaxSamples, operation, metric)
		}
		vals = append(vals, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("reading a series from", err)
	}
	flush()
	return out, nil
}

func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
