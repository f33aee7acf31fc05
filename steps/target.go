package steps

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/alexa-harness/harness/api"
	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/redact"
)

// Identity names, as the @needs:<identity> tags spell them.
const (
	CustomerA   = "customer-a"
	CustomerB   = "customer-b"
	NoScope     = "noscope"
	Vendor      = "vendor"
	OtherVendor = "other-vendor"
)

// identityInfo describes one identity: how scenarios call it and where
// real mode finds its refresh token.
type identityInfo struct {
	phrase string // as the features say it
	env    string
	secret func(c clients.Config) redact.Secret
}

func identityTable() map[string]identityInfo {
	return map[string]identityInfo{
		CustomerA: {"customer A", contract.EnvCustomerRefreshToken,
			func(c clients.Config) redact.Secret { return c.CustomerRefreshToken }},
		CustomerB: {"customer B", contract.EnvCustomerBRefreshToken,
			func(c clients.Config) redact.Secret { return c.CustomerBRefreshToken }},
		NoScope: {"a customer without the Thread scope", contract.EnvNoScopeRefreshToken,
			func(c clients.Config) redact.Secret { return c.NoScopeRefreshToken }},
		Vendor: {"the skill's vendor", contract.EnvVendorRefreshToken,
			func(c clients.Config) redact.Secret { return c.VendorRefreshToken }},
		OtherVendor: {"another vendor", contract.EnvOtherVendorRefreshToken,
			func(c clients.Config) redact.Secret { return c.OtherVendorRefreshToken }},
	}
}

// identityByPhrase maps the features' words for a caller to its name.
func identityByPhrase(phrase string) (string, bool) {
	for name, info := range identityTable() {
		if info.phrase == phrase {
			return name, true
		}
	}
	return "", false
}

// Target is what every scenario of one run shares: where the services are,
// who the identities are, the validator, and the guarded base transport.
// Build it with NewTarget.
type Target struct {
	// Real is true against real endpoints: the control API is never used,
	// @mock-only scenarios are skipped, @writes ones need AllowWrites.
	Real bool
	// Clients holds the base URLs and the identities' secrets. In mock mode
	// it points at the shared mock (clients.MockConfig).
	Clients clients.Config
	// AllowWrites lets @writes scenarios run in real mode.
	AllowWrites bool
	// Validator checks every answer against api/openapi.yaml.
	Validator *api.Validator
	// Base carries every request (rate limit, budget, real-mode guard);
	// nil means clients.DefaultRoundTripper().
	Base http.RoundTripper
	// StartMock starts a dedicated mock for one @mock-only scenario (mock
	// mode only); nil in real mode.
	StartMock func(ctx context.Context, cfg mock.Config) (*mock.Running, error)
	// Exhausted, when set, says why no new scenario may start (for example
	// a spent request budget); "" means go on.
	Exhausted func() string
	// RetryPolicy is the "standard retry policy" of the retry scenarios;
	// nil means clients.Standard with base 10 ms, cap 50 ms, 3 attempts.
	RetryPolicy clients.RetryPolicy

	shared *tokenCache
	exprs  *stepExprs
}

// stepExprs holds each step's compiled expression, so that Register, which
// godog calls once per scenario, compiles each of them once per run (a
// *regexp.Regexp is safe for concurrent use).
type stepExprs struct {
	mu sync.Mutex
	re map[string]*regexp.Regexp
}

// expr is what sc.Step takes for expr: compiled once per run (compile), or
// the text itself for a Target not built by NewTarget (godog compiles it).
func (c *stepExprs) expr(expr string) any {
	if c == nil {
		return expr
	}
	return c.compile(expr)
}

// compile returns expr compiled, from the cache when it was compiled before
// (it panics on a bad expression, as godog does).
func (c *stepExprs) compile(expr string) *regexp.Regexp {
	c.mu.Lock()
	defer c.mu.Unlock()
	re, ok := c.re[expr]
	if !ok {
		re = regexp.MustCompile(expr)
		c.re[expr] = re
	}
	return re
}

// tokenCache holds the run-wide token sources by identity.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]*clients.LWA
}

// NewTarget returns a Target ready for Register.
func NewTarget(t Target) *Target {
	out := &Target{
		Real: t.Real, Clients: t.Clients, AllowWrites: t.AllowWrites, Validator: t.Validator, Base: t.Base,
		StartMock: t.StartMock, Exhausted: t.Exhausted, RetryPolicy: t.RetryPolicy,
		shared: &tokenCache{tokens: map[string]*clients.LWA{}},
		exprs:  &stepExprs{re: map[string]*regexp.Regexp{}},
	}
	if out.Base == nil {
		out.Base = clients.DefaultRoundTripper()
	}
	if out.RetryPolicy == nil {
		out.RetryPolicy = clients.Standard(clients.PolicyParams{
			Base: 10 * time.Millisecond, Cap: 50 * time.Millisecond, MaxAttempts: 3, MaxElapsed: 20 * time.Second,
		})
	}
	return out
}

// HasIdentity reports whether the identity's refresh token is configured.
func (t *Target) HasIdentity(name string) bool {
	info, ok := identityTable()[name]
	return ok && info.secret(t.Clients) != ""
}

// missingIdentity explains how to configure a missing identity.
func missingIdentity(name string) string {
	info, ok := identityTable()[name]
	if !ok {
		return fmt.Sprintf("needs unknown identity %q", name)
	}
	return fmt.Sprintf("needs identity %s (%s): set %s", name, info.phrase, info.env)
}

// skipReason returns why a scenario with tags must be skipped, or "".
func (t *Target) skipReason(tags map[string]bool) string {
	if t.Real && tags["@mock-only"] {
		return "mock-only: needs the mock's control API (faults, rate limits, clock or fixtures)"
	}
	if t.Real && tags["@writes"] && !t.AllowWrites {
		return "writes data: run with --allow-writes"
	}
	for tag := range tags {
		if name, ok := cutPrefix(tag, "@needs:"); ok && !t.HasIdentity(name) {
			return missingIdentity(name)
		}
	}
	if t.Exhausted != nil {
		if r := t.Exhausted(); r != "" {
			return r
		}
	}
	return ""
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return "", false
}

// sharedTokens returns the run-wide token source of an identity (used by
// scenarios on the shared target, so that a run against a real LWA fetches
// one token per identity, not one per scenario).
func (t *Target) sharedTokens(name string) (*clients.LWA, error) {
	t.shared.mu.Lock()
	defer t.shared.mu.Unlock()
	if l, ok := t.shared.tokens[name]; ok {
		return l, nil
	}
	l, err := newLWA(t, t.Clients, name)
	if err != nil {
		return nil, err
	}
	t.shared.tokens[name] = l
	return l, nil
}

// newLWA builds a token source for identity name against cfg's LWA URL. Its
// answers are validated and recorded as token exchanges of the scenario
// whose context asked.
func newLWA(t *Target, cfg clients.Config, name string) (*clients.LWA, error) {
	info, ok := identityTable()[name]
	if !ok {
		return nil, fmt.Errorf("unknown identity %q", name)
	}
	secret := info.secret(cfg)
	if secret == "" {
		return nil, &skipError{reason: missingIdentity(name)}
	}
	hc := &http.Client{Transport: clients.NewTransport(&validating{next: t.Base, v: t.Validator, token: true},
		clients.WithPolicy(t.RetryPolicy))}
	l, err := clients.NewLWA(clients.LWAConfig{
		BaseURL: cfg.LWAURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RefreshToken: secret, HTTP: hc,
	})
	if err != nil {
		return nil, fmt.Errorf("token source for %s: %w", name, err)
	}
	return l, nil
}
