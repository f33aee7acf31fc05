package clients

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// DefaultRefreshBefore is how long before expiry LWA fetches a new token.
const DefaultRefreshBefore = 60 * time.Second

// Token is an LWA access token. Its secrets redact themselves in fmt, slog
// and JSON; Reveal gives the wire form.
type Token struct {
	AccessToken  redact.Secret `json:"accessToken"`
	RefreshToken redact.Secret `json:"refreshToken,omitempty"`
	TokenType    string        `json:"tokenType"`
	ExpiresIn    int64         `json:"expiresIn"`
	Expiry       time.Time     `json:"expiry"`
}

// TokenWire is Token with its secrets in clear, in Token's own field names
// (only the masking differs, so a script reads the same keys with and
// without --reveal; it is not LWA's answer, which has no expiry). Build it
// only to print at the user's explicit request (--reveal).
type TokenWire struct {
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	TokenType    string    `json:"tokenType"`
	ExpiresIn    int64     `json:"expiresIn"`
	Expiry       time.Time `json:"expiry"`
}

// Reveal returns the token with its secrets in clear.
func (t Token) Reveal() TokenWire {
	return TokenWire{AccessToken: t.AccessToken.Reveal(), RefreshToken: t.RefreshToken.Reveal(),
		TokenType: t.TokenType, ExpiresIn: t.ExpiresIn, Expiry: t.Expiry}
}

// LogValue implements slog.LogValuer (secrets redacted).
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("accessToken", t.AccessToken.String()),
		slog.String("tokenType", t.TokenType), slog.Time("expiry", t.Expiry))
}

// LWAConfig configures an LWA token source.
type LWAConfig struct {
	BaseURL      string        // default contract.LWABaseURL
	ClientID     string        // LWA client (security profile) id
	ClientSecret redact.Secret // LWA client secret
	RefreshToken redact.Secret // the refresh token of the customer or vendor
	// HTTP carries the token requests. Give it a *Transport without a token
	// provider to get retries and attempt reports for the token operation.
	// Default: a Transport with the Standard policy over
	// http.DefaultTransport.
	HTTP *http.Client
	// Clock decides when a token is due for refresh. Default SystemClock.
	Clock Clock
	// RefreshBefore: fetch a new token this long before the current one
	// expires (capped at half its lifetime). Default DefaultRefreshBefore.
	RefreshBefore time.Duration
	// FetchTimeout bounds one token fetch, shared by every waiting caller.
	// Default 2 minutes.
	FetchTimeout time.Duration
}

// LWA is a TokenProvider for Login with Amazon's refresh-token grant. It
// caches the access token, refreshes it RefreshBefore its expiry, makes a
// single token request however many callers ask at once, and after
// Invalidate fetches a new one.
//
// The wire protocol is golang.org/x/oauth2's (oauth2.Config with
// AuthStyleInParams: LWA wants client_id and client_secret in the form body;
// its RetrieveError parsing). Caching is done here rather than by
// oauth2.ReuseTokenSource because that one has no way to drop a token the
// service rejected, reads the wall clock, and ignores the caller's context
// while it refreshes; golang.org/x/sync/singleflight shares one fetch between
// concurrent callers while each caller still honours its own context.
type LWA struct {
	conf    oauth2.Config
	hc      *http.Client
	clock   Clock
	before  time.Duration
	timeout time.Duration
	sf      singleflight.Group
	fetches atomic.Int64

	mu      sync.Mutex
	refresh string // current refresh token (LWA may rotate it)
	cur     *cached
}

type cached struct {
	tok    Token
	access string
	due    time.Time // refresh from here on
	expiry time.Time // unusable from here on (zero = never expires)
}

// NewLWA returns an LWA token source. ClientID, ClientSecret and
// RefreshToken are required.
func NewLWA(c LWAConfig) (*LWA, error) {
	var missing []string
	if c.ClientID == "" {
		missing = append(missing, "client id ("+contract.EnvLWAClientID+")")
	}
	if c.ClientSecret == "" {
		missing = append(missing, "client secret ("+contract.EnvLWAClientSecret+")")
	}
	if c.RefreshToken == "" {
		missing = append(missing, "refresh token")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("login with amazon: missing %s", strings.Join(missing, ", "))
	}
	base := c.BaseURL
	if base == "" {
		base = contract.LWABaseURL
	}
	if err := checkBaseURL("LWA", base); err != nil {
		return nil, err
	}
	l := &LWA{
		conf: oauth2.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret.Reveal(),
			Endpoint: oauth2.Endpoint{
				TokenURL:  strings.TrimRight(base, "/") + contract.TokenPath,
				AuthStyle: oauth2.AuthStyleInParams,
			},
		},
		hc:      c.HTTP,
		clock:   c.Clock,
		before:  c.RefreshBefore,
		timeout: c.FetchTimeout,
		refresh: c.RefreshToken.Reveal(),
	}
	if l.hc == nil {
		l.hc = &http.Client{Transport: NewTransport(nil, WithClock(c.Clock))}
	}
	if l.clock == nil {
		l.clock = SystemClock{}
	}
	if l.before <= 0 {
		l.before = DefaultRefreshBefore
	}
	if l.timeout <= 0 {
		l.timeout = 2 * time.Minute
	}
	return l, nil
}

// Fetches returns how many token requests (logical calls, each possibly
// retried by the transport) this source has made.
func (l *LWA) Fetches() int64 { return l.fetches.Load() }

// Token returns a valid access token, fetching one when there is none or the
// current one is due for refresh.
func (l *LWA) Token(ctx context.Context) (string, error) {
	if c := l.current(); c != nil && l.clock.Now().Before(c.due) {
		return c.access, nil
	}
	t, err := l.refreshShared(ctx)
	if err != nil {
		return "", err
	}
	return t.AccessToken.Reveal(), nil
}

// Current returns the cached token, if any (fetching one if none).
func (l *LWA) Current(ctx context.Context) (Token, error) {
	if c := l.current(); c != nil && l.clock.Now().Before(c.due) {
		return c.tok, nil
	}
	return l.refreshShared(ctx)
}

// Fetch makes a token request now, whatever the cache holds, and caches the
// result.
func (l *LWA) Fetch(ctx context.Context) (Token, error) {
	l.Invalidate(ctx, "")
	return l.refreshShared(ctx)
}

// Invalidate drops the cached token if it is stale (the token a request was
// rejected with); an empty stale drops whatever is cached. Concurrent
// callers invalidating the same stale token cause one refresh, not many.
func (l *LWA) Invalidate(_ context.Context, stale string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur != nil && (stale == "" || l.cur.access == stale) {
		l.cur = nil
	}
}

func (l *LWA) current() *cached {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// refreshShared fetches a token once for every concurrent caller. Each
// caller waits only as long as its own context allows; the fetch itself runs
// under a context that no single caller can cancel.
func (l *LWA) refreshShared(ctx context.Context) (Token, error) {
	ch := l.sf.DoChan("token", func() (any, error) {
		// Someone else may have refreshed while we queued.
		if c := l.current(); c != nil && l.clock.Now().Before(c.due) {
			return c.tok, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
		defer cancel()
		return l.fetch(fctx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			// A token still short of expiry is better than none.
			if c := l.current(); c != nil && (c.expiry.IsZero() || l.clock.Now().Before(c.expiry)) {
				return c.tok, nil
			}
			return Token{}, r.Err
		}
		return r.Val.(Token), nil
	case <-ctx.Done():
		return Token{}, fmt.Errorf("%s: waiting for a token: %w", contract.OpToken, ctx.Err())
	}
}

func (l *LWA) fetch(ctx context.Context) (Token, error) {
	l.fetches.Add(1)
	l.mu.Lock()
	rt := l.refresh
	l.mu.Unlock()
	// ctx descends from a caller's request context: replace the caller's
	// operation and call statistics with the token request's own.
	ctx, st := WithCallStats(WithOperation(ctx, contract.OpToken))
	ctx = context.WithValue(ctx, oauth2.HTTPClient, l.hc)
	start := l.clock.Now()
	ot, err := l.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		known := append(slices.Clip(st.known()), l.conf.ClientSecret, rt)
		if c := l.current(); c != nil {
			known = append(known, c.access, c.tok.RefreshToken.Reveal())
		}
		return Token{}, tokenError(err, st, known...)
	}
	t := Token{
		AccessToken:  redact.Secret(ot.AccessToken),
		RefreshToken: redact.Secret(ot.RefreshToken),
		TokenType:    ot.TokenType,
		ExpiresIn:    ot.ExpiresIn,
	}
	c := &cached{tok: t, access: ot.AccessToken}
	life := time.Duration(ot.ExpiresIn) * time.Second
	if life <= 0 && !ot.Expiry.IsZero() { // form-encoded answers set only Expiry
		life = time.Until(ot.Expiry)
		t.ExpiresIn = int64(life / time.Second)
	}
	if life > 0 {
		// Measured from when the request was sent: errs on the early side.
		c.expiry = start.Add(life)
		c.due = c.expiry.Add(-min(l.before, life/2))
		t.Expiry = c.expiry
		c.tok.Expiry = c.expiry
	} else {
		c.due = start.Add(100 * 365 * 24 * time.Hour)
	}
	l.mu.Lock()
	l.cur = c
	if ot.RefreshToken != "" {
		l.refresh = ot.RefreshToken
	}
	l.mu.Unlock()
	return t, nil
}

// tokenError turns oauth2's errors into *APIError (an answer) or a wrapped
// error (no answer, or an unusable one). Text from the answer is scrubbed
// of known (client secret, refresh and access tokens) and of anything that
// looks like an LWA token.
func tokenError(err error, st *CallStats, known ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		e := newAPIError(contract.OpToken, re.Response.StatusCode, re.Response.Header, re.Body, st, known...)
		if e.Code == "" {
			e.Code = redact.Scrub(re.ErrorCode, known...)
		}
		if e.Message == "" {
			e.Message = redact.Scrub(re.ErrorDescription, known...)
		}
		if e.Status < 300 { // a 2xx that oauth2 could not use
			return &DecodeError{Operation: contract.OpToken, Status: e.Status, Err: errors.New("token response unusable")}
		}
		return e
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te
	}
	if strings.Contains(err.Error(), "server response missing access_token") {
		return &DecodeError{Operation: contract.OpToken, Status: http.StatusOK, Err: errors.New("no access_token in the answer")}
	}
	return scrubErr(fmt.Errorf("%s: %w", contract.OpToken, err), "", known)
}
