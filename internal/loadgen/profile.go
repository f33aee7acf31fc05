package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alexa-harness/harness/internal/mock"
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
type RateLimitSpec = mock.RateLimit

// FaultSpec is one fault installed on the mock for the run, as the control
// API takes it.
type FaultSpec = mock.Fault

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
	// MinRate is the smallest acceptable achieved rate, hits per second.
	MinRate float64 `yaml:"minRate,omitempty" json:"minRate,omitempty"`
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
	raw, err := os.ReadFile(path)
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
	prof.applyDefaults()
	if es := prof.Validate(); len(es) > 0 {
		for _, e := range es {
			e.File = file
			if e.Line == 0 {
				e.Line = lineOf(lines, e.Field)
			}
		}
		return nil, es
	}
	return &prof, nil
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
	types := []any{Profile{}, PacerSpec{}, DataSpec{}, ClientsSpec{}, RetrySpec{}, MockSpec{},
		RateLimitSpec{}, FaultSpec{}, Thresholds{}, LatencyLimits{}, SLO{}}
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

func (p *Profile) applyDefaults() {
	if p.Target == "" {
		p.Target = TargetMock
	}
	if p.Timeout == 0 {
		p.Timeout = Duration(30 * time.Second)
	}
	if p.Data.Preload == nil {
		n := 5
		p.Data.Preload = &n
	}
	if p.Data.PageSize == 0 {
		p.Data.PageSize = 2
	}
	if p.Clients.Count == 0 {
		p.Clients.Count = 1
	}
	if p.Clients.Retry.Policy == "" {
		p.Clients.Retry.Policy = "standard"
	}
	if p.Thresholds.Backoff == "" {
		p.Thresholds.Backoff = BackoffReport
	}
}

// Policy names PolicyByName accepts (clients package).
var policyNames = []string{"standard", "no-retry", "immediate", "ignore-retry-after", "retry-non-retryable"}

// mockOperations are the operation names of the mock's control API.
var mockOperations = []string{"*", "createThreadNetwork", "getThreadNetworks", "getSkillCredentials", "token"}

// Validate checks every field and returns every problem, each naming its
// field and the fix.
func (p *Profile) Validate() ProfileErrors {
	var es ProfileErrors
	bad := func(field, format string, a ...any) {
		es = append(es, &ProfileError{Field: field, Msg: fmt.Sprintf(format, a...)})
	}
	if p.Target != TargetMock && p.Target != TargetEnv {
		bad("target", "must be %q (the embedded mock) or %q (the HARNESS_* environment) (got %q)", TargetMock, TargetEnv, p.Target)
	}
	if p.Duration <= 0 {
		bad("duration", "must be > 0 (got %s); e.g. \"duration: 30s\"", p.Duration.D())
	} else if p.Duration.D() > 24*time.Hour {
		bad("duration", "must be at most 24h (got %s)", p.Duration.D())
	}
	if p.Timeout < 0 {
		bad("timeout", "must be > 0 (got %s); e.g. \"timeout: 30s\"", p.Timeout.D())
	}
	p.validatePacer(bad)
	if len(p.Mix) == 0 {
		bad("mix", "must list at least one operation with a weight > 0; e.g. \"mix: {get: 4, create: 1}\"; operations: %s", strings.Join(MixOperations(), ", "))
	} else {
		sum := 0
		for _, k := range sortedKeys(p.Mix) {
			w := p.Mix[k]
			if !contains(MixOperations(), k) {
				bad("mix."+k, "unknown operation; use one of %s", strings.Join(MixOperations(), ", "))
				continue
			}
			if w < 0 {
				bad("mix."+k, "weight must be >= 0 (got %d); e.g. \"%s: 1\"", w, k)
				continue
			}
			sum += w
		}
		if sum == 0 {
			bad("mix", "weights sum to 0; give at least one operation a weight > 0, e.g. \"get: 1\"")
		}
	}
	if p.Data.Preload != nil && (*p.Data.Preload < 0 || *p.Data.Preload > 1000) {
		bad("data.preload", "must be 0–1000 (got %d); e.g. \"preload: 5\"", *p.Data.Preload)
	}
	if p.Data.PageSize < 1 || p.Data.PageSize > 100 {
		bad("data.pageSize", "must be 1–100, the API's maxResults range (got %d); e.g. \"pageSize: 2\"", p.Data.PageSize)
	}
	if p.Clients.Count < 1 || p.Clients.Count > 10000 {
		bad("clients.count", "must be 1–10000 (got %d); e.g. \"count: 8\"", p.Clients.Count)
	}
	r := p.Clients.Retry
	if !contains(policyNames, r.Policy) {
		bad("clients.retry.policy", "unknown retry policy %q; use one of %s", r.Policy, strings.Join(policyNames, ", "))
	}
	if r.Base < 0 {
		bad("clients.retry.base", "must be >= 0 (got %s); e.g. \"base: 100ms\"", r.Base.D())
	}
	if r.Cap < 0 || (r.Cap > 0 && r.Cap < r.Base) {
		bad("clients.retry.cap", "must be >= base (got %s, base %s); e.g. \"cap: 5s\"", r.Cap.D(), r.Base.D())
	}
	if r.MaxAttempts < 0 || r.MaxAttempts > 20 {
		bad("clients.retry.maxAttempts", "must be 1–20 (got %d); e.g. \"maxAttempts: 3\"", r.MaxAttempts)
	}
	if (p.Mock.RateLimit != nil || len(p.Mock.Faults) > 0) && p.Target != TargetMock {
		bad("mock", "rate limits and faults can only be applied to target \"mock\"; remove the mock section or set \"target: mock\"")
	}
	if rl := p.Mock.RateLimit; rl != nil {
		if rl.Operation == "" {
			rl.Operation = "*"
		}
		if !contains(mockOperations, rl.Operation) {
			bad("mock.rateLimit.operation", "unknown operation %q; use one of %s", rl.Operation, strings.Join(mockOperations, ", "))
		}
		if !(rl.Rate > 0) || math.IsInf(rl.Rate, 0) {
			bad("mock.rateLimit.rate", "must be > 0 (got %g); e.g. \"rate: 5\" (requests per second per token)", rl.Rate)
		}
		if rl.Burst < 1 {
			bad("mock.rateLimit.burst", "must be >= 1 (got %d); e.g. \"burst: 5\"", rl.Burst)
		}
		if rl.RetryAfter < 0 || rl.RetryAfter > 3600 {
			bad("mock.rateLimit.retryAfter", "must be 0–3600 seconds (got %d)", rl.RetryAfter)
		}
	}
	for i, f := range p.Mock.Faults {
		field := fmt.Sprintf("mock.faults[%d]", i)
		if f.Operation == "" || !contains(mockOperations, f.Operation) {
			bad(field+".operation", "must be one of %s (got %q)", strings.Join(mockOperations, ", "), f.Operation)
		}
		switch {
		case f.Status == 0 && !f.Reset && f.DelayMs == 0:
			bad(field+".status", "a fault needs a status (400–599), \"reset: true\" or a delayMs; e.g. \"status: 503\"")
		case f.Status != 0 && (f.Status < 400 || f.Status > 599):
			bad(field+".status", "must be an error status 400–599 (got %d); e.g. \"status: 503\"", f.Status)
		}
		if f.Count < 0 {
			bad(field+".count", "must be >= 0 (got %d)", f.Count)
		}
		if f.Probability < 0 || f.Probability > 1 {
			bad(field+".probability", "must be 0–1 (got %g)", f.Probability)
		}
		if f.RetryAfter < 0 || f.RetryAfter > 3600 {
			bad(field+".retryAfter", "must be 0–3600 seconds (got %d)", f.RetryAfter)
		}
		if f.DelayMs < 0 || f.DelayMs > 60000 {
			bad(field+".delayMs", "must be 0–60000 milliseconds (got %d)", f.DelayMs)
		}
	}
	t := p.Thresholds
	for _, k := range sortedKeys(t.Latency) {
		if k != "all" && !contains(MixOperations(), k) {
			bad("thresholds.latency."+k, "unknown operation; use \"all\" or one of %s", strings.Join(MixOperations(), ", "))
		}
		l := t.Latency[k]
		if l.P50 < 0 || l.P95 < 0 || l.P99 < 0 {
			bad("thresholds.latency."+k, "percentile limits must be > 0; e.g. \"p99: 250ms\"")
		}
	}
	if t.ErrorRate != nil && (*t.ErrorRate < 0 || *t.ErrorRate > 1) {
		bad("thresholds.errorRate", "must be a fraction 0–1 (got %g); e.g. \"errorRate: 0.01\" for 1%%", *t.ErrorRate)
	}
	if t.MinRate < 0 {
		bad("thresholds.minRate", "must be >= 0 (got %g)", t.MinRate)
	}
	if t.Backoff != BackoffRequired && t.Backoff != BackoffReport && t.Backoff != BackoffOff {
		bad("thresholds.backoff", "must be %q, %q or %q (got %q)", BackoffRequired, BackoffReport, BackoffOff, t.Backoff)
	}
	if p.SLO != nil {
		if p.SLO.ErrorRate != nil && (*p.SLO.ErrorRate < 0 || *p.SLO.ErrorRate > 1) {
			bad("slo.errorRate", "must be a fraction 0–1 (got %g)", *p.SLO.ErrorRate)
		}
		if p.SLO.MinAchieved < 0 || p.SLO.MinAchieved > 1 {
			bad("slo.minAchieved", "must be a fraction 0–1 (got %g); e.g. 0.95", p.SLO.MinAchieved)
		}
		if p.SLO.P99 < 0 || p.SLO.P95 < 0 {
			bad("slo", "latency limits must be > 0")
		}
	}
	return es
}

func (p *Profile) validatePacer(bad func(field, format string, a ...any)) {
	pc := p.Pacer
	positive := func(field string, v float64, eg string) {
		if !(v > 0) || math.IsInf(v, 0) || v > 1e6 {
			bad("pacer."+field, "must be > 0 and at most 1e6 (got %g); e.g. %q", v, eg)
		}
	}
	switch pc.Type {
	case "constant":
		positive("rate", pc.Rate, "rate: 50")
	case "linear":
		positive("start", pc.Start, "start: 10")
		if math.IsNaN(pc.Slope) || math.IsInf(pc.Slope, 0) || pc.Slope < 0 {
			bad("pacer.slope", "must be >= 0 requests/s per second (got %g); e.g. \"slope: 5\"", pc.Slope)
		}
	case "step":
		positive("start", pc.Start, "start: 100")
		if math.IsNaN(pc.Step) || pc.Step < 0 || math.IsInf(pc.Step, 0) {
			bad("pacer.step", "must be >= 0 (got %g); e.g. \"step: 100\"", pc.Step)
		}
		if pc.Every.D() < 100*time.Millisecond {
			bad("pacer.every", "must be at least 100ms (got %s); e.g. \"every: 10s\"", pc.Every.D())
		} else if p.Duration > 0 && p.Duration.D()/pc.Every.D() > maxSteps {
			bad("pacer.every", "gives more than %d steps over the duration; use a longer step", maxSteps)
		}
		if pc.Max < 0 || (pc.Max > 0 && pc.Max < pc.Start) {
			bad("pacer.max", "must be 0 (no cap) or >= start (got %g)", pc.Max)
		}
	case "sine":
		positive("mean", pc.Mean, "mean: 100")
		if !(pc.Amplitude >= 0) || pc.Amplitude >= pc.Mean {
			bad("pacer.amplitude", "must be >= 0 and < mean (got %g, mean %g); e.g. \"amplitude: 50\"", pc.Amplitude, pc.Mean)
		}
		if pc.Period <= 0 {
			bad("pacer.period", "must be > 0 (got %s); e.g. \"period: 30s\"", pc.Period.D())
		}
		if _, ok := sineOffsets[pc.StartAt]; !ok {
			bad("pacer.startAt", "must be one of mean-up, peak, mean-down, trough (got %q)", pc.StartAt)
		}
	case "max":
		if pc.Workers < 1 {
			bad("pacer.workers", "type max (as fast as possible) needs a number of workers >= 1 (got %d); e.g. \"workers: 64\"", pc.Workers)
		}
	case "":
		bad("pacer.type", "missing; use constant, linear, step, sine or max; e.g. \"type: constant\"")
	default:
		bad("pacer.type", "unknown pacer %q; use constant, linear, step, sine or max", pc.Type)
	}
	if pc.Workers < 0 || pc.Workers > 100000 {
		bad("pacer.workers", "must be 0 (unlimited) to 100000 (got %d)", pc.Workers)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
