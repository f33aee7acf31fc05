package conform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

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
)

// File names written to Options.OutDir by godog's own formatters.
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
	// Output receives the console format (default os.Stdout).
	Output io.Writer
	// OutDir, when set, receives cucumber.json and junit.xml from godog's
	// own formatters (the directory is created).
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
}

// Run runs the conformance suite and returns its result. The error is for a
// run that could not be carried out (bad options, a mock that does not
// start, unreadable features), not for failed scenarios: see Result.OK.
func Run(ctx context.Context, opt Options) (*Result, error) {
	start := time.Now()
	if opt.Target == "" {
		opt.Target = TargetMock
	}
	if opt.Target != TargetMock && opt.Target != TargetReal {
		return nil, fmt.Errorf("%w: target %q: use %q or %q", ErrOptions, opt.Target, TargetMock, TargetReal)
	}
	real := opt.Target == TargetReal
	if opt.FS == nil {
		opt.FS = features.FS()
	}
	format := opt.Format
	switch format {
	case "":
		format = "progress"
	case "none":
		format = "progress"
		opt.Output = io.Discard
	case "pretty", "progress":
	default:
		return nil, fmt.Errorf("%w: format %q: use pretty, progress or none", ErrOptions, opt.Format)
	}
	if opt.Output == nil {
		opt.Output = os.Stdout
	}
	if opt.Concurrency <= 0 && format == "pretty" {
		// godog's pretty format interleaves concurrent scenarios.
		opt.Concurrency = 1
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = DefaultMockConcurrency
		if real {
			opt.Concurrency = DefaultRealConcurrency
		}
	}
	if opt.OutDir != "" {
		if strings.Contains(opt.OutDir, ",") {
			return nil, fmt.Errorf("%w: out directory %q: a comma is not allowed in the path (godog separates formats with commas)", ErrOptions, opt.OutDir)
		}
		if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("out directory: %w", err)
		}
		format += ",cucumber:" + filepath.Join(opt.OutDir, CucumberFile) + ",junit:" + filepath.Join(opt.OutDir, JUnitFile)
	}
	if err := ValidateTags(opt.Tags); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	catalog, err := Catalog(opt.FS)
	if err != nil {
		return nil, err
	}
	validator, err := api.NewValidator()
	if err != nil {
		return nil, fmt.Errorf("load the contract: %w", err)
	}

	g := newGuard(opt.Base, real, opt.MaxRequests, opt.Rate)

	var cfg clients.Config
	var startMock func(context.Context, mock.Config) (*mock.Running, error)
	if real {
		cfg = opt.Clients
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("%w: real target: %w", ErrOptions, err)
		}
		if cfg.ClientID == "" || cfg.ClientSecret == "" {
			return nil, fmt.Errorf("%w: real target: set %s and %s (the LWA client every identity logs in with)",
				ErrOptions, contract.EnvLWAClientID, contract.EnvLWAClientSecret)
		}
	} else {
		shared, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{})
		if err != nil {
			return nil, fmt.Errorf("start the mock: %w", err)
		}
		defer func() {
			// Unused pooled connections would hold a graceful shutdown
			// for seconds; close them from our side first.
			g.CloseIdleConnections()
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = shared.Close(cctx)
		}()
		cfg = clients.MockConfig(shared.URL)
		startMock = func(ctx context.Context, c mock.Config) (*mock.Running, error) {
			return mock.Start(ctx, "127.0.0.1:0", c)
		}
	}
	target := steps.NewTarget(steps.Target{
		Real: real, Clients: cfg, AllowWrites: opt.AllowWrites || !real, Validator: validator,
		Base: g, StartMock: startMock, Exhausted: g.exhausted,
	})
	rec := newRecorder(secretsOf(cfg))

	suite := godog.TestSuite{
		Name: "conform",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			steps.Register(sc, target)
			rec.register(sc)
		},
		Options: &godog.Options{
			Format:         format,
			Output:         opt.Output,
			NoColors:       true,
			Paths:          []string{"."},
			FS:             opt.FS,
			Strict:         true,
			Concurrency:    opt.Concurrency,
			Tags:           opt.Tags,
			TestingT:       opt.TestingT,
			DefaultContext: ctx,
			Randomize:      opt.Randomize,
		},
	}
	if code := suite.Run(); code != 0 && code != 1 {
		return nil, fmt.Errorf("%w: godog could not run the suite (exit %d): check the tag expression %q", ErrOptions, code, opt.Tags)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("conformance run interrupted: %w", ctx.Err())
	}

	res := &Result{Target: opt.Target, Tags: opt.Tags, Started: start, Requests: g.sent.Load()}
	got := rec.results()
	for _, s := range catalog {
		r, ok := got[s.Key()]
		if !ok {
			r = ScenarioResult{Outcome: Skipped, Reason: ReasonNotSelected + " " + opt.Tags}
			if opt.Tags == "" {
				r.Reason = "not run"
			}
		}
		r.Feature, r.URI, r.Name, r.Tags = s.Feature, s.URI, s.Name, s.Tags
		res.Scenarios = append(res.Scenarios, r)
	}
	res.Coverage = BuildCoverage(res.Scenarios, contract.Documented())
	res.Duration = time.Since(start)
	return res, nil
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

// recorder collects each scenario's outcome from godog's hooks.
type recorder struct {
	secrets []string
	mu      sync.Mutex
	started map[string]time.Time
	done    map[string]ScenarioResult
}

func newRecorder(secrets []string) *recorder {
	return &recorder{secrets: secrets, started: map[string]time.Time{}, done: map[string]ScenarioResult{}}
}

func (r *recorder) register(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		r.mu.Lock()
		r.started[s.Id] = time.Now()
		r.mu.Unlock()
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		res := ScenarioResult{Outcome: Passed}
		reason := steps.SkipReason(ctx)
		switch {
		case err != nil && !errors.Is(err, godog.ErrSkip):
			res.Outcome, res.Failure = Failed, r.scrub(err.Error())
		case reason != "":
			res.Outcome, res.Reason = Skipped, reason
		case err != nil:
			res.Outcome, res.Reason = Skipped, "skipped"
		}
		r.mu.Lock()
		res.Duration = time.Since(r.started[s.Id])
		r.done[s.Uri+"\x00"+s.Name] = res
		r.mu.Unlock()
		return ctx, nil
	})
}

func (r *recorder) scrub(s string) string {
	for _, sec := range r.secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, redact.String(sec))
		}
	}
	return s
}

func (r *recorder) results() map[string]ScenarioResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]ScenarioResult, len(r.done))
	for k, v := range r.done {
		out[k] = v
	}
	return out
}
