package mock

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoSecretInLogsJournalOrMetrics runs traffic that uses every fixture
// secret (client and skill secrets, refresh tokens, authorization codes),
// the access tokens issued and the network keys and PSKc created, then
// searches the log (text and JSON), the journal and /metrics for each.
func TestNoSecretInLogsJournalOrMetrics(t *testing.T) {
	fx, err := LoadFixtures("testdata/fixtures.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var textLog, jsonLog syncBuffer
	logger := slog.New(multiHandler{
		slog.NewTextHandler(&textLog, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&jsonLog, &slog.HandlerOptions{Level: slog.LevelDebug}),
	})
	e := start(t, Config{Fixtures: fx, Logger: logger})
	ctx := context.Background()
	secrets := map[string]bool{}
	postToken := func(clientID, secret string, kv ...string) string {
		r := e.do(http.MethodPost, "/auth/O2/token", "", form(append([]string{"client_id", clientID, "client_secret", secret}, kv...)...),
			"Content-Type", "application/x-www-form-urlencoded")
		if r.status != 200 {
			t.Fatalf("token: %d %s", r.status, r.body)
		}
		tok := r.json(t)["access_token"].(string)
		secrets[tok] = true
		return tok
	}
	// a fault and a wrong secret too, so that error paths are logged; a
	// token fault with an HTTP-date, a reset one, a revoked refresh token
	// and minted tokens (used, expired and valid), so that the journal's
	// authorization, token, grantType and retryAfterDate fields are filled
	_, _ = e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpToken, Status: 503, Count: 1, RetryAfter: 1})
	e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh))
	if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpToken, Status: 429, Count: 1, RetryAfter: 2, RetryAfterDate: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpToken, Reset: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerBRefresh))
	if req, err := http.NewRequest(http.MethodPost, e.url+contract.TokenPath, strings.NewReader(string(form("grant_type", "refresh_token",
		"client_id", contract.MockLWAClientID, "client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerBRefresh)))); err == nil {
		if res, err := e.hc.Do(req); err == nil { // the reset fault: no answer expected
			res.Body.Close()
		}
	}
	for _, life := range []int{-60, 600} {
		m, err := e.ctl.MintToken(ctx, contract.MockCustomerBRefresh, life)
		if err != nil {
			t.Fatal(err)
		}
		secrets[m.AccessToken] = true
		e.get(m.AccessToken, "extendedPanId=p")
	}
	_, _ = e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpToken, Status: 503, Count: 1, RetryAfter: 1})
	e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh))
	e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", "wrong-"+contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh))
	for _, c := range fx.Clients {
		secrets[c.Secret] = true
		postToken(c.ID, c.Secret, "grant_type", "client_credentials", "scope", "alexa::ask:skills:read")
	}
	for _, s := range fx.Skills {
		secrets[s.ClientSecret] = true
		postToken(s.ClientID, s.ClientSecret, "grant_type", "client_credentials", "scope", "alexa::skill_messaging")
	}
	vendorTok := map[string]string{}
	for _, v := range fx.Vendors {
		secrets[v.RefreshToken] = true
		vendorTok[v.ID] = postToken(contract.MockLWAClientID, contract.MockLWAClientSecret, "grant_type", "refresh_token", "refresh_token", v.RefreshToken)
		if v.AuthorizationCode != "" {
			secrets[v.AuthorizationCode] = true
			postToken(contract.MockLWAClientID, contract.MockLWAClientSecret, "grant_type", "authorization_code", "code", v.AuthorizationCode)
		}
	}
	for _, s := range fx.Skills {
		r := e.do(http.MethodGet, fmt.Sprintf(contract.SkillCredentialsFmt, s.ID), vendorTok[s.Vendor], nil)
		if r.status != 200 || !strings.Contains(string(r.body), s.ClientSecret) {
			t.Fatalf("skill %s: %d", s.ID, r.status)
		}
	}
	for i, c := range fx.Customers {
		secrets[c.RefreshToken] = true
		tok := postToken(contract.MockLWAClientID, contract.MockLWAClientSecret, "grant_type", "refresh_token", "refresh_token", c.RefreshToken)
		if c.AuthorizationCode != "" {
			secrets[c.AuthorizationCode] = true
			postToken(contract.MockLWAClientID, contract.MockLWAClientSecret, "grant_type", "authorization_code", "code", c.AuthorizationCode)
		}
		key := fmt.Sprintf("network-key-secret-%d", i)
		pskc := fmt.Sprintf("pskc-secret-%d", i)
		secrets[key], secrets[pskc] = true, true
		e.create(tok, []byte(fmt.Sprintf(`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":%q,"pskc":%q}}`, key, pskc)))
		e.create(tok, []byte(fmt.Sprintf(`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":%q,"pskc":%q}}`, key, pskc))) // 409
		e.create(tok, []byte(fmt.Sprintf(`{"threadNetwork":{"extendedPanId":"p","networkName":"this name is far too long","networkKey":%q}}`, key)))
		e.get(tok, "extendedPanId=p")
		for _, n := range c.Networks {
			secrets[n.NetworkKey] = true
			if n.PSKc != "" {
				secrets[n.PSKc] = true
			}
		}
		e.get(tok, "extendedPanId=dead00beef00cafe")
	}
	// a revoked refresh token, refused (invalid_grant), last: the loop above uses them all
	if err := e.ctl.Revoke(ctx, contract.MockCustomerNoScopeRefresh); err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerNoScopeRefresh))
	secrets[contract.MockCustomerNoScopeRefresh] = true
	journal := e.do(http.MethodGet, "/__harness/journal", "", nil)
	metrics := e.do(http.MethodGet, "/metrics", "", nil)
	artifacts := map[string]string{
		"text log": textLog.String(), "JSON log": jsonLog.String(),
		"journal": string(journal.body), "metrics": string(metrics.body),
	}
	if !strings.Contains(textLog.String(), "operation=createThreadNetwork") || !strings.Contains(string(journal.body), `"status":409`) {
		t.Fatalf("the run did not produce the expected artifacts:\n%s", textLog.String())
	}
	for _, field := range []string{`"authorization":true`, `"token":"client-`, `"grantType":"refresh_token"`, `"retryAfterDate":true`, `"reset":true`} {
		if !strings.Contains(string(journal.body), field) {
			t.Fatalf("the journal has no %s: the new fields were not exercised", field)
		}
	}
	if len(secrets) < 15 {
		t.Fatalf("only %d secrets exercised", len(secrets))
	}
	for name, text := range artifacts {
		for s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the secret %q in clear", name, s)
			}
			// the part after the Atzr|/Atza| prefix is the secret part too
			if _, rest, ok := strings.Cut(s, "|"); ok && len(rest) > 6 && strings.Contains(text, rest) {
				t.Errorf("%s contains the secret part of %q", name, s)
			}
		}
	}
}

// multiHandler sends every record to several handlers.
type multiHandler []slog.Handler

func (m multiHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range m {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (m multiHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range m {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}

func (m multiHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (m multiHandler) WithGroup(name string) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithGroup(name)
	}
	return out
}
