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
	resolve  func(method, path string) (string, bool)
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

// WithOperationResolver replaces the mapping from method and path to a
// contract.Op* name (default OperationOf).
func WithOperationResolver(f func(method, path string) (string, bool)) TransportOption {
	return func(t *Transport) {
		if f != nil {
			t.resolve = f
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
	t := &Transport{base: base, clock: SystemClock{}, resolve: OperationOf, timeout: DefaultAttemptTimeout}
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
	c := &Transport{base: t.base, tokens: t.tokens, policy: t.policy, observer: t.observer, clock: t.clock, resolve: t.resolve,
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
	ctx := req.Context()
	op, known := ctx.Value(opKey{}).(string)
	if !known {
		if op, known = t.resolve(req.Method, req.URL.Path); !known {
			op = "unknown"
		}
	}
	var body []byte
	reread := req.Body != nil && req.Body != http.NoBody && req.GetBody != nil && t.observer == nil
	if err := ctx.Err(); err != nil { // nothing sent, nothing to report
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &TransportError{Operation: op, Attempts: 0, Err: err}
	}
	if req.Body != nil && req.Body != http.NoBody && !reread {
		var err error
		body, err = readAll(req.Body, req.ContentLength)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: read request body: %w", op, err)
		}
	}
	var key string
	if t.observer != nil {
		key = contract.RequestKey(req.Method, req.URL.RequestURI(), body)
	}
	st := statsFrom(ctx)
	inject := t.tokens != nil && req.Header.Get("Authorization") == ""
	ownToken := ""
	if !inject {
		ownToken = bearer(req.Header.Get("Authorization"))
	}
	st.addSecrets(t.secrets...)
	st.addSecrets(ownToken)
	var tokenClient string // the mock journal's client id of a token request
	if t.observer != nil && op == contract.OpToken && !inject && ownToken == "" {
		tokenClient = TokenRequestClient(body)
	}
	start := t.clock.Now()
	reauthed := false
	chain := 0
	for n := 1; ; n++ {
		chain++
		tok := ownToken
		if inject {
			var err error
			tok, err = t.tokens.Token(ctx)
			if err != nil {
				if req.Body != nil && reread && n == 1 {
					req.Body.Close()
				}
				return nil, fmt.Errorf("%s: get access token: %w", op, err)
			}
			st.addSecrets(tok)
		}
		r, err := t.attemptRequest(req, body, reread, n, inject, tok)
		if err != nil {
			return nil, fmt.Errorf("%s: rewind request body: %w", op, err)
		}
		actx, cancel := ctx, context.CancelFunc(func() {})
		if t.timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, t.timeout)
			r = r.WithContext(actx)
		}
		sent := t.clock.Now()
		resp, err := t.base.RoundTrip(r)
		if err == nil {
			// Read the answer under the attempt's deadline, so that a
			// server that stalls the body fails this attempt, not the
			// caller's read.
			if err = bufferBody(resp, cancel); err != nil {
				resp = nil
			}
		} else {
			cancel()
		}
		if err != nil {
			if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("attempt timed out after %s: %w", t.timeout, err)
			}
			err = scrubErr(err, tok, t.secrets)
		}
		received := t.clock.Now()
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		a := Attempt{Operation: op, Key: key, Number: n, Sent: sent, Received: received, Status: status}
		if t.observer != nil {
			if tokenClient != "" {
				a.Client = tokenClient
			} else {
				a.Client = t.clientIDOf(tok)
			}
		}
		if st != nil {
			st.Attempts = n
		}
		if err != nil {
			a.Err = err.Error()   // already scrubbed
			if ctx.Err() != nil { // cancelled: never retry
				t.observe(a)
				return nil, &TransportError{Operation: op, Attempts: n, Err: err}
			}
		} else if status < 400 {
			if st != nil {
				st.RetryAfter = 0
			}
			t.observe(a)
			if sr, ok := t.policy.(SuccessRecorder); ok {
				sr.Succeeded(n > 1)
			}
			return resp, nil
		}

		// One re-authentication after a 401, only with a token that differs.
		if status == http.StatusUnauthorized && inject && !reauthed {
			t.tokens.Invalidate(ctx, tok)
			if fresh, terr := t.tokens.Token(ctx); terr == nil && fresh != tok {
				reauthed = true
				if st != nil {
					st.Reauthenticated = true
				}
				a.Retry, a.Reauth = true, true
				t.observe(a)
				discard(resp)
				chain = 0
				continue
			}
		}

		var in RetryInput
		in.Operation, in.Method, in.Attempt, in.Status, in.Err = op, req.Method, chain, status, err
		if resp != nil {
			if v := resp.Header.Get("Retry-After"); v != "" {
				in.RetryAfter, a.RetryAfterDate, in.HasRetryAfter = ParseRetryAfter(v, received)
				a.RetryAfter = in.RetryAfter
			}
		}
		if st != nil {
			st.RetryAfter = a.RetryAfter
		}
		in.Elapsed = received.Sub(start)
		d := t.policy.Decide(in)
		a.Retry, a.Delay = d.Retry, d.Delay
		t.observe(a)
		if !d.Retry {
			if err != nil {
				return nil, &TransportError{Operation: op, Attempts: n, Err: err}
			}
			return resp, nil
		}
		if st != nil && (err != nil || status >= 500) {
			st.EarlierLost = true
		}
		discard(resp)
		if serr := t.clock.Sleep(ctx, d.Delay); serr != nil {
			return nil, &TransportError{Operation: op, Attempts: n, Err: fmt.Errorf("stopped before retrying: %w", serr)}
		}
	}
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
// journal computes it (mock.TokenRequestClient), so that the two views of
// token requests can be joined. It reveals neither value.
func TokenRequestClient(body []byte) string {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return redact.ClientID("")
	}
	grant := ""
	switch v.Get("grant_type") {
	case "refresh_token":
		grant = v.Get("refresh_token")
	case "authorization_code":
		grant = v.Get("code")
	}
	return redact.TokenRequestClientID(v.Get("client_id"), grant)
}

// scrubbedError is an error whose text has been scrubbed of secrets (a
// transport error can quote what the server sent, such as a malformed
// status line). It still unwraps to the original.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubErr returns err, or err behind a scrubbed text when its text holds
// tok, one of secrets, or something that looks like an LWA token.
func scrubErr(err error, tok string, secrets []string) error {
	s := err.Error()
	clean := redact.Scrub(s, append([]string{tok}, secrets...)...)
	if clean == s {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
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
	resp.Body = &cancelOnClose{Reader: io.MultiReader(bytes.NewReader(b), resp.Body), body: resp.Body, cancel: cancel}
	return nil
}

// cancelOnClose ends an attempt's context when its body is closed.
type cancelOnClose struct {
	io.Reader
	body   io.Closer
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.body.Close()
	c.cancel()
	return err
}
