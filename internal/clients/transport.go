package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// TokenProvider supplies bearer tokens. Token returns the current access
// token (fetching one if need be); Invalidate tells the provider that stale
// was rejected with a 401, so that the next Token returns a different one if
// it can. Implementations must be safe for concurrent use.
type TokenProvider interface {
	Token(ctx context.Context) (string, error)
	Invalidate(ctx context.Context, stale string)
}

// StaticToken is a TokenProvider that always returns the same token (for
// example HARNESS_ACCESS_TOKEN). It cannot re-authenticate, so a 401 is
// final.
type StaticToken redact.Secret

// Token returns the token.
func (s StaticToken) Token(context.Context) (string, error) {
	if s == "" {
		return "", errors.New("no access token configured")
	}
	return string(s), nil
}

// Invalidate does nothing: a static token cannot be replaced.
func (StaticToken) Invalidate(context.Context, string) {}

// String redacts the token.
func (s StaticToken) String() string { return redact.Secret(s).String() }

// GoString redacts the token.
func (s StaticToken) GoString() string { return "clients.StaticToken(" + s.String() + ")" }

// LogValue redacts the token in log/slog.
func (s StaticToken) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON redacts the token.
func (s StaticToken) MarshalJSON() ([]byte, error) { return redact.Secret(s).MarshalJSON() }

// MarshalText redacts the token.
func (s StaticToken) MarshalText() ([]byte, error) { return redact.Secret(s).MarshalText() }

// Transport is an http.RoundTripper that retries per a RetryPolicy, honours
// Retry-After, injects bearer tokens, re-authenticates once after a 401 and
// reports every attempt to an Observer. It is safe for concurrent use and
// starts no goroutines: waits happen on the caller's goroutine through the
// Clock, and stop when the request's context is done.
//
// The request body is buffered (at most once per call) so that it can be
// sent again; a request whose GetBody is set is re-read through GetBody when
// no Observer needs the body for the request key.
//
// Each attempt is reported once its fate is decided, so:
//   - a 401 that leads to re-authentication is reported (Reauth set) after
//     the token request it caused; order attempts by Sent, not by arrival;
//   - an attempt reported with Retry set is not followed by another when the
//     context ends during the wait (the call then fails with the context's
//     error inside a *TransportError);
//   - a call whose context is already done sends and reports nothing.
//
// 2xx and 3xx answers are successes; other answers go to the policy, and the
// last one is returned as is (the typed clients turn it into an *APIError).
// A call that never got an answer fails with a *TransportError.
//
// Each attempt, from sending the request to having read the whole answer,
// is bounded by the attempt timeout (WithAttemptTimeout, default
// DefaultAttemptTimeout): the answer's body (up to 16 MiB) is read into
// memory within the attempt, so a server that sends headers and then stalls
// fails that attempt with a transport error, which the policy may retry.
//
// Error text that may come from the server is scrubbed of the bearer tokens
// sent and the secrets named by WithSecrets (redact.Scrub), so that a server
// echoing a secret does not get it printed.
type Transport struct {
	base     http.RoundTripper
	tokens   TokenProvider
	policy   RetryPolicy
	observer Observer
	clock    Clock
	secrets  []string                 // known secrets scrubbed from server-supplied text
	timeout  time.Duration            // per attempt, body read included; <0 = none
	lastID   atomic.Pointer[clientID] // one-entry cache of redact.ClientID
}

// DefaultAttemptTimeout bounds one attempt (sending the request, waiting
// for the answer and reading its body) unless WithAttemptTimeout or
// Config.AttemptTimeout says otherwise.
const DefaultAttemptTimeout = 30 * time.Second

type clientID struct{ token, id string }

// clientIDOf returns redact.ClientID(tok), cached for the last token seen.
func (t *Transport) clientIDOf(tok string) string {
	if c := t.lastID.Load(); c != nil && c.token == tok {
		return c.id
	}
	id := redact.ClientID(tok)
	t.lastID.Store(&clientID{tok, id})
	return id
}

// TransportOption configures a Transport.
type TransportOption func(*Transport)

// WithTokenProvider makes the transport add "Authorization: Bearer <token>"
// to requests that carry no Authorization header, and re-authenticate once
// after a 401.
func WithTokenProvider(tp TokenProvider) TransportOption {
	return func(t *Transport) { t.tokens = tp }
}

// WithPolicy sets the retry policy (default Standard(PolicyParams{})).
func WithPolicy(p RetryPolicy) TransportOption {
	return func(t *Transport) {
		if p != nil {
			t.policy = p
		}
	}
}

// WithObserver sets the observer of attempts (default none).
func WithObserver(o Observer) TransportOption {
	return func(t *Transport) { t.observer = o }
}

// WithClock sets the clock used for attempt times and back-off waits.
func WithClock(c Clock) TransportOption {
	return func(t *Transport) {
		if c != nil {
			t.clock = c
		}
	}
}

// WithSecrets names secrets the transport knows of besides the bearer
// tokens it sends (LWA client secret, refresh tokens): wherever a server
// echoes one of them (or a bearer token) in an error message, the error
// shows its redaction instead (see redact.Scrub).
func WithSecrets(secrets ...redact.Secret) TransportOption {
	return func(t *Transport) {
		for _, s := range secrets {
			if s != "" {
				t.secrets = append(slices.Clip(t.secrets), s.Reveal())
			}
		}
	}
}

// WithAttemptTimeout bounds each attempt, from sending the request to having
// read the whole answer (default DefaultAttemptTimeout; a negative d means
// no bound, zero keeps the default). An attempt that runs out of time is a
// transport error: the policy decides whether to retry it.
func WithAttemptTimeout(d time.Duration) TransportOption {
	return func(t *Transport) {
		if d != 0 {
			t.timeout = d
		}
	}
}

// NewTransport returns a Transport over base (http.DefaultTransport when
// nil).
func NewTransport(base http.RoundTripper, opts ...TransportOption) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	t := &Transport{base: base, clock: SystemClock{}, timeout: DefaultAttemptTimeout}
	for _, o := range opts {
		o(t)
	}
	if t.policy == nil {
		t.policy = Standard(PolicyParams{})
	}
	return t
}

// Policy returns the transport's retry policy.
func (t *Transport) Policy() RetryPolicy { return t.policy }

// Clock returns the transport's clock.
func (t *Transport) Clock() Clock { return t.clock }

// With returns a copy of t with opts applied (sharing the base transport),
// for example a different token provider per customer.
func (t *Transport) With(opts ...TransportOption) *Transport {
	c := &Transport{base: t.base, tokens: t.tokens, policy: t.policy, observer: t.observer, clock: t.clock,
		secrets: slices.Clip(t.secrets), timeout: t.timeout}
	for _, o := range opts {
		o(c)
	}
	return c
}

// OperationOf maps a request method and path to a contract.Op* name the
// way the mock's journal attributes requests, so that a client's attempt log
// and the journal can be joined: any path under /credentiallocker/ belongs to
// create (PUT) or get (GET), even an unknown version that answers 404; any
// /v…/skills/…/credentials GET to getSkillCredentials; the LWA token path is
// matched case-insensitively. (api.OperationOf is stricter: it recognises
// only the documented paths, which is right for validation, not for
// attributing a 404.) Typed clients name their operation with
// WithOperation instead.
func OperationOf(method, path string) (string, bool) {
	return contract.Attribute(method, path)
}

type opKey struct{}

// WithOperation returns a context that makes the Transport attribute the
// request to op whatever its path (the typed clients use it).
func WithOperation(ctx context.Context, op string) context.Context {
	return context.WithValue(ctx, opKey{}, op)
}

// CallStats describes one logical call as the Transport carried it out. Put
// one in the request context with WithCallStats; the Transport fills it in.
type CallStats struct {
	Attempts int // attempts made, including re-authentication
	// Reauthenticated is set when a 401 led to a new token and a retry.
	Reauthenticated bool
	// EarlierLost is set when an attempt before the last got no answer or a
	// 5xx (so a create may have been carried out without our knowing).
	EarlierLost bool
	// RetryAfter is the Retry-After of the last answer (0 when none).
	RetryAfter time.Duration

	// secrets the call used (bearer tokens sent, the transport's known
	// secrets), for scrubbing server-supplied error text. A pointer, so
	// that printing a CallStats shows an address, never a secret.
	secrets *secretList
}

type secretList struct{ s []string }

// addSecrets records secrets of the call.
func (st *CallStats) addSecrets(ss ...string) {
	if st == nil {
		return
	}
	for _, s := range ss {
		if s == "" {
			continue
		}
		if st.secrets == nil {
			st.secrets = &secretList{}
		}
		if !slices.Contains(st.secrets.s, s) {
			st.secrets.s = append(st.secrets.s, s)
		}
	}
}

// known returns the secrets recorded for the call.
func (st *CallStats) known() []string {
	if st == nil || st.secrets == nil {
		return nil
	}
	return st.secrets.s
}

type statsKey struct{}

// WithCallStats returns a context that makes the Transport record the call's
// statistics in the returned CallStats. Read it after the call returns.
func WithCallStats(ctx context.Context) (context.Context, *CallStats) {
	st := &CallStats{}
	return context.WithValue(ctx, statsKey{}, st), st
}

func statsFrom(ctx context.Context) *CallStats {
	st, _ := ctx.Value(statsKey{}).(*CallStats)
	return st
}

// RoundTrip carries out one logical call: attempts, waits and retries, and
// returns the last answer (or error).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var c roundTrip
	if err := c.init(t, req); err != nil {
		return nil, err
	}
	for n := 1; ; n++ {
		c.chain++
		tok, err := c.token(n)
		if err != nil {
			return nil, err
		}
		r, err := t.attemptRequest(req, c.body, c.reread, n, c.inject, tok)
		if err != nil {
			return nil, fmt.Errorf("%s: rewind request body: %w", c.op, err)
		}
		resp, a, err := c.send(r, n, tok)
		if done, out, oerr := c.settled(a, resp, err); done {
			return out, oerr
		}
		if c.reauthenticate(a, resp, tok) {
			continue
		}
		if d := c.decide(&a, resp, err); !d.Retry {
			if err != nil {
				return nil, &TransportError{Operation: c.op, Attempts: n, Err: err}
			}
			return resp, nil
		} else if err := c.backOff(a, resp, err, d.Delay); err != nil {
			return nil, err
		}
	}
}

// roundTrip is the state of one logical call that RoundTrip carries out: what
// every attempt shares (operation, body, request key, token source) and the
// progress of the attempt chain.
type roundTrip struct {
	t           *Transport
	req         *http.Request
	ctx         context.Context
	op          string
	body        []byte // the request body, read once (nil when reread)
	reread      bool   // rewind the body with req.GetBody instead of buffering it
	key         string // contract.RequestKey, for the observer
	st          *CallStats
	inject      bool   // the transport adds the bearer token
	ownToken    string // the caller's own bearer token, when not injected
	tokenClient string // the mock journal's client id of a token request
	start       time.Time
	reauthed    bool // the one re-authentication after a 401 was used
	chain       int  // attempts in the current chain (a re-authentication starts a new one)
}

// init resolves the operation, reads the body once and works out who the
// call is, before anything is sent. It returns an error when the context is
// already done (nothing sent) or the body cannot be read.
func (c *roundTrip) init(t *Transport, req *http.Request) error {
	c.t, c.req, c.ctx = t, req, req.Context()
	c.op = operation(c.ctx, req)
	c.reread = req.Body != nil && req.Body != http.NoBody && req.GetBody != nil && t.observer == nil
	if err := c.ctx.Err(); err != nil { // nothing sent, nothing to report
		if req.Body != nil {
			req.Body.Close()
		}
		return &TransportError{Operation: c.op, Attempts: 0, Err: err}
	}
	if req.Body != nil && req.Body != http.NoBody && !c.reread {
		body, err := readAll(req.Body, req.ContentLength)
		req.Body.Close()
		if err != nil {
			return fmt.Errorf("%s: read request body: %w", c.op, err)
		}
		c.body = body
	}
	if t.observer != nil {
		c.key = contract.RequestKey(req.Method, req.URL.RequestURI(), c.body)
	}
	c.st = statsFrom(c.ctx)
	c.inject = t.tokens != nil && req.Header.Get("Authorization") == ""
	if !c.inject {
		c.ownToken = bearer(req.Header.Get("Authorization"))
	}
	c.st.addSecrets(t.secrets...)
	c.st.addSecrets(c.ownToken)
	if t.observer != nil && c.op == contract.OpToken && !c.inject && c.ownToken == "" {
		c.tokenClient = TokenRequestClient(c.body)
	}
	c.start = t.clock.Now()
	return nil
}

// operation names the request's operation: the one WithOperation put in
// ctx, else OperationOf's, else "unknown".
func operation(ctx context.Context, req *http.Request) string {
	if op, ok := ctx.Value(opKey{}).(string); ok {
		return op
	}
	if op, ok := OperationOf(req.Method, req.URL.Path); ok {
		return op
	}
	return "unknown"
}

// token returns the bearer token of attempt n: the caller's own, or a fresh
// one from the token provider.
func (c *roundTrip) token(n int) (string, error) {
	if !c.inject {
		return c.ownToken, nil
	}
	tok, err := c.t.tokens.Token(c.ctx)
	if err != nil {
		if c.req.Body != nil && c.reread && n == 1 {
			c.req.Body.Close()
		}
		return "", fmt.Errorf("%s: get access token: %w", c.op, err)
	}
	c.st.addSecrets(tok)
	return tok, nil
}

// send makes attempt n of r under the attempt timeout and reads the whole
// answer under it too, so that a server that stalls the body fails this
// attempt, not the caller's read. It returns the answer, the attempt as the
// observer will see it, and the (scrubbed) transport error.
func (c *roundTrip) send(r *http.Request, n int, tok string) (*http.Response, Attempt, error) {
	t := c.t
	actx, cancel := c.ctx, context.CancelFunc(func() {})
	if t.timeout > 0 {
		actx, cancel = context.WithTimeout(c.ctx, t.timeout)
		r = r.WithContext(actx)
	}
	sent := t.clock.Now()
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		if err = bufferBody(resp, cancel); err != nil {
			resp = nil
		}
	} else {
		cancel()
	}
	if err != nil {
		if c.ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("attempt timed out after %s: %w", t.timeout, err)
		}
		err = scrubErr(err, tok, t.secrets)
	}
	return resp, c.attempt(n, tok, sent, t.clock.Now(), resp, err), err
}

// attempt describes attempt n for the observer and counts it in the call's
// statistics.
func (c *roundTrip) attempt(n int, tok string, sent, received time.Time, resp *http.Response, err error) Attempt {
	a := Attempt{Operation: c.op, Key: c.key, Number: n, Sent: sent, Received: received}
	if err == nil {
		a.Status = resp.StatusCode
	} else {
		a.Err = err.Error() // already scrubbed
	}
	if c.t.observer != nil {
		a.Client = c.tokenClient
		if a.Client == "" {
			a.Client = c.t.clientIDOf(tok)
		}
	}
	if c.st != nil {
		c.st.Attempts = n
	}
	return a
}

// settled reports whether attempt a ends the call whatever the policy says,
// and how: a cancelled call is never retried, an answer below 400 is the
// result.
func (c *roundTrip) settled(a Attempt, resp *http.Response, err error) (bool, *http.Response, error) {
	switch {
	case err != nil && c.ctx.Err() != nil:
		c.t.observe(a)
		return true, nil, &TransportError{Operation: c.op, Attempts: a.Number, Err: err}
	case err != nil || a.Status >= 400:
		return false, nil, nil
	}
	if c.st != nil {
		c.st.RetryAfter = 0
	}
	c.t.observe(a)
	if sr, ok := c.t.policy.(SuccessRecorder); ok {
		sr.Succeeded(a.Number > 1)
	}
	return true, resp, nil
}

// reauthenticate carries out the one re-authentication after a 401, only
// with a token that differs; it reports whether the call goes on with a new
// chain.
func (c *roundTrip) reauthenticate(a Attempt, resp *http.Response, tok string) bool {
	if a.Status != http.StatusUnauthorized || !c.inject || c.reauthed {
		return false
	}
	c.t.tokens.Invalidate(c.ctx, tok)
	fresh, err := c.t.tokens.Token(c.ctx)
	if err != nil || fresh == tok {
		return false
	}
	c.reauthed = true
	if c.st != nil {
		c.st.Reauthenticated = true
	}
	a.Retry, a.Reauth = true, true
	c.t.observe(a)
	discard(resp)
	c.chain = 0
	return true
}

// decide asks the policy whether to retry after attempt a (with the answer's
// Retry-After), records the decision in a and reports a to the observer.
func (c *roundTrip) decide(a *Attempt, resp *http.Response, err error) Decision {
	in := RetryInput{Operation: c.op, Method: c.req.Method, Attempt: c.chain, Status: a.Status, Err: err}
	if resp != nil {
		if v := resp.Header.Get("Retry-After"); v != "" {
			in.RetryAfter, a.RetryAfterDate, in.HasRetryAfter = ParseRetryAfter(v, a.Received)
			a.RetryAfter = in.RetryAfter
		}
	}
	if c.st != nil {
		c.st.RetryAfter = a.RetryAfter
	}
	in.Elapsed = a.Received.Sub(c.start)
	d := c.t.policy.Decide(in)
	a.Retry, a.Delay = d.Retry, d.Delay
	c.t.observe(*a)
	return d
}

// backOff drops the failed answer and waits delay before the next attempt;
// it fails when the call's context ends first.
func (c *roundTrip) backOff(a Attempt, resp *http.Response, err error, delay time.Duration) error {
	if c.st != nil && (err != nil || a.Status >= 500) {
		c.st.EarlierLost = true
	}
	discard(resp)
	if serr := c.t.clock.Sleep(c.ctx, delay); serr != nil {
		return &TransportError{Operation: c.op, Attempts: a.Number, Err: fmt.Errorf("stopped before retrying: %w", serr)}
	}
	return nil
}

// attemptRequest builds the request for attempt n without modifying req.
func (t *Transport) attemptRequest(req *http.Request, body []byte, reread bool, n int, inject bool, tok string) (*http.Request, error) {
	r := new(http.Request)
	*r = *req
	if inject {
		r.Header = req.Header.Clone()
		if r.Header == nil {
			r.Header = make(http.Header, 1)
		}
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	switch {
	case reread && n > 1:
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = b
	case reread:
		// first attempt sends the original body
	case body != nil:
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return r, nil
}

func (t *Transport) observe(a Attempt) {
	if t.observer != nil {
		t.observer.ObserveAttempt(a)
	}
}

func readAll(r io.Reader, n int64) ([]byte, error) {
	if n > 0 && n < 64<<20 {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		// Anything beyond ContentLength is an error, as net/http has it.
		var one [1]byte
		if m, _ := r.Read(one[:]); m > 0 {
			return nil, errors.New("request body longer than its ContentLength")
		}
		return b, nil
	}
	return io.ReadAll(r)
}

// discard drains a little of the body so the connection can be reused, then
// closes it.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
}

func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return h
}

// TokenRequestClient is the client id of an LWA token request whose form
// body is body: redact.ClientID of the client id and the grant's credential
// (refresh token or authorization code) joined by a space, as the mock's
// journal computes it (redact.TokenRequestClientID), so that the two views of
// token requests can be joined. It reveals neither value.
func TokenRequestClient(body []byte) string {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return redact.ClientID("")
	}
	grant := redact.GrantCredential(v.Get("grant_type"), v.Get("refresh_token"), v.Get("code"))
	return redact.TokenRequestClientID(v.Get("client_id"), grant)
}

// scrubErr returns err, or err behind a scrubbed text when its text holds
// tok, one of secrets, or something that looks like an LWA token (a
// transport error can quote what the server sent, such as a malformed
// status line).
func scrubErr(err error, tok string, secrets []string) error {
	return redact.ScrubError(err, append([]string{tok}, secrets...)...)
}

// bufferBody reads resp's body (up to maxBody) into memory and then ends
// the attempt (cancel). A body larger than maxBody is handed on unread
// beyond that, still under the attempt's deadline, which ends when it is
// closed. On error the body is closed and cancel called.
func bufferBody(resp *http.Response, cancel context.CancelFunc) error {
	if resp.Body == nil || resp.Body == http.NoBody {
		cancel()
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		resp.Body.Close()
		cancel()
		return fmt.Errorf("read response body: %w", err)
	}
	if len(b) <= maxBody {
		resp.Body.Close()
		cancel()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}
	resp.Body = AfterClose(io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body, cancel)
	return nil
}

// AfterClose returns a body that reads from r and, when closed, closes c and
// then calls after: the transport ends an attempt's context that way once a
// large answer is read, and the load generator releases a hit's context.
func AfterClose(r io.Reader, c io.Closer, after func()) io.ReadCloser {
	return &afterClose{Reader: r, c: c, after: after}
}

type afterClose struct {
	io.Reader
	c     io.Closer
	after func()
}

func (b *afterClose) Close() error {
	err := b.c.Close()
	b.after()
	return err
}
