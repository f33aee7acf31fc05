package mock

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/redact"
)

// The tests of what certification needs from the mock (issue 9 item 4):
// Retry-After as an HTTP-date, token-endpoint faults, minted and revoked
// tokens, the journal's new fields. All over real sockets.

func TestRetryAfterDate(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		at      time.Time
		seconds int
		want    string
	}{
		{t0, 1, "Fri, 02 Jan 2026 03:04:06 GMT"},
		{t0.Add(time.Nanosecond), 1, "Fri, 02 Jan 2026 03:04:07 GMT"},              // rounded up, never early
		{t0.Add(999 * time.Millisecond), 2, "Fri, 02 Jan 2026 03:04:08 GMT"},       // 03:04:07.999 → :08
		{t0.In(time.FixedZone("CET", 3600)), 120, "Fri, 02 Jan 2026 03:06:05 GMT"}, // always GMT
		{t0, 86400, "Sat, 03 Jan 2026 03:04:05 GMT"},
	} {
		got := RetryAfterDate(tc.at, tc.seconds)
		if got != tc.want {
			t.Errorf("RetryAfterDate(%s, %d) = %q, want %q", tc.at, tc.seconds, got, tc.want)
		}
		d, err := http.ParseTime(got)
		if err != nil || d.Before(tc.at.Add(time.Duration(tc.seconds)*time.Second)) {
			t.Errorf("RetryAfterDate(%s, %d) = %q parses to %v, %v: earlier than the delay", tc.at, tc.seconds, got, d, err)
		}
	}
}

// TestFaultRetryAfterForms installs faults on every operation, the token
// endpoint included, with Retry-After in both forms and resets, and checks
// the answer and the journal.
func TestFaultRetryAfterForms(t *testing.T) {
	ctx := context.Background()
	e := start(t, Config{})
	e.clock.Advance(250 * time.Millisecond) // a fractional arrival: the date must round up
	cust := e.tokenFor(contract.MockCustomerARefresh)
	vendor := e.tokenFor(contract.MockVendorRefreshToken)
	tokenForm := form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh)
	send := map[string]func() resp{
		contract.OpToken: func() resp {
			return e.do(http.MethodPost, contract.TokenPath, "", tokenForm, "Content-Type", "application/x-www-form-urlencoded")
		},
		contract.OpGetThreadNetworks:   func() resp { return e.get(cust, "extendedPanId=p") },
		contract.OpCreateThreadNetwork: func() resp { return e.create(cust, createBodyJSON("p", "n", "k")) },
		contract.OpGetSkillCredentials: func() resp {
			return e.do(http.MethodGet, "/v1/skills/"+contract.MockSkillID+"/credentials", vendor, nil)
		},
	}
	type tcase struct {
		op     string
		status int
		ra     int
		date   bool
	}
	var cases []tcase
	for _, op := range []string{contract.OpToken, contract.OpGetThreadNetworks, contract.OpCreateThreadNetwork, contract.OpGetSkillCredentials} {
		for _, st := range []int{429, 500, 503} {
			for _, date := range []bool{false, true} {
				cases = append(cases, tcase{op: op, status: st, ra: 2, date: date})
			}
		}
	}
	for _, tc := range cases {
		name := tc.op + "/" + strconv.Itoa(tc.status) + map[bool]string{false: "/seconds", true: "/date"}[tc.date]
		t.Run(name, func(t *testing.T) {
			if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: tc.op, Status: tc.status, Count: 1, RetryAfter: tc.ra, RetryAfterDate: tc.date}); err != nil {
				t.Fatal(err)
			}
			before := len(e.run.Server.Journal())
			r := send[tc.op]()
			checkContract(t, r)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			js := e.run.Server.Journal()
			if len(js) != before+1 {
				t.Fatalf("journal grew by %d, want 1", len(js)-before)
			}
			j := js[len(js)-1]
			if j.Operation != tc.op || j.Status != tc.status || !j.Fault || j.RetryAfter != tc.ra || j.RetryAfterDate != tc.date {
				t.Fatalf("journal entry %+v", j)
			}
			ra := r.header.Get("Retry-After")
			if !tc.date {
				if ra != strconv.Itoa(tc.ra) {
					t.Fatalf("Retry-After %q, want %d", ra, tc.ra)
				}
				return
			}
			d, err := http.ParseTime(ra)
			if err != nil || ra != d.UTC().Format(http.TimeFormat) {
				t.Fatalf("Retry-After %q is not an RFC 9110 HTTP-date: %v", ra, err)
			}
			floor := j.AnsweredAt.Add(time.Duration(tc.ra) * time.Second)
			if d.Before(floor) || !d.Before(floor.Add(time.Second)) {
				t.Fatalf("Retry-After %s, want within [%s, +1 s)", d, floor)
			}
			if ev := j.Event(); !ev.RetryAfterDate || ev.RetryAfter != time.Duration(tc.ra)*time.Second {
				t.Fatalf("Event() = %+v loses the date form", ev)
			}
			if tc.op == contract.OpToken {
				var b struct{ Error string }
				_ = json.Unmarshal(r.body, &b)
				want := map[int]string{429: "slow_down", 500: "server_error", 503: "temporarily_unavailable"}[tc.status]
				if b.Error != want || j.GrantType != "refresh_token" || j.Token != redact.ClientID(contract.MockCustomerARefresh) {
					t.Fatalf("token fault: error %q (want %q), journal %+v", b.Error, want, j)
				}
			}
		})
	}
	t.Run("token/reset", func(t *testing.T) {
		if _, err := e.ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpToken, Reset: true, Count: 1}); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, e.url+contract.TokenPath, strings.NewReader(string(tokenForm)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res, err := e.hc.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("reset fault answered %d", res.StatusCode)
		}
		js := e.run.Server.Journal()
		j := js[len(js)-1]
		if j.Operation != contract.OpToken || !j.Reset || j.Status != 0 || !j.Fault || j.GrantType != "refresh_token" {
			t.Fatalf("journal entry %+v", j)
		}
		if r := send[contract.OpToken](); r.status != 200 { // the fault is used up
			t.Fatalf("after the reset: %d", r.status)
		}
	})
}

func TestRateLimitRetryAfterDate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		l    mockcontrol.RateLimit
		want int // Retry-After seconds
	}{
		{"computed from the rate", mockcontrol.RateLimit{Operation: "*", Rate: 0.5, Burst: 1, RetryAfterDate: true}, 2},
		{"given", mockcontrol.RateLimit{Operation: contract.OpGetThreadNetworks, Rate: 1, Burst: 1, RetryAfter: 5, RetryAfterDate: true}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, Config{})
			tok := e.tokenFor(contract.MockCustomerARefresh)
			if err := e.ctl.SetRateLimit(ctx, tc.l); err != nil {
				t.Fatal(err)
			}
			if r := e.get(tok, "extendedPanId=p"); r.status != 200 {
				t.Fatalf("first: %d", r.status)
			}
			r := e.get(tok, "extendedPanId=p")
			checkContract(t, r)
			d, err := http.ParseTime(r.header.Get("Retry-After"))
			if r.status != 429 || err != nil {
				t.Fatalf("second: %d, Retry-After %q: %v", r.status, r.header.Get("Retry-After"), err)
			}
			js := e.run.Server.Journal()
			j := js[len(js)-1]
			if !j.RetryAfterDate || j.RetryAfter != tc.want || !d.Equal(j.AnsweredAt.Add(time.Duration(tc.want)*time.Second)) {
				t.Fatalf("Retry-After %s, journal %+v, want %d s after the answer", d, j, tc.want)
			}
		})
	}
}

func TestMintToken(t *testing.T) {
	ctx := context.Background()
	e := start(t, Config{})
	raw := func(body string) resp {
		return e.do(http.MethodPost, "/__harness/tokens", "", []byte(body), "Content-Type", "application/json")
	}
	for _, tc := range []struct {
		name      string
		body      string
		status    int    // of POST /__harness/tokens
		wantErr   string // a 400 names the field
		expiresIn time.Duration
		use       int // status of a GET with the token
	}{
		{"already expired", `{"refreshToken":"Atzr|harness-customer-a","expiresIn":-60}`, 201, "", -60 * time.Second, 401},
		{"expires now", `{"refreshToken":"Atzr|harness-customer-a","expiresIn":0}`, 201, "", 0, 401},
		{"valid", `{"refreshToken":"Atzr|harness-customer-a","expiresIn":120}`, 201, "", 120 * time.Second, 200},
		{"default lifetime", `{"refreshToken":"Atzr|harness-customer-a"}`, 201, "", DefaultTokenTTL, 200},
		{"customer without scope", `{"refreshToken":"Atzr|harness-customer-noscope","expiresIn":60}`, 201, "", 60 * time.Second, 403},
		{"longest", `{"refreshToken":"Atzr|harness-customer-a","expiresIn":604800}`, 201, "", 7 * 24 * time.Hour, 200},
		{"unknown refresh token", `{"refreshToken":"Atzr|nobody-knows-me","expiresIn":60}`, 400, "refreshToken: ", 0, 0},
		{"no refresh token", `{"expiresIn":60}`, 400, "refreshToken: is required", 0, 0},
		{"too long", `{"refreshToken":"Atzr|harness-customer-a","expiresIn":604801}`, 400, "expiresIn: ", 0, 0},
		{"too far back", `{"refreshToken":"Atzr|harness-customer-a","expiresIn":-604801}`, 400, "expiresIn: ", 0, 0},
		{"not a number", `{"refreshToken":"Atzr|harness-customer-a","expiresIn":"soon"}`, 400, "expiresIn", 0, 0},
		{"fraction", `{"refreshToken":"Atzr|harness-customer-a","expiresIn":1.5}`, 400, "expiresIn", 0, 0},
		{"unknown field", `{"refreshToken":"Atzr|harness-customer-a","ttl":5}`, 400, "ttl", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := raw(tc.body)
			if r.status != tc.status {
				t.Fatalf("POST tokens = %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 201 {
				if !strings.Contains(string(r.body), tc.wantErr) || strings.Contains(string(r.body), "nobody-knows-me") {
					t.Fatalf("400 body %s, want it to name %q and not echo the token", r.body, tc.wantErr)
				}
				return
			}
			var m mockcontrol.MintedToken
			if err := json.Unmarshal(r.body, &m); err != nil || !strings.HasPrefix(m.AccessToken, "Atza|") {
				t.Fatalf("answer %s: %v", r.body, err)
			}
			if want := e.clock.Now().Add(tc.expiresIn); !m.ExpiresAt.Equal(want) {
				t.Fatalf("expiresAt %s, want %s", m.ExpiresAt, want)
			}
			if g := e.get(m.AccessToken, "extendedPanId=p"); g.status != tc.use {
				t.Fatalf("GET with the minted token: %d, want %d: %s", g.status, tc.use, g.body)
			}
		})
	}
	t.Run("Go client", func(t *testing.T) {
		m, err := e.ctl.MintToken(ctx, contract.MockVendorRefreshToken, -1)
		if err != nil || !m.ExpiresAt.Equal(e.clock.Now().Add(-time.Second)) {
			t.Fatalf("MintToken = %+v, %v", m, err)
		}
		r := e.do(http.MethodGet, "/v1/skills/"+contract.MockSkillID+"/credentials", m.AccessToken, nil)
		if r.status != 401 || !strings.Contains(string(r.body), "expired") {
			t.Fatalf("expired vendor token: %d %s", r.status, r.body)
		}
		if _, err := e.ctl.MintToken(ctx, "Atzr|unknown", 60); err == nil || !strings.Contains(err.Error(), "refreshToken: ") {
			t.Fatalf("MintToken(unknown) = %v", err)
		}
		if r := e.do(http.MethodGet, "/__harness/tokens", "", nil); r.status != 405 {
			t.Fatalf("GET tokens = %d", r.status)
		}
	})
}

func TestRevoke(t *testing.T) {
	ctx := context.Background()
	e := start(t, Config{})
	grant := func(refresh string) resp {
		return e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
			"client_secret", contract.MockLWAClientSecret, "refresh_token", refresh), "Content-Type", "application/x-www-form-urlencoded")
	}
	before := e.tokenFor(contract.MockCustomerARefresh)
	if err := e.ctl.Revoke(ctx, contract.MockCustomerARefresh); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		refresh string
		status  int
		err     string
	}{
		{"revoked", contract.MockCustomerARefresh, 400, "invalid_grant"},
		{"revoked, again: no loop out of the mock either", contract.MockCustomerARefresh, 400, "invalid_grant"},
		{"another identity", contract.MockCustomerBRefresh, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := grant(tc.refresh)
			checkContract(t, r)
			if r.status != tc.status || (tc.err != "" && r.json(t)["error"] != tc.err) {
				t.Fatalf("grant: %d %s, want %d %s", r.status, r.body, tc.status, tc.err)
			}
		})
	}
	if r := e.get(before, "extendedPanId=p"); r.status != 200 {
		t.Fatalf("an access token issued before the revocation: %d (it lives until it expires)", r.status)
	}
	for _, tc := range []struct {
		body, want string
	}{
		{`{"refreshToken":"Atzr|nobody-knows-me"}`, "refreshToken: "},
		{`{}`, "refreshToken: is required"},
		{`{"refresh_token":"x"}`, "refresh_token"},
	} {
		r := e.do(http.MethodPost, "/__harness/revoke", "", []byte(tc.body))
		if r.status != 400 || !strings.Contains(string(r.body), tc.want) || strings.Contains(string(r.body), "nobody-knows-me") {
			t.Errorf("revoke %s = %d %s, want 400 naming %q", tc.body, r.status, r.body, tc.want)
		}
	}
	if r := e.do(http.MethodPost, "/__harness/revoke", "", []byte(`{"refreshToken":"`+contract.MockVendorRefreshToken+`"}`)); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("revoke = %d %q, want 204 with no body", r.status, r.body)
	}
	if err := e.ctl.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	for _, refresh := range []string{contract.MockCustomerARefresh, contract.MockVendorRefreshToken} {
		if r := grant(refresh); r.status != 200 {
			t.Fatalf("after reset: %d %s", r.status, r.body)
		}
	}
}

// TestJournalAuthorization: which requests carried an Authorization header
// and which token (redacted), and the grant type of token requests.
func TestJournalAuthorization(t *testing.T) {
	e := start(t, Config{})
	tok := e.tokenFor(contract.MockCustomerARefresh)
	lwa := func(kv ...string) func() resp {
		return func() resp {
			return e.do(http.MethodPost, contract.TokenPath, "", form(kv...), "Content-Type", "application/x-www-form-urlencoded")
		}
	}
	client := []string{"client_id", contract.MockLWAClientID, "client_secret", contract.MockLWAClientSecret}
	for _, tc := range []struct {
		name      string
		send      func() resp
		auth      bool
		token     string
		grantType string
	}{
		{"no header", func() resp { return e.get("", "extendedPanId=p") }, false, "", ""},
		{"bearer", func() resp { return e.get(tok, "extendedPanId=p") }, true, redact.ClientID(tok), ""},
		{"bearer, cached", func() resp { return e.get(tok, "extendedPanId=p") }, true, redact.ClientID(tok), ""},
		{"unknown bearer", func() resp { return e.get("Atza|forged", "extendedPanId=p") }, true, redact.ClientID("Atza|forged"), ""},
		{"basic on the Locker", func() resp {
			return e.do(http.MethodGet, contract.ThreadNetworksPath+"?extendedPanId=p", "", nil, "Authorization", "Basic eDp5")
		}, true, "", ""},
		{"empty header", func() resp {
			return e.do(http.MethodGet, contract.ThreadNetworksPath+"?extendedPanId=p", "", nil, "Authorization", "")
		}, true, "", ""},
		{"refresh grant", lwa(append(client, "grant_type", "refresh_token", "refresh_token", contract.MockCustomerBRefresh)...), false,
			redact.ClientID(contract.MockCustomerBRefresh), "refresh_token"},
		{"code grant", lwa(append(client, "grant_type", "authorization_code", "code", CodeVendorA)...), false, redact.ClientID(CodeVendorA), "authorization_code"},
		{"client credentials", lwa(append(client, "grant_type", "client_credentials", "scope", "s")...), false, "", "client_credentials"},
		{"unsupported grant: not echoed", lwa(append(client, "grant_type", "password-Atzr|zzz")...), false, "", "other"},
		{"no grant", lwa(client...), false, "", ""},
		{"basic on LWA", func() resp {
			return e.do(http.MethodPost, contract.TokenPath, "", form("grant_type", "client_credentials", "scope", "s"),
				"Authorization", "Basic YW16bjEuYXBwbGljYXRpb24tb2EyLWNsaWVudC5oYXJuZXNzOmhhcm5lc3MtY2xpZW50LXNlY3JldA==",
				"Content-Type", "application/x-www-form-urlencoded")
		}, true, "", "client_credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.send()
			js := e.run.Server.Journal()
			j := js[len(js)-1]
			if j.Authorization != tc.auth || j.Token != tc.token || j.GrantType != tc.grantType {
				t.Fatalf("journal entry %+v, want authorization %v token %q grantType %q", j, tc.auth, tc.token, tc.grantType)
			}
		})
	}
	// the wire form: authorization always present, the others when set
	r := e.do(http.MethodGet, "/__harness/journal", "", nil)
	if !strings.Contains(string(r.body), `"authorization":false`) || !strings.Contains(string(r.body), `"grantType":"refresh_token"`) ||
		strings.Contains(string(r.body), "zzz") {
		t.Fatalf("journal JSON %s", r.body)
	}
}

func TestJournalEmptyIsArray(t *testing.T) {
	e := start(t, Config{})
	check := func(when string) {
		r := e.do(http.MethodGet, "/__harness/journal", "", nil)
		if r.status != 200 || string(r.body) != "[]" {
			t.Fatalf("%s: GET journal = %d %q, want 200 []", when, r.status, r.body)
		}
		js, err := e.ctl.Journal(context.Background())
		if err != nil || js == nil || len(js) != 0 {
			t.Fatalf("%s: Journal() = %#v, %v", when, js, err)
		}
	}
	check("at start")
	e.tokenFor(contract.MockCustomerARefresh)
	if err := e.ctl.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("after reset")
	e.tokenFor(contract.MockCustomerARefresh)
	if r := e.do(http.MethodDelete, "/__harness/journal", "", nil); r.status != 200 {
		t.Fatal(r.status)
	}
	check("after DELETE")
}

// TestConflictCode: a real duplicate and an injected 409 answer the same
// code, the one of api/openapi.yaml's example.
func TestConflictCode(t *testing.T) {
	if CodeAlreadyExists != "THREAD_NETWORK_ALREADY_EXISTS" {
		t.Fatalf("CodeAlreadyExists = %q", CodeAlreadyExists)
	}
	e := start(t, Config{})
	tok := e.tokenFor(contract.MockCustomerARefresh)
	body := createBodyJSON("p", "n", "k")
	if r := e.create(tok, body); r.status != 200 {
		t.Fatalf("first create: %d", r.status)
	}
	for _, tc := range []struct {
		name  string
		fault bool
	}{{"real duplicate", false}, {"injected 409", true}} {
		t.Run(tc.name, func(t *testing.T) {
			b := body
			if tc.fault {
				if _, err := e.ctl.AddFault(context.Background(), mockcontrol.Fault{Operation: contract.OpCreateThreadNetwork, Status: 409, Count: 1}); err != nil {
					t.Fatal(err)
				}
				b = createBodyJSON("p", "other", "k")
			}
			r := e.create(tok, b)
			checkContract(t, r)
			if r.status != 409 || r.json(t)["code"] != CodeAlreadyExists {
				t.Fatalf("%d %s, want 409 %s", r.status, r.body, CodeAlreadyExists)
			}
		})
	}
}

func TestJournalSize(t *testing.T) {
	for _, tc := range []struct {
		size int
		ok   bool
	}{
		{0, true}, {1, true}, {DefaultJournalSize, true}, {MaxJournalSize, true},
		{-1, false}, {MaxJournalSize + 1, false}, {99999999999, false},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := New(Config{JournalSize: tc.size, Validator: NoValidator})
		runtime.ReadMemStats(&after)
		if (err == nil) != tc.ok {
			t.Errorf("New(JournalSize %d) = %v, want ok %v", tc.size, err, tc.ok)
			continue
		}
		if !tc.ok && !strings.Contains(err.Error(), "1 to 1000000") {
			t.Errorf("New(JournalSize %d) = %v: does not give the bounds", tc.size, err)
		}
		// the ring grows with the traffic: the largest journal costs no
		// more up front than the default one
		if grew := after.TotalAlloc - before.TotalAlloc; tc.ok && grew > 32<<20 {
			t.Errorf("New(JournalSize %d) allocated %d MB up front", tc.size, grew>>20)
		}
	}
}

func TestJournalRing(t *testing.T) {
	for _, tc := range []struct {
		size, adds int
		want       []int // statuses left, oldest first
	}{
		{1, 0, []int{}},
		{1, 3, []int{3}},
		{3, 2, []int{1, 2}},
		{3, 3, []int{1, 2, 3}},
		{3, 7, []int{5, 6, 7}},
		{DefaultJournalSize + 2, DefaultJournalSize + 5, nil}, // grows past the preallocation, then wraps
	} {
		j := newJournal(tc.size)
		for i := 1; i <= tc.adds; i++ {
			j.add(mockcontrol.JournalEntry{Status: i})
		}
		got := j.snapshot()
		want := tc.want
		if want == nil {
			for i := tc.adds - tc.size + 1; i <= tc.adds; i++ {
				want = append(want, i)
			}
		}
		if got == nil || len(got) != len(want) {
			t.Fatalf("size %d, %d adds: %d entries (nil %v), want %d", tc.size, tc.adds, len(got), got == nil, len(want))
		}
		for i := range want {
			if got[i].Status != want[i] {
				t.Fatalf("size %d, %d adds: entry %d is %d, want %d", tc.size, tc.adds, i, got[i].Status, want[i])
			}
		}
		j.reset()
		if s := j.snapshot(); s == nil || len(s) != 0 {
			t.Fatalf("after reset: %v", s)
		}
		j.add(mockcontrol.JournalEntry{Status: 42})
		if s := j.snapshot(); len(s) != 1 || s[0].Status != 42 {
			t.Fatalf("after reset and one add: %v", s)
		}
	}
}
