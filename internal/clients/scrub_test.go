package clients_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// Secrets an echoing server sends back. The access token and client secret
// do not look like LWA tokens, so only the known-secret pass can catch them.
const (
	echoClientSecret = "CLIENT-SECRET-abcdef0123"
	echoRefresh      = "Atzr|REFRESH-TOKEN-0123456789"
	echoAccess       = "ISSUED-ACCESS-TOKEN-9876543210"
	echoStatic       = "STATIC-BEARER-TOKEN-5555"
	echoStranger     = "Atza|SOMEONE-ELSES-TOKEN-777"
)

var echoSecrets = []string{echoClientSecret, echoRefresh, echoAccess, echoStatic, echoStranger,
	"REFRESH-TOKEN-0123456789", "SOMEONE-ELSES-TOKEN-777"}

// echoServer answers token requests with echoAccess (or, when failToken,
// a 400 quoting the form's secrets) and every other request with an error
// quoting the bearer token, in the service's JSON or, when plain, as text.
func echoServer(t *testing.T, failToken, plain bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == contract.TokenPath {
			_ = r.ParseForm()
			w.Header().Set("Content-Type", "application/json")
			if failToken {
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant " + r.PostForm.Get("client_secret"),
					"error_description": fmt.Sprintf("bad refresh_token %s for secret %s; also %s",
						r.PostForm.Get("refresh_token"), r.PostForm.Get("client_secret"), echoStranger)})
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": echoAccess, "token_type": "bearer", "expires_in": 3600})
			return
		}
		auth := r.Header.Get("Authorization")
		if plain {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "upstream said %s", strings.TrimPrefix(auth, "Bearer "))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"code":    "BAD " + auth,
			"message": "bad token " + auth + " and " + echoStranger,
			"violations": []map[string]string{
				{"code": strings.TrimPrefix(auth, "Bearer "), "message": "leaked " + echoClientSecret + " " + echoRefresh},
			},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestServerEchoedSecretsScrubbed has a server echo the bearer token,
// client secret and refresh token in its error answers, and checks that no
// form of the resulting error shows any of them.
func TestServerEchoedSecretsScrubbed(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name      string
		failToken bool
		plain     bool
		static    bool
		op        string
		call      func(cfg clients.Config) error
	}{
		{name: "locker JSON, LWA token", op: contract.OpGetThreadNetworks, call: getNetworks},
		{name: "locker JSON, static token", static: true, op: contract.OpGetThreadNetworks, call: getNetworks},
		{name: "locker text, LWA token", plain: true, op: contract.OpGetThreadNetworks, call: getNetworks},
		{name: "smapi JSON", op: contract.OpGetSkillCredentials, call: func(cfg clients.Config) error {
			s, err := cfg.SMAPIWith(mustTokens(t, cfg))
			if err != nil {
				return err
			}
			_, err = s.GetSkillCredentials(ctx, "amzn1.ask.skill.x")
			return err
		}},
		{name: "LWA token error", failToken: true, op: contract.OpToken, call: func(cfg clients.Config) error {
			l, err := cfg.LWA(cfg.CustomerRefreshToken)
			if err != nil {
				return err
			}
			_, err = l.Fetch(ctx)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := echoServer(t, c.failToken, c.plain)
			cfg := clients.Config{LockerURL: srv.URL, SMAPIURL: srv.URL, LWAURL: srv.URL,
				ClientID: "client-id", ClientSecret: echoClientSecret, CustomerRefreshToken: echoRefresh,
				VendorRefreshToken: echoRefresh, Policy: clients.NoRetry()}
			if c.static {
				cfg.AccessToken = echoStatic
			}
			var seen []clients.Attempt
			cfg.Observer = clients.ObserverFunc(func(a clients.Attempt) { seen = append(seen, a) })
			err := c.call(cfg)
			var ae *clients.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %T %v, want *APIError", err, err)
			}
			if ae.Operation != c.op {
				t.Errorf("operation %q, want %q", ae.Operation, c.op)
			}
			js, jerr := json.Marshal(ae)
			if jerr != nil {
				t.Fatal(jerr)
			}
			outputs := map[string]string{
				"Error": err.Error(), "%v": fmt.Sprintf("%v", err), "%+v": fmt.Sprintf("%+v", err),
				"%#v": fmt.Sprintf("%#v", ae), "%+v struct": fmt.Sprintf("%+v", *ae), "json": string(js),
				"attempts": fmt.Sprintf("%+v", seen),
			}
			for form, out := range outputs {
				for _, s := range echoSecrets {
					if strings.Contains(out, s) {
						t.Errorf("%s reveals %q: %s", form, s, out)
					}
				}
			}
			if !strings.Contains(err.Error(), redact.Mask) {
				t.Errorf("error shows no redaction, so the echo was lost: %s", err)
			}
			// The redaction names which secret was echoed.
			want := redact.String(echoAccess)
			switch {
			case c.static:
				want = redact.String(echoStatic)
			case c.failToken:
				want = redact.String(echoClientSecret)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %s: %s", want, err)
			}
		})
	}
}

func getNetworks(cfg clients.Config) error {
	tp, err := cfg.CustomerTokens()
	if err != nil {
		return err
	}
	l, err := cfg.LockerWith(tp)
	if err != nil {
		return err
	}
	_, err = l.GetThreadNetworks(context.Background(), clients.NetworkQuery{ExtendedPanID: "0123456789abcdef"})
	return err
}

func mustTokens(t *testing.T, cfg clients.Config) clients.TokenProvider {
	t.Helper()
	tp, err := cfg.VendorTokens()
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// stallServer sends headers promising a 100-byte body, then nothing until
// the test ends.
func stallServer(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(100))
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"thr`)
		w.(http.Flusher).Flush()
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // runs first
	return srv
}

// TestAttemptTimeoutStalledBody: a server that sends headers and then
// stalls the body fails the attempt after the attempt timeout, as a
// transport error the policy may retry, on every path including LWA's.
func TestAttemptTimeoutStalledBody(t *testing.T) {
	const timeout = 200 * time.Millisecond
	cases := []struct {
		name     string
		policy   clients.RetryPolicy
		attempts int
		call     func(cfg clients.Config) error
	}{
		{"locker no retry", clients.NoRetry(), 1, getNetworks},
		{"locker two attempts", clients.Standard(clients.PolicyParams{MaxAttempts: 2}), 2, getNetworks},
		{"LWA token", clients.NoRetry(), 1, func(cfg clients.Config) error {
			l, err := cfg.LWA(cfg.CustomerRefreshToken)
			if err != nil {
				return err
			}
			_, err = l.Fetch(context.Background())
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // each waits out real attempt timeouts on its own server
			srv := stallServer(t)
			clock := newFakeClock()
			var attempts []clients.Attempt
			cfg := clients.Config{LockerURL: srv.URL, LWAURL: srv.URL, ClientID: "id", ClientSecret: "secret",
				CustomerRefreshToken: "Atzr|r", AccessToken: "", Policy: c.policy, Clock: clock, AttemptTimeout: timeout,
				Observer: clients.ObserverFunc(func(a clients.Attempt) { attempts = append(attempts, a) })}
			if c.name != "LWA token" {
				cfg.AccessToken = "static-token"
			}
			start := time.Now()
			err := c.call(cfg)
			took := time.Since(start)
			var te *clients.TransportError
			if !errors.As(err, &te) {
				t.Fatalf("got %T %v, want *TransportError", err, err)
			}
			if te.Attempts != c.attempts || len(attempts) != c.attempts {
				t.Errorf("%d attempts (%d observed), want %d: %v", te.Attempts, len(attempts), c.attempts, err)
			}
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out after 200ms") {
				t.Errorf("error %q does not say the attempt timed out", err)
			}
			if limit := time.Duration(c.attempts)*timeout + time.Second; took > limit {
				t.Errorf("took %s, want under %s", took, limit)
			}
			if took < time.Duration(c.attempts)*timeout {
				t.Errorf("took %s, less than %d attempt timeouts", took, c.attempts)
			}
			for i, a := range attempts {
				if a.Status != 0 || a.Err == "" || a.Retry != (i < c.attempts-1) {
					t.Errorf("attempt %d: %+v", i+1, a)
				}
			}
		})
	}
}

// TestAttemptTimeoutOption: the option and the Config field set the bound;
// a fast answer is unaffected and its body is still readable after the
// attempt ended.
func TestAttemptTimeoutOption(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()
	for _, d := range []time.Duration{0, -1, 50 * time.Millisecond, time.Minute} {
		tr := clients.NewTransport(nil, clients.WithAttemptTimeout(d), clients.WithPolicy(clients.NoRetry()))
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != "hello" {
			t.Errorf("%s: body %q, %v", d, b, err)
		}
	}
}
