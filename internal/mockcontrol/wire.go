package mockcontrol

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
)

// AnyOperation is the operation name of a fault or rate limit that applies
// to every operation.
const AnyOperation = "*"

// Bounds of the numbers a Fault or RateLimit carries. Every number is finite
// and bounded so that neither a profile nor a control call can ask the mock
// for an unbounded wait or an absurd count.
const (
	MaxRetryAfterSeconds = 86400       // one day
	MaxDelayMs           = 60000       // one minute
	MaxFaultCount        = 100_000_000 // deliveries of one fault
	MaxRate              = 1_000_000   // requests per second per token
	MaxBurst             = 1_000_000   // requests
)

// Fault is the body of POST /__harness/faults (and an entry of a load
// profile's mock.faults): the next Count requests to
// Operation (or "*" for any), each with Probability, answer Status (with
// Retry-After when RetryAfter > 0) after DelayMs; with Reset the connection is
// closed instead of answered.
type Fault struct {
	Operation   string  `yaml:"operation" json:"operation"`
	Status      int     `yaml:"status,omitempty" json:"status,omitempty"`
	Count       int     `yaml:"count,omitempty" json:"count,omitempty"`
	Probability float64 `yaml:"probability,omitempty" json:"probability,omitempty"`
	RetryAfter  int     `yaml:"retryAfter,omitempty" json:"retryAfter,omitempty"`
	DelayMs     int     `yaml:"delayMs,omitempty" json:"delayMs,omitempty"`
	Reset       bool    `yaml:"reset,omitempty" json:"reset,omitempty"`
}

// InstalledFault is one entry of GET /__harness/faults: an installed fault,
// its id and how many deliveries it has left (-1: until removed).
type InstalledFault struct {
	ID string `json:"id"`
	Fault
	Remaining int `json:"remaining"`
}

// RateLimit is the body of PUT /__harness/ratelimit (and a load profile's
// mock.rateLimit): a per-token token bucket
// of Rate requests per second and Burst for Operation (or "*"); over it the
// mock answers 429 with Retry-After: RetryAfter. Rate 0 removes the limit.
type RateLimit struct {
	Operation  string  `yaml:"operation" json:"operation"`
	Rate       float64 `yaml:"rate" json:"rate"`
	Burst      int     `yaml:"burst" json:"burst"`
	RetryAfter int     `yaml:"retryAfter" json:"retryAfter"`
}

// JournalEntry is one request the mock saw, as GET /__harness/journal lists
// it. Client is redact.ClientID of the bearer token (or of the LWA client id
// for token requests); Key is contract.RequestKey of the request.
type JournalEntry struct {
	Time       time.Time `json:"time"`
	AnsweredAt time.Time `json:"answeredAt"`
	Operation  string    `json:"operation"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Client     string    `json:"client"`
	Key        string    `json:"key"`
	Status     int       `json:"status"`
	RetryAfter int       `json:"retryAfter,omitempty"`
	Fault      bool      `json:"fault,omitempty"`
	Reset      bool      `json:"reset,omitempty"`
}

// ValidOperation reports whether op names an operation of the contract or is
// "*" (any operation).
func ValidOperation(op string) bool {
	return op == AnyOperation || slices.Contains(contract.Operations(), op)
}

// operationsHelp lists the accepted operation names for an error message.
func operationsHelp() string {
	return `"*", "` + strings.Join(contract.Operations(), `", "`) + `"`
}

// Validate reports the first field of f the mock would refuse, as
// "field: what is wrong and how to fix it", so that a caller can prefix the
// field's path (e.g. "mock.faults[2]."). It does not modify f.
func (f Fault) Validate() error {
	switch {
	case !ValidOperation(f.Operation):
		return fmt.Errorf("operation: %q is not an operation: use one of %s", f.Operation, operationsHelp())
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("status: %d is not an error status: use 400–599 (or leave it out with delayMs or reset)", f.Status)
	case f.Count < 0 || f.Count > MaxFaultCount:
		return fmt.Errorf("count: must be 0 (every matching request until DELETE /__harness/faults) to %d (got %d)", MaxFaultCount, f.Count)
	case !(f.Probability >= 0 && f.Probability <= 1): // also NaN
		return fmt.Errorf("probability: must be a finite number in [0, 1] (0 or absent means 1; got %g)", f.Probability)
	case f.RetryAfter < 0 || f.RetryAfter > MaxRetryAfterSeconds:
		return fmt.Errorf("retryAfter: must be 0–%d seconds (got %d)", MaxRetryAfterSeconds, f.RetryAfter)
	case f.DelayMs < 0 || f.DelayMs > MaxDelayMs:
		return fmt.Errorf("delayMs: must be 0–%d milliseconds (got %d)", MaxDelayMs, f.DelayMs)
	case f.Status == 0 && !f.Reset && f.DelayMs == 0:
		return errors.New("status: a fault needs a status (400–599), reset: true, or a delayMs")
	case f.Status != 0 && f.Reset:
		return errors.New("reset: a fault either answers a status or resets the connection, not both: remove status or reset")
	}
	return nil
}

// Validate reports the first field of l the mock would refuse, as
// "field: what is wrong and how to fix it", so that a caller can prefix the
// field's path (e.g. "mock.rateLimit."). It does not modify l; WithDefaults
// fills the burst the mock uses when it is 0.
func (l RateLimit) Validate() error {
	switch {
	case !ValidOperation(l.Operation):
		return fmt.Errorf("operation: %q is not an operation: use one of %s", l.Operation, operationsHelp())
	case !(l.Rate >= 0 && l.Rate <= MaxRate): // also NaN and ±Inf
		return fmt.Errorf("rate: must be a finite number of requests per second per token, 0 (remove the limit) to %d (got %g)", MaxRate, l.Rate)
	case l.Burst < 0 || l.Burst > MaxBurst:
		return fmt.Errorf("burst: must be 0 (defaults to max(1, rate)) to %d (got %d)", MaxBurst, l.Burst)
	case l.RetryAfter < 0 || l.RetryAfter > MaxRetryAfterSeconds:
		return fmt.Errorf("retryAfter: must be 0 (computed from rate) to %d seconds (got %d)", MaxRetryAfterSeconds, l.RetryAfter)
	}
	return nil
}

// WithDefaults returns l with the burst the mock applies when it is 0 and
// the rate is not: max(1, ceil(rate)).
func (l RateLimit) WithDefaults() RateLimit {
	if l.Rate > 0 && l.Burst == 0 {
		l.Burst = max(1, int(math.Ceil(l.Rate)))
	}
	return l
}
