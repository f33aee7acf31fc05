package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexa-harness/harness/api"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// fakeClock is an injectable clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a mock on a real socket with a fake clock.
type env struct {
	t     testing.TB
	run   *Running
	url   string
	clock *fakeClock
	hc    *http.Client
	ctl   mockcontrol.Control
}

func start(t testing.TB, cfg Config) *env {
	t.Helper()
	clock := newClock()
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	run, err := Start(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(func() {
		// The client's spare connections first: net/http's Shutdown counts
		// a connection that never carried a request as active for its
		// first 5 s (the transport may dial one and then use another that
		// became idle), which outlasted the timeout below in a CI run.
		hc.CloseIdleConnections()
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		if err := run.Close(cctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		cancel()
	})
	return &env{t: t, run: run, url: run.URL, clock: clock, hc: hc, ctl: mockcontrol.Control{BaseURL: run.URL, HTTP: hc}}
}

// resp is an answer read in full.
type resp struct {
	status int
	header http.Header
	body   []byte
	req    *http.Request
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v: %q", r.req.Method, r.req.URL, err, r.body)
	}
	return m
}

// do sends a request; hdr pairs are header name, value.
func (e *env) do(method, path, token string, body []byte, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatalf("NewRequest: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read: %v", err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b, req: req}
}

func form(kv ...string) []byte {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return []byte(v.Encode())
}

// tokenFor returns an access token for a refresh token of the built-in LWA client.
func (e *env) tokenFor(refresh string) string {
	e.t.Helper()
	r := e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token",
		"client_id", contract.MockLWAClientID, "client_secret", contract.MockLWAClientSecret, "refresh_token", refresh),
		"Content-Type", "application/x-www-form-urlencoded")
	if r.status != 200 {
		e.t.Fatalf("token: status %d: %s", r.status, r.body)
	}
	tok, _ := r.json(e.t)["access_token"].(string)
	if tok == "" {
		e.t.Fatalf("token: no access_token in %s", r.body)
	}
	return tok
}

func createBodyJSON(extPan, name, key string) []byte {
	b, _ := json.Marshal(map[string]any{"threadNetwork": map[string]any{
		"extendedPanId": extPan, "networkName": name, "networkKey": key,
	}})
	return b
}

func (e *env) create(token string, body []byte) resp {
	e.t.Helper()
	return e.do(http.MethodPut, contract.ThreadNetworksPath, token, body, "Content-Type", "application/json")
}

func (e *env) get(token, query string) resp {
	e.t.Helper()
	return e.do(http.MethodGet, contract.ThreadNetworksPath+"?"+query, token, nil)
}

// validator is the api package's validator, shared by the tests.
func validator(t testing.TB) *api.Validator {
	t.Helper()
	v, err := sharedValidator()
	if err != nil {
		t.Fatalf("api.NewValidator: %v", err)
	}
	return v
}

// checkContract validates an answer against api/openapi.yaml.
func checkContract(t testing.TB, r resp) {
	t.Helper()
	if r.status == 0 {
		return
	}
	if err := validator(t).ValidateResponse(context.Background(), r.req, r.status, r.header, r.body); err != nil {
		t.Errorf("%s %s -> %d: answer breaks the contract: %v\nbody: %s", r.req.Method, r.req.URL.Path, r.status, err, r.body)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
