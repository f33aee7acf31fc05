package certify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	certfeatures "github.com/alexa-harness/harness/features/certify"
	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/contract"
)

// Defaults of a certification run.
const (
	// DefaultMaxAttempts is the C3 bound (--max-attempts).
	DefaultMaxAttempts = contract.BackoffMaxAttempts
	// DefaultConcurrency is how many scenarios run at once: all of them,
	// since most of a scenario's time is the client waiting.
	DefaultConcurrency = 64
	// DefaultBackoffParallel is how many adapter invocations the back-off
	// scenario keeps running at once.
	DefaultBackoffParallel = 16
	// maxBackoffCalls bounds the invocations of one back-off scenario.
	maxBackoffCalls = 400
	// backoffStagger spaces the first invocations of the back-off scenario.
	backoffStagger = 100 * time.Millisecond
	// MaxConcurrency bounds --concurrency and the back-off parallelism.
	MaxConcurrency = 512
	// MaxCallTimeout bounds --call-timeout.
	MaxCallTimeout = time.Hour
)

// ErrOptions marks a run refused for its options (a usage error, exit 2).
var ErrOptions = errors.New("invalid certification options")

// ErrCouldNotRun marks a run that could not be carried out (exit 3).
var ErrCouldNotRun = errors.New("certification could not run")

// Options configure a certification run.
type Options struct {
	// Adapter is the team's adapter command (ParseCommand).
	Adapter Adapter
	// Description says what the adapter is, for the certificate (e.g.
	// "the bundled reference adapter"); "" = the command itself.
	Description string
	// Operations the adapter implements (nil = all three); scenarios of the
	// others are skipped with the reason.
	Operations []string
	// Tags is a godog tag expression selecting scenarios.
	Tags string
	// CallTimeout is the time limit of one invocation (0 = 120 s).
	CallTimeout time.Duration
	// Concurrency is how many scenarios run at once (0 = DefaultConcurrency).
	Concurrency int
	// BackoffParallel is how many invocations the back-off scenario runs at
	// once (0 = DefaultBackoffParallel).
	BackoffParallel int
	// MaxAttempts is the C3 bound (0 = 5).
	MaxAttempts int
	// Format is godog's console format: progress (default), pretty or none.
	Format string
	// Output receives the console format (nil: discarded).
	Output io.Writer
	// OutDir, when set, receives cucumber.json from godog's cucumber
	// formatter; WriteCertificate writes the rest.
	OutDir string
	// Env is what each invocation gets besides the HARNESS_* variables
	// (the CLI passes BaseEnv(getenv): PATH, HOME, TMPDIR, LANG).
	Env map[string]string
	// FS holds the scenarios (default features/certify).
	FS fs.FS
}

// Result is a certification run's outcome: every scenario of the catalog,
// passed, failed or skipped with the reason, and the per-rule summary.
type Result struct {
	Adapter     string        `json:"adapter"`
	Description string        `json:"description,omitempty"`
	Operations  []string      `json:"operations"`
	Tags        string        `json:"tags,omitempty"`
	MaxAttempts int           `json:"maxAttempts"`
	CallTimeout time.Duration `json:"callTimeout"`
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration"`
	// Interrupted: the run was stopped (SIGINT) before it finished; such a
	// run is never certified. Aborted counts its scenarios cancelled or
	// never started (conform.ScenarioResult.Interrupted), which Counts
	// does not count as skipped.
	Interrupted bool             `json:"interrupted,omitempty"`
	Aborted     int              `json:"aborted,omitempty"`
	Scenarios   []ScenarioResult `json:"scenarios"`
	Rules       []RuleSummary    `json:"rules"`

	// secrets are every secret the run knows, masked in every artifact.
	secrets []string
}

// ScenarioResult is one scenario's outcome with its evidence.
type ScenarioResult struct {
	conform.ScenarioResult
	// CouldNotRun: the scenario failed for a reason that is not a verdict
	// on the client (the mock did not start, the adapter could not be
	// started).
	CouldNotRun bool `json:"couldNotRun,omitempty"`
	// Checks are the rules graded, with their figures.
	Checks []Check `json:"checks,omitempty"`
	// Calls are the adapter invocations, with the attempts the mock saw.
	Calls []CallRecord `json:"calls,omitempty"`
}

// Partial says whether the run did not finish (interrupted, or a scenario
// aborted by an interruption): no certificate for it.
func (r *Result) Partial() bool { return r.Interrupted || r.abortedCount() > 0 }

func (r *Result) abortedCount() int {
	n := 0
	for _, s := range r.Scenarios {
		if s.Interrupted() {
			n++
		}
	}
	return n
}

// OK says whether the certification passed: the run finished, no scenario
// failed and at least one passed.
func (r *Result) OK() bool {
	if r.Partial() {
		return false
	}
	passed := 0
	for _, s := range r.Scenarios {
		switch s.Outcome {
		case conform.Failed:
			return false
		case conform.Passed:
			passed++
		}
	}
	return passed > 0
}

// CouldNotRun says whether some scenario could not be carried out.
func (r *Result) CouldNotRun() bool {
	for _, s := range r.Scenarios {
		if s.CouldNotRun {
			return true
		}
	}
	return false
}

// Counts returns how many scenarios passed, failed and were skipped; the
// scenarios an interruption aborted are not skipped ones (Aborted).
func (r *Result) Counts() (passed, failed, skipped int) {
	for _, s := range r.Scenarios {
		switch {
		case s.Outcome == conform.Passed:
			passed++
		case s.Outcome == conform.Failed:
			failed++
		case !s.Interrupted():
			skipped++
		}
	}
	return
}

// Verdict is the one-line verdict.
func (r *Result) Verdict() string {
	p, f, s := r.Counts()
	v := "CERTIFIED"
	if s > 0 {
		// Never a plain pass for part of the scenarios.
		v = fmt.Sprintf("CERTIFIED for the %d of %d scenarios run", p, p+f+s)
	}
	switch {
	case r.Partial():
		v = "INTERRUPTED — NOT CERTIFIED (the run did not finish)"
	case r.CouldNotRun():
		v = "NOT CERTIFIED (could not run)"
	case !r.OK():
		v = "NOT CERTIFIED"
	}
	var failedRules []string
	for _, rs := range r.Rules {
		if rs.FailsCertification() {
			failedRules = append(failedRules, rs.Label())
		}
	}
	out := fmt.Sprintf("%s: %d passed, %d failed, %d skipped", v, p, f, s)
	if r.Partial() {
		out += fmt.Sprintf(", %d aborted (%s)", r.abortedCount(), conform.ReasonInterrupted)
	}
	if len(failedRules) > 0 {
		out += "; rules failed: " + strings.Join(failedRules, ", ")
	}
	return out
}

// Run certifies the adapter: it runs every selected scenario of
// features/certify, each against a mock of its own, and grades what the
// mocks saw. The error is for a run that could not be carried out (bad
// options: ErrOptions; the scenarios could not be loaded: ErrCouldNotRun),
// not for failed scenarios: see Result.OK.
func Run(ctx context.Context, opt Options) (*Result, error) {
	start := time.Now()
	opt, format, err := withDefaults(opt)
	if err != nil {
		return nil, err
	}
	catalog, err := conform.Catalog(opt.FS)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCouldNotRun, err)
	}
	r := newRunner(opt)
	suite := godog.TestSuite{
		Name:                "certify",
		ScenarioInitializer: func(sc *godog.ScenarioContext) { r.register(sc) },
		Options: &godog.Options{
			Format:         format,
			Output:         opt.Output,
			NoColors:       true,
			Paths:          []string{"."},
			FS:             opt.FS,
			Strict:         true,
			Concurrency:    opt.Concurrency,
			Tags:           opt.Tags,
			DefaultContext: ctx,
		},
	}
	if code := suite.Run(); code != 0 && code != 1 {
		return nil, fmt.Errorf("%w: godog could not run the scenarios (exit %d): check the tag expression %q", ErrOptions, code, opt.Tags)
	}
	got := r.results()
	res := &Result{
		Adapter: opt.Adapter.String(), Description: opt.Description, Operations: opt.Operations, Tags: opt.Tags,
		MaxAttempts: opt.MaxAttempts, CallTimeout: opt.CallTimeout, Started: start,
	}
	for _, s := range catalog {
		sr, ok := got[s.Key()]
		if !ok {
			sr = ScenarioResult{ScenarioResult: conform.ScenarioResult{Outcome: conform.Skipped, Reason: "not selected by --tags " + opt.Tags}}
			if ctx.Err() != nil && conform.Selects(opt.Tags, s.Tags) {
				sr.Reason = conform.ReasonInterrupted
			}
		}
		sr.Feature, sr.URI, sr.Name, sr.Tags = s.Feature, s.URI, s.Name, s.Tags
		res.Scenarios = append(res.Scenarios, sr)
	}
	res.Interrupted, res.Aborted = ctx.Err() != nil, res.abortedCount()
	res.Rules = summarise(res.Scenarios)
	res.secrets = r.secretList()
	res.Duration = time.Since(start)
	if ctx.Err() != nil {
		return res, fmt.Errorf("certification interrupted: %w", ctx.Err())
	}
	return res, nil
}

// CheckOptions checks opt as Run does, without touching anything (no
// folder is created, nothing runs): a caller checks its user's input with
// it before it prints or starts anything. It parses the scenarios'
// catalog to refuse a selection (--operations × --tags) that would run no
// scenario. The error wraps ErrOptions, or ErrCouldNotRun when the
// scenarios cannot be read.
func CheckOptions(opt Options) error {
	if len(opt.Adapter.Argv) == 0 {
		return fmt.Errorf("%w: %s: no adapter command", ErrOptions, flag)
	}
	for _, op := range opt.Operations {
		if !slices.Contains(Operations(), op) {
			return fmt.Errorf("%w: --operations: %q is not an adapter operation: use %s", ErrOptions, op, strings.Join(Operations(), ","))
		}
	}
	switch {
	case opt.CallTimeout < 0 || opt.CallTimeout > MaxCallTimeout:
		return fmt.Errorf("%w: --call-timeout %s: use a positive duration up to %s", ErrOptions, opt.CallTimeout, MaxCallTimeout)
	case opt.Concurrency < 0 || opt.Concurrency > MaxConcurrency:
		return fmt.Errorf("%w: --concurrency %d: use 1–%d (0 = %d)", ErrOptions, opt.Concurrency, MaxConcurrency, DefaultConcurrency)
	case opt.BackoffParallel < 0 || opt.BackoffParallel > MaxConcurrency:
		return fmt.Errorf("%w: back-off parallelism %d: use 1–%d", ErrOptions, opt.BackoffParallel, MaxConcurrency)
	case opt.MaxAttempts < 0 || opt.MaxAttempts > 100:
		return fmt.Errorf("%w: --max-attempts %d: use 1–100 (0 = %d)", ErrOptions, opt.MaxAttempts, DefaultMaxAttempts)
	}
	switch opt.Format {
	case "", "progress", "none", "pretty":
	default:
		return fmt.Errorf("%w: --format %q: use progress, pretty or none", ErrOptions, opt.Format)
	}
	if err := conform.ValidateTags(opt.Tags); err != nil {
		return fmt.Errorf("%w: --tags: %w", ErrOptions, err)
	}
	if strings.Contains(opt.OutDir, ",") {
		return fmt.Errorf("%w: --out %q: a comma is not allowed in the path (godog separates formats with commas)", ErrOptions, opt.OutDir)
	}
	return checkSelection(opt)
}

// checkSelection refuses a selection (--operations × --tags) that would
// run no scenario: every scenario it selects would be skipped, which is a
// usage error, not a certification with nothing in it. A feature set that
// cannot be read is ErrCouldNotRun.
func checkSelection(opt Options) error {
	fsys := opt.FS
	if fsys == nil {
		fsys = certfeatures.FS()
	}
	catalog, err := conform.Catalog(fsys)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCouldNotRun, err)
	}
	ops := opt.Operations
	if len(ops) == 0 {
		ops = Operations()
	}
	selected, runnable := 0, 0
	for _, s := range catalog {
		if !conform.Selects(opt.Tags, s.Tags) {
			continue
		}
		selected++
		if unsupportedOp(s.Tags, ops) == "" {
			runnable++
		}
	}
	switch {
	case runnable > 0:
		return nil
	case selected == 0:
		return fmt.Errorf("%w: --tags %q selects no scenario: see the tags in docs/certify.md (e.g. @rule:C1, @op:get-networks, @status:503)", ErrOptions, opt.Tags)
	case opt.Tags == "":
		return fmt.Errorf("%w: --operations %s selects no scenario: every scenario calls another operation", ErrOptions, strings.Join(ops, ","))
	default:
		return fmt.Errorf("%w: --tags %q with --operations %s selects no scenario: the %d scenarios the tags select all call an operation the adapter does not implement; widen --operations or choose other --tags", ErrOptions, opt.Tags, strings.Join(ops, ","), selected)
	}
}

// unsupportedOp returns the first @op: operation of a scenario's tags that
// is not among ops ("" when the adapter implements all of them).
func unsupportedOp(tags, ops []string) string {
	for _, op := range scenarioOps(tags) {
		if !slices.Contains(ops, op) {
			return op
		}
	}
	return ""
}

// withDefaults checks opt (CheckOptions), fills its zero fields and
// creates its output folder; it returns godog's format string.
func withDefaults(opt Options) (Options, string, error) {
	if err := CheckOptions(opt); err != nil {
		return opt, "", err
	}
	if opt.FS == nil {
		opt.FS = certfeatures.FS()
	}
	if len(opt.Operations) == 0 {
		opt.Operations = Operations()
	}
	if opt.CallTimeout == 0 {
		opt.CallTimeout = DefaultCallTimeout
	}
	if opt.Concurrency == 0 {
		opt.Concurrency = DefaultConcurrency
	}
	if opt.BackoffParallel == 0 {
		opt.BackoffParallel = DefaultBackoffParallel
	}
	if opt.MaxAttempts == 0 {
		opt.MaxAttempts = DefaultMaxAttempts
	}
	format := opt.Format
	switch format {
	case "", "progress":
		format = "progress"
	case "none":
		format = "progress"
		opt.Output = io.Discard
	}
	if opt.Output == nil {
		opt.Output = io.Discard
	}
	if opt.OutDir != "" {
		if err := mkdirOut(opt.OutDir); err != nil {
			return opt, "", fmt.Errorf("%w: --out: %w", ErrCouldNotRun, err)
		}
		format += ",cucumber:" + cucumberPath(opt.OutDir)
	}
	return opt, format, nil
}

// runner is the run-wide state the scenarios share: the options, the
// secrets seen, and each scenario's result.
type runner struct {
	opt Options

	mu      sync.Mutex
	secrets map[string]bool
	done    map[string]ScenarioResult
}

func newRunner(opt Options) *runner {
	r := &runner{opt: opt, secrets: map[string]bool{}, done: map[string]ScenarioResult{}}
	r.addSecrets(contract.MockLWAClientSecret, contract.MockVendorRefreshToken, contract.MockOtherVendorRefresh,
		contract.MockCustomerARefresh, contract.MockCustomerBRefresh, contract.MockCustomerNoScopeRefresh,
		contract.MockSkillClientSecret)
	return r
}

// addSecrets remembers secrets to mask.
func (r *runner) addSecrets(ss ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range ss {
		if s != "" {
			r.secrets[s] = true
		}
	}
}

func (r *runner) secretList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (r *runner) results() map[string]ScenarioResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.done)
}

func (r *runner) record(key string, sr ScenarioResult) {
	r.mu.Lock()
	r.done[key] = sr
	r.mu.Unlock()
}

// scenarioOps returns the adapter operations a scenario's @op: tags name.
func scenarioOps(tags []string) []string {
	var out []string
	for _, t := range tags {
		if op, ok := strings.CutPrefix(t, "@op:"); ok {
			out = append(out, op)
		}
	}
	return out
}

// contextDone reports a cancelled context as an error.
func contextDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	return nil
}
