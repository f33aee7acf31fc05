package compliance

import (
	"fmt"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
)

// Jitter is the shape of a policy's back-off, which decides how C4 grades it.
type Jitter uint8

const (
	// JitterFull: sleep = U(0, M_k); graded with a one-sided KS test.
	JitterFull Jitter = iota
	// JitterEqual: sleep = M_k/2 + U(0, M_k/2); every gap must be ≥ M_k/2 − ε.
	JitterEqual
	// JitterNone: sleep = M_k (deterministic); every gap must be ≥ M_k/2 − ε.
	JitterNone
)

var jitterNames = [...]string{JitterFull: "full", JitterEqual: "equal", JitterNone: "none"}

// String returns "full", "equal" or "none".
func (j Jitter) String() string {
	if int(j) < len(jitterNames) {
		return jitterNames[j]
	}
	return fmt.Sprintf("jitter(%d)", uint8(j))
}

// ParseJitter accepts "full" (or ""), "equal", and "none" (or "deterministic").
func ParseJitter(s string) (Jitter, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "full":
		return JitterFull, nil
	case "equal":
		return JitterEqual, nil
	case "none", "deterministic":
		return JitterNone, nil
	}
	return 0, fmt.Errorf("jitter: unknown value %q: use full, equal or none", s)
}

// MarshalText implements encoding.TextMarshaler.
func (j Jitter) MarshalText() ([]byte, error) {
	if int(j) >= len(jitterNames) {
		return nil, fmt.Errorf("jitter: unknown value %d", uint8(j))
	}
	return []byte(j.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (j *Jitter) UnmarshalText(b []byte) error {
	v, err := ParseJitter(string(b))
	if err != nil {
		return err
	}
	*j = v
	return nil
}

// Defaults used for zero fields of Options. Base, Cap, MaxAttempts, Quiet
// and ChainWindow are package contract's back-off defaults, which the
// reference client's Standard policy uses too, so a run that names no policy
// parameters is graded as that policy; the rest are the spec's figures.
const (
	DefaultMaxAttempts     = contract.BackoffMaxAttempts
	DefaultBase            = contract.BackoffBase
	DefaultCap             = contract.BackoffCap
	DefaultAlpha           = 0.01
	DefaultSustainedWindow = 60 * time.Second
	DefaultEpsilon         = 50 * time.Millisecond
	DefaultDateEpsilon     = time.Second
	DefaultChainWindow     = contract.BackoffChainWindow
	DefaultQuiet           = contract.BackoffQuiet
	DefaultMinSamples      = 30
	DefaultNetworkSlack    = 50 * time.Millisecond
	DefaultMaxViolations   = 100
	// BudgetBound is C5's bound on attempts ÷ first attempts for a client
	// with a retry budget.
	BudgetBound = 1.1
	// SustainedShare is the share of 429 answers that makes throttling
	// "sustained" in C5.
	SustainedShare = 0.95
	// MinSustainedAnswers is the fewest answers a C5 window must hold for
	// its 429 share to mean anything.
	MinSustainedAnswers = 20
)

// Options describe the policy the graded clients claim to follow and the
// grader's tolerances. The zero value is usable: every zero (or negative)
// field takes its Default.
type Options struct {
	MaxAttempts int           `json:"maxAttempts"` // attempts per chain, first included (C3, C5, C6)
	Base        time.Duration `json:"base"`        // M_1, the first back-off ceiling (C4)
	Cap         time.Duration `json:"cap"`         // largest back-off ceiling (C4)
	Jitter      Jitter        `json:"jitter"`      // how C4 grades the gaps
	RetryBudget bool          `json:"retryBudget"` // the client has a retry budget: C5 bound 1.1
	Alpha       float64       `json:"alpha"`       // KS significance (C4), in (0, 1)
	// SustainedWindow is how long ≥ 95 % 429 must last to count as
	// sustained throttling (C5); a short profile may set it shorter.
	SustainedWindow time.Duration `json:"sustainedWindow"`
	Epsilon         time.Duration `json:"epsilon"`     // ε for a delay-seconds Retry-After (C1) and for C4
	DateEpsilon     time.Duration `json:"dateEpsilon"` // ε for an HTTP-date Retry-After (C1)
	ChainWindow     time.Duration `json:"chainWindow"` // a retry follows its answer within this (120 s)
	Quiet           time.Duration `json:"quiet"`       // C2 and C6 quiet period (60 s)
	MinSamples      int           `json:"minSamples"`  // fewest C4 samples for a KS test (30)
	// NetworkSlack is the most the client and server views' gaps may differ
	// by network delay; Compare forgives client-view failures within it.
	NetworkSlack  time.Duration `json:"networkSlack"`
	MaxViolations int           `json:"maxViolations"` // violations stored per rule; the rest are counted
}

// WithDefaults returns o with every zero or out-of-range field set to its
// default, as Check uses it.
func (o Options) WithDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Base <= 0 {
		o.Base = DefaultBase
	}
	if o.Cap <= 0 {
		o.Cap = DefaultCap
	}
	if o.Cap < o.Base {
		o.Cap = o.Base
	}
	if int(o.Jitter) >= len(jitterNames) {
		o.Jitter = JitterFull
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		o.Alpha = DefaultAlpha
	}
	if o.SustainedWindow <= 0 {
		o.SustainedWindow = DefaultSustainedWindow
	}
	if o.Epsilon <= 0 {
		o.Epsilon = DefaultEpsilon
	}
	if o.DateEpsilon <= 0 {
		o.DateEpsilon = DefaultDateEpsilon
	}
	if o.ChainWindow <= 0 {
		o.ChainWindow = DefaultChainWindow
	}
	if o.Quiet <= 0 {
		o.Quiet = DefaultQuiet
	}
	if o.MinSamples <= 0 {
		o.MinSamples = DefaultMinSamples
	}
	if o.NetworkSlack <= 0 {
		o.NetworkSlack = DefaultNetworkSlack
	}
	if o.MaxViolations <= 0 {
		o.MaxViolations = DefaultMaxViolations
	}
	return o
}

// Ceiling returns M_k = min(Cap, Base·2^(k−1)), the back-off ceiling of the
// k-th retry (k ≥ 1). o must have its defaults applied.
func (o Options) Ceiling(k int) time.Duration {
	d := o.Base
	for i := 1; i < k; i++ {
		if d >= o.Cap/2 {
			return o.Cap
		}
		d *= 2
	}
	return min(d, o.Cap)
}
