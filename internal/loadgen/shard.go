package loadgen

// This file holds a run's sharding (harness load --shard I/N): shard I of N
// offers every N-th hit of the whole run's schedule (global hits I, I+N,
// I+2N, …), so the N shards' intended send times interleave into exactly the
// one schedule of the profile; it has its own simulated clients (global
// clients I, I+N, …) and its own created networks (global counters I, I+N,
// …), so no two shards share a token, an extendedPanId or a name; and it can
// wait for a common start (--start-at). Its folder records the shard in
// shard.json, with the whole run's effective profile and its hash, which
// harness merge (internal/merge) checks and uses.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alexa-harness/harness/internal/userfile"
)

// Shard is shard Index of Count (0 ≤ Index < Count) of a run. The zero value
// is an unsharded run.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Bounds of sharding and of --start-at.
const (
	// MaxShards bounds N: more shards than simulated clients a profile may
	// have makes no sense.
	MaxShards = maxClients
	// StartAtTolerance is how far in the past --start-at may be when it is
	// read, and how late a shard may be ready for it.
	StartAtTolerance = 5 * time.Second
	// MaxStartAhead is how far ahead --start-at may be.
	MaxStartAhead = 24 * time.Hour
	// StartAtPlaceholder is the value deploy/kubernetes/load/job-load.yaml
	// ships for START_AT: a Job applied without setting it is refused.
	StartAtPlaceholder = "SET-START-AT-RFC3339-UTC"
	// FileShard records a shard run's shard (ShardInfo).
	FileShard = "shard.json"
	// ShardSchema names shard.json's format.
	ShardSchema = "harness.shard/v1"
)

// ParseShard reads "I/N" (0-based: 0 ≤ I < N ≤ MaxShards). It is the one
// check of a shard's bounds.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("--shard %q: want I/N, e.g. 0/4 (0-based: 0 ≤ I < N)", s)
	}
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("--shard %q: I and N must be whole numbers, e.g. 0/4", s)
	}
	sh := Shard{Index: i, Count: n}
	if n < 1 { // Validate reads the zero value as unsharded
		return Shard{}, fmt.Errorf("--shard %q: the shard count N must be 1 to %d (got %d)", s, MaxShards, n)
	}
	if err := sh.Validate(); err != nil {
		return Shard{}, fmt.Errorf("--shard %q: %w", s, err)
	}
	return sh, nil
}

// Validate checks the bounds: N in 1..MaxShards, I in 0..N-1 (the zero
// value, unsharded, is valid).
func (s Shard) Validate() error {
	switch {
	case s == Shard{}:
		return nil
	case s.Count < 1 || s.Count > MaxShards:
		return fmt.Errorf("the shard count N must be 1 to %d (got %d)", MaxShards, s.Count)
	case s.Index < 0 || s.Index >= s.Count:
		return fmt.Errorf("the shard index I must be 0 to N-1 = %d: shards are numbered from 0, as JOB_COMPLETION_INDEX is (got %d)", s.Count-1, s.Index)
	}
	return nil
}

// Sharded reports whether the run is a shard.
func (s Shard) Sharded() bool { return s.Count > 0 }

func (s Shard) String() string {
	if !s.Sharded() {
		return "unsharded"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

func (s Shard) n() int { return max(1, s.Count) }

// Clients is the shard's share of total simulated clients: the global
// clients I, I+N, … below total.
func (s Shard) Clients(total int) int {
	if total <= s.Index {
		return 0
	}
	return (total-s.Index-1)/s.n() + 1
}

// Client is the global index of the shard's simulated client local.
func (s Shard) Client(local int) int { return s.Index + s.n()*local }

// Global is the whole run's index of the shard's hit (or created network)
// local: the schedule's hit I + N·local.
func (s Shard) Global(local uint64) uint64 { return uint64(s.Index) + uint64(s.n())*local }

// rngStream is the targeter's random stream: 0 unsharded (the run's
// sequence as before), else one of its own per shard.
func (s Shard) rngStream() uint64 {
	if !s.Sharded() {
		return 0
	}
	return mix64(uint64(s.Index)<<32 | uint64(s.Count))
}

// ShareOfCap is the shard's share of a total rate cap (--max-rate).
func (s Shard) ShareOfCap(total float64) float64 { return total / float64(s.n()) }

// checkCap refuses a schedule whose peak (this process's) is over its share
// of the total cap maxRate.
func (s Shard) checkCap(peak, maxRate float64) error {
	share := s.ShareOfCap(maxRate)
	if peak <= share {
		return nil
	}
	if !s.Sharded() {
		return fmt.Errorf("the profile's peak rate %.4g/s exceeds --max-rate %.4g/s; lower --rate or raise --max-rate", peak, maxRate)
	}
	return fmt.Errorf("shard %s offers %.4g/s at its peak (1/%d of the profile's peak rate %.4g/s), over its share %.4g/s of --max-rate %.4g/s (the cap on the total across all %d shards); lower --rate or raise --max-rate",
		s, peak, s.Count, peak*float64(s.Count), share, maxRate, s.Count)
}

// plan returns the shard's profile and schedule from the whole run's
// effective profile total: the whole profile and its schedule when
// unsharded. The shard's profile (saved as its profile.yaml) has its share
// of the simulated clients, of thresholds.minRate and, for the max pacer,
// of the workers; its pacer's rates are 1/N of the whole (what a report of
// the shard alone shows). The schedule it runs is every N-th hit of the
// whole schedule (shardSchedule), so that the shards' hits interleave into
// exactly the whole run's.
func (s Shard) plan(total *Profile) (*Profile, Schedule, error) {
	sched, err := NewSchedule(total.Pacer, 0)
	if err != nil {
		return nil, nil, &UsageError{err}
	}
	if !s.Sharded() {
		return total, sched, nil
	}
	if err := s.Validate(); err != nil {
		return nil, nil, &UsageError{fmt.Errorf("--shard: %w", err)}
	}
	n := float64(s.Count)
	if total.SLO != nil && total.SLO.StopOnBreach {
		return nil, nil, &UsageError{errors.New("slo.stopOnBreach cannot be used with --shard: a shard sees only its share of the load, so it cannot tell when the whole ramp misses the SLO; set it to false and read the knee from the merged run (harness merge)")}
	}
	if total.Clients.Count < s.Count {
		return nil, nil, &UsageError{fmt.Errorf("clients.count %d is below the %d shards: each shard needs simulated clients of its own (clients.count counts the whole run's); raise clients.count to at least %d",
			total.Clients.Count, s.Count, s.Count)}
	}
	p := total.clone()
	p.Clients.Count = s.Clients(total.Clients.Count)
	p.Thresholds.MinRate = total.Thresholds.MinRate / n
	if p.Pacer.Type == "max" {
		if total.Pacer.Workers < s.Count {
			return nil, nil, &UsageError{fmt.Errorf("pacer.workers %d is below the %d shards: with the max pacer each shard runs its share of the workers; raise pacer.workers to at least %d",
				total.Pacer.Workers, s.Count, s.Count)}
		}
		p.Pacer.Workers = (total.Pacer.Workers - s.Index - 1) / s.Count
		p.Pacer.Workers++
		return p, sched, nil
	}
	switch p.Pacer.Type {
	case "constant":
		p.Pacer.Rate /= n
	case "linear":
		p.Pacer.Start, p.Pacer.Slope = p.Pacer.Start/n, p.Pacer.Slope/n
	case "step":
		p.Pacer.Start, p.Pacer.Step, p.Pacer.Max = p.Pacer.Start/n, p.Pacer.Step/n, p.Pacer.Max/n
	case "sine":
		p.Pacer.Mean, p.Pacer.Amplitude = p.Pacer.Mean/n, p.Pacer.Amplitude/n
	}
	if p.Pacer.Workers > 0 {
		p.Pacer.Workers = max(1, (p.Pacer.Workers+s.Count-1)/s.Count)
	}
	return p, &shardSchedule{whole: sched, i: uint64(s.Index), n: uint64(s.Count), end: total.Duration.D()}, nil
}

// shardSchedule is shard i of n of a whole schedule: its hit k is the whole
// schedule's hit i + n·k, due when that one is. Its rate is 1/n of the
// whole's, for every pacer type.
type shardSchedule struct {
	whole Schedule
	i, n  uint64
	// end is the run's duration: no hit due after it is sent, so that the
	// shards together send exactly the hits the whole schedule plans
	// (vegeta would send one more per shard, due just after the end).
	end time.Duration
}

// Hits is the shard's hits due by t: #{k : i + n·k + 1 ≤ H(t)}, as a
// continuous function whose floor is that count.
func (s *shardSchedule) Hits(t time.Duration) float64 {
	h := s.whole.Hits(t)
	if math.IsInf(h, 0) || math.IsNaN(h) {
		return h
	}
	return max(0, (h-float64(s.i)-1)/float64(s.n)+1)
}

// Due is when the shard's hit k is due: the whole schedule's hit i + n·k.
func (s *shardSchedule) Due(k uint64) time.Duration { return s.whole.Due(s.i + s.n*k) }

// Rate is 1/n of the whole schedule's rate.
func (s *shardSchedule) Rate(t time.Duration) float64 { return s.whole.Rate(t) / float64(s.n) }

// Pace implements vegeta.Pacer from Due, as StepPacer does: a hit already
// due goes now, the next waits for its time.
func (s *shardSchedule) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	due := s.Due(hits)
	if due == time.Duration(math.MaxInt64) || (s.end > 0 && due > s.end) {
		return 0, true
	}
	if due <= elapsed {
		return 0, false
	}
	return due - elapsed, false
}

func (s *shardSchedule) String() string {
	return fmt.Sprintf("shard %d/%d (every %d%s hit from %d) of %s", s.i, s.n, s.n, ordinalSuffix(s.n), s.i, s.whole.String())
}

func ordinalSuffix(n uint64) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}

// ParseStartAt reads --start-at: an RFC 3339 time in UTC ("Z" or +00:00),
// at most StartAtTolerance before now and at most MaxStartAhead after it.
func ParseStartAt(s string, now time.Time) (time.Time, error) {
	if strings.TrimSpace(s) == StartAtPlaceholder {
		return time.Time{}, fmt.Errorf("--start-at is the placeholder %q of the Kubernetes Job, not a time: set START_AT to an RFC 3339 UTC time a few minutes ahead (deploy/kubernetes/README.md)", s)
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at %q: want an RFC 3339 UTC time such as 2026-12-01T12:00:00Z", s)
	}
	if _, off := t.Zone(); off != 0 {
		return time.Time{}, fmt.Errorf("--start-at %q: give the time in UTC (ending in Z), so that every shard reads the same instant the same way", s)
	}
	switch {
	case t.Before(now.Add(-StartAtTolerance)):
		return time.Time{}, fmt.Errorf("--start-at %s is %s in the past: pick a time ahead, long enough for every shard to start", t.UTC().Format(time.RFC3339), now.Sub(t).Round(time.Second))
	case t.After(now.Add(MaxStartAhead)):
		return time.Time{}, fmt.Errorf("--start-at %s is more than %s ahead (%s): pick a nearer time", t.UTC().Format(time.RFC3339), MaxStartAhead, t.Sub(now).Round(time.Second))
	}
	return t.UTC(), nil
}

// awaitStart waits until Options.StartAt (no wait when unset), or ctx's end.
// A shard ready later than StartAtTolerance after it would offer its hits
// out of step with the others: that is an error.
func awaitStart(ctx context.Context, at time.Time, now func() time.Time, after func(time.Duration) <-chan time.Time) error {
	if at.IsZero() {
		return nil
	}
	d := at.Sub(now())
	if d < -StartAtTolerance {
		return fmt.Errorf("loadgen: ready %s after --start-at %s (the setup took too long): the shards would not be in step; pick a later --start-at",
			(-d).Round(time.Millisecond), at.Format(time.RFC3339))
	}
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("loadgen: interrupted while waiting for --start-at %s: %w", at.Format(time.RFC3339), ctx.Err())
	case <-after(d):
		return nil
	}
}

// ShardInfo is shard.json: which shard of which run a folder holds.
type ShardInfo struct {
	Schema string `json:"schema"`
	Shard
	// StartAt is the common start (zero when not given).
	StartAt time.Time `json:"startAt,omitzero"`
	// ProfileHash is the SHA-256 of Profile: shards of one run have the same.
	ProfileHash string `json:"profileHash"`
	// Profile is the whole run's effective profile (YAML), whose figures
	// are totals; the folder's profile.yaml is the shard's share of it.
	Profile string `json:"profile"`
	// ProfileFile is where the profile came from.
	ProfileFile string `json:"profileFile,omitempty"`
}

// ProfileText is the canonical text of an effective profile, which
// ProfileHash hashes.
func ProfileText(p *Profile) (string, error) {
	b, err := yaml.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("loadgen: profile text: %w", err)
	}
	return string(b), nil
}

// ProfileHash is the hex SHA-256 of a profile's text.
func ProfileHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// writeShard writes shard.json for a shard run (nothing when unsharded).
func (s Shard) write(dir string, total *Profile, startAt time.Time, file string) error {
	if !s.Sharded() {
		return nil
	}
	text, err := ProfileText(total)
	if err != nil {
		return err
	}
	info := ShardInfo{Schema: ShardSchema, Shard: s, StartAt: startAt, ProfileHash: ProfileHash(text), Profile: text, ProfileFile: file}
	if err := writeJSON(dir, FileShard, info); err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	return nil
}

// maxShardBytes bounds shard.json (a profile is a few kB).
const maxShardBytes = 4 << 20

// ErrNotShard: the folder holds no shard.json (not a shard run).
var ErrNotShard = errors.New("not a shard run (no " + FileShard + ": run it with harness load --shard I/N)")

// ReadShardInfo reads and checks dir/shard.json: its schema, its bounds,
// and that its profile hashes to its ProfileHash.
func ReadShardInfo(dir string) (*ShardInfo, error) {
	path := filepath.Join(dir, FileShard)
	b, err := userfile.Read(path, maxShardBytes)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", dir, ErrNotShard)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	info, err := ParseShardInfo(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return info, nil
}

// ParseShardInfo parses shard.json, refusing what a shard run never
// writes: another schema, a shard out of bounds, a profile that does not
// hash to its profileHash.
func ParseShardInfo(b []byte) (*ShardInfo, error) {
	var info ShardInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("damaged: %w", err)
	}
	switch {
	case info.Schema != ShardSchema:
		return nil, fmt.Errorf("schema %q, want %q", info.Schema, ShardSchema)
	case !info.Sharded():
		return nil, errors.New("no shard count")
	case ProfileHash(info.Profile) != info.ProfileHash:
		return nil, errors.New("damaged: its profile does not hash to its profileHash")
	}
	if err := info.Shard.Validate(); err != nil {
		return nil, fmt.Errorf("shard %s: %w", info.Shard, err)
	}
	return &info, nil
}

// SumAccounting adds up the accounting of shards: Planned, Sent, Answered
// and every not-sent reason, with NotSent and GeneratorShare recomputed.
func SumAccounting(as ...Accounting) Accounting {
	out := Accounting{NotSentReasons: map[string]int64{}}
	for _, a := range as {
		out.Planned += a.Planned
		out.Sent += a.Sent
		out.Answered += a.Answered
		for k, n := range a.NotSentReasons {
			out.NotSentReasons[k] += n
		}
	}
	return out.total()
}
