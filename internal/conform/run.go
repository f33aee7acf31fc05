package conform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"

	"github.com/alexa-harness/harness/api"
	"github.com/alexa-harness/harness/features"
	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/redact"
	"github.com/alexa-harness/harness/steps"
)

// Targets.
const (
	TargetMock = "mock"
	TargetReal = "real"
)

// ReasonNotSelected starts the skip reason of scenarios a tag expression
// left out.
const ReasonNotSelected = "not selected by --tags"

// Defaults of a run.
const (
	DefaultRealRate        = 5.0  // requests per second against a real target
	DefaultRealMaxRequests = 1000 // request budget against a real target
	DefaultMockConcurrency = 16
	DefaultRealConcurrency = 2
	// DefaultTimeout bounds a whole run; DefaultScenarioTimeout bounds each
	// scenario (a hanging real server must not hold the run forever).
	DefaultTimeout         = 10 * time.Minute
	DefaultScenarioTimeout = 2 * time.Minute
)

// Reasons of scenarios a run did not let finish.
const (
	// ReasonInterrupted is the skip reason of scenarios cancelled or never
	// started because the run was interrupted (SIGINT).
	ReasonInterrupted = "aborted: interrupted"
	// AbortedPrefix starts the failure of scenarios stopped by a deadline.
	AbortedPrefix = "aborted: "
)

// Report file names: CucumberFile is written to Options.OutDir by godog's
// cucumber formatter; JUnitFile is written by the CLI from the runner's
// per-scenario results (reports.WriteScenarioJUnit), not by godog, whose
// JUnit formatter reports skipped scenarios as errors without a reason.
const (
	CucumberFile = "cucumber.json"
	JUnitFile    = "junit.xml"
)

// ErrOptions marks a run refused for its options or configuration (a usage
// error), as opposed to one that failed while running.
var ErrOptions = errors.New("invalid conformance options")

// Options configure a run.
type Options struct {
	// Target is TargetMock (default) or TargetReal.
	Target string
	// Clients configures real mode: base URLs, LWA client, identities and
	// skill id (clients.FromEnv reads the HARNESS_* variables). Mock mode
	// ignores it and uses the mock's well-known identities.
	Clients clients.Config
	// Tags is a godog tag expression ("@op:token && ~@mock-only").
	Tags string
	// Concurrency is how many scenarios run at once (default 16 against the
	// mock, 2 against a real target, where the rate cap paces them anyway;
	// 1 with the pretty format, which interleaves concurrent scenarios).
	Concurrency int
	// Format is godog's console format: "progress" (default), "pretty",
	// or "none".
	Format string
	// Output receives the console format (nil: discarded; the CLI passes
	// its stdout, so that the library never writes to the process's own).
	Output io.Writer
	// OutDir, when set, receives cucumber.json from godog's cucumber
	// formatter (the directory is created).
	OutDir string
	// AllowWrites lets @writes scenarios run against a real target.
	AllowWrites bool
	// MaxRequests is the request budget (0: 1000 against a real target, none
	// against the mock; <0: none). Scenarios that would start past it are
	// skipped with the reason.
	MaxRequests int64
	// Rate caps requests per second (0: 5 against a real target, none
	// against the mock; <0: none).
	Rate float64
	// TestingT, when set, runs each scenario as a subtest (go test).
	TestingT *testing.T
	// FS holds the feature files (default features.FS()).
	FS fs.FS
	// Base is the RoundTripper under everything (default
	// clients.DefaultRoundTripper()).
	Base http.RoundTripper
	// Randomize shuffles scenario order with this seed (0: file order).
	Randomize int64
	// Timeout bounds the whole run (0: DefaultTimeout; <0: none). Scenarios
	// running or not yet started when it passes fail as aborted, naming it.
	Timeout time.Duration
	// ScenarioTimeout bounds each scenario through its context (0:
	// DefaultScenarioTimeout; <0: none).
	ScenarioTimeout time.Duration
}

// Run runs the conformance suite and returns its result. The error is for a
// run that could not be carried out (bad options, a mock that does not
// start, unreadable features), not for failed scenarios: see Result.OK.
//
// Its steps: settle the options (withDefaults), load the catalog and the
// validator, set up the target (real endpoints or a started mock), run the
// godog suite, and assemble the result from the catalog and what ran.
func Run(ctx context.Context, opt Options) (*Result, error) {
	start := time.Now()
	opt, format, err := withDefaults(opt)
	if err != nil {
		return nil, err
	}
	catalog, err := Catalog(opt.FS)
	if err != nil {
		return nil, err
	}
	validator, err := api.NewValidator()
	if err != nil {
		return nil, fmt.Errorf("load the contract: %w", err)
	}
	real := opt.Target == TargetReal
	g := newGuard(opt.Base, real, opt.MaxRequests, opt.Rate)
	tgt, err := setUpTarget(ctx, opt, g)
	if err != nil {
		return nil, err
	}
	defer tgt.close()
	target := steps.NewTarget(steps.Target{
		Real: real, Clients: tgt.cfg, AllowWrites: opt.AllowWrites || !real, Validator: validator,
		Base: g, StartMock: tgt.startMock, Exhausted: g.exhausted,
	})
	got, err := runSuite(ctx, opt, format, target, secretsOf(tgt.cfg))
	if err != nil {
		return nil, err
	}
	interrupted := ctx.Err() != nil
	if !interrupted && opt.Tags != "" && len(got) == 0 {
		return nil, fmt.Errorf("%w: tag expression %q selects no scenario", ErrOptions, opt.Tags)
	}
	res := assemble(catalog, got, opt, interrupted)
	res.Started, res.Requests = start, g.sent.Load()
	res.Duration = time.Since(start)
	if interrupted {
		// The partial result lets the caller report what did run.
		return res, fmt.Errorf("conformance run interrupted: %w", ctx.Err())
	}
	return res, nil
}

// withDefaults checks opt and fills its zero fields, and returns godog's
// format string (the console format, plus the cucumber file under OutDir,
// which it creates). Every refusal wraps ErrOptions, except an OutDir that
// cannot be created.
func withDefaults(opt Options) (Options, string, error) {
	if opt.Target == "" {
		opt.Target = TargetMock
	}
	if opt.Target != TargetMock && opt.Target != TargetReal {
		return opt, "", fmt.Errorf("%w: target %q: use %q or %q", ErrOptions, opt.Target, TargetMock, TargetReal)
	}
	if opt.FS == nil {
		opt.FS = features.FS()
	}
	format, err := consoleFormat(&opt)
	if err != nil {
		return opt, "", err
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = defaultConcurrency(format, opt.Target)
	}
	if opt.OutDir != "" {
		if strings.Contains(opt.OutDir, ",") {
			return opt, "", fmt.Errorf("%w: out directory %q: a comma is not allowed in the path (godog separates formats with commas)", ErrOptions, opt.OutDir)
		}
		if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
			return opt, "", fmt.Errorf("out directory: %w", err)
		}
		format += ",cucumber:" + filepath.Join(opt.OutDir, CucumberFile)
	}
	if math.IsNaN(opt.Rate) || math.IsInf(opt.Rate, 0) {
		return opt, "", fmt.Errorf("%w: rate %g: use a finite number of requests per second", ErrOptions, opt.Rate)
	}
	if opt.Timeout == 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.ScenarioTimeout == 0 {
		opt.ScenarioTimeout = DefaultScenarioTimeout
	}
	tags, err := NormalizeTags(opt.Tags)
	if err != nil {
		return opt, "", fmt.Errorf("%w: %w", ErrOptions, err)
	}
	opt.Tags = tags
	return opt, format, nil
}

// consoleFormat returns godog's console format for opt.Format ("none" is
// progress into io.Discard) and discards it when opt.Output is nil.
func consoleFormat(opt *Options) (string, error) {
	format := opt.Format
	switch format {
	case "":
		format = "progress"
	case "none":
		format = "progress"
		opt.Output = io.Discard
	case "pretty", "progress":
	default:
		return "", fmt.Errorf("%w: format %q: use pretty, progress or none", ErrOptions, opt.Format)
	}
	if opt.Output == nil {
		opt.Output = io.Discard
	}
	return format, nil
}

// defaultConcurrency is the number of scenarios run at once when the caller
// sets none: 1 with the pretty format, which interleaves concurrent
// scenarios, else the target's default.
func defaultConcurrency(format, target string) int {
	switch {
	case format == "pretty":
		return 1
	case target == TargetReal:
		return DefaultRealConcurrency
	}
	return DefaultMockConcurrency
}

// runTarget is what the scenarios talk to: the clients' configuration, how
// a @mock-only scenario starts a mock of its own (nil against a real
// target), and what to release after the run.
type runTarget struct {
	cfg       clients.Config
	startMock func(context.Context, mock.Config) (*mock.Running, error)
	close     func()
}

// setUpTarget checks the real target's configuration, or starts the shared
// mock on a free loopback port.
func setUpTarget(ctx context.Context, opt Options, g *guard) (runTarget, error) {
	if opt.Target == TargetReal {
		cfg := opt.Clients
		if err := cfg.Validate(); err != nil {
			return runTarget{}, fmt.Errorf("%w: real target: %w", ErrOptions, err)
		}
		if cfg.ClientID == "" || cfg.ClientSecret == "" {
			return runTarget{}, fmt.Errorf("%w: real target: set %s and %s (the LWA client every identity logs in with)",
				ErrOptions, contract.EnvLWAClientID, contract.EnvLWAClientSecret)
		}
		if err := preflight(ctx, cfg); err != nil {
			return runTarget{}, err
		}
		return runTarget{cfg: cfg, close: func() {}}, nil
	}
	shared, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{})
	if err != nil {
		return runTarget{}, fmt.Errorf("start the mock: %w", err)
	}
	return runTarget{
		cfg: clients.MockConfig(shared.URL),
		startMock: func(ctx context.Context, c mock.Config) (*mock.Running, error) {
			return mock.Start(ctx, "127.0.0.1:0", c)
		},
		close: func() {
			// Unused pooled connections would hold a graceful shutdown
			// for seconds; close them from our side first.
			g.CloseIdleConnections()
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = shared.Close(cctx)
		},
	}, nil
}

// runSuite runs the godog suite over target under the run's deadline and
// returns each scenario's result by Scenario.Key. secrets are scrubbed from
// every failure message.
func runSuite(ctx context.Context, opt Options, format string, target *steps.Target, secrets []string) (map[string]ScenarioResult, error) {
	runCtx, cancelRun := ctx, context.CancelFunc(func() {})
	if opt.Timeout > 0 {
		runCtx, cancelRun = context.WithTimeout(ctx, opt.Timeout)
	}
	defer cancelRun()
	rec := newRecorder(secrets, ctx, runCtx, opt.Timeout, opt.ScenarioTimeout)
	console := &summaryFilter{w: opt.Output, wholeLines: format == "pretty"} // the harness prints the summary
	defer console.Flush()
	suite := godog.TestSuite{
		Name: "conform",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			steps.Register(sc, target)
			rec.register(sc)
		},
		Options: &godog.Options{
			Format: format,
			// The console formats' colours are stripped here, on the console
			// writer, rather than by godog's NoColors: that wraps every output
			// in a writer making one Write per character, which for the
			// cucumber file is one write(2) per byte (seconds per run). The
			// cucumber formatter writes no colours, so its file is the same;
			// Colored passes text through unchanged outside Windows consoles.
			Output:         colors.Uncolored(console),
			NoColors:       false,
			Paths:          []string{"."},
			FS:             opt.FS,
			Strict:         true,
			Concurrency:    opt.Concurrency,
			Tags:           opt.Tags,
			TestingT:       opt.TestingT,
			DefaultContext: runCtx,
			Randomize:      opt.Randomize,
		},
	}
	if code := suite.Run(); code != 0 && code != 1 {
		return nil, fmt.Errorf("%w: godog could not run the suite (exit %d): check the tag expression %q", ErrOptions, code, opt.Tags)
	}
	return rec.results(), nil
}

// assemble lists every scenario of the catalog with its result, or, for one
// that did not run, the reason: not selected by the tags, interrupted, or not
// run; and builds the coverage matrix.
func assemble(catalog []Scenario, got map[string]ScenarioResult, opt Options, interrupted bool) *Result {
	res := &Result{Target: opt.Target, Tags: opt.Tags}
	for _, s := range catalog {
		r, ok := got[s.Key()]
		if !ok {
			r = ScenarioResult{Outcome: Skipped, Reason: ReasonNotSelected + " " + opt.Tags}
			switch {
			case interrupted && Selects(opt.Tags, s.Tags):
				r.Reason = ReasonInterrupted
			case opt.Tags == "":
				r.Reason = "not run"
			}
		}
		r.Feature, r.URI, r.Name, r.Tags = s.Feature, s.URI, s.Name, s.Tags
		res.Scenarios = append(res.Scenarios, r)
	}
	res.Interrupted, res.Aborted = interrupted, res.abortedCount()
	res.Coverage = BuildCoverage(res.Scenarios, contract.Documented())
	return res
}

// secretsOf lists the configured secrets, which no failure message may
// show in clear.
func secretsOf(c clients.Config) []string {
	var out []string
	for _, s := range []redact.Secret{c.ClientSecret, c.CustomerRefreshToken, c.CustomerBRefreshToken,
		c.NoScopeRefreshToken, c.VendorRefreshToken, c.OtherVendorRefreshToken, c.AccessToken} {
		if s != "" {
			out = append(out, s.Reveal())
		}
	}
	return out
}

// recorder collects each scenario's outcome from godog's hooks, and gives
// each scenario its deadline.
type recorder struct {
	secrets []string
	// parent is the caller's context (cancelled on SIGINT); run adds the
	// run's deadline.
	parent, run     context.Context
	runTimeout      time.Duration
	scenarioTimeout time.Duration

	mu      sync.Mutex
	started map[string]time.Time
	cancel  map[string]context.CancelFunc
	done    map[string]ScenarioResult
}

func newRecorder(secrets []string, parent, run context.Context, runTimeout, scenarioTimeout time.Duration) *recorder {
	return &recorder{secrets: secrets, parent: parent, run: run, runTimeout: runTimeout, scenarioTimeout: scenarioTimeout,
		started: map[string]time.Time{}, cancel: map[string]context.CancelFunc{}, done: map[string]ScenarioResult{}}
}

// errAborted fails a scenario the run's deadline did not let start.
var errAborted = errors.New("not started")

func (r *recorder) register(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		r.mu.Lock()
		r.started[s.Id] = time.Now()
		r.mu.Unlock()
		if r.run.Err() != nil {
			// Interrupted or out of time: do not start (After records why).
			return ctx, errAborted
		}
		if r.scenarioTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, r.scenarioTimeout)
			r.mu.Lock()
			r.cancel[s.Id] = cancel
			r.mu.Unlock()
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		res := ScenarioResult{Outcome: Passed}
		reason := steps.SkipReason(ctx)
		switch {
		case r.parent.Err() != nil && err != nil && !errors.Is(err, godog.ErrSkip):
			// Cancelled by an interrupt: not a verdict on the server.
			res.Outcome, res.Reason = Skipped, ReasonInterrupted
		case err != nil && r.run.Err() != nil:
			res.Outcome, res.Failure = Failed, AbortedPrefix+"the run exceeded its --timeout of "+r.runTimeout.String()
			if !errors.Is(err, errAborted) {
				res.Failure += ": " + r.scrub(err.Error())
			}
		case err != nil && ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			res.Outcome, res.Failure = Failed, AbortedPrefix+"the scenario exceeded its --scenario-timeout of "+r.scenarioTimeout.String()+": "+r.scrub(err.Error())
		case err != nil && !errors.Is(err, godog.ErrSkip):
			res.Outcome, res.Failure = Failed, r.scrub(err.Error())
		case reason != "":
			res.Outcome, res.Reason = Skipped, reason
		case err != nil:
			res.Outcome, res.Reason = Skipped, "skipped"
		}
		r.mu.Lock()
		res.Duration = time.Since(r.started[s.Id])
		if cancel := r.cancel[s.Id]; cancel != nil {
			cancel()
			delete(r.cancel, s.Id)
		}
		r.done[s.Uri+"\x00"+s.Name] = res
		r.mu.Unlock()
		return ctx, nil
	})
}

func (r *recorder) scrub(s string) string { return redact.Scrub(s, r.secrets...) }

func (r *recorder) results() map[string]ScenarioResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.done)
}
