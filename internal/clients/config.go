package clients

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// Config is the clients' configuration shared by the harness client
// command, the conformance suite and the load generator. Empty URLs mean the
// real services (contract.*BaseURL). Secrets are redact.Secret, so printing a
// Config (fmt, slog, JSON) never shows one.
type Config struct {
	LockerURL string `json:"lockerUrl,omitempty"`
	SMAPIURL  string `json:"smapiUrl,omitempty"`
	LWAURL    string `json:"lwaUrl,omitempty"`

	ClientID     string        `json:"clientId,omitempty"`
	ClientSecret redact.Secret `json:"clientSecret,omitempty"`

	CustomerRefreshToken    redact.Secret `json:"customerRefreshToken,omitempty"`
	CustomerBRefreshToken   redact.Secret `json:"customerBRefreshToken,omitempty"`
	NoScopeRefreshToken     redact.Secret `json:"noScopeRefreshToken,omitempty"`
	VendorRefreshToken      redact.Secret `json:"vendorRefreshToken,omitempty"`
	OtherVendorRefreshToken redact.Secret `json:"otherVendorRefreshToken,omitempty"`
	// AccessToken, when set, is used as is for every service and LWA is
	// not called (HARNESS_ACCESS_TOKEN).
	AccessToken redact.Secret `json:"accessToken,omitempty"`
	SkillID     string        `json:"skillId,omitempty"`

	Policy   RetryPolicy `json:"-"` // nil = Standard(PolicyParams{})
	Observer Observer    `json:"-"` // nil = none
	Clock    Clock       `json:"-"` // nil = SystemClock
	// AttemptTimeout bounds each attempt, reading the answer included
	// (0 = DefaultAttemptTimeout, <0 = none); see WithAttemptTimeout.
	AttemptTimeout time.Duration `json:"-"`
	// Base carries the requests under every Transport built from c. Nil: a
	// new DefaultRoundTripper() (its own connection pool) per Transport;
	// set it to share one pool between clients.
	Base http.RoundTripper `json:"-"`
}

// FromEnv reads the HARNESS_* variables (contract.Env*) through getenv
// (an empty environment when nil: the caller passes the process's, as the
// harness CLI does from its process state).
func FromEnv(getenv func(string) string) Config {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return Config{
		LockerURL:               getenv(contract.EnvLockerURL),
		SMAPIURL:                getenv(contract.EnvSMAPIURL),
		LWAURL:                  getenv(contract.EnvLWAURL),
		ClientID:                getenv(contract.EnvLWAClientID),
		ClientSecret:            redact.Secret(getenv(contract.EnvLWAClientSecret)),
		CustomerRefreshToken:    redact.Secret(getenv(contract.EnvCustomerRefreshToken)),
		CustomerBRefreshToken:   redact.Secret(getenv(contract.EnvCustomerBRefreshToken)),
		NoScopeRefreshToken:     redact.Secret(getenv(contract.EnvNoScopeRefreshToken)),
		VendorRefreshToken:      redact.Secret(getenv(contract.EnvVendorRefreshToken)),
		OtherVendorRefreshToken: redact.Secret(getenv(contract.EnvOtherVendorRefreshToken)),
		AccessToken:             redact.Secret(getenv(contract.EnvAccessToken)),
		SkillID:                 getenv(contract.EnvSkillID),
	}
}

// MockConfig returns a Config for a mock at baseURL with its well-known
// identities (docs/mock.md): customer A, vendor A and the skill.
func MockConfig(baseURL string) Config {
	return Config{
		LockerURL: baseURL, SMAPIURL: baseURL, LWAURL: baseURL,
		ClientID:                contract.MockLWAClientID,
		ClientSecret:            contract.MockLWAClientSecret,
		CustomerRefreshToken:    contract.MockCustomerARefresh,
		CustomerBRefreshToken:   contract.MockCustomerBRefresh,
		NoScopeRefreshToken:     contract.MockCustomerNoScopeRefresh,
		VendorRefreshToken:      contract.MockVendorRefreshToken,
		OtherVendorRefreshToken: contract.MockOtherVendorRefresh,
		SkillID:                 contract.MockSkillID,
	}
}

// Validate checks the base URLs (empty ones mean the real services).
func (c Config) Validate() error {
	var errs []error
	for _, u := range []struct{ name, env, url string }{
		{"Credential Locker", contract.EnvLockerURL, c.LockerURL},
		{"SMAPI", contract.EnvSMAPIURL, c.SMAPIURL},
		{"LWA", contract.EnvLWAURL, c.LWAURL},
	} {
		if u.url == "" {
			continue
		}
		if err := checkBaseURL(u.name, u.url); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.env, err))
		}
	}
	return errors.Join(errs...)
}

// DefaultRoundTripper returns the base RoundTripper the clients use when none is
// configured: http.DefaultTransport's settings with a 30 s limit on waiting
// for response headers and a larger idle pool per host. The whole of each
// attempt, reading the body included, is bounded by the Transport
// (WithAttemptTimeout, Config.AttemptTimeout).
func DefaultRoundTripper() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 30 * time.Second
	t.MaxIdleConnsPerHost = 64
	return t
}

// Transport returns a Transport with c's base, policy, observer and clock,
// injecting tokens from tokens (none when nil).
func (c Config) Transport(tokens TokenProvider) *Transport {
	base := c.Base
	if base == nil {
		base = DefaultRoundTripper()
	}
	return NewTransport(base, WithPolicy(c.Policy), WithObserver(c.Observer), WithClock(c.Clock), WithTokenProvider(tokens),
		WithAttemptTimeout(c.AttemptTimeout), WithSecrets(c.secrets()...))
}

// secrets returns every secret c holds, for scrubbing server error text.
func (c Config) secrets() []redact.Secret {
	return []redact.Secret{c.ClientSecret, c.AccessToken, c.CustomerRefreshToken, c.CustomerBRefreshToken,
		c.NoScopeRefreshToken, c.VendorRefreshToken, c.OtherVendorRefreshToken}
}

// HTTPClient returns an *http.Client over c.Transport(tokens).
func (c Config) HTTPClient(tokens TokenProvider) *http.Client {
	return &http.Client{Transport: c.Transport(tokens)}
}

// LWA returns a token source for refresh, whose token requests go through a
// Transport with c's policy, observer and clock.
func (c Config) LWA(refresh redact.Secret) (*LWA, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return NewLWA(LWAConfig{
		BaseURL: c.LWAURL, ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: refresh,
		HTTP: c.HTTPClient(nil), Clock: c.Clock,
	})
}

// Tokens returns the TokenProvider for refresh: the static AccessToken when
// set, else an LWA source for refresh. what and env name the identity in the
// error when neither is configured.
func (c Config) Tokens(refresh redact.Secret, what, env string) (TokenProvider, error) {
	if c.AccessToken != "" {
		return StaticToken(c.AccessToken), nil
	}
	if refresh == "" {
		return nil, fmt.Errorf("no %s credentials: set %s (with %s and %s) or %s",
			what, env, contract.EnvLWAClientID, contract.EnvLWAClientSecret, contract.EnvAccessToken)
	}
	return c.LWA(refresh)
}

// CustomerTokens is Tokens for the customer (Credential Locker).
func (c Config) CustomerTokens() (TokenProvider, error) {
	return c.Tokens(c.CustomerRefreshToken, "customer", contract.EnvCustomerRefreshToken)
}

// VendorTokens is Tokens for the vendor (SMAPI).
func (c Config) VendorTokens() (TokenProvider, error) {
	return c.Tokens(c.VendorRefreshToken, "vendor", contract.EnvVendorRefreshToken)
}

// Locker returns a Credential Locker client authenticated as the customer.
func (c Config) Locker() (*Locker, error) {
	tp, err := c.CustomerTokens()
	if err != nil {
		return nil, err
	}
	return c.LockerWith(tp)
}

// LockerWith returns a Credential Locker client using tokens.
func (c Config) LockerWith(tokens TokenProvider) (*Locker, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return NewLocker(c.LockerURL, c.HTTPClient(tokens))
}

// SMAPI returns a SMAPI client authenticated as the vendor.
func (c Config) SMAPI() (*SMAPI, error) {
	tp, err := c.VendorTokens()
	if err != nil {
		return nil, err
	}
	return c.SMAPIWith(tp)
}

// SMAPIWith returns a SMAPI client using tokens.
func (c Config) SMAPIWith(tokens TokenProvider) (*SMAPI, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return NewSMAPI(c.SMAPIURL, c.HTTPClient(tokens))
}
