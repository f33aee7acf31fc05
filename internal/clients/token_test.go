package clients_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
)

// tokenServer is a scripted LWA: each refresh issues "access-N".
type tokenServer struct {
	*script
	issued  atomic.Int64
	release chan struct{} // when set, each request waits for it
	arrived chan struct{} // receives one value per request that arrives
	expires int
	fail    func(n int64) *step
	forms   []url.Values
	fmu     sync.Mutex
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{script: newScript(t), expires: 3600, arrived: make(chan struct{}, 1000)}
	ts.route = func(r *http.Request, body string) step {
		form, _ := url.ParseQuery(body)
		ts.fmu.Lock()
		ts.forms = append(ts.forms, form)
		ts.fmu.Unlock()
		ts.arrived <- struct{}{}
		if ts.release != nil {
			ts.mu.Unlock() // let other requests in while this one waits
			<-ts.release
			ts.mu.Lock()
		}
		n := ts.issued.Add(1)
		if ts.fail != nil {
			if s := ts.fail(n); s != nil {
				return *s
			}
		}
		return step{status: 200, body: fmt.Sprintf(`{"access_token":"access-%d","refresh_token":"Atzr|rotated-%d","token_type":"bearer","expires_in":%d}`, n, n, ts.expires)}
	}
	return ts
}

func newLWA(t *testing.T, ts *tokenServer, clock clients.Clock, rec *recorder) *clients.LWA {
	t.Helper()
	tr := clients.NewTransport(nil, clients.WithClock(clock), clients.WithObserver(rec),
		clients.WithPolicy(clients.Standard(clients.PolicyParams{MaxAttempts: 3})))
	l, err := clients.NewLWA(clients.LWAConfig{
		BaseURL: ts.URL, ClientID: "client-id", ClientSecret: "client-secret", RefreshToken: "Atzr|original",
		HTTP: &http.Client{Transport: tr}, Clock: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLWASingleFlight(t *testing.T) {
	ts := newTokenServer(t)
	ts.release = make(chan struct{})
	l := newLWA(t, ts, newFakeClock(), &recorder{})
	const callers = 50
	var wg sync.WaitGroup
	toks := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks[i], errs[i] = l.Token(context.Background())
		}()
	}
	// Hold the one token request until it has arrived, then answer it.
	<-ts.arrived
	close(ts.release)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || toks[i] != "access-1" {
			t.Fatalf("caller %d: %q, %v", i, toks[i], errs[i])
		}
	}
	if n := len(ts.Requests()); n != 1 || l.Fetches() != 1 {
		t.Errorf("%d token requests for %d callers, want 1", n, callers)
	}

	// 50 callers that all saw access-1 rejected: one refresh.
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Invalidate(context.Background(), "access-1")
			if tok, err := l.Token(context.Background()); err != nil || tok != "access-2" {
				t.Errorf("after invalidate: %q, %v", tok, err)
			}
		}()
	}
	wg.Wait()
	if n := len(ts.Requests()); n != 2 {
		t.Errorf("%d token requests after 50 invalidations of one token, want 2", n)
	}
}

func TestLWAFormAndRotation(t *testing.T) {
	ts := newTokenServer(t)
	l := newLWA(t, ts, newFakeClock(), &recorder{})
	for i := 1; i <= 2; i++ {
		if _, err := l.Fetch(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	reqs := ts.Requests()
	if reqs[0].Method != http.MethodPost || reqs[0].Path != contract.TokenPath || reqs[0].Auth != "" ||
		reqs[0].ContentType != "application/x-www-form-urlencoded" {
		t.Errorf("request %+v (client credentials belong in the body, not Basic auth)", reqs[0])
	}
	want := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"Atzr|original"}, "client_id": {"client-id"}, "client_secret": {"client-secret"}}
	if got := ts.forms[0]; got.Encode() != want.Encode() {
		t.Errorf("form %v, want %v", got, want)
	}
	if got := ts.forms[1].Get("refresh_token"); got != "Atzr|rotated-1" {
		t.Errorf("second refresh used %q, want the rotated refresh token", got)
	}
}

func TestLWARefreshBeforeExpiry(t *testing.T) {
	ts := newTokenServer(t)
	clock := newFakeClock()
	l := newLWA(t, ts, clock, &recorder{})
	ctx := context.Background()
	tok, err := l.Token(ctx)
	if err != nil || tok != "access-1" {
		t.Fatal(tok, err)
	}
	cur, _ := l.Current(ctx)
	if !cur.Expiry.Equal(t0.Add(time.Hour)) || cur.ExpiresIn != 3600 {
		t.Errorf("token %+v", cur)
	}
	steps := []struct {
		advance time.Duration
		want    string
	}{
		{3500 * time.Second, "access-1"},        // t0+3500s: cached
		{39 * time.Second, "access-1"},          // t0+3539s: still 61 s left
		{2 * time.Second, "access-2"},           // t0+3541s: within 60 s of expiry → refresh
		{time.Second, "access-2"},               // cached again
		{2*time.Hour + time.Second, "access-3"}, // long expired
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		got, err := l.Token(ctx)
		if err != nil || got != s.want {
			t.Errorf("at %v: %q, %v; want %q", clock.Now().Sub(t0), got, err, s.want)
		}
	}

	// A short-lived token is refreshed at half its life, not at once.
	ts2 := newTokenServer(t)
	ts2.expires = 30
	l2 := newLWA(t, ts2, clock, &recorder{})
	l2.Token(ctx)
	clock.Advance(14 * time.Second)
	if got, _ := l2.Token(ctx); got != "access-1" {
		t.Errorf("30 s token refreshed after 14 s: %q", got)
	}
	clock.Advance(2 * time.Second)
	if got, _ := l2.Token(ctx); got != "access-2" {
		t.Errorf("30 s token not refreshed after 16 s: %q", got)
	}
}

func TestLWAErrors(t *testing.T) {
	cases := []struct {
		name     string
		steps    []step
		sentinel error
		want     []string
		attempts int
	}{
		{"invalid grant", []step{{status: 400, body: `{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : refresh_token"}`}},
			clients.ErrInvalid, []string{"token: 400", "invalid_grant", "invalid grant parameter", "1 attempt"}, 1},
		{"invalid client", []step{{status: 401, body: `{"error":"invalid_client","error_description":"Client authentication failed"}`}},
			clients.ErrUnauthorized, []string{"token: 401", "invalid_client", "Client authentication failed"}, 1},
		{"throttled then ok", []step{{status: 429, header: map[string]string{"Retry-After": "1"}}, {status: 200, body: `{"access_token":"a","token_type":"bearer","expires_in":3600}`}},
			nil, nil, 2},
		{"unavailable throughout", []step{{status: 503, body: `{"error":"server_error","error_description":"down"}`}},
			clients.ErrUnavailable, []string{"token: 503", "down", "3 attempts"}, 3},
		{"html error", []step{{status: 500, header: map[string]string{"Content-Type": "text/html"}, body: "<html>oops</html>"}},
			clients.ErrUnavailable, []string{"token: 500", "text/html"}, 3},
		{"200 without token", []step{{status: 200, body: `{"token_type":"bearer"}`}}, nil, []string{"no access_token"}, 1},
		{"200 not json", []step{{status: 200, header: map[string]string{"Content-Type": "application/json"}, body: `{"access_token":`}}, nil, []string{"token"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newScript(t, c.steps...)
			clock := newFakeClock()
			tr := clients.NewTransport(nil, clients.WithClock(clock), clients.WithPolicy(clients.Standard(clients.PolicyParams{MaxAttempts: 3})))
			l, err := clients.NewLWA(clients.LWAConfig{BaseURL: srv.URL, ClientID: "c", ClientSecret: "client-secret-value", RefreshToken: "Atzr|refresh-value",
				HTTP: &http.Client{Transport: tr}, Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.Token(context.Background())
			if n := len(srv.Requests()); n != c.attempts {
				t.Errorf("%d requests, want %d", n, c.attempts)
			}
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if c.sentinel != nil && !errors.Is(err, c.sentinel) {
				t.Errorf("%v is not %v", err, c.sentinel)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, secret := range []string{"client-secret-value", "refresh-value"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q reveals a secret", err)
				}
			}
		})
	}
}

func TestLWAWaiterCancellation(t *testing.T) {
	ts := newTokenServer(t)
	ts.release = make(chan struct{})
	l := newLWA(t, ts, newFakeClock(), &recorder{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := l.Token(ctx); done <- err }()
	<-ts.arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	close(ts.release)
	// The shared fetch was not cancelled with the first caller: its token
	// is there for the next one, without a second request.
	if tok, err := l.Token(context.Background()); err != nil || tok != "access-1" {
		t.Errorf("%q, %v", tok, err)
	}
	if n := len(ts.Requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

func TestNewLWAMissing(t *testing.T) {
	_, err := clients.NewLWA(clients.LWAConfig{BaseURL: "http://127.0.0.1:1"})
	for _, w := range []string{contract.EnvLWAClientID, contract.EnvLWAClientSecret, "refresh token"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
	_, err = clients.NewLWA(clients.LWAConfig{BaseURL: "127.0.0.1:8080", ClientID: "c", ClientSecret: "s", RefreshToken: "r"})
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:8080") {
		t.Errorf("bad URL error %v", err)
	}
}
