package mock

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// TestEveryOperationEveryStatus drives every documented (operation, status)
// pair of contract.md over a real socket and checks each answer against
// api/openapi.yaml (status documented, JSON error body of the right shape).
func TestEveryOperationEveryStatus(t *testing.T) {
	e := start(t, Config{})
	ctx := context.Background()
	custA := e.tokenFor(contract.MockCustomerARefresh)
	noScope := e.tokenFor(contract.MockCustomerNoScopeRefresh)
	vendorA := e.tokenFor(contract.MockVendorRefreshToken)
	vendorB := e.tokenFor(contract.MockOtherVendorRefresh)
	expired := func() string { // a token issued 2 h ago
		e.clock.Advance(-2 * time.Hour)
		defer e.clock.Advance(2 * time.Hour)
		return e.tokenFor(contract.MockCustomerARefresh)
	}()
	if r := e.create(custA, createBodyJSON("dup.pan", "dup", "k")); r.status != 200 {
		t.Fatalf("seed: %d %s", r.status, r.body)
	}
	skillPath := fmt.Sprintf(contract.SkillCredentialsFmt, contract.MockSkillID)
	lwa := func(kv ...string) func() resp {
		return func() resp {
			return e.do(http.MethodPost, contract.TokenPath, "", form(kv...), "Content-Type", "application/x-www-form-urlencoded")
		}
	}
	client := []string{"client_id", contract.MockLWAClientID, "client_secret", contract.MockLWAClientSecret}
	withClient := func(kv ...string) []string { return append(append([]string{}, client...), kv...) }
	fault := func(op string, status, retryAfter int) func() {
		return func() {
			if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: op, Status: status, Count: 1, RetryAfter: retryAfter}); err != nil {
				t.Fatal(err)
			}
		}
	}
	limit := func(op string) func() {
		return func() {
			if err := e.ctl.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: op, Rate: 0.001, Burst: 1, RetryAfter: 7}); err != nil {
				t.Fatal(err)
			}
		}
	}
	twice := func(f func() resp) func() resp { return func() resp { f(); return f() } }
	put := func(tok string, body []byte) func() resp { return func() resp { return e.create(tok, body) } }
	get := func(tok, q string) func() resp { return func() resp { return e.get(tok, q) } }
	skill := func(tok, path string) func() resp {
		return func() resp { return e.do(http.MethodGet, path, tok, nil) }
	}
	raw := func(method, path, tok string, body []byte, hdr ...string) func() resp {
		return func() resp { return e.do(method, path, tok, body, hdr...) }
	}
	tests := []struct {
		name       string
		op         string
		setup      func()
		send       func() resp
		want       int
		msg        string // substring of the error message (400: the field)
		retryAfter string
	}{
		// createThreadNetwork
		{"create ok", contract.OpCreateThreadNetwork, nil, put(custA, createBodyJSON("p.1", "home", "key.1")), 200, "", ""},
		{"create ok optional fields", contract.OpCreateThreadNetwork, nil, put(custA, []byte(`{"threadNetwork":{"extendedPanId":"p.opt","networkName":"n","networkKey":"k","pskc":"s","panId":"1a2b","channelNumber":26,"defaultBorderAgentId":"echo","unknown":1},"other":true}`)), 200, "", ""},
		{"create 400 missing networkKey", contract.OpCreateThreadNetwork, nil, put(custA, []byte(`{"threadNetwork":{"extendedPanId":"p","networkName":"n"}}`)), 400, "networkKey", ""},
		{"create 400 empty extendedPanId", contract.OpCreateThreadNetwork, nil, put(custA, createBodyJSON("", "n", "k")), 400, "extendedPanId", ""},
		{"create 400 networkName 17 bytes of UTF-8", contract.OpCreateThreadNetwork, nil, put(custA, createBodyJSON("p", "éééééééé1", "k")), 400, "networkName", ""},
		{"create 400 channel 27", contract.OpCreateThreadNetwork, nil, put(custA, []byte(`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"k","channelNumber":27}}`)), 400, "channelNumber", ""},
		{"create 400 channel wrong type", contract.OpCreateThreadNetwork, nil, put(custA, []byte(`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"k","channelNumber":"16"}}`)), 400, "channelNumber", ""},
		{"create 400 missing threadNetwork", contract.OpCreateThreadNetwork, nil, put(custA, []byte(`{"network":{}}`)), 400, "threadNetwork", ""},
		{"create 400 malformed JSON", contract.OpCreateThreadNetwork, nil, put(custA, []byte(`{"threadNetwork":`)), 400, "body", ""},
		{"create 400 no body", contract.OpCreateThreadNetwork, nil, put(custA, nil), 400, "body", ""},
		{"create 401 no header", contract.OpCreateThreadNetwork, nil, put("", createBodyJSON("p", "n", "k")), 401, "missing", ""},
		{"create 401 malformed header", contract.OpCreateThreadNetwork, nil, raw(http.MethodPut, contract.ThreadNetworksPath, "", createBodyJSON("p", "n", "k"), "Authorization", "Basic abc", "Content-Type", "application/json"), 401, "malformed", ""},
		{"create 401 unknown token", contract.OpCreateThreadNetwork, nil, put("Atza|forged", createBodyJSON("p", "n", "k")), 401, "not valid", ""},
		{"create 401 expired token", contract.OpCreateThreadNetwork, nil, put(expired, createBodyJSON("p", "n", "k")), 401, "expired", ""},
		{"create 403 no Thread scope", contract.OpCreateThreadNetwork, nil, put(noScope, createBodyJSON("p", "n", "k")), 403, "scope", ""},
		{"create 403 vendor token", contract.OpCreateThreadNetwork, nil, put(vendorA, createBodyJSON("p", "n", "k")), 403, "scope", ""},
		{"create 404 unknown version", contract.OpCreateThreadNetwork, nil, raw(http.MethodPut, "/credentiallocker/v1/threadNetworks", custA, createBodyJSON("p", "n", "k"), "Content-Type", "application/json"), 404, "", ""},
		{"create 409 duplicate", contract.OpCreateThreadNetwork, nil, put(custA, createBodyJSON("dup.pan", "dup", "other-key")), 409, "already exists", ""},
		{"create 429 rate limit", contract.OpCreateThreadNetwork, limit(contract.OpCreateThreadNetwork), twice(put(custA, createBodyJSON("p.rl", "n", "k"))), 429, "", "7"},
		{"create 500 fault", contract.OpCreateThreadNetwork, fault(contract.OpCreateThreadNetwork, 500, 0), put(custA, createBodyJSON("p", "n", "k")), 500, "", ""},
		{"create 503 fault", contract.OpCreateThreadNetwork, fault(contract.OpCreateThreadNetwork, 503, 2), put(custA, createBodyJSON("p", "n", "k")), 503, "", "2"},

		// getThreadNetworks
		{"get ok", contract.OpGetThreadNetworks, nil, get(custA, "extendedPanId=dup.pan"), 200, "", ""},
		{"get ok empty", contract.OpGetThreadNetworks, nil, get(custA, "extendedPanId=none&networkName=x&maxResults=100"), 200, "", ""},
		{"get 400 missing extendedPanId", contract.OpGetThreadNetworks, nil, get(custA, "networkName=x"), 400, "extendedPanId", ""},
		{"get 400 maxResults 0", contract.OpGetThreadNetworks, nil, get(custA, "extendedPanId=p&maxResults=0"), 400, "maxResults", ""},
		{"get 400 maxResults 101", contract.OpGetThreadNetworks, nil, get(custA, "extendedPanId=p&maxResults=101"), 400, "maxResults", ""},
		{"get 400 maxResults text", contract.OpGetThreadNetworks, nil, get(custA, "extendedPanId=p&maxResults=ten"), 400, "maxResults", ""},
		{"get 400 bad nextToken", contract.OpGetThreadNetworks, nil, get(custA, "extendedPanId=p&nextToken=bogus"), 400, "nextToken", ""},
		{"get 401 no header", contract.OpGetThreadNetworks, nil, get("", "extendedPanId=p"), 401, "", ""},
		{"get 401 expired", contract.OpGetThreadNetworks, nil, get(expired, "extendedPanId=p"), 401, "expired", ""},
		{"get 403 no scope", contract.OpGetThreadNetworks, nil, get(noScope, "extendedPanId=p"), 403, "", ""},
		{"get 404 unknown route", contract.OpGetThreadNetworks, nil, raw(http.MethodGet, "/credentiallocker/v3/threadNetworks?extendedPanId=p", custA, nil), 404, "", ""},
		{"get 429 rate limit", contract.OpGetThreadNetworks, limit(contract.OpGetThreadNetworks), twice(get(custA, "extendedPanId=p")), 429, "", "7"},
		{"get 500 fault", contract.OpGetThreadNetworks, fault(contract.OpGetThreadNetworks, 500, 0), get(custA, "extendedPanId=p"), 500, "", ""},
		{"get 503 fault", contract.OpGetThreadNetworks, fault("*", 503, 3), get(custA, "extendedPanId=p"), 503, "", "3"},

		// getSkillCredentials
		{"skill ok", contract.OpGetSkillCredentials, nil, skill(vendorA, skillPath), 200, "", ""},
		{"skill 400 id too long", contract.OpGetSkillCredentials, nil, skill(vendorA, fmt.Sprintf(contract.SkillCredentialsFmt, strings.Repeat("s", 256))), 400, "skillId", ""},
		{"skill 400 empty id", contract.OpGetSkillCredentials, nil, skill(vendorA, "/v1/skills//credentials"), 400, "skillId", ""},
		{"skill 401 no header", contract.OpGetSkillCredentials, nil, skill("", skillPath), 401, "", ""},
		{"skill 401 unknown token", contract.OpGetSkillCredentials, nil, skill("Atza|x", skillPath), 401, "", ""},
		{"skill 403 other vendor", contract.OpGetSkillCredentials, nil, skill(vendorB, skillPath), 403, "vendor", ""},
		{"skill 403 customer token", contract.OpGetSkillCredentials, nil, skill(custA, skillPath), 403, "vendor", ""},
		{"skill 404 unknown skill", contract.OpGetSkillCredentials, nil, skill(vendorA, fmt.Sprintf(contract.SkillCredentialsFmt, "amzn1.ask.skill.unknown")), 404, "", ""},
		{"skill 429 rate limit", contract.OpGetSkillCredentials, limit("*"), twice(skill(vendorA, skillPath)), 429, "", "7"},
		{"skill 500 fault", contract.OpGetSkillCredentials, fault(contract.OpGetSkillCredentials, 500, 0), skill(vendorA, skillPath), 500, "", ""},
		{"skill 503 fault", contract.OpGetSkillCredentials, fault(contract.OpGetSkillCredentials, 503, 1), skill(vendorA, skillPath), 503, "", "1"},

		// token
		{"token refresh_token", contract.OpToken, nil, lwa(withClient("grant_type", "refresh_token", "refresh_token", contract.MockVendorRefreshToken)...), 200, "", ""},
		{"token authorization_code", contract.OpToken, nil, lwa(withClient("grant_type", "authorization_code", "code", CodeCustomerA)...), 200, "", ""},
		{"token client_credentials", contract.OpToken, nil, lwa(withClient("grant_type", "client_credentials", "scope", "alexa::skill_messaging")...), 200, "", ""},
		{"token 400 missing grant_type", contract.OpToken, nil, lwa(client...), 400, "invalid_request", ""},
		{"token 400 unsupported grant", contract.OpToken, nil, lwa(withClient("grant_type", "password")...), 400, "unsupported_grant_type", ""},
		{"token 400 missing refresh_token", contract.OpToken, nil, lwa(withClient("grant_type", "refresh_token")...), 400, "invalid_request", ""},
		{"token 400 unknown refresh token", contract.OpToken, nil, lwa(withClient("grant_type", "refresh_token", "refresh_token", "Atzr|nobody")...), 400, "invalid_grant", ""},
		{"token 400 unknown code", contract.OpToken, nil, lwa(withClient("grant_type", "authorization_code", "code", "nope")...), 400, "invalid_grant", ""},
		{"token 401 wrong secret", contract.OpToken, nil, lwa("grant_type", "refresh_token", "client_id", contract.MockLWAClientID, "client_secret", "wrong", "refresh_token", contract.MockVendorRefreshToken), 401, "invalid_client", ""},
		{"token 401 unknown client", contract.OpToken, nil, lwa("grant_type", "refresh_token", "client_id", "nobody", "client_secret", "x", "refresh_token", contract.MockVendorRefreshToken), 401, "invalid_client", ""},
		{"token 401 no client", contract.OpToken, nil, lwa("grant_type", "refresh_token", "refresh_token", contract.MockVendorRefreshToken), 401, "invalid_client", ""},
		{"token 429 rate limit", contract.OpToken, limit(contract.OpToken), twice(lwa(withClient("grant_type", "refresh_token", "refresh_token", contract.MockVendorRefreshToken)...)), 429, "slow_down", "7"},
		{"token 503 fault", contract.OpToken, fault(contract.OpToken, 503, 1), lwa(withClient("grant_type", "refresh_token", "refresh_token", contract.MockVendorRefreshToken)...), 503, "temporarily_unavailable", "1"},

		// not an operation
		{"unknown path 404", opUnknown, nil, raw(http.MethodGet, "/nothing/here", "", nil), 404, "", ""},
		{"wrong method 404", opUnknown, nil, raw(http.MethodDelete, contract.ThreadNetworksPath, custA, nil), 404, "DELETE", ""},
		{"token GET 404", opUnknown, nil, raw(http.MethodGet, contract.TokenPath, "", nil), 404, "", ""},
	}
	covered := map[string]map[int]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.ctl.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			if r := e.create(custA, createBodyJSON("dup.pan", "dup", "k")); r.status != 200 {
				t.Fatalf("seed: %d %s", r.status, r.body)
			}
			if tc.setup != nil {
				tc.setup()
			}
			r := tc.send()
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if r.status != 200 || tc.op == contract.OpToken || tc.op == contract.OpGetThreadNetworks || tc.op == contract.OpGetSkillCredentials {
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
				_ = r.json(t)
			}
			if tc.msg != "" && !contains(string(r.body), tc.msg) {
				t.Errorf("body %s does not mention %q", r.body, tc.msg)
			}
			if got := r.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			checkContract(t, r)
			js, err := e.ctl.Journal(ctx)
			if err != nil {
				t.Fatal(err)
			}
			last := js[len(js)-1]
			if last.Operation != tc.op || last.Status != tc.want {
				t.Errorf("journal's last entry %+v, want operation %s status %d", last, tc.op, tc.want)
			}
			if covered[tc.op] == nil {
				covered[tc.op] = map[int]bool{}
			}
			covered[tc.op][tc.want] = true
		})
	}
	for op, statuses := range contract.Documented() {
		for _, st := range statuses {
			if !covered[op][st] && !(op == contract.OpToken && st == 0) {
				t.Errorf("documented status %d of %s is not exercised", st, op)
			}
		}
	}
}
