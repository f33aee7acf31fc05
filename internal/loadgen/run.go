package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"golang.org/x/sync/errgroup"
	"gopkg.in/yaml.v3"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/humanfmt"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/netguard"
	"github.com/alexa-harness/harness/internal/redact"
)

// Options configure Run.
type Options struct {
	Profile     *Profile
	ProfileFile string // where the profile came from (copied into the run)
	ProfileRaw  []byte // its bytes
	OutDir      string // required; created if missing

	Rate     float64       // > 0 overrides the pacer's rate (scaling ramps)
	Duration time.Duration // > 0 overrides the profile's duration

	// AllowReal permits a target that is not on loopback; MaxRate (> 0) is
	// then required and caps the pacer's peak rate.
	AllowReal bool
	MaxRate   float64

	// Shard, when set, runs shard Index of Count of the run (shard.go):
	// every Count-th hit of the schedule, its own simulated clients and
	// data; MaxRate is then the cap on the total across shards, and this
	// shard checks its share. StartAt, when set, is when the attack starts
	// (after the setup), so that shards' schedules line up.
	Shard   Shard
	StartAt time.Time

	Getenv func(string) string // environment for target env (empty when nil; the CLI passes the process's)
	Logger *slog.Logger        // progress and setup notes (discard when nil)

	// OnProgress is called every ProgressEvery (default 1 s) during the
	// attack, and once at the end.
	OnProgress    func(Progress)
	ProgressEvery time.Duration

	// Tuning; zero values take sensible defaults.
	MaxWorkers  uint64 // vegeta workers cap (default unlimited: open model)
	Connections int    // idle connections per host (default 10000, like vegeta)
	EventLimit  int    // attempts kept in memory for compliance (default 300000)

	// MetricsAddr, when set, serves the run's live Prometheus metrics on
	// HOST:PORT (":PORT" binds loopback) at /metrics while it runs.
	MetricsAddr string

	// MockConfig adjusts the embedded mock (target mock); JournalSize is
	// computed when zero.
	MockConfig mock.Config

	// ReserveMemory, when set, is called once before the attack with the
	// bytes of heap the run keeps by design (memoryKept: the embedded
	// mock's journal, the attempts kept for back-off grading), so that the
	// caller can raise the process's soft memory limit by as much (the CLI
	// passes its process state's; a library never changes the process).
	ReserveMemory func(bytes int64)
}

// Progress is a live view of a run.
type Progress struct {
	Elapsed time.Duration
	Planned time.Duration
	// Due is the hits the schedule has planned so far; Sent those sent to
	// the target and completed, NotSent those held back (the clients' quiet
	// period, the in-flight cap, coalesced), InFlight those on their way.
	// Due − Sent − NotSent − InFlight is the generator's backlog (behind
	// schedule).
	Due       int64
	Sent      int64
	NotSent   int64
	Hits      int64
	Errors    int64
	Throttled int64 // 429 answers seen (every attempt, retries included)
	Rate      float64
	InFlight  int64
	Done      bool
}

// String is the progress line: time, planned hits due so far, sent, not
// sent, the backlog when the generator is behind, achieved rate, failed
// hits, hits in flight, and the attempts answered 429.
func (p Progress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s  due %d  sent %d", p.Elapsed.Round(time.Second), p.Planned, p.Due, p.Sent)
	if p.NotSent > 0 {
		fmt.Fprintf(&b, "  not sent %d", p.NotSent)
	}
	if behind := p.Due - p.Sent - p.NotSent - p.InFlight; p.Due > 0 && behind > max(10, p.Due/1000) && !p.Done {
		fmt.Fprintf(&b, "  BEHIND %d", behind)
	}
	// Every count is of hits but the 429s, which are attempts (retries
	// included) and say so.
	fmt.Fprintf(&b, "  %s hits/s  %s failed  %s in flight  (%s answered 429)", humanfmt.Number(p.Rate), humanfmt.Count(p.Errors),
		humanfmt.Count(p.InFlight), humanfmt.Plural(int(p.Throttled), "attempt"))
	return b.String()
}

// UsageError is a problem with the options or the profile (exit 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ThresholdResult is one threshold's outcome.
type ThresholdResult struct {
	Name   string `json:"name"`
	Limit  string `json:"limit"`
	Actual string `json:"actual"`
	Pass   bool   `json:"pass"`
}

// ComplianceSummary is the back-off compliance verdict of a run.
type ComplianceSummary struct {
	Mode             string              `json:"mode"`
	Policy           string              `json:"policy"`
	Client           *compliance.Verdict `json:"client,omitempty"` // from the attempt log
	Server           *compliance.Verdict `json:"server,omitempty"` // from the mock's journal
	Agree            bool                `json:"agree"`
	Disagreement     string              `json:"disagreement,omitempty"`
	EventsDropped    int                 `json:"eventsDropped,omitempty"`
	JournalTruncated bool                `json:"journalTruncated,omitempty"`
	Pass             bool                `json:"pass"`
	Reasons          []string            `json:"reasons,omitempty"`
}

// Summary is a run's outcome, written to summary.json and rendered by
// reports.WriteLoad.
type Summary struct {
	Profile     string        `json:"profile"`
	Description string        `json:"description,omitempty"`
	Target      string        `json:"target"`
	Pacer       string        `json:"pacer"`
	Clients     int           `json:"clients"`
	Policy      string        `json:"policy"`
	Started     time.Time     `json:"started"`
	Ended       time.Time     `json:"ended"`
	Planned     time.Duration `json:"planned"`
	Elapsed     time.Duration `json:"elapsed"`
	PlannedHits int           `json:"plannedHits"`
	Interrupted bool          `json:"interrupted,omitempty"`
	// Partial is set by Replay when the run left no summary.json or its
	// results end in a truncated record.
	Partial     bool           `json:"partial,omitempty"`
	LatencyFrom string         `json:"latencyFrom"`
	All         OpSummary      `json:"all"`
	Operations  []OpSummary    `json:"operations"`
	Attempts    []AttemptStats `json:"attempts"`
	// Accounting says what became of every planned hit.
	Accounting Accounting `json:"accounting"`
	// Generator is the load generator's own health: when Saturated, the
	// figures describe the generator's limit as much as the target's.
	Generator   *GeneratorHealth   `json:"generator,omitempty"`
	Steps       []StepSummary      `json:"steps,omitempty"`
	HighestRate float64            `json:"highestRateMeetingSlo,omitempty"`
	Knee        *Knee              `json:"knee,omitempty"`
	Compliance  *ComplianceSummary `json:"compliance,omitempty"`
	Thresholds  []ThresholdResult  `json:"thresholds"`
	// ThresholdsMet: every threshold was met on the data the summary
	// covers (for a partial run, only what was sent or could be read).
	ThresholdsMet bool `json:"thresholdsMet"`
	// Pass is the run's pass: its thresholds were met AND the run is whole
	// (not interrupted, not partial, not damaged). A partial run never has
	// Pass set, whatever its thresholds say (settle is the one rule).
	Pass bool `json:"pass"`
	// Verdict is the run's verdict as shown: PASS or FAIL on the thresholds,
	// qualified when the generator saturated or the run is partial (never a
	// plain PASS then).
	Verdict string   `json:"verdict"`
	Notes   []string `json:"notes,omitempty"`
	// Damage names what Replay found damaged in the run's files (file and
	// problem; rundamage.go): a run with damage is never a plain PASS.
	Damage []string `json:"damage,omitempty"`
	OutDir string   `json:"-"`
}

// Accounting is what became of every planned hit: Planned = Sent + NotSent.
type Accounting struct {
	// Planned is what the schedule planned over the duration (for the max
	// pacer, a closed model, the hits issued).
	Planned int64 `json:"planned"`
	// Sent reached the target's client (requests and cancelled hits);
	// Answered of them got an HTTP status back.
	Sent     int64 `json:"sent"`
	Answered int64 `json:"answered"`
	NotSent  int64 `json:"notSent"`
	// NotSentReasons: behind-schedule, in-flight-cap, stopped, quiet-period,
	// coalesced (see NotSentReasons).
	NotSentReasons map[string]int64 `json:"notSentReasons,omitempty"`
	// GeneratorShare is the fraction of Planned not sent on the generator's
	// account (behind-schedule, in-flight-cap): what thresholds.maxNotSent bounds.
	GeneratorShare float64 `json:"generatorShare"`
}

// GeneratorHealth is what the load generator knows of its own limits.
type GeneratorHealth struct {
	FDLimit      FDLimit `json:"fdLimit"`
	FDsPerHit    int     `json:"fdsPerHit"` // 2 with the embedded mock (both ends)
	MaxInFlight  int     `json:"maxInFlight"`
	PeakInFlight int64   `json:"peakInFlight"`
	// Lag is the schedule lag of the sent hits: actual − intended send time.
	Lag *Latency `json:"lag,omitempty"`
	// CPU is the process's mean CPU use over the attack and its highest
	// sample, fractions of GOMAXPROCS; with the embedded mock the process is
	// generator and target together.
	CPU     float64 `json:"cpu"`
	CPUPeak float64 `json:"cpuPeak"`
	// MachineCPU is the whole machine's CPU use over the attack (every
	// process; Linux): near 1 while the process's own is low, the generator
	// was starved by its neighbours.
	MachineCPU     float64       `json:"machineCpu,omitempty"`
	GOMAXPROCS     int           `json:"gomaxprocs"`
	SharesWithMock bool          `json:"sharesWithMock,omitempty"`
	MaxLag         time.Duration `json:"maxLag"`
	MaxCPU         float64       `json:"maxCpu"`
	Saturated      bool          `json:"saturated"`
	Reasons        []string      `json:"reasons,omitempty"`  // why it counts as saturated
	Warnings       []string      `json:"warnings,omitempty"` // close to a limit
}

// Failed lists the failed thresholds' names.
func (s *Summary) Failed() []string {
	var out []string
	for _, t := range s.Thresholds {
		if !t.Pass {
			out = append(out, t.Name)
		}
	}
	return out
}

// run is the state of one Run.
type run struct {
	opts    Options
	prof    *Profile
	sched   *clockedSchedule
	log     *slog.Logger
	ep      Endpoints
	cfg     clients.Config
	mockRun *mock.Running
	alog    *attemptLog
	// newPolicy builds the retry policy of one service client of a
	// simulated client (see preparePolicy).
	newPolicy func() clients.RetryPolicy
	hits      atomic.Int64
	errs      atomic.Int64
	sent      atomic.Int64
	notSent   atomic.Int64
	disp      *dispatcher
	metrics   *liveMetrics // nil unless Options.MetricsAddr
	series    *series      // timeseries.jsonl (nil when it could not be created)
	lastDue   float64      // hits due already counted in metrics.planned
	fd        FDLimit
	notes     []string // from option handling (e.g. --rate scaling minRate)
}

// Effective returns the profile with the options' overrides applied.
func (o Options) Effective() (*Profile, error) {
	if o.Profile == nil {
		return nil, &UsageError{errors.New("loadgen: no profile")}
	}
	if o.Duration < 0 || !(o.Rate >= 0) || math.IsInf(o.Rate, 0) {
		return nil, &UsageError{fmt.Errorf("--rate and --duration must be > 0 (got %g, %s)", o.Rate, o.Duration)}
	}
	p := o.Profile.WithDefaults()
	if o.Duration > 0 {
		p.Duration = Duration(o.Duration)
	}
	if o.Rate > 0 {
		if k := rateFactor(p.Pacer, o.Rate); k > 0 {
			p.Thresholds.MinRate *= k
		}
		p.Pacer = scalePacer(p.Pacer, o.Rate)
	}
	if es := p.Validate(); len(es) > 0 {
		var flags []string
		if o.Rate > 0 {
			flags = append(flags, fmt.Sprintf("--rate %g", o.Rate))
		}
		if o.Duration > 0 {
			flags = append(flags, "--duration "+o.Duration.String())
		}
		if len(flags) > 0 {
			return nil, &UsageError{fmt.Errorf("the profile with %s: %w", strings.Join(flags, " "), es)}
		}
		return nil, &UsageError{es}
	}
	return p, nil
}

// scalePacer applies a --rate override to a pacer spec.
func scalePacer(s PacerSpec, rate float64) PacerSpec {
	switch s.Type {
	case "constant":
		s.Rate = rate
	case "linear":
		if s.Start > 0 {
			s.Slope = s.Slope * rate / s.Start
		}
		s.Start = rate
	case "step":
		if s.Start > 0 {
			k := rate / s.Start
			s.Step, s.Max = s.Step*k, s.Max*k
		}
		s.Start = rate
	case "sine":
		if s.Mean > 0 {
			s.Amplitude = s.Amplitude * rate / s.Mean
		}
		s.Mean = rate
	}
	return s
}

// rateFactor is how much --rate scales a pacer's rates (0 for the max
// pacer, which has none): thresholds.minRate is scaled by the same factor.
func rateFactor(s PacerSpec, rate float64) float64 {
	var base float64
	switch s.Type {
	case "constant":
		base = s.Rate
	case "linear", "step":
		base = s.Start
	case "sine":
		base = s.Mean
	}
	if base <= 0 {
		return 0
	}
	return rate / base
}

// peakRate is the highest rate the schedule reaches within d.
func peakRate(s Schedule, d time.Duration) float64 {
	peak := 0.0
	steps := 1000
	for i := 0; i <= steps; i++ {
		peak = max(peak, s.Rate(time.Duration(float64(d)*float64(i)/float64(steps))))
	}
	return peak
}

// Check checks every option and override of a run (the profile with
// --rate and --duration applied, the shard, --metrics-addr, the target and
// its consent flags) without creating or starting anything: the same checks
// Run makes first, so a caller can refuse bad input (a *UsageError) before
// it claims the run's folder. OutDir is not checked.
func (o Options) Check() error {
	_, _, err := o.prepare()
	return err
}

// prepare checks the options and builds the run (nothing created or
// started yet); total is the whole run's effective profile (of every
// shard).
func (o Options) prepare() (*run, *Profile, error) {
	total, err := o.Effective()
	if err != nil {
		return nil, nil, err
	}
	prof, sched, err := o.Shard.plan(total) // the whole run's when unsharded
	if err != nil {
		return nil, nil, err
	}
	if o.MetricsAddr != "" {
		addr, err := metricsListenAddr(o.MetricsAddr)
		if err == nil {
			err = checkListen(addr)
		}
		if err != nil {
			return nil, nil, &UsageError{err}
		}
		o.MetricsAddr = addr
	}
	r := &run{opts: o, prof: prof, sched: newClockedSchedule(sched), log: o.Logger}
	if err := r.resolveTarget(); err != nil {
		return nil, nil, err
	}
	return r, total, nil
}

// Run carries out a load run and returns its summary. The summary is
// written to OutDir/summary.json even when ctx is cancelled (Ctrl-C), in
// which case Summary.Interrupted is set. Errors are *UsageError for bad
// options or profiles, other errors when the run could not be carried out.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.OutDir == "" {
		return nil, &UsageError{errors.New("loadgen: no output directory")}
	}
	r, total, err := o.prepare()
	if err != nil {
		return nil, err
	}
	prof := r.prof
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if prof.Thresholds.Backoff == BackoffRequired && !prof.Clients.Coalesce {
		r.notes = append(r.notes, "back-off compliance is required but clients.coalesce is off: identical calls of one client that overlap (the open model sends them) may read as early retries")
	}
	if o.Rate > 0 && o.Profile.Thresholds.MinRate > 0 && total.Thresholds.MinRate != o.Profile.Thresholds.MinRate {
		r.notes = append(r.notes, fmt.Sprintf("--rate %g scaled thresholds.minRate from %g/s to %.4g/s", o.Rate, o.Profile.Thresholds.MinRate, total.Thresholds.MinRate))
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("loadgen: output directory: %w", err)
	}
	if err := r.writeProfile(); err != nil {
		return nil, err
	}
	if err := o.Shard.write(o.OutDir, total, o.StartAt, o.ProfileFile); err != nil {
		return nil, err
	}
	return r.execute(ctx)
}

// resolveTarget picks the endpoints and refuses real ones without consent.
func (r *run) resolveTarget() error {
	if r.prof.Target == TargetMock {
		return nil
	}
	getenv := r.opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	r.cfg = clients.FromEnv(getenv)
	if err := r.cfg.Validate(); err != nil {
		return &UsageError{fmt.Errorf("target env: %w", err)}
	}
	r.ep = Endpoints{Locker: r.cfg.LockerURL, SMAPI: r.cfg.SMAPIURL, LWA: r.cfg.LWAURL}
	if r.ep.Locker == "" {
		r.ep.Locker = contract.LockerBaseURL
	}
	if r.ep.SMAPI == "" {
		r.ep.SMAPI = contract.SMAPIBaseURL
	}
	if r.ep.LWA == "" {
		r.ep.LWA = contract.LWABaseURL
	}
	real := !netguard.IsLoopback(r.ep.Locker) || !netguard.IsLoopback(r.ep.SMAPI) || !netguard.IsLoopback(r.ep.LWA)
	if real {
		peak := peakRate(r.sched.Schedule, r.prof.Duration.D())
		switch {
		case !r.opts.AllowReal:
			return &UsageError{fmt.Errorf("target env points at a real (non-loopback) endpoint; refusing without --allow-real and --max-rate")}
		case r.opts.MaxRate <= 0:
			return &UsageError{fmt.Errorf("--allow-real needs --max-rate R (a cap on the offered rate, requests per second)")}
		case r.opts.Shard.checkCap(peak, r.opts.MaxRate) != nil:
			return &UsageError{r.opts.Shard.checkCap(peak, r.opts.MaxRate)}
		}
	}
	if r.cfg.SkillID == "" && r.prof.Mix[MixSkillCredentials] > 0 {
		return &UsageError{fmt.Errorf("mix.skill-credentials needs HARNESS_SKILL_ID")}
	}
	return nil
}

func (r *run) writeProfile() error {
	b, err := yaml.Marshal(r.prof)
	if err != nil {
		return fmt.Errorf("loadgen: profile copy: %w", err)
	}
	hdr := fmt.Sprintf("# Effective profile of this run (from %s", r.opts.ProfileFile)
	if r.opts.Rate > 0 || r.opts.Duration > 0 {
		hdr += fmt.Sprintf(", overrides: rate=%g duration=%s", r.opts.Rate, r.opts.Duration)
	}
	hdr += ")\n"
	if err := os.WriteFile(r.path(FileProfile), append([]byte(hdr), b...), 0o644); err != nil {
		return fmt.Errorf("loadgen: profile copy: %w", err)
	}
	if len(r.opts.ProfileRaw) > 0 {
		if err := os.WriteFile(r.path(FileSource), r.opts.ProfileRaw, 0o644); err != nil {
			return fmt.Errorf("loadgen: profile copy: %w", err)
		}
	}
	return nil
}

func (r *run) path(name string) string { return r.opts.OutDir + string(os.PathSeparator) + name }

// plannedHits is the number of hits the schedule plans over the duration.
func (r *run) plannedHits() int {
	return int(math.Floor(r.sched.Hits(r.prof.Duration.D())))
}

// journalSize sizes the embedded mock's journal to hold the whole run.
func (r *run) journalSize() int {
	if r.prof.Thresholds.Backoff == BackoffOff {
		return 10000
	}
	attempts := 1.5
	if r.prof.Mock.RateLimit != nil || len(r.prof.Mock.Faults) > 0 {
		attempts = float64(max(r.prof.Clients.Retry.MaxAttempts, clients.DefaultMaxAttempts))
	}
	pages := 1.0
	if r.prof.Mix[MixGetAllPages] > 0 {
		pages = 1 + float64(*r.prof.Data.Preload)/float64(r.prof.Data.PageSize)
	}
	setup := r.prof.Clients.Count * (2 + *r.prof.Data.Preload)
	n := int(float64(r.plannedHits())*attempts*pages) + setup + 1000
	return min(max(n, 10000), r.complianceCap(400000))
}

// complianceCap bounds what the run keeps in memory for back-off
// grading (the mock's journal, the attempts kept): the given bound when
// back-off compliance is required, 100,000 when it is only reported, so
// that a run sending at the generator's limit stays within its memory
// budget (the verdict says when a view filled up).
func (r *run) complianceCap(required int) int {
	if r.prof.Thresholds.Backoff == BackoffRequired {
		return required
	}
	return min(required, 100000)
}

// mockJournalSize is the embedded mock's journal size: MockConfig's, else
// journalSize.
func (r *run) mockJournalSize() int {
	if n := r.opts.MockConfig.JournalSize; n != 0 {
		return n
	}
	return r.journalSize()
}

// keepsAttempts says whether the run keeps its attempts in memory, to
// grade back-off compliance (attempts.jsonl is written either way).
func (r *run) keepsAttempts() bool { return r.prof.Thresholds.Backoff != BackoffOff }

// eventLimit is how many attempts the run keeps at most: Options.EventLimit,
// else complianceCap(300000).
func (r *run) eventLimit() int {
	if r.opts.EventLimit > 0 {
		return r.opts.EventLimit
	}
	return r.complianceCap(300000)
}

// memoryKept is the heap the run keeps by design, in bytes, at its bounds:
// the embedded mock's journal when the target is the mock
// (mock.JournalEntryBytes an entry) and the attempts kept when back-off
// compliance is graded (AttemptBytes an attempt). Options.ReserveMemory
// gets it.
func (r *run) memoryKept() int64 {
	var n int64
	if r.prof.Target == TargetMock {
		n += int64(r.mockJournalSize()) * mock.JournalEntryBytes
	}
	if r.keepsAttempts() {
		n += int64(r.eventLimit()) * AttemptBytes
	}
	return n
}

func (r *run) execute(ctx context.Context) (*Summary, error) {
	started := time.Now()
	r.fd = raiseFDLimit()
	if r.opts.MetricsAddr != "" {
		r.metrics = newLiveMetrics(func() float64 {
			if r.disp == nil {
				return 0
			}
			return float64(r.disp.inFlight.Load())
		})
		url, stop, err := r.metrics.serve(ctx, r.opts.MetricsAddr)
		if err != nil {
			return nil, &UsageError{err}
		}
		defer stop()
		r.log.Info("live metrics", "url", url)
		r.notes = append(r.notes, "live metrics were served at "+url)
	}
	// The attack stops on ctx; setup and teardown use their own bounded
	// contexts so that an interrupted run still writes its journal and summary.
	bg := context.WithoutCancel(ctx)
	if r.opts.ReserveMemory != nil {
		if n := r.memoryKept(); n > 0 {
			r.opts.ReserveMemory(n)
		}
	}
	if r.prof.Target == TargetMock {
		stopMock, err := r.startMock(bg)
		if err != nil {
			return nil, err
		}
		defer stopMock()
	}
	rw, closeOutputs, err := r.openOutputs()
	if err != nil {
		return nil, err
	}
	defer closeOutputs()
	policy, err := r.preparePolicy()
	if err != nil {
		return nil, err
	}
	base := newBaseTransport(r.opts.Connections)
	defer base.CloseIdleConnections()
	r.cfg.Policy, r.cfg.Observer, r.cfg.Base = policy, r.alog, base

	sims, notes, err := r.prepareTarget(ctx, bg)
	if err != nil {
		return nil, err
	}
	if err := awaitStart(ctx, r.opts.StartAt, time.Now, time.After); err != nil {
		return nil, err
	}
	r.log.Info("simulated clients ready", "clients", len(sims), "policy", policy.Name())
	out := r.attack(ctx, bg, sims, rw)
	out.notes = append(notes, out.notes...)
	sum := r.summarize(bg, started, policy.Name(), out)
	if err := writeJSON(r.opts.OutDir, FileSummary, sum); err != nil {
		return sum, fmt.Errorf("loadgen: %w", err)
	}
	return sum, nil
}

// startMock starts the embedded mock on loopback and points the run at it;
// the returned function stops it.
func (r *run) startMock(bg context.Context) (stop func(), err error) {
	mc := r.opts.MockConfig
	mc.JournalSize = r.mockJournalSize()
	mr, err := mock.Start(bg, "127.0.0.1:0", mc)
	if err != nil {
		return nil, fmt.Errorf("loadgen: start the embedded mock: %w", err)
	}
	r.mockRun = mr
	r.log.Info("embedded mock started", "url", mr.URL, "journalSize", mc.JournalSize)
	r.cfg = clients.MockConfig(mr.URL)
	r.ep = Endpoints{Locker: mr.URL, SMAPI: mr.URL, LWA: mr.URL}
	return func() {
		cctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		_ = mr.Close(cctx)
	}, nil
}

// openOutputs opens the attempt log (r.alog) and results.bin; the returned
// function closes both.
func (r *run) openOutputs() (*resultWriter, func(), error) {
	alog, err := newAttemptLog(r.opts.OutDir, r.keepsAttempts(), r.eventLimit())
	if err != nil {
		return nil, nil, err
	}
	rw, err := newResultWriter(r.opts.OutDir)
	if err != nil {
		alog.close()
		return nil, nil, err
	}
	r.alog = alog
	return rw, func() { rw.close(); alog.close() }, nil
}

// preparePolicy checks the profile's retry policy and sets r.newPolicy,
// which builds one (with its own retry budget, when the profile has one) per
// service client of each simulated client; it returns the run's policy.
func (r *run) preparePolicy() (clients.RetryPolicy, error) {
	rs, budget := r.prof.Clients.Retry, r.prof.Clients.RetryBudget
	params := clients.PolicyParams{Base: rs.Base.D(), Cap: rs.Cap.D(), MaxAttempts: rs.MaxAttempts}
	policy, err := clients.PolicyByName(rs.Policy, params)
	if err != nil {
		return nil, &UsageError{fmt.Errorf("clients.retry.policy: %w", err)}
	}
	r.newPolicy = func() clients.RetryPolicy { return policy }
	if budget != nil {
		r.newPolicy = func() clients.RetryPolicy {
			pp := params
			pp.Budget = clients.NewRetryBudget(budget.Capacity, budget.Cost)
			p, _ := clients.PolicyByName(rs.Policy, pp) // the name was checked above
			return p
		}
	}
	return policy, nil
}

// transport is one service client of a simulated client: the run's
// configuration with a policy of its own (its own retry budget).
func (r *run) transport(tokens clients.TokenProvider) *clients.Transport {
	cfg := r.cfg
	cfg.Policy = r.newPolicy()
	return cfg.Transport(tokens)
}

// prepareTarget sets up the simulated clients (tokens, preloaded networks)
// and installs the profile's rate limit and faults on the mock.
func (r *run) prepareTarget(ctx, bg context.Context) ([]*simClient, []string, error) {
	setupCtx, cancelSetup := context.WithTimeout(ctx, 2*time.Minute)
	sims, notes, err := r.setupClients(setupCtx)
	cancelSetup()
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("loadgen: interrupted during setup: %w", ctx.Err())
		}
		return nil, nil, fmt.Errorf("loadgen: set up simulated clients: %w", err)
	}
	if err := r.applyMock(bg); err != nil {
		return nil, nil, err
	}
	return sims, notes, nil
}

// attackOutcome is what the attack leaves for the summary.
type attackOutcome struct {
	agg         *aggregator
	elapsed     time.Duration
	interrupted bool
	// stoppedAt is when the attack was stopped (Ctrl-C or stopOnBreach),
	// from its start; 0 when it ran its duration.
	stoppedAt time.Duration
	cpu       float64 // mean CPU use over the attack (fraction of GOMAXPROCS)
	cpuOK     bool
	machine   float64 // the machine's CPU use over the attack
	cpuPeak   float64
	fdWarned  bool
	notes     []string
}

// fdsPerHit is the file descriptors one hit in flight holds: its socket,
// and with the embedded mock the server's end of it too.
func (r *run) fdsPerHit() int {
	if r.prof.Target == TargetMock {
		return 2
	}
	return 1
}

// maxInFlight is the cap on hits in flight: the profile's, or what the
// file-descriptor limit allows.
func (r *run) maxInFlight() int {
	if n := r.prof.Generator.MaxInFlight; n > 0 {
		return n
	}
	return inFlightCap(r.fd, r.fdsPerHit())
}

// newAttacker is vegeta's attacker over the dispatcher: one hit is one
// logical call of a simulated client. stop cuts short every hit in flight.
func (r *run) newAttacker(sims []*simClient, stop context.Context) *vegeta.Attacker {
	// The hit timeout is the dispatcher's (a context deadline): an
	// http.Client.Timeout over a custom RoundTripper costs a goroutine and a
	// timer per request.
	capN := r.maxInFlight()
	r.disp = &dispatcher{clients: sims, stop: stop, gate: newGate(r.prof.Clients.Coalesce), timeout: r.prof.Timeout.D(),
		maxInFlight: int64(capN)}
	if r.prof.Pacer.Type != "max" {
		// Hits due while the cap is reached are skipped by the schedule, not
		// handed to a worker: no goroutine, request or result is spent on
		// a hit that will not be sent.
		r.sched.full = func() bool { return r.disp.inFlight.Load() >= r.disp.maxInFlight }
	}
	hc := &http.Client{Transport: r.disp,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	maxWorkers := r.opts.MaxWorkers
	if maxWorkers == 0 && r.prof.Pacer.Workers > 0 {
		maxWorkers = uint64(r.prof.Pacer.Workers)
	}
	workers := uint64(vegeta.DefaultWorkers)
	if maxWorkers == 0 {
		// Open model, bounded: the in-flight cap plus headroom for workers
		// refusing hits over it or handing back results. When every worker
		// is busy the schedule waits (lag, then behind-schedule), so neither
		// goroutines nor memory grow with the offered rate.
		maxWorkers = uint64(capN + max(64, capN/4))
	} else if r.prof.Pacer.Type == "max" {
		workers = maxWorkers
	}
	workers = min(workers, maxWorkers)
	return vegeta.NewAttacker(vegeta.Client(hc), vegeta.Workers(workers), vegeta.MaxWorkers(maxWorkers), vegeta.MaxBody(0))
}

// newTargeter is the run's seeded operation mix over its simulated clients.
func (r *run) newTargeter() *Targeter {
	return NewTargeter(TargeterConfig{
		Mix: r.prof.Mix, Clients: r.prof.Clients.Count, Seed: r.prof.Data.Seed, Shard: r.opts.Shard,
		PageSize: r.prof.Data.PageSize, Preload: *r.prof.Data.Preload, Endpoints: r.ep,
		Grant:   TokenGrant{ClientID: r.cfg.ClientID, ClientSecret: r.cfg.ClientSecret.Reveal(), RefreshToken: r.cfg.CustomerRefreshToken.Reveal()},
		SkillID: r.cfg.SkillID,
	})
}

// attack runs the attack to its end (or ctx's cancellation), streaming
// every result to rw and the aggregator, with progress every tick.
func (r *run) attack(ctx, bg context.Context, sims []*simClient, rw *resultWriter) attackOutcome {
	stopCtx, stopHits := context.WithCancel(bg)
	defer stopHits()
	atk := r.newAttacker(sims, stopCtx)
	out := attackOutcome{agg: newAggregator(r.prof, r.sched.Schedule)}
	planned := r.prof.Duration.D()
	attackStart := time.Now()
	meter, runMeter := newCPUMeter(attackStart), newCPUMeter(attackStart)
	r.log.Info("attack started", "pacer", r.sched.String(), "duration", planned, "out", r.opts.OutDir,
		"maxInFlight", r.disp.maxInFlight, "fdLimit", r.fd.Soft)
	if ts, err := newSeries(r.opts.OutDir, attackStart, r.secrets()); err != nil {
		out.notes = append(out.notes, "no time series: "+err.Error())
	} else {
		r.series = ts
		r.disp.series = ts
	}
	results := atk.Attack(r.newTargeter().Targeter(), r.sched, planned, r.prof.Name)

	// One tick a second at most: CPU samples (the steps' generator health),
	// stopOnBreach, flushing, and progress.
	every := r.opts.ProgressEvery
	if every <= 0 || every > time.Second {
		every = time.Second
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	var writeErr error
	done := ctx.Done()
	stop := func(at time.Duration) {
		if out.stoppedAt == 0 {
			out.stoppedAt = at
		}
		atk.Stop()
	}
loop:
	for {
		select {
		case res, ok := <-results:
			if !ok {
				break loop
			}
			if sent := r.record(res, out.agg); sent && writeErr == nil {
				writeErr = rw.write(res)
			}
			r.takeSkipped(out.agg)
		case now := <-ticker.C:
			if writeErr == nil {
				writeErr = rw.flush()
			}
			at := now.Sub(attackStart)
			if busy, ok := meter.read(now); ok {
				out.agg.cpu = append(out.agg.cpu, cpuSample{At: at, Busy: busy, Machine: meter.machine})
				out.cpuPeak = max(out.cpuPeak, busy)
			}
			if out.stoppedAt == 0 {
				if note, ok := r.stopOnBreach(out.agg, at); ok {
					out.notes = append(out.notes, note)
					stop(at)
				}
			}
			_ = r.alog.flush()
			r.warnFDs(&out)
			r.series.cut(now)
			r.progress(at, false)
		case <-done:
			done = nil
			out.interrupted = true
			out.agg.interrupted = true
			stop(time.Since(attackStart))
			// Give hits in flight a moment to finish, then cut them short
			// (retry waits included) so Ctrl-C is honoured within seconds.
			time.AfterFunc(time.Second, stopHits)
		}
	}
	out.elapsed = time.Since(attackStart)
	r.takeSkipped(out.agg)
	out.cpu, out.cpuOK = runMeter.read(time.Now())
	out.machine = runMeter.machine
	r.log.Info("attack ended", "elapsed", out.elapsed, "hits", r.hits.Load(), "interrupted", out.interrupted)
	r.progress(out.elapsed, true)
	if writeErr == nil {
		writeErr = rw.flush()
	}
	if writeErr != nil {
		out.notes = append(out.notes, "results.bin could not be written in full: "+writeErr.Error())
	}
	return out
}

// warnFDs logs, once, that the hits in flight came within 20 % of the
// file-descriptor limit.
func (r *run) warnFDs(out *attackOutcome) {
	if out.fdWarned || r.fd.Soft == 0 {
		return
	}
	if n := r.disp.peak.Load() * int64(r.fdsPerHit()); n >= int64(r.fd.Soft)*8/10 {
		out.fdWarned = true
		r.log.Warn("hits in flight are close to the file-descriptor limit", "inFlightPeak", r.disp.peak.Load(),
			"descriptorsPerHit", r.fdsPerHit(), "limit", r.fd.Soft, "cap", r.disp.maxInFlight)
	}
}

// takeSkipped moves the hits the schedule skipped (in-flight cap) into the
// aggregator.
func (r *run) takeSkipped(agg *aggregator) {
	for _, sr := range r.sched.takeSkipped() {
		agg.skip(sr.From, sr.To, NotSentInFlightCap)
		r.series.offer(noOperation, int64(sr.To-sr.From))
		r.series.notSent(noOperation, NotSentInFlightCap, int64(sr.To-sr.From))
		r.notSent.Add(int64(sr.To - sr.From))
		if r.metrics != nil {
			r.metrics.notSent.WithLabelValues(NotSentInFlightCap).Add(float64(sr.To - sr.From))
		}
	}
}

// stopOnBreach decides, for a step ramp with slo.stopOnBreach, whether to
// end the attack now, and says why.
func (r *run) stopOnBreach(agg *aggregator, elapsed time.Duration) (string, bool) {
	if r.prof.SLO == nil || !r.prof.SLO.StopOnBreach || agg.step == nil {
		return "", false
	}
	k, ok := breachedStep(agg, *r.prof.SLO, r.prof.Duration.D(), elapsed)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("the ramp stopped early: step %d (%g/s) missed the SLO", k+1, agg.step.StepRate(k)), true
}

// due is the hits the schedule has planned by elapsed.
func (r *run) due(elapsed time.Duration) int64 {
	return int64(math.Floor(r.sched.Hits(min(elapsed, r.prof.Duration.D()))))
}

// progress reports the live figures to Options.OnProgress.
func (r *run) progress(elapsed time.Duration, final bool) {
	if r.metrics != nil {
		if d := float64(r.due(elapsed)); d > r.lastDue {
			r.metrics.planned.Add(d - r.lastDue)
			r.lastDue = d
		}
	}
	if r.opts.OnProgress == nil {
		return
	}
	p := Progress{Elapsed: elapsed, Planned: r.prof.Duration.D(), Due: r.due(elapsed), Sent: r.sent.Load(),
		NotSent: r.notSent.Load(), Hits: r.hits.Load(), Errors: r.errs.Load(),
		Throttled: r.alog.throttledCount(), Done: final}
	if r.disp != nil {
		p.InFlight = r.disp.inFlight.Load()
	}
	if s := elapsed.Seconds(); s > 0 {
		p.Rate = float64(p.Hits) / s
	}
	r.opts.OnProgress(p)
}

// summarize grades the run: its figures, thresholds and back-off
// compliance from the attempt log and, for the embedded mock, its journal
// (saved to journal.jsonl).
func (r *run) summarize(bg context.Context, started time.Time, policy string, out attackOutcome) *Summary {
	sum := &Summary{
		Profile: r.prof.Name, Description: r.prof.Description, Target: r.prof.Target,
		Pacer: r.sched.String(), Clients: r.prof.Clients.Count, Policy: policy,
		Started: started, Planned: r.prof.Duration.D(), Elapsed: out.elapsed, PlannedHits: r.plannedHits(),
		Interrupted: out.interrupted, LatencyFrom: "intended send time (open model)", Notes: append(slices.Clone(r.notes), out.notes...), OutDir: r.opts.OutDir,
	}
	journal, haveJournal := r.readJournal(bg, sum)
	_ = r.alog.flush()
	events, dropped, attempts := r.alog.snapshot()
	sum.Attempts = attempts
	var jsize int
	if r.mockRun != nil {
		jsize = r.mockJournalSize()
	}
	sum.Compliance = gradeCompliance(r.prof, events, dropped, journal, haveJournal, r.prof.Target == TargetMock, jsize)
	sum.Accounting = r.account(out)
	for _, reason := range []string{NotSentBehind, NotSentStopped} {
		if n := sum.Accounting.NotSentReasons[reason]; n > 0 {
			r.series.offer(noOperation, n)
			r.series.notSent(noOperation, reason, n)
		}
	}
	if err := r.series.close(time.Now()); err != nil {
		sum.Notes = append(sum.Notes, "timeseries.jsonl could not be written in full: "+err.Error())
	}
	sum.Generator = r.health(out)
	sum.Generator.behind(sum.Accounting)
	finish(sum, r.prof, out.agg)
	sum.Ended = time.Now()
	return sum
}

// account says what became of every planned hit: the aggregator knows the
// hits issued (sent, or held back with a reason); the rest were never
// issued: still due when the run's time was up (behind-schedule), or no
// longer due because the run stopped first.
func (r *run) account(out attackOutcome) Accounting {
	a := accountIssued(out.agg)
	if r.prof.Pacer.Type == "max" {
		a.Planned = out.agg.issued
	} else {
		// A pacer's rounding may issue a hit more than H(duration) says:
		// what was issued was planned.
		a.Planned = max(int64(r.plannedHits()), out.agg.issued)
		end := r.prof.Duration.D()
		if out.stoppedAt > 0 && out.stoppedAt < end {
			end = out.stoppedAt
		}
		dueByEnd := r.due(end)
		if n := dueByEnd - out.agg.issued; n > 0 {
			a.NotSentReasons[NotSentBehind] += n
		}
		if n := a.Planned - max(dueByEnd, out.agg.issued); n > 0 {
			a.NotSentReasons[NotSentStopped] += n
		}
	}
	return a.total()
}

// accountIssued counts the issued hits: sent, answered, and not sent by
// reason.
func accountIssued(agg *aggregator) Accounting {
	a := Accounting{NotSentReasons: map[string]int64{}}
	all := agg.all
	a.Sent = int64(all.requests + all.cancelled)
	for k, n := range all.statuses {
		if _, err := strconv.Atoi(k); err == nil {
			a.Answered += int64(n)
		}
	}
	for k, n := range all.notSent {
		a.NotSentReasons[k] += int64(n)
	}
	return a
}

// total fills NotSent and GeneratorShare from the reasons.
func (a Accounting) total() Accounting {
	a.NotSent = 0
	var gen int64
	for k, n := range a.NotSentReasons {
		if n == 0 {
			delete(a.NotSentReasons, k)
			continue
		}
		a.NotSent += n
		if generatorReason(k) {
			gen += n
		}
	}
	if a.Planned > 0 {
		a.GeneratorShare = float64(gen) / float64(a.Planned)
	}
	return a
}

// health is the generator's view of its own limits over the run.
func (r *run) health(out attackOutcome) *GeneratorHealth {
	g := &GeneratorHealth{FDLimit: r.fd, FDsPerHit: r.fdsPerHit(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		SharesWithMock: r.prof.Target == TargetMock, MaxLag: out.agg.maxLag, MaxCPU: out.agg.maxCPU,
		CPU: out.cpu, CPUPeak: out.cpuPeak, MachineCPU: out.machine}
	if r.disp != nil {
		g.MaxInFlight, g.PeakInFlight = int(r.disp.maxInFlight), r.disp.peak.Load()
	}
	if out.agg.all.lag.h.TotalCount() > 0 {
		l := out.agg.all.lag.summary()
		g.Lag = &l
	}
	if r.fd.Error != "" {
		g.Warnings = append(g.Warnings, "file-descriptor limit: "+r.fd.Error)
	}
	if r.fd.Soft > 0 && g.PeakInFlight*int64(g.FDsPerHit) >= int64(r.fd.Soft)*8/10 {
		g.Warnings = append(g.Warnings, fmt.Sprintf("hits in flight (peak %d, %d descriptors each) came within 20%% of the file-descriptor limit %d",
			g.PeakInFlight, g.FDsPerHit, r.fd.Soft))
	}
	if g.MaxInFlight > 0 && g.PeakInFlight >= int64(g.MaxInFlight) {
		g.Warnings = append(g.Warnings, fmt.Sprintf("hits in flight reached the cap %d (generator.maxInFlight)", g.MaxInFlight))
	}
	g.grade(out.agg, out.cpuOK, r.prof.Pacer.Type == "max")
	return g
}

// grade decides whether the generator was saturated, and why.
func (g *GeneratorHealth) grade(agg *aggregator, cpuOK, closed bool) {
	if !closed && g.Lag != nil && g.Lag.P99 > g.MaxLag {
		why := ""
		if g.MachineCPU >= g.MaxCPU && g.CPU < g.MaxCPU {
			why = fmt.Sprintf("; the machine's CPU was %.0f%% busy while this process used %.0f%%: other processes starved the generator", g.MachineCPU*100, g.CPU*100)
		}
		g.Reasons = append(g.Reasons, fmt.Sprintf("schedule lag p99 %s > %s (max %s): hits left late%s",
			g.Lag.P99.Round(time.Microsecond), g.MaxLag, g.Lag.Max.Round(time.Microsecond), why))
	}
	if cpuOK && g.CPU >= g.MaxCPU {
		who := "the generator"
		if g.SharesWithMock {
			who = "the generator and the embedded mock together"
		}
		g.Reasons = append(g.Reasons, fmt.Sprintf("CPU %.0f%% of %d cores (%s)", g.CPU*100, g.GOMAXPROCS, who))
	}
	for k, n := range agg.all.kinds {
		if strings.Contains(k, "too many open files") {
			g.Reasons = append(g.Reasons, fmt.Sprintf("%d hits failed for want of file descriptors (%s)", n, k))
		}
	}
	if n := agg.all.notSent[NotSentInFlightCap]; n > 0 {
		g.Reasons = append(g.Reasons, fmt.Sprintf("%d hits over the in-flight cap %d were not sent", n, g.MaxInFlight))
	}
	g.Saturated = len(g.Reasons) > 0
}

// behind adds the behind-schedule reason (more than 0.1 % of the planned
// hits still due at the end) once the accounting is known.
func (g *GeneratorHealth) behind(a Accounting) {
	if n := a.NotSentReasons[NotSentBehind]; a.Planned > 0 && float64(n) > 0.001*float64(a.Planned) {
		g.Reasons = append(g.Reasons, fmt.Sprintf("%d planned hits (%.2g%%) were still due when the run ended (behind schedule)",
			n, 100*float64(n)/float64(a.Planned)))
		g.Saturated = true
	}
}

// readJournal fetches the embedded mock's journal and saves it; problems
// become notes of the summary.
func (r *run) readJournal(bg context.Context, sum *Summary) ([]mockcontrol.JournalEntry, bool) {
	if r.mockRun == nil {
		return nil, false
	}
	jctx, cancel := context.WithTimeout(bg, 30*time.Second)
	journal, err := mockcontrol.Control{BaseURL: r.mockRun.URL}.Journal(jctx)
	cancel()
	if err != nil {
		sum.Notes = append(sum.Notes, "could not read the mock's journal: "+err.Error())
		return nil, false
	}
	if err := writeJournal(r.opts.OutDir, journal); err != nil {
		sum.Notes = append(sum.Notes, err.Error())
	}
	return journal, true
}

// breachedStep reports the first completed step that missed the SLO, once
// a grace period after its end has let its slowest hits come back.
func breachedStep(agg *aggregator, slo SLO, planned, elapsed time.Duration) (int, bool) {
	grace := min(agg.step.Every, 2*time.Second)
	steps, _ := agg.stepSummaries(slo, planned)
	for _, s := range steps {
		// Only a breach on the target's account stops the ramp: a step the
		// generator could not drive says nothing of the target.
		if s.End+grace <= elapsed && s.Complete && !s.MetSLO && s.Generator == "" {
			return s.Index, true
		}
	}
	return 0, false
}

// record turns a vegeta result into the run's record of the hit: latency
// from the intended send time, no body, only the harness's headers. It
// reports whether the hit was sent (results.bin holds only those).
func (r *run) record(res *vegeta.Result, agg *aggregator) bool {
	res.Seq = r.sched.Index(res.Seq) // the schedule's index, skipped hits included
	sent := res.Timestamp
	end := sent.Add(res.Latency)
	lag := time.Duration(-1)
	if due := r.sched.Due(res.Seq); due != time.Duration(math.MaxInt64) {
		if b := r.sched.Began(); !b.IsZero() {
			lag = max(0, sent.Sub(b.Add(due)))
		}
	}
	intended := r.sched.Intended(res.Seq, sent)
	res.Latency = end.Sub(intended)
	res.Body = nil
	res.Headers = keepHeaders(res.Headers)
	agg.add(res, lag)
	if ns := notSentReason(res.Error); ns != "" {
		r.series.notSent(ParseHit(res.Method, res.URL).Op, ns, 1)
	} else {
		r.series.record(ParseHit(res.Method, res.URL).Op, intended, sent, res.Latency, int(res.Code), res.Error)
	}
	if r.metrics != nil {
		ns, status := notSentReason(res.Error), ""
		if ns == "" {
			status = classify(res, agg.interrupted)
		}
		r.metrics.observe(ParseHit(res.Method, res.URL).Op, status, ns, res.Latency, lag)
	}
	if notSentReason(res.Error) != "" {
		r.notSent.Add(1)
		return false
	}
	r.sent.Add(1)
	r.hits.Add(1)
	if res.Code < 200 || res.Code >= 300 {
		r.errs.Add(1)
	}
	return true
}

// finish fills the summary's figures, thresholds and verdict from the
// aggregator (and the accounting and generator health already set).
func finish(sum *Summary, p *Profile, agg *aggregator) {
	sum.All = agg.all.summary("all", 0)
	sum.Operations = agg.opSummaries()
	slo := SLO{}
	if p.SLO != nil {
		slo = *p.SLO
	} else if l, ok := p.Thresholds.Latency["all"]; ok {
		slo = SLO{P99: l.P99, P95: l.P95, ErrorRate: p.Thresholds.ErrorRate}
	}
	sum.Steps, sum.Knee = agg.stepSummaries(slo, p.Duration.D())
	if sum.Knee != nil {
		sum.HighestRate = sum.Knee.Rate
	}
	sum.Thresholds = evaluate(p, sum)
	sum.settle()
}

// Whole reports whether the run is whole: not interrupted, not partial
// (a file missing or cut short) and not damaged.
func (s *Summary) Whole() bool {
	return !s.Interrupted && !s.Partial && len(s.Damage) == 0
}

// settle sets ThresholdsMet from the thresholds, Pass (thresholds met and
// the run whole: the one rule that a partial run never passes) and the
// verdict line. It is called again whenever the run is found partial or
// damaged after finish (Replay).
func (s *Summary) settle() {
	s.ThresholdsMet = true
	for _, t := range s.Thresholds {
		if !t.Pass {
			s.ThresholdsMet = false
		}
	}
	s.Pass = s.ThresholdsMet && s.Whole()
	s.Verdict = verdict(s)
}

// verdict is PASS or FAIL (on the thresholds) with its qualifiers: a
// saturated generator or a partial run never reads as a plain PASS.
func verdict(s *Summary) string {
	v := "PASS"
	if !s.ThresholdsMet {
		v = "FAIL"
	}
	var q []string
	if s.Generator != nil && s.Generator.Saturated {
		q = append(q, "generator saturated")
	}
	if s.Interrupted {
		q = append(q, "interrupted")
	}
	if s.Partial {
		q = append(q, "partial run")
	}
	if len(s.Damage) > 0 {
		q = append(q, "damaged")
	}
	if len(q) > 0 {
		v += " (" + strings.Join(q, ", ") + ")"
	}
	return v
}

// evaluate checks the profile's thresholds against the summary.
func evaluate(p *Profile, sum *Summary) []ThresholdResult {
	var out []ThresholdResult
	ops := map[string]OpSummary{"all": sum.All}
	for _, o := range sum.Operations {
		ops[o.Name] = o
	}
	for _, name := range slices.Sorted(maps.Keys(p.Thresholds.Latency)) {
		l := p.Thresholds.Latency[name]
		o, ok := ops[name]
		for _, c := range []struct {
			q      string
			limit  Duration
			actual time.Duration
		}{{"p50", l.P50, o.Latency.P50}, {"p95", l.P95, o.Latency.P95}, {"p99", l.P99, o.Latency.P99}} {
			if c.limit <= 0 {
				continue
			}
			tr := ThresholdResult{Name: fmt.Sprintf("latency.%s.%s", name, c.q), Limit: "≤ " + c.limit.D().String()}
			if !ok || o.Requests == 0 {
				tr.Actual, tr.Pass = "no hits", false
			} else {
				tr.Actual, tr.Pass = c.actual.String(), c.actual <= c.limit.D()
			}
			out = append(out, tr)
		}
	}
	if p.Thresholds.ErrorRate != nil {
		lim := *p.Thresholds.ErrorRate
		out = append(out, ThresholdResult{Name: "errorRate", Limit: "≤ " + humanfmt.Percent(lim),
			Actual: humanfmt.Percent(sum.All.ErrorRate), Pass: sum.All.Requests > 0 && sum.All.ErrorRate <= lim})
	}
	if lim := p.Thresholds.MaxNotSent; lim != nil && p.Pacer.Type != "max" && sum.Accounting.Planned > 0 {
		a := sum.Accounting
		gen := a.NotSentReasons[NotSentBehind] + a.NotSentReasons[NotSentInFlightCap]
		actual := fmt.Sprintf("%s (%s of %s planned", humanfmt.Percent(a.GeneratorShare), humanfmt.Count(gen), humanfmt.Count(a.Planned))
		for _, k := range []string{NotSentBehind, NotSentInFlightCap} {
			if n := a.NotSentReasons[k]; n > 0 {
				actual += fmt.Sprintf("; %s %d", k, n)
			}
		}
		out = append(out, ThresholdResult{Name: "maxNotSent", Limit: "≤ " + humanfmt.Percent(*lim),
			Actual: actual + ")", Pass: float64(gen) <= notSentAllowance(*lim, a.Planned)})
	}
	if p.Thresholds.MinRate > 0 {
		out = append(out, ThresholdResult{Name: "minRate", Limit: "≥ " + humanfmt.Rate(p.Thresholds.MinRate),
			Actual: humanfmt.Rate(sum.All.Rate), Pass: sum.All.Rate >= p.Thresholds.MinRate})
	}
	if c := sum.Compliance; c != nil && c.Mode == BackoffRequired {
		actual := "pass"
		if !c.Pass {
			actual = "fail: " + strings.Join(c.Reasons, "; ")
		}
		out = append(out, ThresholdResult{Name: "backoff", Limit: "required", Actual: actual, Pass: c.Pass})
	}
	return out
}

// gradeCompliance runs the back-off checker over the client's attempt log
// and, when there is one, the mock's journal, and compares the two.
func gradeCompliance(p *Profile, events []compliance.Event, dropped int, journal []mockcontrol.JournalEntry, haveJournal, wantJournal bool, journalSize int) *ComplianceSummary {
	mode := p.Thresholds.Backoff
	if mode == BackoffOff {
		return nil
	}
	opts := complianceOptions(p)
	cs := &ComplianceSummary{Mode: mode, Policy: p.Clients.Retry.Policy, EventsDropped: dropped}
	cv := compliance.Check(events, opts)
	cs.Client = &cv
	if dropped > 0 {
		cs.Reasons = append(cs.Reasons, fmt.Sprintf("%d attempts beyond the in-memory limit were not graded", dropped))
	}
	if !cv.Pass() {
		cs.Reasons = append(cs.Reasons, "client view fails "+strings.Join(cv.Failed(), ", "))
	}
	cs.Agree = true
	if haveJournal {
		sv := compliance.Check(mockcontrol.Events(journal), opts)
		cs.Server = &sv
		if !sv.Pass() {
			cs.Reasons = append(cs.Reasons, "server view fails "+strings.Join(sv.Failed(), ", "))
		}
		if journalSize > 0 && len(journal) >= journalSize {
			cs.JournalTruncated = true
			cs.Reasons = append(cs.Reasons, fmt.Sprintf("the mock's journal filled up (%d entries): the views cover different windows", journalSize))
		}
		if err := compliance.Compare(cv, sv); err != nil {
			cs.Agree = false
			cs.Disagreement = err.Error()
			cs.Reasons = append(cs.Reasons, "client and server views disagree: "+err.Error())
		}
	} else if wantJournal {
		cs.Agree = false
		cs.Reasons = append(cs.Reasons, "the mock's journal was not available, so the server view is missing")
	}
	cs.Pass = len(cs.Reasons) == 0
	return cs
}

// complianceOptions are the checker's options for the profile's policy.
func complianceOptions(p *Profile) compliance.Options {
	r := p.Clients.Retry
	o := compliance.Options{
		MaxAttempts: r.MaxAttempts, Base: r.Base.D(), Cap: r.Cap.D(), Jitter: compliance.JitterFull,
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = clients.DefaultMaxAttempts
	}
	if o.Base == 0 {
		o.Base = clients.DefaultBase
	}
	if o.Cap == 0 {
		o.Cap = clients.DefaultCap
	}
	// A client with a retry budget settles at ≤ 1.1 attempts per call (C5).
	o.RetryBudget = p.Clients.RetryBudget != nil
	// "Sustained" throttling (C5) over the profile's own window when the
	// run is shorter than the spec's 60 s.
	o.SustainedWindow = min(compliance.DefaultSustainedWindow, max(2*time.Second, p.Duration.D()/3))
	return o
}

// newBaseTransport is the connection pool every simulated client shares.
func newBaseTransport(conns int) *http.Transport {
	if conns <= 0 {
		conns = vegeta.DefaultConnections
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = conns
	t.ResponseHeaderTimeout = 30 * time.Second
	return t
}

// setupClients obtains every simulated client's own tokens and preloads its
// networks. Each client gets distinct access tokens (one LWA refresh each),
// so the mock's per-token rate limit sees N clients.
func (r *run) setupClients(ctx context.Context) ([]*simClient, []string, error) {
	n := r.prof.Clients.Count
	var notes []string
	if r.cfg.AccessToken != "" {
		notes = append(notes, "HARNESS_ACCESS_TOKEN is set: every simulated client shares one token, so per-client throttling is not exercised")
	}
	sims := make([]*simClient, n)
	tokens := make([][2]string, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range n {
		g.Go(func() error {
			sc, toks, err := r.setupClient(gctx, i)
			sims[i], tokens[i] = sc, toks
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, notes, err
	}
	if r.cfg.AccessToken == "" {
		if err := distinctTokens(tokens); err != nil {
			return nil, notes, err
		}
	}
	return sims, notes, nil
}

// setupClient sets up simulated client i: a Credential Locker client with
// its own customer token (and its preloaded networks) when the mix needs
// one, an SMAPI client with its own vendor token likewise, and the token
// operation's client. It returns the access tokens (customer, vendor) it got.
func (r *run) setupClient(ctx context.Context, i int) (*simClient, [2]string, error) {
	var toks [2]string
	sc := &simClient{lwa: r.transport(nil), locker: missingTransport("customer"), smapi: missingTransport("vendor")}
	needLocker := r.prof.Mix[MixCreate]+r.prof.Mix[MixGet]+r.prof.Mix[MixGetAllPages] > 0 || *r.prof.Data.Preload > 0
	if needLocker {
		customers := []redact.Secret{r.cfg.CustomerRefreshToken}
		if r.cfg.CustomerBRefreshToken != "" {
			customers = append(customers, r.cfg.CustomerBRefreshToken)
		}
		tp, err := r.cfg.Tokens(customers[i%len(customers)], "customer", "HARNESS_CUSTOMER_REFRESH_TOKEN")
		if err != nil {
			return nil, toks, err
		}
		if toks[0], err = tp.Token(ctx); err != nil {
			return nil, toks, fmt.Errorf("client %d: customer token: %w", i, err)
		}
		tr := r.transport(tp)
		sc.locker = tr
		if sc.pager, err = clients.NewLocker(r.ep.Locker, &http.Client{Transport: tr}); err != nil {
			return nil, toks, err
		}
		gen := NewDataGen(r.prof.Data.Seed)
		for j := range *r.prof.Data.Preload {
			if err := sc.pager.CreateThreadNetworkRaw(ctx, gen.PreloadNetwork(r.opts.Shard.Client(i), j)); err != nil && !errors.Is(err, clients.ErrConflict) {
				return nil, toks, fmt.Errorf("client %d: preload network %d: %w", i, j, err)
			}
		}
	}
	if r.prof.Mix[MixSkillCredentials] > 0 {
		tp, err := r.cfg.VendorTokens()
		if err != nil {
			return nil, toks, err
		}
		if toks[1], err = tp.Token(ctx); err != nil {
			return nil, toks, fmt.Errorf("client %d: vendor token: %w", i, err)
		}
		sc.smapi = r.transport(tp)
	}
	return sc, toks, nil
}

// distinctTokens refuses simulated clients that share an access token:
// per-client throttling (and the back-off rules, per client) need their own.
func distinctTokens(tokens [][2]string) error {
	seen := map[string]int{}
	for i, t := range tokens {
		for _, tok := range t {
			if tok == "" {
				continue
			}
			if j, dup := seen[tok]; dup {
				return fmt.Errorf("simulated clients %d and %d were given the same access token (%s); per-client throttling needs distinct tokens", j, i, redact.ClientID(tok))
			}
			seen[tok] = i
		}
	}
	return nil
}

type missingTransport string

func (m missingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("loadgen: no %s token was set up for this operation", string(m))
}

// applyMock installs the profile's rate limit and faults on the mock.
func (r *run) applyMock(ctx context.Context) error {
	if r.mockRun == nil {
		return nil
	}
	ctl := mockcontrol.Control{BaseURL: r.mockRun.URL}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if rl := r.prof.Mock.RateLimit; rl != nil {
		if err := ctl.SetRateLimit(ctx, *rl); err != nil {
			return fmt.Errorf("loadgen: mock.rateLimit: %w", err)
		}
	}
	for i, f := range r.prof.Mock.Faults {
		if _, err := ctl.AddFault(ctx, f); err != nil {
			return fmt.Errorf("loadgen: mock.faults[%d]: %w", i, err)
		}
	}
	return nil
}

// secrets are the run's known secrets, kept out of the time series' error
// texts.
func (r *run) secrets() []string {
	var out []string
	for _, s := range []string{r.cfg.ClientSecret.Reveal(), r.cfg.CustomerRefreshToken.Reveal(), r.cfg.CustomerBRefreshToken.Reveal(), r.cfg.AccessToken.Reveal()} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// notSentAllowance is how many planned hits the generator may leave unsent
// under thresholds.maxNotSent = lim: the fraction of the plan, and at least
// one hit when lim > 0, since a short run at a low rate otherwise fails on
// the single hit due in its last milliseconds (1 of 90 is 1.1 %).
func notSentAllowance(lim float64, planned int64) float64 {
	allowed := lim * float64(planned)
	if lim > 0 {
		allowed = max(allowed, 1)
	}
	return allowed
}
