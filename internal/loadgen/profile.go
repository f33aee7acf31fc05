package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/userfile"
)

// Operation names of a profile's mix.
const (
	MixCreate           = "create"
	MixGet              = "get"
	MixGetAllPages      = "get-all-pages"
	MixSkillCredentials = "skill-credentials"
	MixToken            = "token"
)

// MixOperations lists the mix operation names in report order.
func MixOperations() []string {
	return []string{MixCreate, MixGet, MixGetAllPages, MixSkillCredentials, MixToken}
}

// Targets of a profile.
const (
	TargetMock = "mock" // the embedded mock on loopback
	TargetEnv  = "env"  // the HARNESS_* environment (see contract.Env*)
)

// Back-off compliance modes of thresholds.backoff.
const (
	BackoffRequired = "required" // the run fails unless both views pass and agree
	BackoffReport   = "report"   // the verdict is computed and shown, never fails the run
	BackoffOff      = "off"      // not computed (attempts are still written)
)

// Duration is a time.Duration written in YAML as a Go duration string such as
// "30s" or "1m30s".
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &fieldError{line: n.Line, msg: "must be a duration such as \"30s\""}
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return &fieldError{line: n.Line, msg: fmt.Sprintf("cannot parse %q as a duration; e.g. \"30s\", \"1m30s\", \"250ms\"", n.Value)}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// MarshalJSON writes the duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(time.Duration(d).String())), nil
}

// Profile is a load profile, as read from profiles/*.yaml.
type Profile struct {
	// Name defaults to the file's base name without extension.
	Name string `yaml:"name" json:"name"`
	// Description is free text shown in reports.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Target is "mock" (default) or "env".
	Target string `yaml:"target" json:"target"`
	// Duration of the attack.
	Duration Duration `yaml:"duration" json:"duration"`
	// Timeout of one hit (all its attempts); default 30s.
	Timeout    Duration       `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	Pacer      PacerSpec      `yaml:"pacer" json:"pacer"`
	Mix        map[string]int `yaml:"mix" json:"mix"`
	Data       DataSpec       `yaml:"data" json:"data"`
	Clients    ClientsSpec    `yaml:"clients" json:"clients"`
	Mock       MockSpec       `yaml:"mock,omitempty" json:"mock,omitempty"`
	Thresholds Thresholds     `yaml:"thresholds,omitempty" json:"thresholds,omitempty"`
	// Generator bounds the load generator itself (hits in flight) and says
	// when it counts as saturated.
	Generator GeneratorSpec `yaml:"generator,omitempty" json:"generator,omitempty"`
	// SLO is what each step of a step pacer must meet for the summary to count
	// its rate as sustainable (capacity-ramp); empty means the thresholds'
	// "all" latency limits and error rate.
	SLO *SLO `yaml:"slo,omitempty" json:"slo,omitempty"`
}

// PacerSpec selects and parameterises the pacer.
type PacerSpec struct {
	// Type is constant, linear, step, sine or max.
	Type string `yaml:"type" json:"type"`
	// Rate is the constant rate, requests per second.
	Rate float64 `yaml:"rate,omitempty" json:"rate,omitempty"`
	// Start is the starting rate of linear and step pacers.
	Start float64 `yaml:"start,omitempty" json:"start,omitempty"`
	// Slope is the linear pacer's increase, requests per second per second.
	Slope float64 `yaml:"slope,omitempty" json:"slope,omitempty"`
	// Step is the step pacer's increment per step, requests per second.
	Step float64 `yaml:"step,omitempty" json:"step,omitempty"`
	// Every is the step pacer's step length.
	Every Duration `yaml:"every,omitempty" json:"every,omitempty"`
	// Max caps the step pacer's rate (0 = no cap).
	Max float64 `yaml:"max,omitempty" json:"max,omitempty"`
	// Mean, Amplitude, Period and StartAt describe the sine pacer.
	Mean      float64  `yaml:"mean,omitempty" json:"mean,omitempty"`
	Amplitude float64  `yaml:"amplitude,omitempty" json:"amplitude,omitempty"`
	Period    Duration `yaml:"period,omitempty" json:"period,omitempty"`
	StartAt   string   `yaml:"startAt,omitempty" json:"startAt,omitempty"`
	// Workers caps vegeta's workers (concurrent hits). 0 = unlimited (open
	// model, the default); type max requires it.
	Workers int `yaml:"workers,omitempty" json:"workers,omitempty"`
}

// GeneratorSpec is the load generator's own limits.
type GeneratorSpec struct {
	// MaxInFlight caps the hits in flight at once; a hit due while the cap
	// is reached is not sent (reason in-flight-cap). 0 = derived from the
	// file-descriptor limit (and at most 10,000, which bounds memory).
	MaxInFlight int `yaml:"maxInFlight,omitempty" json:"maxInFlight,omitempty"`
	// MaxLag is the schedule lag (actual − intended send time, p99) above
	// which the generator counts as saturated; default 10ms.
	MaxLag Duration `yaml:"maxLag,omitempty" json:"maxLag,omitempty"`
	// MaxCPU is the process's CPU use, a fraction of GOMAXPROCS, at or above
	// which the generator counts as saturated; default 0.95.
	MaxCPU float64 `yaml:"maxCpu,omitempty" json:"maxCpu,omitempty"`
}

// DataSpec is the data generation of a run.
type DataSpec struct {
	// Seed makes the operation sequence and generated names deterministic.
	Seed int64 `yaml:"seed" json:"seed"`
	// Preload networks are created per simulated client before the attack
	// (not measured), all under one extendedPanId, so get and get-all-pages
	// have something to find. Default 5.
	Preload *int `yaml:"preload,omitempty" json:"preload,omitempty"`
	// PageSize is maxResults for get and get-all-pages (1–100); default 2.
	PageSize int `yaml:"pageSize,omitempty" json:"pageSize,omitempty"`
}

// ClientsSpec is the simulated clients.
type ClientsSpec struct {
	// Count of simulated clients, each with its own access tokens.
	Count int       `yaml:"count" json:"count"`
	Retry RetrySpec `yaml:"retry" json:"retry"`
	// RetryBudget, when set, gives every simulated client's every service
	// client (Credential Locker, SMAPI, LWA) its own retry quota
	// (clients.RetryBudget); back-off compliance then grades C5 against the
	// settled bound of a budgeted client (≤ 1.1 attempts per call).
	RetryBudget *RetryBudgetSpec `yaml:"retryBudget,omitempty" json:"retryBudget,omitempty"`
	// Coalesce, when true, folds a hit into an identical call of the same
	// simulated client already in flight (as golang.org/x/sync/singleflight
	// does) instead of sending it: what an application that deduplicates its
	// calls does. Such hits are counted as not sent (reason coalesced), never
	// as requests. Off by default.
	Coalesce bool `yaml:"coalesce,omitempty" json:"coalesce,omitempty"`
}

// RetryBudgetSpec is the parameters of clients.NewRetryBudget; zero values
// take its defaults (the AWS SDK's 500 tokens, 5 per retry).
type RetryBudgetSpec struct {
	Capacity int `yaml:"capacity,omitempty" json:"capacity,omitempty"`
	Cost     int `yaml:"cost,omitempty" json:"cost,omitempty"`
}

// RetrySpec names a clients retry policy and its parameters.
type RetrySpec struct {
	// Policy is a clients.PolicyByName name: standard, no-retry, immediate,
	// ignore-retry-after, retry-non-retryable.
	Policy      string   `yaml:"policy" json:"policy"`
	Base        Duration `yaml:"base,omitempty" json:"base,omitempty"`
	Cap         Duration `yaml:"cap,omitempty" json:"cap,omitempty"`
	MaxAttempts int      `yaml:"maxAttempts,omitempty" json:"maxAttempts,omitempty"`
}

// MockSpec is applied to the target mock through its control API before the
// attack (target mock only).
type MockSpec struct {
	RateLimit *RateLimitSpec `yaml:"rateLimit,omitempty" json:"rateLimit,omitempty"`
	Faults    []FaultSpec    `yaml:"faults,omitempty" json:"faults,omitempty"`
}

// RateLimitSpec is the mock's rate limit for the run, as the control API
// takes it.
type RateLimitSpec = mockcontrol.RateLimit

// FaultSpec is one fault installed on the mock for the run, as the control
// API takes it.
type FaultSpec = mockcontrol.Fault

// Thresholds decide whether a run passes.
type Thresholds struct {
	// Latency limits per mix operation name, or "all" for every hit together.
	Latency map[string]LatencyLimits `yaml:"latency,omitempty" json:"latency,omitempty"`
	// ErrorRate is the largest allowed fraction of failed hits (non-2xx after
	// retries, or a transport error); nil = not checked.
	ErrorRate *float64 `yaml:"errorRate,omitempty" json:"errorRate,omitempty"`
	// AllowStatuses are final statuses not counted as errors (e.g. [429] in a
	// throttle storm, where giving up after the last retry is expected).
	AllowStatuses []int `yaml:"allowStatuses,omitempty" json:"allowStatuses,omitempty"`
	// MinRate is the smallest acceptable achieved rate, requests per second
	// that reached the target. --rate R scales it with the pacer (by R over
	// the profile's rate).
	MinRate float64 `yaml:"minRate,omitempty" json:"minRate,omitempty"`
	// MaxNotSent is the largest allowed fraction of planned hits the
	// generator did not send on its own account (behind schedule, in-flight
	// cap); default 0.01. Hits held back by the clients (quiet period,
	// coalesced) or never due because the run stopped are reported, not
	// counted here. A limit above 0 always allows one hit (see
	// notSentAllowance), so that a short run is not failed by the one hit
	// due in the last milliseconds.
	MaxNotSent *float64 `yaml:"maxNotSent,omitempty" json:"maxNotSent,omitempty"`
	// Backoff is required, report (default) or off.
	Backoff string `yaml:"backoff,omitempty" json:"backoff,omitempty"`
}

// LatencyLimits are percentile ceilings; zero means not checked.
type LatencyLimits struct {
	P50 Duration `yaml:"p50,omitempty" json:"p50,omitempty"`
	P95 Duration `yaml:"p95,omitempty" json:"p95,omitempty"`
	P99 Duration `yaml:"p99,omitempty" json:"p99,omitempty"`
}

// SLO is what a step must meet to count as sustained.
type SLO struct {
	P99       Duration `yaml:"p99,omitempty" json:"p99,omitempty"`
	P95       Duration `yaml:"p95,omitempty" json:"p95,omitempty"`
	ErrorRate *float64 `yaml:"errorRate,omitempty" json:"errorRate,omitempty"`
	// MinAchieved is the fraction of the step's rate that must be achieved
	// (default 0.95).
	MinAchieved float64 `yaml:"minAchieved,omitempty" json:"minAchieved,omitempty"`
	// StopOnBreach ends a step ramp once a completed step has missed the
	// SLO (checked a grace period after the step ends), rather than push the
	// target further past its capacity.
	StopOnBreach bool `yaml:"stopOnBreach,omitempty" json:"stopOnBreach,omitempty"`
}

// ProfileError is a profile problem: the file, the field path and what to do.
type ProfileError struct {
	File  string
	Field string // dotted path such as "pacer.rate"; empty for the whole file
	Line  int    // 0 when unknown
	Msg   string
}

func (e *ProfileError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// ProfileErrors is every problem found in one profile.
type ProfileErrors []*ProfileError

func (es ProfileErrors) Error() string {
	ss := make([]string, len(es))
	for i, e := range es {
		ss[i] = e.Error()
	}
	return strings.Join(ss, "\n")
}

// Unwrap lets errors.As find each *ProfileError.
func (es ProfileErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// fieldError is raised by custom unmarshalers; the line maps to a path.
type fieldError struct {
	line int
	msg  string
}

func (e *fieldError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// LoadProfile reads, parses and validates a profile file.
func LoadProfile(path string) (*Profile, []byte, error) {
	raw, err := userfile.Read(path, maxProfileBytes) // a regular file only: no /dev/zero, no FIFO
	if err != nil {
		return nil, nil, &ProfileError{File: path, Msg: fmt.Sprintf("cannot read the profile: %v", err)}
	}
	p, err := ParseProfile(path, raw)
	if err != nil {
		return nil, nil, err
	}
	return p, raw, nil
}

// maxProfileBytes bounds what ParseProfile accepts.
const maxProfileBytes = 1 << 20

// ParseProfile parses and validates a profile; file names it in errors and
// gives the default name. Errors are ProfileErrors (errors.As *ProfileError).
func ParseProfile(file string, raw []byte) (p *Profile, err error) {
	defer func() {
		// yaml.v3 is robust, but a profile must never crash the harness.
		if r := recover(); r != nil {
			p, err = nil, ProfileErrors{{File: file, Msg: fmt.Sprintf("cannot parse the profile: %v", r)}}
		}
	}()
	if len(raw) > maxProfileBytes {
		return nil, ProfileErrors{{File: file, Msg: fmt.Sprintf("the profile is %d bytes; the limit is %d", len(raw), maxProfileBytes)}}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ProfileErrors{{File: file, Msg: "the profile is empty; see profiles/smoke.yaml for an example"}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, ProfileErrors{{File: file, Msg: "malformed YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	lines := map[int][]lineEntry{}
	if len(root.Content) > 0 {
		if root.Content[0].Kind != yaml.MappingNode {
			return nil, ProfileErrors{{File: file, Msg: "the profile must be a YAML mapping (name:, duration:, pacer:, ...)"}}
		}
		indexLines(root.Content[0], "", lines)
	}
	var prof Profile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&prof); err != nil {
		return nil, decodeErrors(file, err, lines)
	}
	if prof.Name == "" {
		base := filepath.Base(file)
		prof.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if es := prof.Validate(); len(es) > 0 {
		for _, e := range es {
			e.File = file
			if e.Line == 0 {
				e.Line = lineOf(lines, e.Field)
			}
		}
		return nil, es
	}
	return prof.WithDefaults(), nil
}

// lineEntry is one mapping key (or sequence item) of the profile: its
// dotted path and, for scalars, its value.
type lineEntry struct {
	path, value string
}

// indexLines records, per line, every key's path and scalar value, so that
// yaml.v3's "line N: ..." errors can be given a field path.
func indexLines(n *yaml.Node, prefix string, lines map[int][]lineEntry) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			e := lineEntry{path: path}
			if v.Kind == yaml.ScalarNode {
				e.value = v.Value
			}
			lines[k.Line] = append(lines[k.Line], e)
			indexLines(v, path, lines)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			path := fmt.Sprintf("%s[%d]", prefix, i)
			e := lineEntry{path: path}
			if c.Kind == yaml.ScalarNode {
				e.value = c.Value
			}
			lines[c.Line] = append(lines[c.Line], e)
			indexLines(c, path, lines)
		}
	}
}

// pathAt picks the path on a line: the key named key, else the entry whose
// value is value, else the first.
func pathAt(lines map[int][]lineEntry, line int, key, value string) string {
	es := lines[line]
	for _, e := range es {
		if key != "" && (e.path == key || strings.HasSuffix(e.path, "."+key)) {
			return e.path
		}
	}
	for _, e := range es {
		if value != "" && e.value == value {
			return e.path
		}
	}
	if len(es) > 0 {
		return es[0].path
	}
	return ""
}

func lineOf(lines map[int][]lineEntry, field string) int {
	best := 0
	for l, es := range lines {
		for _, e := range es {
			if e.path == field && (best == 0 || l < best) {
				best = l
			}
		}
	}
	return best
}

var (
	reLine    = regexp.MustCompile(`^line (\d+): (.*)$`)
	reUnknown = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	reType    = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
)

// decodeErrors turns yaml.v3's decode errors into ProfileErrors that name the
// field path and the fix.
func decodeErrors(file string, err error, lines map[int][]lineEntry) error {
	var out ProfileErrors
	add := func(msg string) {
		pe := &ProfileError{File: file, Msg: msg}
		var key, value string
		if m := reLine.FindStringSubmatch(msg); m != nil {
			pe.Line, _ = strconv.Atoi(m[1])
			pe.Msg = m[2]
		}
		if m := reUnknown.FindStringSubmatch(pe.Msg); m != nil {
			key = m[1]
			pe.Msg = fmt.Sprintf("unknown field %q; known fields here: %s", m[1], strings.Join(knownFields(m[2]), ", "))
		} else if m := reType.FindStringSubmatch(pe.Msg); m != nil {
			value = m[2]
			what := m[1]
			if value != "" {
				what = fmt.Sprintf("%s %q", m[1], value)
			}
			pe.Msg = fmt.Sprintf("cannot use %s here: %s", what, typeHint(m[3]))
		}
		if pe.Line > 0 {
			pe.Field = pathAt(lines, pe.Line, key, value)
		}
		out = append(out, pe)
	}
	var te *yaml.TypeError
	var fe *fieldError
	switch {
	case errors.As(err, &te):
		for _, e := range te.Errors {
			add(e)
		}
	case errors.As(err, &fe):
		add(fe.Error())
	default:
		add("malformed YAML: " + strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return out
}

func typeHint(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "want a whole number, e.g. 10"
	case strings.HasPrefix(goType, "float"):
		return "want a number, e.g. 50"
	case goType == "bool":
		return "want true or false"
	case goType == "string":
		return "want a string"
	case strings.HasPrefix(goType, "map["):
		return "want a mapping (key: value lines)"
	case strings.HasPrefix(goType, "[]"):
		return "want a list (- item lines)"
	default:
		return "want a mapping with the documented fields (see docs/load.md)"
	}
}

// knownFields lists the YAML field names of one of the profile's types.
func knownFields(typeName string) []string {
	types := []any{Profile{}, PacerSpec{}, DataSpec{}, ClientsSpec{}, RetrySpec{}, RetryBudgetSpec{}, MockSpec{},
		RateLimitSpec{}, FaultSpec{}, Thresholds{}, LatencyLimits{}, SLO{}, GeneratorSpec{}}
	for _, v := range types {
		t := reflect.TypeOf(v)
		if t.String() != typeName {
			continue
		}
		var names []string
		for i := range t.NumField() {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" {
				names = append(names, tag)
			}
		}
		return names
	}
	return []string{"(see docs/load.md)"}
}

// Bounds of a profile's numbers. Every number a profile (or --rate,
// --duration) gives is finite and within these, so that no profile can
// make the generator plan an unbounded number of hits, overflow, or wait
// forever.
const (
	maxRate        = 1e6  // hits per second, at any point of any pacer
	minRate        = 1e-3 // hits per second: one every ~17 minutes
	minDuration    = time.Second
	maxDuration    = 24 * time.Hour
	minTimeout     = 100 * time.Millisecond
	maxTimeout     = 10 * time.Minute // also bounds retry base and cap
	minStepEvery   = 100 * time.Millisecond
	minSinePeriod  = 100 * time.Millisecond
	maxWeight      = 1_000_000 // per mix operation; the sum cannot overflow
	maxWorkers     = 100_000
	maxClients     = 10_000
	maxPreload     = 1_000
	maxRetries     = 20 // clients.retry.maxAttempts
	maxBudget      = 1_000_000
	maxFaults      = 100
	maxLatencyGate = time.Hour // latency thresholds and SLO limits
	maxInFlight    = 100_000
)

// Defaults of the generator's limits.
const (
	defaultMaxLag     = 10 * time.Millisecond
	defaultMaxCPU     = 0.95
	defaultMaxNotSent = 0.01
	// defaultInFlightCeiling bounds the default cap on hits in flight: each
	// costs a few goroutines and a connection's buffers, so memory stays
	// bounded however slow the target is.
	defaultInFlightCeiling = 1_000
)

// defaultTimeout is a hit's timeout when the profile gives none.
const defaultTimeout = 30 * time.Second

// WithDefaults returns a deep copy of p with every omitted field given its
// default (target mock, timeout 30s, preload 5, pageSize 2, one client, the
// standard policy, back-off "report", rate limits on "*" with the mock's
// burst). p itself is never modified.
func (p *Profile) WithDefaults() *Profile {
	q := p.clone()
	if q.Target == "" {
		q.Target = TargetMock
	}
	if q.Timeout == 0 {
		q.Timeout = Duration(defaultTimeout)
	}
	if q.Data.Preload == nil {
		n := 5
		q.Data.Preload = &n
	}
	if q.Data.PageSize == 0 {
		q.Data.PageSize = 2
	}
	if q.Clients.Count == 0 {
		q.Clients.Count = 1
	}
	if q.Clients.Retry.Policy == "" {
		q.Clients.Retry.Policy = clients.PolicyStandard
	}
	if q.Thresholds.Backoff == "" {
		q.Thresholds.Backoff = BackoffReport
	}
	if q.Thresholds.MaxNotSent == nil {
		v := defaultMaxNotSent
		q.Thresholds.MaxNotSent = &v
	}
	if q.Generator.MaxLag == 0 {
		q.Generator.MaxLag = Duration(defaultMaxLag)
	}
	if q.Generator.MaxCPU == 0 {
		q.Generator.MaxCPU = defaultMaxCPU
	}
	if rl := q.Mock.RateLimit; rl != nil {
		if rl.Operation == "" {
			rl.Operation = mockcontrol.AnyOperation
		}
		*rl = rl.WithDefaults()
	}
	return q
}

// clone is a deep copy of p: nothing the copy changes reaches p.
func (p *Profile) clone() *Profile {
	q := *p
	q.Mix = maps.Clone(p.Mix)
	q.Data.Preload = clonePtr(p.Data.Preload)
	q.Clients.RetryBudget = clonePtr(p.Clients.RetryBudget)
	q.Mock.RateLimit = clonePtr(p.Mock.RateLimit)
	q.Mock.Faults = slices.Clone(p.Mock.Faults)
	q.Thresholds.Latency = maps.Clone(p.Thresholds.Latency)
	q.Thresholds.ErrorRate = clonePtr(p.Thresholds.ErrorRate)
	q.Thresholds.AllowStatuses = slices.Clone(p.Thresholds.AllowStatuses)
	q.Thresholds.MaxNotSent = clonePtr(p.Thresholds.MaxNotSent)
	if p.SLO != nil {
		slo := *p.SLO
		slo.ErrorRate = clonePtr(p.SLO.ErrorRate)
		q.SLO = &slo
	}
	return &q
}

func clonePtr[T any](v *T) *T {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// Validate checks every field of p with its defaults applied (see
// WithDefaults) and returns every problem, each naming its field path and
// the fix. It never modifies p. The mock's faults and rate limit are checked
// by their owner (mockcontrol), the retry policy names by clients and the
// operation names by contract; this adds only what a profile means.
func (p *Profile) Validate() ProfileErrors {
	q := p.WithDefaults()
	var c checker
	q.checkRun(&c)
	q.checkPacer(&c)
	q.checkMix(&c)
	q.checkData(&c)
	q.checkClients(&c)
	q.checkMock(&c)
	q.checkThresholds(&c)
	q.checkSLO(&c)
	q.checkGenerator(&c)
	return c.es
}

// checker collects a profile's problems.
type checker struct{ es ProfileErrors }

func (c *checker) bad(field, format string, a ...any) {
	c.es = append(c.es, &ProfileError{Field: field, Msg: fmt.Sprintf(format, a...)})
}

// owner adds an error of a part's owner, written "field: what to do", under
// the profile path prefix ("mock.faults[2]" + ".field").
func (c *checker) owner(prefix string, err error) {
	field, msg := prefix, err.Error()
	if head, rest, ok := strings.Cut(msg, ": "); ok && isIdent(head) {
		field, msg = prefix+"."+head, rest
	}
	c.es = append(c.es, &ProfileError{Field: field, Msg: msg})
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// within reports lo ≤ v ≤ hi; NaN is never within.
func within(v, lo, hi float64) bool { return v >= lo && v <= hi }

// durationWithin checks a duration field against [lo, hi].
func (c *checker) durationWithin(field string, d Duration, lo, hi time.Duration, eg string) {
	if d.D() < lo || d.D() > hi {
		c.bad(field, "must be %s to %s (got %s); e.g. %q", lo, hi, d.D(), eg)
	}
}

func (p *Profile) checkRun(c *checker) {
	if p.Target != TargetMock && p.Target != TargetEnv {
		c.bad("target", "must be %q (the embedded mock) or %q (the HARNESS_* environment) (got %q)", TargetMock, TargetEnv, p.Target)
	}
	if p.Duration.D() < minDuration || p.Duration.D() > maxDuration {
		c.bad("duration", "must be %s to %s (got %s): a shorter run measures nothing; e.g. \"duration: 30s\"", minDuration, maxDuration, p.Duration.D())
	}
	c.durationWithin("timeout", p.Timeout, minTimeout, maxTimeout, "timeout: 30s")
}

// rate checks a rate field: finite, minRate to maxRate.
func (c *checker) rate(field string, v float64, eg string) bool {
	if !within(v, minRate, maxRate) {
		c.bad("pacer."+field, "must be a number of hits per second from %g to %g, the generator's limit (got %g); e.g. %q", minRate, maxRate, v, eg)
		return false
	}
	return true
}

func (p *Profile) checkPacer(c *checker) {
	n := len(c.es)
	pc := p.Pacer
	switch pc.Type {
	case "constant":
		c.rate("rate", pc.Rate, "rate: 50")
	case "linear":
		p.checkLinear(c)
	case "step":
		p.checkStep(c)
	case "sine":
		p.checkSine(c)
	case "max":
		if pc.Workers < 1 {
			c.bad("pacer.workers", "type max (as fast as possible) needs a number of workers >= 1 (got %d); e.g. \"workers: 64\"", pc.Workers)
		}
	case "":
		c.bad("pacer.type", "missing; use constant, linear, step, sine or max; e.g. \"type: constant\"")
	default:
		c.bad("pacer.type", "unknown pacer %q; use constant, linear, step, sine or max", pc.Type)
	}
	if pc.Workers < 0 || pc.Workers > maxWorkers {
		c.bad("pacer.workers", "must be 0 (unlimited) to %d (got %d)", maxWorkers, pc.Workers)
	}
	if len(c.es) > n || pc.Type == "max" || p.Duration.D() < minDuration {
		return
	}
	// A run must plan at least one hit.
	if s, err := NewSchedule(pc, 0); err == nil && s.Hits(p.Duration.D()) < 1 {
		c.bad("duration", "plans no hit at %s over %s; raise the rate or the duration", s, p.Duration.D())
	}
}

func (p *Profile) checkLinear(c *checker) {
	pc := p.Pacer
	if !c.rate("start", pc.Start, "start: 10") {
		return
	}
	if !within(pc.Slope, 0, maxRate) {
		c.bad("pacer.slope", "must be 0 to %g hits/s per second (got %g); e.g. \"slope: 5\"", maxRate, pc.Slope)
		return
	}
	if peak := pc.Start + pc.Slope*p.Duration.D().Seconds(); peak > maxRate {
		c.bad("pacer.slope", "reaches %.4g hits/s by the end of the run, above the generator's limit %g/s; lower the slope or the duration", peak, maxRate)
	}
}

func (p *Profile) checkStep(c *checker) {
	pc := p.Pacer
	okStart := c.rate("start", pc.Start, "start: 100")
	okStep := within(pc.Step, 0, maxRate)
	if !okStep {
		c.bad("pacer.step", "must be 0 to %g hits/s (got %g); e.g. \"step: 100\"", maxRate, pc.Step)
	}
	okEvery := pc.Every.D() >= minStepEvery
	if !okEvery {
		c.bad("pacer.every", "must be at least %s (got %s); e.g. \"every: 10s\"", minStepEvery, pc.Every.D())
	} else if p.Duration > 0 && p.Duration.D()/pc.Every.D() > maxSteps {
		c.bad("pacer.every", "gives more than %d steps over the duration; use a longer step", maxSteps)
		okEvery = false
	}
	switch {
	case !within(pc.Max, 0, maxRate):
		c.bad("pacer.max", "must be 0 (no cap) or a rate up to %g hits/s (got %g)", maxRate, pc.Max)
	case pc.Max > 0 && pc.Max < pc.Start:
		c.bad("pacer.max", "must be 0 (no cap) or >= start %g (got %g)", pc.Start, pc.Max)
	case pc.Max == 0 && okStart && okStep && okEvery:
		steps := math.Ceil(float64(p.Duration.D()) / float64(pc.Every.D()))
		if peak := pc.Start + pc.Step*(steps-1); peak > maxRate {
			c.bad("pacer.step", "reaches %.4g hits/s in the last step, above the generator's limit %g/s; set pacer.max or lower the step", peak, maxRate)
		}
	}
}

func (p *Profile) checkSine(c *checker) {
	pc := p.Pacer
	if c.rate("mean", pc.Mean, "mean: 100") {
		switch {
		case !(pc.Amplitude >= 0) || pc.Amplitude >= pc.Mean:
			c.bad("pacer.amplitude", "must be >= 0 and < mean (got %g, mean %g); e.g. \"amplitude: 50\"", pc.Amplitude, pc.Mean)
		case pc.Mean+pc.Amplitude > maxRate:
			c.bad("pacer.amplitude", "mean + amplitude %.4g hits/s is above the generator's limit %g/s", pc.Mean+pc.Amplitude, maxRate)
		}
	}
	c.durationWithin("pacer.period", pc.Period, minSinePeriod, maxDuration, "period: 30s")
	if _, ok := sineOffsets[pc.StartAt]; !ok {
		c.bad("pacer.startAt", "must be one of mean-up, peak, mean-down, trough (got %q)", pc.StartAt)
	}
}

func (p *Profile) checkMix(c *checker) {
	if len(p.Mix) == 0 {
		c.bad("mix", "must list at least one operation with a weight > 0; e.g. \"mix: {get: 4, create: 1}\"; operations: %s", strings.Join(MixOperations(), ", "))
		return
	}
	sum, n := 0, len(c.es)
	for _, k := range slices.Sorted(maps.Keys(p.Mix)) {
		w := p.Mix[k]
		switch {
		case !slices.Contains(MixOperations(), k):
			c.bad("mix."+k, "unknown operation; use one of %s", strings.Join(MixOperations(), ", "))
		case w < 0 || w > maxWeight:
			c.bad("mix."+k, "weight must be 0 to %d (got %d); weights are relative, e.g. \"%s: 1\"", maxWeight, w, k)
		default:
			sum += w // at most len(MixOperations())·maxWeight: no overflow
		}
	}
	if sum == 0 && len(c.es) == n {
		c.bad("mix", "weights sum to 0; give at least one operation a weight > 0, e.g. \"get: 1\"")
	}
}

func (p *Profile) checkData(c *checker) {
	if n := *p.Data.Preload; n < 0 || n > maxPreload {
		c.bad("data.preload", "must be 0–%d (got %d); e.g. \"preload: 5\"", maxPreload, n)
	}
	if p.Data.PageSize < 1 || p.Data.PageSize > 100 {
		c.bad("data.pageSize", "must be 1–100, the API's maxResults range (got %d); e.g. \"pageSize: 2\"", p.Data.PageSize)
	}
}

func (p *Profile) checkClients(c *checker) {
	if p.Clients.Count < 1 || p.Clients.Count > maxClients {
		c.bad("clients.count", "must be 1–%d (got %d); e.g. \"count: 8\"", maxClients, p.Clients.Count)
	}
	r := p.Clients.Retry
	if !slices.Contains(clients.PolicyNames(), r.Policy) {
		c.bad("clients.retry.policy", "unknown retry policy %q; use one of %s", r.Policy, strings.Join(clients.PolicyNames(), ", "))
	}
	c.durationWithin("clients.retry.base", r.Base, 0, maxTimeout, "base: 100ms")
	if r.Cap < 0 || r.Cap > Duration(maxTimeout) || (r.Cap > 0 && r.Cap < r.Base) {
		c.bad("clients.retry.cap", "must be 0 (default) or base (%s) to %s (got %s); e.g. \"cap: 5s\"", r.Base.D(), maxTimeout, r.Cap.D())
	}
	if r.MaxAttempts < 0 || r.MaxAttempts > maxRetries {
		c.bad("clients.retry.maxAttempts", "must be 1–%d, or 0 for the default (got %d); e.g. \"maxAttempts: 3\"", maxRetries, r.MaxAttempts)
	}
	if b := p.Clients.RetryBudget; b != nil {
		if b.Capacity < 0 || b.Capacity > maxBudget {
			c.bad("clients.retryBudget.capacity", "must be 0 (the default, %d tokens) to %d tokens (got %d)", clients.NewRetryBudget(0, 0).Available(), maxBudget, b.Capacity)
		} else if capacity := clients.NewRetryBudget(b.Capacity, 0).Available(); b.Cost < 0 || b.Cost > capacity {
			c.bad("clients.retryBudget.cost", "must be 0 (the default) to the capacity, %d tokens (got %d)", capacity, b.Cost)
		}
	}
}

func (p *Profile) checkMock(c *checker) {
	if (p.Mock.RateLimit != nil || len(p.Mock.Faults) > 0) && p.Target != TargetMock {
		c.bad("mock", "rate limits and faults can only be applied to target \"mock\"; remove the mock section or set \"target: mock\"")
	}
	if rl := p.Mock.RateLimit; rl != nil {
		if err := rl.Validate(); err != nil {
			c.owner("mock.rateLimit", err)
		} else if rl.Rate == 0 {
			c.bad("mock.rateLimit.rate", "must be > 0 in a profile (0 removes the limit: leave mock.rateLimit out instead); e.g. \"rate: 5\" (requests per second per token)")
		}
	}
	if len(p.Mock.Faults) > maxFaults {
		c.bad("mock.faults", "at most %d faults (got %d)", maxFaults, len(p.Mock.Faults))
		return
	}
	for i, f := range p.Mock.Faults {
		if err := f.Validate(); err != nil {
			c.owner(fmt.Sprintf("mock.faults[%d]", i), err)
		}
	}
}

func (p *Profile) checkThresholds(c *checker) {
	t := p.Thresholds
	for _, k := range slices.Sorted(maps.Keys(t.Latency)) {
		if k != "all" && !slices.Contains(MixOperations(), k) {
			c.bad("thresholds.latency."+k, "unknown operation; use \"all\" or one of %s", strings.Join(MixOperations(), ", "))
		}
		l := t.Latency[k]
		for _, q := range []struct {
			name string
			d    Duration
		}{{"p50", l.P50}, {"p95", l.P95}, {"p99", l.P99}} {
			c.durationWithin("thresholds.latency."+k+"."+q.name, q.d, 0, maxLatencyGate, "p99: 250ms")
		}
	}
	if t.ErrorRate != nil && !within(*t.ErrorRate, 0, 1) {
		c.bad("thresholds.errorRate", "must be a fraction 0–1 (got %g); e.g. \"errorRate: 0.01\" for 1%%", *t.ErrorRate)
	}
	for i, s := range t.AllowStatuses {
		if s < 100 || s > 599 {
			c.bad(fmt.Sprintf("thresholds.allowStatuses[%d]", i), "must be an HTTP status 100–599 (got %d); e.g. \"allowStatuses: [429]\"", s)
		}
	}
	if t.MaxNotSent != nil && !within(*t.MaxNotSent, 0, 1) {
		c.bad("thresholds.maxNotSent", "must be a fraction 0–1 (got %g); e.g. \"maxNotSent: 0.01\" for 1%%", *t.MaxNotSent)
	}
	if !within(t.MinRate, 0, maxRate) {
		c.bad("thresholds.minRate", "must be 0 (not checked) to %g hits/s (got %g)", maxRate, t.MinRate)
	}
	if t.Backoff != BackoffRequired && t.Backoff != BackoffReport && t.Backoff != BackoffOff {
		c.bad("thresholds.backoff", "must be %q, %q or %q (got %q)", BackoffRequired, BackoffReport, BackoffOff, t.Backoff)
	}
}

func (p *Profile) checkSLO(c *checker) {
	if p.SLO == nil {
		return
	}
	if p.SLO.ErrorRate != nil && !within(*p.SLO.ErrorRate, 0, 1) {
		c.bad("slo.errorRate", "must be a fraction 0–1 (got %g)", *p.SLO.ErrorRate)
	}
	if !within(p.SLO.MinAchieved, 0, 1) {
		c.bad("slo.minAchieved", "must be a fraction 0–1 (got %g); e.g. 0.95", p.SLO.MinAchieved)
	}
	c.durationWithin("slo.p99", p.SLO.P99, 0, maxLatencyGate, "p99: 250ms")
	c.durationWithin("slo.p95", p.SLO.P95, 0, maxLatencyGate, "p95: 100ms")
}

func (p *Profile) checkGenerator(c *checker) {
	g := p.Generator
	if g.MaxInFlight < 0 || g.MaxInFlight > maxInFlight {
		c.bad("generator.maxInFlight", "must be 0 (derived from the file-descriptor limit) to %d hits (got %d); e.g. \"maxInFlight: 2000\"", maxInFlight, g.MaxInFlight)
	}
	if g.MaxInFlight > 0 && p.Pacer.Workers > g.MaxInFlight {
		c.bad("pacer.workers", "must not exceed generator.maxInFlight %d (got %d): a worker beyond the cap could never send", g.MaxInFlight, p.Pacer.Workers)
	}
	c.durationWithin("generator.maxLag", g.MaxLag, 100*time.Microsecond, time.Minute, "maxLag: 10ms")
	if !within(g.MaxCPU, 0.1, 1) {
		c.bad("generator.maxCpu", "must be a fraction of GOMAXPROCS from 0.1 to 1 (got %g); e.g. \"maxCpu: 0.95\"", g.MaxCPU)
	}
}
