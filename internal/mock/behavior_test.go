package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/redact"
)

func TestControlAPI(t *testing.T) {
	ctx := context.Background()
	e := start(t, Config{})
	tok := e.tokenFor(contract.MockCustomerARefresh)
	q := "extendedPanId=p"

	t.Run("health", func(t *testing.T) {
		if err := e.ctl.Health(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("fault count then normal", func(t *testing.T) {
		id, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpGetThreadNetworks, Status: 503, Count: 2, RetryAfter: 4})
		if err != nil || id == "" {
			t.Fatalf("AddFault: %q %v", id, err)
		}
		for i, want := range []int{503, 503, 200} {
			if r := e.get(tok, q); r.status != want {
				t.Fatalf("request %d: status %d, want %d", i, r.status, want)
			}
		}
		js := e.run.Server.Journal()
		if n := len(js); n < 3 || !js[n-3].Fault || js[n-3].RetryAfter != 4 || js[n-1].Fault {
			t.Fatalf("journal does not mark the faults: %+v", js)
		}
	})
	t.Run("fault other operation does not match", func(t *testing.T) {
		if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpCreateThreadNetwork, Status: 500, Count: 1}); err != nil {
			t.Fatal(err)
		}
		if r := e.get(tok, q); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		if err := e.ctl.ClearFaults(ctx); err != nil {
			t.Fatal(err)
		}
		if r := e.create(tok, createBodyJSON("p.c", "n", "k")); r.status != 200 {
			t.Fatalf("after DELETE faults: status %d", r.status)
		}
	})
	t.Run("fault probability", func(t *testing.T) {
		if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: "*", Status: 500, Probability: 0.5}); err != nil {
			t.Fatal(err)
		}
		n500 := 0
		for range 200 {
			if e.get(tok, q).status == 500 {
				n500++
			}
		}
		_ = e.ctl.ClearFaults(ctx)
		if n500 < 50 || n500 > 150 {
			t.Fatalf("probability 0.5 gave %d faults of 200", n500)
		}
	})
	t.Run("fault delay", func(t *testing.T) {
		if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpGetThreadNetworks, DelayMs: 30, Count: 1}); err != nil {
			t.Fatal(err)
		}
		r := e.get(tok, q)
		if r.status != 200 {
			t.Fatalf("delay-only fault changed the status: %d", r.status)
		}
		if js := e.run.Server.Journal(); js[len(js)-1].Fault {
			t.Fatalf("a delay-only fault marks the answer as a fault: %+v", js[len(js)-1])
		}
	})
	t.Run("fault reset closes the connection", func(t *testing.T) {
		if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpGetThreadNetworks, Reset: true, Count: 1}); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, e.url+contract.ThreadNetworksPath+"?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err == nil {
			res.Body.Close()
			t.Fatalf("want a transport error, got status %d", res.StatusCode)
		}
		js := e.run.Server.Journal()
		if last := js[len(js)-1]; !last.Reset || last.Status != 0 || !last.Fault {
			t.Fatalf("journal: %+v", last)
		}
	})
	t.Run("rate limit per token with clock", func(t *testing.T) {
		if err := e.ctl.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: "*", Rate: 1, Burst: 2, RetryAfter: 0}); err != nil {
			t.Fatal(err)
		}
		other := e.tokenFor(contract.MockCustomerBRefresh)
		want := []int{200, 200, 429}
		for i, w := range want {
			r := e.get(tok, q)
			if r.status != w {
				t.Fatalf("request %d: %d want %d", i, r.status, w)
			}
			if w == 429 && r.header.Get("Retry-After") != "1" {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
		}
		if r := e.get(other, q); r.status != 200 {
			t.Fatalf("another token shares the bucket: %d", r.status)
		}
		e.clock.Advance(time.Second)
		if r := e.get(tok, q); r.status != 200 {
			t.Fatalf("after 1 s: %d", r.status)
		}
		if err := e.ctl.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: "*", Rate: 0}); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if r := e.get(tok, q); r.status != 200 {
				t.Fatalf("after removing the limit: %d", r.status)
			}
		}
	})
	t.Run("reset", func(t *testing.T) {
		if r := e.create(tok, createBodyJSON("p.reset", "n", "k")); r.status != 200 {
			t.Fatal(r.status)
		}
		_, _ = e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: "*", Status: 500})
		_ = e.ctl.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: "*", Rate: 0.01, Burst: 1})
		if err := e.ctl.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		js, _ := e.ctl.Journal(ctx)
		if len(js) != 0 {
			t.Fatalf("journal after reset: %d entries", len(js))
		}
		for range 3 {
			r := e.get(tok, "extendedPanId=p.reset")
			if r.status != 200 || !bytes.Equal(r.body, []byte(`{"threadNetworks":[]}`)) {
				t.Fatalf("after reset: %d %s", r.status, r.body)
			}
		}
	})
	t.Run("control calls are not journaled", func(t *testing.T) {
		_ = e.ctl.Reset(ctx)
		_ = e.ctl.Health(ctx)
		_, _ = e.ctl.Journal(ctx)
		_, _ = http.Get(e.url + "/metrics")
		if js, _ := e.ctl.Journal(ctx); len(js) != 0 {
			t.Fatalf("journal: %+v", js)
		}
	})
	t.Run("bad control bodies", func(t *testing.T) {
		cases := []struct{ method, path, body, field string }{
			{http.MethodPost, "faults", `{"operation":"nope","status":500}`, "operation"},
			{http.MethodPost, "faults", `{"operation":"*","status":200}`, "status"},
			{http.MethodPost, "faults", `{"operation":"*","status":500,"probability":2}`, "probability"},
			{http.MethodPost, "faults", `{"operation":"*"}`, "status"},
			{http.MethodPost, "faults", `{"operation":"*","status":500,"colour":1}`, "colour"},
			{http.MethodPost, "faults", `{`, "JSON"},
			{http.MethodPut, "ratelimit", `{"operation":"*","rate":-1}`, "rate"},
			{http.MethodPut, "ratelimit", `{"operation":"token","rate":1,"burst":-2}`, "burst"},
			{http.MethodGet, "nothing", ``, "control call"},
		}
		for _, c := range cases {
			r := e.do(c.method, "/__harness/"+c.path, "", []byte(c.body))
			if r.status/100 != 4 || !contains(string(r.body), c.field) {
				t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, r.status, r.body)
			}
			_ = r.json(t)
		}
	})
	t.Run("list and delete one fault", func(t *testing.T) {
		id, _ := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: "*", Status: 500})
		r := e.do(http.MethodGet, "/__harness/faults", "", nil)
		if !contains(string(r.body), id) {
			t.Fatalf("GET faults: %s", r.body)
		}
		if r := e.do(http.MethodDelete, "/__harness/faults/"+id, "", nil); r.status != 200 {
			t.Fatalf("DELETE fault: %d", r.status)
		}
		if r := e.get(tok, q); r.status != 200 {
			t.Fatalf("fault survived its deletion: %d", r.status)
		}
	})
}

func TestJournalEntry(t *testing.T) {
	e := start(t, Config{JournalSize: 3})
	tok := e.tokenFor(contract.MockCustomerARefresh)
	r := e.get(tok, "extendedPanId=p&maxResults=5")
	js := e.run.Server.Journal()
	last := js[len(js)-1]
	want := mockcontrol.JournalEntry{
		Time: e.clock.Now(), AnsweredAt: e.clock.Now(), Operation: contract.OpGetThreadNetworks,
		Method: "GET", Path: contract.ThreadNetworksPath, Client: redact.ClientID(tok),
		Key: contract.RequestKey("GET", r.req.URL.RequestURI(), nil), Status: 200,
		Authorization: true, Token: redact.ClientID(tok),
	}
	if last != want {
		t.Fatalf("journal entry\n got %+v\nwant %+v", last, want)
	}
	// the token request is journaled under the client id and refresh token
	if js[0].Client != redact.TokenRequestClientID(contract.MockLWAClientID, contract.MockCustomerARefresh) ||
		js[0].GrantType != "refresh_token" || js[0].Token != redact.ClientID(contract.MockCustomerARefresh) || js[0].Authorization {
		t.Fatalf("token entry %+v", js[0])
	}
	// ring buffer: only the last 3 remain, oldest first
	for i := range 5 {
		e.get(tok, fmt.Sprintf("extendedPanId=p%d", i))
	}
	js, err := e.ctl.Journal(context.Background())
	if err != nil || len(js) != 3 {
		t.Fatalf("journal size %d (%v), want 3", len(js), err)
	}
	for i, j := range js {
		if want := contract.RequestKey("GET", contract.ThreadNetworksPath+fmt.Sprintf("?extendedPanId=p%d", i+2), nil); j.Key != want {
			t.Fatalf("entry %d: key %s, want %s (oldest first)", i, j.Key, want)
		}
	}
	raw := e.do(http.MethodGet, "/__harness/journal", "", nil)
	if !contains(string(raw.body), `"time":"2026-01-02T03:04:05Z"`) {
		t.Fatalf("journal JSON: %s", raw.body)
	}
}

func TestIsolation(t *testing.T) {
	e := start(t, Config{})
	a := e.tokenFor(contract.MockCustomerARefresh)
	b := e.tokenFor(contract.MockCustomerBRefresh)
	if r := e.create(a, createBodyJSON("shared.pan", "home", "secret-key-a")); r.status != 200 {
		t.Fatal(r.status)
	}
	r := e.get(b, "extendedPanId=shared.pan")
	if r.status != 200 || contains(string(r.body), "secret-key-a") || string(r.body) != `{"threadNetworks":[]}` {
		t.Fatalf("customer B sees A's network: %s", r.body)
	}
	if r := e.create(b, createBodyJSON("shared.pan", "home", "secret-key-b")); r.status != 200 {
		t.Fatalf("B cannot create a network A has: %d", r.status)
	}
	ra := e.get(a, "extendedPanId=shared.pan&networkName=home")
	rb := e.get(b, "extendedPanId=shared.pan&networkName=home")
	if !contains(string(ra.body), "secret-key-a") || contains(string(ra.body), "secret-key-b") ||
		!contains(string(rb.body), "secret-key-b") || contains(string(rb.body), "secret-key-a") {
		t.Fatalf("cross-talk: A %s; B %s", ra.body, rb.body)
	}
}

func TestPagination(t *testing.T) {
	e := start(t, Config{})
	a := e.tokenFor(contract.MockCustomerARefresh)
	b := e.tokenFor(contract.MockCustomerBRefresh)
	const n = 25
	for i := range n {
		if r := e.create(a, createBodyJSON("many", fmt.Sprintf("net-%02d", i), "k")); r.status != 200 {
			t.Fatal(r.status)
		}
	}
	type page struct {
		ThreadNetworks []ThreadNetwork `json:"threadNetworks"`
		NextToken      string          `json:"nextToken"`
	}
	fetch := func(tok, q string) (page, resp) {
		r := e.get(tok, q)
		var p page
		if r.status == 200 {
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			checkContract(t, r)
		}
		return p, r
	}
	var names []string
	next := ""
	pages := 0
	var tokens []string
	for {
		q := "extendedPanId=many&maxResults=10"
		if next != "" {
			q += "&nextToken=" + url.QueryEscape(next)
		}
		p, r := fetch(a, q)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", pages, r.status, r.body)
		}
		pages++
		for _, tn := range p.ThreadNetworks {
			names = append(names, tn.NetworkName)
		}
		if p.NextToken == "" {
			break
		}
		tokens = append(tokens, p.NextToken)
		next = p.NextToken
	}
	if pages != 3 || len(names) != n {
		t.Fatalf("%d pages, %d networks; want 3, %d", pages, len(names), n)
	}
	for i, nm := range names {
		if nm != fmt.Sprintf("net-%02d", i) {
			t.Fatalf("order: %v", names)
		}
	}
	// the page size may change between pages
	if p, r := fetch(a, "extendedPanId=many&maxResults=100&nextToken="+url.QueryEscape(tokens[0])); r.status != 200 || len(p.ThreadNetworks) != 15 {
		t.Fatalf("maxResults 100 from page 2: %d networks, %s", len(p.ThreadNetworks), r.body)
	}
	tok := tokens[0]
	tampered := []byte(tok)
	tampered[len(tampered)/2] ^= 1
	if tampered[len(tampered)/2] == '-' || tampered[len(tampered)/2] == '_' {
		tampered[len(tampered)/2] = 'A'
	}
	bad := []struct{ name, who, q string }{
		{"forged", a, "extendedPanId=many&nextToken=" + strings.Repeat("A", len(tok))},
		{"garbage", a, "extendedPanId=many&nextToken=%00%01"},
		{"tampered", a, "extendedPanId=many&nextToken=" + url.QueryEscape(string(tampered))},
		{"other extendedPanId", a, "extendedPanId=other&nextToken=" + url.QueryEscape(tok)},
		{"other networkName", a, "extendedPanId=many&networkName=net-00&nextToken=" + url.QueryEscape(tok)},
		{"other customer", b, "extendedPanId=many&nextToken=" + url.QueryEscape(tok)},
		{"empty", a, "extendedPanId=many&nextToken="},
	}
	for _, c := range bad {
		if _, r := fetch(c.who, c.q); r.status != 400 || !contains(string(r.body), "nextToken") {
			t.Errorf("%s nextToken: %d %s", c.name, r.status, r.body)
		} else {
			checkContract(t, r)
		}
	}
	// expiry after 24 h, by the clock (tokens refreshed so that only the page token ages)
	e.clock.Advance(PageTokenTTL - time.Second)
	a = e.tokenFor(contract.MockCustomerARefresh)
	if _, r := fetch(a, "extendedPanId=many&nextToken="+url.QueryEscape(tok)); r.status != 200 {
		t.Fatalf("token younger than 24 h refused: %d %s", r.status, r.body)
	}
	e.clock.Advance(time.Second)
	if _, r := fetch(a, "extendedPanId=many&nextToken="+url.QueryEscape(tok)); r.status != 400 || !contains(string(r.body), "expired") {
		t.Fatalf("24 h old token: %d %s", r.status, r.body)
	}
	// a reset invalidates outstanding tokens
	_, r := fetch(a, "extendedPanId=many&maxResults=1")
	var p page
	_ = json.Unmarshal(r.body, &p)
	e.run.Server.Reset()
	if _, r := fetch(a, "extendedPanId=many&nextToken="+url.QueryEscape(p.NextToken)); r.status != 400 {
		t.Fatalf("token from before reset: %d %s", r.status, r.body)
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	e := start(t, Config{TokenTTL: 10 * time.Minute})
	r := e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh), "Content-Type", "application/x-www-form-urlencoded")
	m := r.json(t)
	if m["expires_in"] != float64(600) || m["token_type"] != "bearer" || m["refresh_token"] != contract.MockCustomerARefresh {
		t.Fatalf("token answer %s", r.body)
	}
	tok := m["access_token"].(string)
	e.clock.Advance(10*time.Minute - time.Nanosecond)
	if r := e.get(tok, "extendedPanId=p"); r.status != 200 {
		t.Fatalf("before expiry: %d", r.status)
	}
	e.clock.Advance(time.Nanosecond)
	if r := e.get(tok, "extendedPanId=p"); r.status != 401 || !contains(string(r.body), "expired") {
		t.Fatalf("at expiry: %d %s", r.status, r.body)
	}
	// a token of another mock (another signing key) is unknown here
	other := start(t, Config{})
	if r := e.get(other.tokenFor(contract.MockCustomerARefresh), "extendedPanId=p"); r.status != 401 {
		t.Fatalf("foreign token: %d", r.status)
	}
}

func TestTokenEndpointLikeAmazonSDK(t *testing.T) {
	e := start(t, Config{})
	// Raw, not URL-encoded values ("|" unescaped), no Content-Type, odd path case.
	body := "grant_type=refresh_token&refresh_token=" + contract.MockVendorRefreshToken +
		"&client_id=" + contract.MockLWAClientID + "&client_secret=" + contract.MockLWAClientSecret
	for _, path := range []string{"/auth/O2/token", "/AUTH/o2/TOKEN", contract.TokenPath} {
		r := e.do(http.MethodPost, path, "", []byte(body))
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		checkContract(t, r)
	}
	// client authentication with HTTP Basic (RFC 6749 section 2.3.1)
	req, _ := http.NewRequest(http.MethodPost, e.url+contract.TokenPath, strings.NewReader("grant_type=client_credentials&scope=alexa::skill_messaging"))
	req.SetBasicAuth(contract.MockSkillClientID, contract.MockSkillClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("basic auth: %d", res.StatusCode)
	}
	// GET without Content-Type or Accept works.
	tok := e.tokenFor(contract.MockVendorRefreshToken)
	req, _ = http.NewRequest(http.MethodGet, e.url+fmt.Sprintf(contract.SkillCredentialsFmt, contract.MockSkillID), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err = e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !contains(string(b), contract.MockSkillClientSecret) {
		t.Fatalf("skill credentials: %d %s", res.StatusCode, b)
	}
}

func TestClientCredentialsVendor(t *testing.T) {
	fx, err := LoadFixtures("testdata/fixtures.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, Config{Fixtures: fx})
	r := e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "client_credentials", "scope", "alexa::ask:skills:read",
		"client_id", "amzn1.application-oa2-client.partner", "client_secret", "partner-client-secret"), "Content-Type", "application/x-www-form-urlencoded")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json(t)
	if _, ok := m["refresh_token"]; ok {
		t.Errorf("client_credentials answer carries a refresh_token: %s", r.body)
	}
	tok := m["access_token"].(string)
	if r := e.do(http.MethodGet, "/v1/skills/amzn1.ask.skill.00000000-0000-4000-8000-000000000002/credentials", tok, nil); r.status != 200 {
		t.Fatalf("partner client on its vendor's skill: %d %s", r.status, r.body)
	}
	if r := e.do(http.MethodGet, fmt.Sprintf(contract.SkillCredentialsFmt, contract.MockSkillID), tok, nil); r.status != 403 {
		t.Fatalf("partner client on vendor A's skill: %d", r.status)
	}
	seeded := e.tokenFor("Atzr|partner-customer-seeded")
	r = e.get(seeded, "extendedPanId=dead00beef00cafe")
	if r.status != 200 || !contains(string(r.body), "SeededHome") || !contains(string(r.body), "SeededGarage") {
		t.Fatalf("pre-seeded networks: %s", r.body)
	}
	checkContract(t, r)
	// the built-in identities are still there (mode: extend)
	_ = e.tokenFor(contract.MockCustomerARefresh)
}

func TestBodyLimit(t *testing.T) {
	e := start(t, Config{})
	tok := e.tokenFor(contract.MockCustomerARefresh)
	big := append([]byte(`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"`), bytes.Repeat([]byte("k"), MaxBodyBytes)...)
	big = append(big, `"}}`...)
	r := e.create(tok, big)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", r.status)
	}
	if m := r.json(t); m["code"] != "PAYLOAD_TOO_LARGE" {
		t.Fatalf("body %s", r.body)
	}
	checkContract(t, r)
	r = e.do(http.MethodPost, contract.TokenPath, "", bytes.Repeat([]byte("a"), MaxBodyBytes+10))
	if r.status != 413 || r.json(t)["error"] == nil {
		t.Fatalf("token 413: %d %s", r.status, r.body)
	}
	// exactly at the limit is read (and then judged on its content)
	prefix := []byte(`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"`)
	atLimit := append(prefix, bytes.Repeat([]byte("k"), MaxBodyBytes-len(prefix)-3)...)
	atLimit = append(atLimit, `"}}`...)
	if len(atLimit) > MaxBodyBytes {
		t.Fatalf("test body %d bytes", len(atLimit))
	}
	if r := e.create(tok, atLimit); r.status != 200 {
		t.Fatalf("body of %d bytes: %d %s", len(atLimit), r.status, r.body)
	}
}

func TestStrictThread(t *testing.T) {
	e := start(t, Config{StrictThread: true})
	tok := e.tokenFor(contract.MockCustomerARefresh)
	good := `{"threadNetwork":{"extendedPanId":"dead00beef00cafe","networkName":"n","networkKey":"00112233445566778899aabbccddeeff","pskc":"00112233445566778899AABBCCDDEEFF","panId":"1a2b"}}`
	if r := e.create(tok, []byte(good)); r.status != 200 {
		t.Fatalf("good: %d %s", r.status, r.body)
	}
	cases := []struct{ body, field string }{
		{`{"threadNetwork":{"extendedPanId":"extended.pan.id.1","networkName":"n","networkKey":"00112233445566778899aabbccddeeff"}}`, "extendedPanId"},
		{`{"threadNetwork":{"extendedPanId":"dead00beef00cafe","networkName":"m","networkKey":"network.key.1"}}`, "networkKey"},
		{`{"threadNetwork":{"extendedPanId":"dead00beef00cafe","networkName":"m","networkKey":"00112233445566778899aabbccddeeff","pskc":"abc"}}`, "pskc"},
		{`{"threadNetwork":{"extendedPanId":"dead00beef00cafe","networkName":"m","networkKey":"00112233445566778899aabbccddeeff","panId":"FFFF"}}`, "panId"},
	}
	for _, c := range cases {
		r := e.create(tok, []byte(c.body))
		if r.status != 400 || !contains(string(r.body), "threadNetwork."+c.field) {
			t.Errorf("%s: %d %s", c.field, r.status, r.body)
		}
		if contains(string(r.body), "00112233445566778899") {
			t.Errorf("error echoes a key: %s", r.body)
		}
	}
	// off by default: placeholders are accepted
	lax := start(t, Config{})
	if r := lax.create(lax.tokenFor(contract.MockCustomerARefresh), []byte(cases[0].body)); r.status != 200 {
		t.Fatalf("lax mode: %d", r.status)
	}
}

func TestConcurrency(t *testing.T) {
	e := start(t, Config{JournalSize: 64})
	ctx := context.Background()
	toks := []string{e.tokenFor(contract.MockCustomerARefresh), e.tokenFor(contract.MockCustomerBRefresh)}
	vendor := e.tokenFor(contract.MockVendorRefreshToken)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Go(func() {
			tok := toks[w%2]
			for i := range 40 {
				var r resp
				switch i % 5 {
				case 0:
					r = e.create(tok, createBodyJSON("conc", fmt.Sprintf("w%d-%d", w, i), "k"))
				case 1, 2:
					r = e.get(tok, "extendedPanId=conc&maxResults=3")
				case 3:
					r = e.do(http.MethodGet, fmt.Sprintf(contract.SkillCredentialsFmt, contract.MockSkillID), vendor, nil)
				case 4:
					r = e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
						"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh))
				}
				if r.status != 200 && r.status != 409 && r.status != 500 && r.status != 429 {
					errs <- fmt.Errorf("worker %d request %d: %d %s", w, i, r.status, r.body)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 30 {
			switch i % 6 {
			case 0:
				_, _ = e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: "*", Status: 500, Count: 2, Probability: 0.5})
			case 1:
				_ = e.ctl.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: contract.OpGetThreadNetworks, Rate: 1000, Burst: 1000})
			case 2:
				_, _ = e.ctl.Journal(ctx)
			case 3:
				_ = e.ctl.ClearFaults(ctx)
			case 4:
				_, _ = http.Get(e.url + "/metrics")
			case 5:
				if i == 29 {
					_ = e.ctl.Reset(ctx)
				}
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMetrics(t *testing.T) {
	e := start(t, Config{})
	tok := e.tokenFor(contract.MockCustomerARefresh)
	e.get(tok, "extendedPanId=p")
	e.get("", "extendedPanId=p")
	r := e.do(http.MethodGet, "/metrics", "", nil)
	body := string(r.body)
	for _, want := range []string{
		`harness_mock_requests_total{operation="getThreadNetworks",status="200"} 1`,
		`harness_mock_requests_total{operation="getThreadNetworks",status="401"} 1`,
		`harness_mock_requests_total{operation="token",status="200"} 1`,
		`harness_mock_request_duration_seconds_count{operation="getThreadNetworks"} 2`,
	} {
		if !contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// two servers in one process count separately (no global registry)
	other := start(t, Config{})
	if r := other.do(http.MethodGet, "/metrics", "", nil); contains(string(r.body), `status="401"} 1`) {
		t.Errorf("metrics shared between servers")
	}
}

func TestStartCloseGraceful(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	run, err := Start(ctx, "127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := mockcontrol.Control{BaseURL: run.URL}
	if err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	// a slow request in flight completes across the shutdown
	if _, err := c.AddFault(ctx, mockcontrol.Fault{Operation: "*", DelayMs: 200, Count: 1}); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		res, err := http.Get(run.URL + "/nothing")
		if err != nil {
			done <- -1
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	for len(run.Server.faults.list()) != 0 { // the request has taken the fault
		runtime.Gosched()
	}
	cancel()
	select {
	case <-run.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop on context cancellation")
	}
	if st := <-done; st != 404 {
		t.Fatalf("in-flight request: %d", st)
	}
	if err := run.Close(context.Background()); err != nil {
		t.Fatalf("Close after stop: %v", err)
	}
	if _, err := net.DialTimeout("tcp", run.Addr, time.Second); err == nil {
		t.Fatal("still listening")
	}
	if _, err := Start(context.Background(), "256.0.0.1:1", Config{}); err == nil {
		t.Fatal("Start on a bad address succeeded")
	}
	if _, err := New(Config{Fixtures: &Fixtures{Customers: []Customer{{ID: "x"}}}}); err == nil || !contains(err.Error(), "customers[0].refreshToken") {
		t.Fatalf("New with bad fixtures: %v", err)
	}
}
