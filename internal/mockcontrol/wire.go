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
	// MaxTokenLifetimeSeconds bounds the lifetime of a token minted by POST
	// /__harness/tokens either way: -MaxTokenLifetimeSeconds (expired a week
	// ago) to MaxTokenLifetimeSeconds (valid for a week).
	MaxTokenLifetimeSeconds = 7 * 86400
)

// Fault is the body of POST /__harness/faults (and an entry of a load
// profile's mock.faults): the next Count requests to
// Operation (or "*" for any), each with Probability, answer Status (with
// Retry-After when RetryAfter > 0) after DelayMs; with Reset the connection is
// closed instead of answered. With RetryAfterDate the Retry-After is sent as
// an HTTP-date (RFC 9110 §10.2.3: the answer's time plus RetryAfter seconds,
// rounded up to a whole second) instead of delay-seconds.
type Fault struct {
	Operation   string  `yaml:"operation" json:"operation"`
	Status      int     `yaml:"status,omitempty" json:"status,omitempty"`
	Count       int     `yaml:"count,omitempty" json:"count,omitempty"`
	Probability float64 `yaml:"probability,omitempty" json:"probability,omitempty"`
	RetryAfter  int     `yaml:"retryAfter,omitempty" json:"retryAfter,omitempty"`
	DelayMs     int     `yaml:"delayMs,omitempty" json:"delayMs,omitempty"`
	Reset       bool    `yaml:"reset,omitempty" json:"reset,omitempty"`
	// RetryAfterDate sends Retry-After as an HTTP-date; it needs RetryAfter > 0.
	RetryAfterDate bool `yaml:"retryAfterDate,omitempty" json:"retryAfterDate,omitempty"`
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
// mock answers 429 with Retry-After: RetryAfter (as an HTTP-date with
// RetryAfterDate). Rate 0 removes the limit.
type RateLimit struct {
	Operation      string  `yaml:"operation" json:"operation"`
	Rate           float64 `yaml:"rate" json:"rate"`
	Burst          int     `yaml:"burst" json:"burst"`
	RetryAfter     int     `yaml:"retryAfter" json:"retryAfter"`
	RetryAfterDate bool    `yaml:"retryAfterDate,omitempty" json:"retryAfterDate,omitempty"`
}

// JournalEntry is one request the mock saw, as GET /__harness/journal lists
// it. Client is redact.ClientID of the bearer token (or
// redact.TokenRequestClientID for token requests); Key is
// contract.RequestKey of the request. Authorization says an Authorization
// header came (any scheme); Token is redact.ClientID of the token the request
// presented (the bearer access token, or for a token request its refresh
// token or authorization code), "" when none: never the token itself.
// GrantType is the grant_type of a token request (refresh_token,
// authorization_code, client_credentials, "other" for anything else, "" when
// absent). RetryAfterDate says the Retry-After went out as an HTTP-date, at
// least RetryAfter seconds after AnsweredAt.
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

	Authorization  bool   `json:"authorization"`
	Token          string `json:"token,omitempty"`
	GrantType      string `json:"grantType,omitempty"`
	RetryAfterDate bool   `json:"retryAfterDate,omitempty"`
}

// MintRequest is the body of POST /__harness/tokens: mint an access token
// for the identity whose refresh token is RefreshToken, living ExpiresIn
// seconds from now by the mock's clock (negative or 0: already expired;
// absent: the mock's token lifetime, 3600 s by default).
type MintRequest struct {
	RefreshToken string `json:"refreshToken"`
	ExpiresIn    *int   `json:"expiresIn,omitempty"`
}

// MintedToken is the answer of POST /__harness/tokens.
type MintedToken struct {
	AccessToken string    `json:"accessToken"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// RevokeRequest is the body of POST /__harness/revoke: later refresh_token
// grants with RefreshToken answer 400 invalid_grant until POST
// /__harness/reset.
type RevokeRequest struct {
	RefreshToken string `json:"refreshToken"`
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
	case f.RetryAfterDate && (f.RetryAfter == 0 || f.Status == 0):
		return errors.New("retryAfterDate: sends Retry-After as an HTTP-date, so it needs a status and retryAfter > 0 (the seconds ahead): add them or remove retryAfterDate")
	}
	return nil
}

// Validate reports the first field of m the mock would refuse, as "field:
// what is wrong and how to fix it". It never quotes the refresh token.
func (m MintRequest) Validate() error {
	switch {
	case m.RefreshToken == "":
		return errors.New("refreshToken: is required: give the refresh token of the identity to mint an access token for")
	case m.ExpiresIn != nil && (*m.ExpiresIn < -MaxTokenLifetimeSeconds || *m.ExpiresIn > MaxTokenLifetimeSeconds):
		return fmt.Errorf("expiresIn: must be %d to %d seconds (negative: already expired; got %d)", -MaxTokenLifetimeSeconds, MaxTokenLifetimeSeconds, *m.ExpiresIn)
	}
	return nil
}

// Validate reports a missing refresh token as "refreshToken: ...".
func (r RevokeRequest) Validate() error {
	if r.RefreshToken == "" {
		return errors.New("refreshToken: is required: give the refresh token to revoke")
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
