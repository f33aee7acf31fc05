package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/redact"
)

// mockEnv starts a mock and returns an environment whose HARNESS_*
// variables point at it.
func mockEnv(t *testing.T) (map[string]string, string, mockcontrol.Control) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	run, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = run.Close(context.Background()) })
	env := map[string]string{
		contract.EnvLockerURL: run.URL, contract.EnvSMAPIURL: run.URL, contract.EnvLWAURL: run.URL,
		contract.EnvLWAClientID: contract.MockLWAClientID, contract.EnvLWAClientSecret: contract.MockLWAClientSecret,
		contract.EnvCustomerRefreshToken: contract.MockCustomerARefresh, contract.EnvVendorRefreshToken: contract.MockVendorRefreshToken,
		contract.EnvSkillID: contract.MockSkillID,
	}
	return env, run.URL, mockcontrol.Control{BaseURL: run.URL}
}

const netJSON = `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"home","networkKey":"00112233445566778899aabbccddeeff","pskc":"ffeeddccbbaa99887766554433221100","channelNumber":15}}`

func TestClientCommand(t *testing.T) {
	t.Parallel() // its cases run in order against one mock: "create again" follows "create"
	env, url, ctl := mockEnv(t)
	file := filepath.Join(t.TempDir(), "net.json")
	if err := os.WriteFile(file, []byte(`{"extendedPanId":"0123456789abcdef","networkName":"office","networkKey":"aabbccddeeff00112233445566778899"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := []string{contract.MockLWAClientSecret, contract.MockCustomerARefresh, contract.MockVendorRefreshToken,
		contract.MockSkillClientSecret, "00112233445566778899aabbccddeeff", "ffeeddccbbaa99887766554433221100", "aabbccddeeff00112233445566778899", "Atza|"}
	cases := []struct {
		name    string
		setup   func()
		args    []string
		code    int
		out     []string // substrings of stdout
		err     []string // substrings of stderr
		reveals bool
	}{
		{"token", nil, []string{"client", "token"}, ExitOK, []string{`"accessToken": "****`, `"expiresIn": 3600`}, nil, false},
		{"token vendor revealed", nil, []string{"client", "token", "--as", "vendor", "--reveal"}, ExitOK, []string{`"accessToken": "Atza|`, `"tokenType": "bearer"`, `"expiresIn": 3600`}, nil, true},
		{"token bad refresh", nil, []string{"client", "token", "--refresh-token", "Atzr|nobody"}, ExitFailed, []string{`"status": 400`}, []string{"400", "invalid_grant", "1 attempt"}, false},
		{"create", nil, []string{"client", "create-network", "--json", netJSON}, ExitOK, []string{`"created": true`, `"networkKey": "****`}, nil, false},
		{"create from file", nil, []string{"client", "create-network", "--json", "@" + file}, ExitOK, []string{`"networkName": "office"`}, nil, false},
		{"create again", nil, []string{"client", "create-network", "--json", netJSON}, ExitFailed, []string{`"status": 409`},
			[]string{"409 Conflict", "already exists", "1 attempt"}, false},
		{"create bad json", nil, []string{"client", "create-network", "--json", `{"threadNetwork":{"channelNumber":"x"}}`}, ExitUsage, nil, []string{"channelNumber"}, false},
		{"create raw invalid", nil, []string{"client", "create-network", "--raw", "--json", `{"threadNetwork":{}}`}, ExitFailed, nil, []string{"400"}, false},
		{"create missing file", nil, []string{"client", "create-network", "--json", "@/nonexistent.json"}, ExitUsage, nil, []string{"/nonexistent.json"}, false},
		{"create no body", nil, []string{"client", "create-network"}, ExitUsage, nil, []string{"--json is required"}, false},
		{"get all", nil, []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--all"}, ExitOK,
			[]string{`"networkName": "home"`, `"networkName": "office"`, `"pskc": "****`}, nil, false},
		{"get page revealed", nil, []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--max-results", "1", "--reveal"}, ExitOK,
			[]string{`"nextToken": "`, `"networkKey": "`}, nil, true},
		{"get forged token", nil, []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--next-token", "forged"}, ExitFailed,
			nil, []string{"400", "nextToken", "1 attempt"}, false},
		{"get no pan", nil, []string{"client", "get-networks"}, ExitUsage, nil, []string{"--extended-pan-id is required"}, false},
		{"get bad max", nil, []string{"client", "get-networks", "--extended-pan-id", "x", "--max-results", "0"}, ExitUsage, nil, []string{"1–100"}, false},
		{"skill", nil, []string{"client", "skill-credentials"}, ExitOK, []string{`"clientId": "` + contract.MockSkillClientID, `"clientSecret": "****`}, nil, false},
		{"skill revealed", nil, []string{"client", "skill-credentials", "--reveal"}, ExitOK, []string{`"clientSecret": "` + contract.MockSkillClientSecret}, nil, true},
		{"skill unknown", nil, []string{"client", "skill-credentials", "--skill-id", "amzn1.ask.skill.nope"}, ExitFailed, nil, []string{"404", "1 attempt"}, false},
		{"skill other vendor", nil, []string{"client", "skill-credentials", "--refresh-token", contract.MockOtherVendorRefresh}, ExitFailed, nil, []string{"403"}, false},
		{"503 burst verbose", func() {
			_, _ = ctl.AddFault(context.Background(), mockcontrol.Fault{Operation: contract.OpGetSkillCredentials, Status: 503, Count: 2, Probability: 1})
		}, []string{"client", "skill-credentials", "--verbose", "--retry-policy", "immediate"}, ExitOK, []string{`"clientSecret": "****`},
			[]string{"attempt 1 getSkillCredentials", "status=503", "-> retry in 0s", "attempt 3 getSkillCredentials", "status=200"}, false},
		{"503 throughout", func() {
			_, _ = ctl.AddFault(context.Background(), mockcontrol.Fault{Operation: contract.OpGetSkillCredentials, Status: 503, Count: 3, Probability: 1})
		}, []string{"client", "skill-credentials", "--max-attempts", "3", "--retry-policy", "immediate"}, ExitFailed, nil,
			[]string{"503 Service Unavailable", "fault injected", "3 attempts"}, false},
		{"bad policy", nil, []string{"client", "skill-credentials", "--retry-policy", "yolo"}, ExitUsage, nil, []string{"standard, no-retry"}, false},
		{"bad url", nil, []string{"client", "skill-credentials", "--smapi-url", "localhost:1"}, ExitUsage, nil, []string{"http://127.0.0.1:8080"}, false},
		{"unreachable", nil, []string{"client", "skill-credentials", "--smapi-url", "http://127.0.0.1:1", "--access-token", "x", "--max-attempts", "1"}, ExitRuntime,
			nil, []string{"no answer after 1 attempt"}, false},
		{"mock flag", nil, []string{"client", "get-networks", "--mock", url, "--extended-pan-id", "0123456789abcdef"}, ExitOK, []string{`"threadNetworks"`}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup()
			}
			code, out, errs := runHarness(t, env, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errs)
			}
			for _, w := range c.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range c.err {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if out != "" && !json.Valid([]byte(out)) {
				t.Errorf("stdout is not JSON: %s", out)
			}
			if !c.reveals {
				for _, s := range secrets {
					if strings.Contains(out+errs, s) {
						t.Errorf("output reveals %q:\n%s\n%s", s, out, errs)
					}
				}
			}
		})
	}
}

// TestClientTokenFieldNames: --reveal changes only whether the secrets are
// masked, never the field names: the output of `client token` has the same
// keys with and without it.
func TestClientTokenFieldNames(t *testing.T) {
	t.Parallel()
	env, _, _ := mockEnv(t)
	keys := func(t *testing.T, args ...string) []string {
		t.Helper()
		code, out, errs := runHarness(t, env, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v: stdout is not a JSON object: %v: %s", args, err, out)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	for _, as := range []string{"customer", "vendor"} {
		t.Run(as, func(t *testing.T) {
			masked := keys(t, "client", "token", "--as", as)
			clear := keys(t, "client", "token", "--as", as, "--reveal")
			if !slices.Equal(masked, clear) || !slices.Contains(clear, "accessToken") {
				t.Errorf("keys %v without --reveal, %v with it: want the same, with accessToken", masked, clear)
			}
		})
	}
}

func TestClientHelpNamesTheMock(t *testing.T) {
	t.Parallel()
	code, out, _ := runHarness(t, nil, "client", "--help")
	for _, w := range []string{contract.EnvLockerURL + "=http://127.0.0.1:8080", "harness mock", "--reveal", "Exit codes"} {
		if !strings.Contains(out, w) {
			t.Errorf("help lacks %q", w)
		}
	}
	if code != ExitOK {
		t.Errorf("exit %d", code)
	}
}

// TestClientScrubsEchoedSecrets: a server that echoes the bearer token,
// refresh token and client secret in its errors gets none of them printed.
func TestClientScrubsEchoedSecrets(t *testing.T) {
	t.Parallel()
	const (
		secret  = "ECHO-CLIENT-SECRET-0123"
		refresh = "Atzr|ECHO-REFRESH-456789"
		access  = "ECHO-ISSUED-ACCESS-9876"
		static  = "ECHO-STATIC-TOKEN-5555"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == contract.TokenPath {
			_ = r.ParseForm()
			if r.PostForm.Get("refresh_token") == "Atzr|fail" {
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant",
					"error_description": "bad " + r.PostForm.Get("refresh_token") + " with " + r.PostForm.Get("client_secret")})
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "bearer", "expires_in": 3600})
			return
		}
		auth := r.Header.Get("Authorization")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"code": "X", "message": "bad token " + auth + " " + secret + " " + refresh,
			"violations": []map[string]string{{"code": "V", "message": auth}}})
	}))
	t.Cleanup(srv.Close)
	cases := []struct {
		name string
		env  map[string]string
		args []string
		mask string // redaction the output must show
	}{
		{"LWA token echoed", map[string]string{contract.EnvCustomerRefreshToken: refresh},
			[]string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef"}, redact.String(access)},
		{"static token echoed", map[string]string{contract.EnvAccessToken: static},
			[]string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--verbose"}, redact.String(static)},
		{"token request echoed", nil,
			[]string{"client", "token", "--refresh-token", "Atzr|fail"}, redact.String(secret)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{contract.EnvLockerURL: srv.URL, contract.EnvLWAURL: srv.URL,
				contract.EnvLWAClientID: "client-id", contract.EnvLWAClientSecret: secret}
			for k, v := range c.env {
				env[k] = v
			}
			code, out, errs := runHarness(t, env, append(c.args, "--max-attempts", "1")...)
			if code != ExitFailed {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, ExitFailed, out, errs)
			}
			for _, s := range []string{secret, refresh, access, static, "Atzr|fail", "ECHO-REFRESH"} {
				if strings.Contains(out+errs, s) {
					t.Errorf("output reveals %q:\nstdout: %s\nstderr: %s", s, out, errs)
				}
			}
			if !strings.Contains(out, c.mask) || !strings.Contains(errs, c.mask) {
				t.Errorf("stdout and stderr should both show %s:\nstdout: %s\nstderr: %s", c.mask, out, errs)
			}
			if !json.Valid([]byte(out)) {
				t.Errorf("stdout is not JSON: %s", out)
			}
		})
	}
}

// TestClientTimeout: --timeout bounds an attempt whose body never comes, on
// the service and on the LWA token request.
func TestClientTimeout(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) })
	cases := []struct {
		name string
		args []string
		code int
		err  []string
	}{
		{"service", []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--access-token", "tok",
			"--timeout", "200ms", "--max-attempts", "1"}, ExitRuntime, []string{"no answer after 1 attempt", "timed out after 200ms"}},
		{"service retried", []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--access-token", "tok",
			"--timeout", "200ms", "--max-attempts", "2", "--retry-policy", "immediate"}, ExitRuntime, []string{"no answer after 2 attempts", "timed out after 200ms"}},
		{"token", []string{"client", "token", "--refresh-token", "Atzr|r", "--timeout", "200ms", "--max-attempts", "1"},
			ExitRuntime, []string{"timed out after 200ms"}},
		{"bad timeout", []string{"client", "token", "--timeout", "0s"}, ExitUsage, []string{"--timeout must be positive"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{contract.EnvLockerURL: srv.URL, contract.EnvLWAURL: srv.URL,
				contract.EnvLWAClientID: "client-id", contract.EnvLWAClientSecret: "client-secret"}
			start := time.Now()
			code, out, errs := runHarness(t, env, c.args...)
			// The bound is far under the 30 s default (clients.DefaultAttemptTimeout),
			// so only --timeout can meet it, and far over 200 ms per attempt, so a
			// loaded machine cannot miss it.
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("took %s: --timeout 200ms did not bound the attempt", took)
			}
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errs)
			}
			for _, w := range c.err {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q: %s", w, errs)
				}
			}
		})
	}
}
