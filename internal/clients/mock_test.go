package clients_test

// Integration tests against the real mock (internal/mock) over loopback. The
// client and the mock share a virtual clock: sleeping advances it at once, so
// the mock sees the waits (its journal, rate limits and token expiry follow
// it) while no test waits on the wall clock.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/redact"
)

// virtualClock is wall time plus an offset that Sleep and Advance move on.
type virtualClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

func (c *virtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

type mockRig struct {
	url   string
	ctl   mockcontrol.Control
	clock *virtualClock
	rec   *recorder
	cfg   clients.Config
}

func startMock(t *testing.T) *mockRig {
	t.Helper()
	clock := &virtualClock{}
	ctx, cancel := context.WithCancel(context.Background())
	run, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{Now: clock.Now})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = run.Close(context.Background())
	})
	m := &mockRig{url: run.URL, ctl: mockcontrol.Control{BaseURL: run.URL}, clock: clock, rec: &recorder{}}
	m.cfg = clients.MockConfig(run.URL)
	base := clients.DefaultRoundTripper().(*http.Transport)
	t.Cleanup(base.CloseIdleConnections) // runs before the mock's Close
	m.cfg.Base = base
	m.cfg.Clock = clock
	m.cfg.Observer = m.rec
	m.cfg.Policy = clients.Standard(clients.PolicyParams{MaxAttempts: 3, Base: 200 * time.Millisecond})
	return m
}

func (m *mockRig) locker(t *testing.T, refresh redact.Secret) *clients.Locker {
	t.Helper()
	tp, err := m.cfg.LWA(refresh)
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.cfg.LockerWith(tp)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (m *mockRig) smapi(t *testing.T, refresh redact.Secret) *clients.SMAPI {
	t.Helper()
	tp, err := m.cfg.LWA(refresh)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.cfg.SMAPIWith(tp)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (m *mockRig) fault(t *testing.T, f mockcontrol.Fault) {
	t.Helper()
	if _, err := m.ctl.AddFault(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

func network(pan, name string) clients.ThreadNetwork {
	return clients.ThreadNetwork{ExtendedPanID: pan, NetworkName: name, NetworkKey: "00112233445566778899aabbccddeeff",
		PSKc: "ffeeddccbbaa99887766554433221100", PanID: "1a2b", ChannelNumber: 15, DefaultBorderAgentID: "echo-1"}
}

// TestMockEveryStatus drives every documented status of every operation
// out of the real mock, through the typed clients.
func TestMockEveryStatus(t *testing.T) {
	m := startMock(t)
	ctx := context.Background()
	const pan = "0123456789abcdef"
	custA := m.locker(t, contract.MockCustomerARefresh)
	noScope := m.locker(t, contract.MockCustomerNoScopeRefresh)
	vendor := m.smapi(t, contract.MockVendorRefreshToken)
	otherVendor := m.smapi(t, contract.MockOtherVendorRefresh)
	forged, _ := clients.NewLocker(m.url, m.cfg.HTTPClient(clients.StaticToken("Atza|forged")))
	forgedSMAPI, _ := clients.NewSMAPI(m.url, m.cfg.HTTPClient(clients.StaticToken("Atza|forged")))
	wrongRoute, _ := clients.NewLocker(m.url+"/v9", m.cfg.HTTPClient(clients.StaticToken("x")))
	if err := custA.CreateThreadNetwork(ctx, network(pan, "exists")); err != nil {
		t.Fatal(err)
	}
	faulted := func(op string, status int) func() {
		return func() {
			m.fault(t, mockcontrol.Fault{Operation: op, Status: status, Count: 3, Probability: 1, RetryAfter: 1})
		}
	}
	type tc struct {
		op     string
		status int
		setup  func()
		call   func() error
	}
	create := func(l *clients.Locker, n clients.ThreadNetwork) func() error {
		return func() error { return l.CreateThreadNetwork(ctx, n) }
	}
	get := func(l *clients.Locker, q clients.NetworkQuery) func() error {
		return func() error { _, err := l.GetThreadNetworks(ctx, q); return err }
	}
	skill := func(s *clients.SMAPI, id string) func() error {
		return func() error { _, err := s.GetSkillCredentials(ctx, id); return err }
	}
	var cases []tc
	for _, st := range []int{429, 500, 503} {
		cases = append(cases,
			tc{contract.OpCreateThreadNetwork, st, faulted(contract.OpCreateThreadNetwork, st), create(custA, network(pan, fmt.Sprint("f", st)))},
			tc{contract.OpGetThreadNetworks, st, faulted(contract.OpGetThreadNetworks, st), get(custA, clients.NetworkQuery{ExtendedPanID: pan})},
			tc{contract.OpGetSkillCredentials, st, faulted(contract.OpGetSkillCredentials, st), skill(vendor, contract.MockSkillID)})
	}
	cases = append(cases,
		tc{contract.OpCreateThreadNetwork, 200, nil, create(custA, network(pan, "new"))},
		tc{contract.OpCreateThreadNetwork, 400, nil, func() error {
			return custA.CreateThreadNetworkRaw(ctx, []byte(`{"threadNetwork":{"networkName":"x"}}`))
		}},
		tc{contract.OpCreateThreadNetwork, 400, nil, create(custA, clients.ThreadNetwork{ExtendedPanID: pan, NetworkName: "x", NetworkKey: "k", ChannelNumber: 27})},
		tc{contract.OpCreateThreadNetwork, 400, nil, func() error { return custA.CreateThreadNetworkRaw(ctx, []byte(`{not json`)) }},
		tc{contract.OpCreateThreadNetwork, 401, nil, create(forged, network(pan, "x"))},
		tc{contract.OpCreateThreadNetwork, 403, nil, create(noScope, network(pan, "x"))},
		tc{contract.OpCreateThreadNetwork, 404, nil, create(wrongRoute, network(pan, "x"))},
		tc{contract.OpCreateThreadNetwork, 409, nil, create(custA, network(pan, "exists"))},
		tc{contract.OpGetThreadNetworks, 200, nil, get(custA, clients.NetworkQuery{ExtendedPanID: pan})},
		tc{contract.OpGetThreadNetworks, 400, nil, get(custA, clients.NetworkQuery{})},
		tc{contract.OpGetThreadNetworks, 400, nil, get(custA, clients.NetworkQuery{ExtendedPanID: pan, MaxResults: 101})},
		tc{contract.OpGetThreadNetworks, 401, nil, get(forged, clients.NetworkQuery{ExtendedPanID: pan})},
		tc{contract.OpGetThreadNetworks, 403, nil, get(noScope, clients.NetworkQuery{ExtendedPanID: pan})},
		tc{contract.OpGetThreadNetworks, 404, nil, get(wrongRoute, clients.NetworkQuery{ExtendedPanID: pan})},
		tc{contract.OpGetSkillCredentials, 200, nil, skill(vendor, contract.MockSkillID)},
		tc{contract.OpGetSkillCredentials, 400, nil, skill(vendor, strings.Repeat("s", 256))},
		tc{contract.OpGetSkillCredentials, 401, nil, skill(forgedSMAPI, contract.MockSkillID)},
		tc{contract.OpGetSkillCredentials, 403, nil, skill(otherVendor, contract.MockSkillID)},
		tc{contract.OpGetSkillCredentials, 404, nil, skill(vendor, "amzn1.ask.skill.unknown")},
	)
	// Every documented pair is covered.
	covered := map[string]map[int]bool{}
	for _, c := range cases {
		if covered[c.op] == nil {
			covered[c.op] = map[int]bool{}
		}
		covered[c.op][c.status] = true
	}
	for op, sts := range contract.Documented() {
		if op == contract.OpToken {
			continue // TestMockToken
		}
		for _, st := range sts {
			if !covered[op][st] {
				t.Errorf("no case for %s %d", op, st)
			}
		}
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%d", c.op, c.status), func(t *testing.T) {
			if err := m.ctl.ClearFaults(ctx); err != nil {
				t.Fatal(err)
			}
			if c.setup != nil {
				c.setup()
			}
			err := c.call()
			if c.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *clients.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err %T %v, want *APIError %d", err, err, c.status)
			}
			if ae.Status != c.status || ae.Operation != c.op || ae.Message == "" {
				t.Errorf("APIError %+v (%v)", ae, err)
			}
			want := 1
			if contract.Retryable(c.status) {
				want = 3
				if ae.RetryAfter != time.Second {
					t.Errorf("RetryAfter %v", ae.RetryAfter)
				}
			}
			if ae.Attempts != want {
				t.Errorf("%d attempts, want %d: %v", ae.Attempts, want, err)
			}
		})
	}
}

// TestMockRecoversFromBursts: 429 and 503 bursts with Retry-After are
// waited out, and the mock's journal agrees with the attempt log.
func TestMockRecoversFromBursts(t *testing.T) {
	m := startMock(t)
	ctx := context.Background()
	l := m.locker(t, contract.MockCustomerARefresh)
	s := m.smapi(t, contract.MockVendorRefreshToken)
	m.cfg.Policy = nil
	m.fault(t, mockcontrol.Fault{Operation: contract.OpCreateThreadNetwork, Status: 429, Count: 1, Probability: 1, RetryAfter: 2})
	m.fault(t, mockcontrol.Fault{Operation: contract.OpCreateThreadNetwork, Status: 503, Count: 1, Probability: 1, RetryAfter: 1})
	m.fault(t, mockcontrol.Fault{Operation: contract.OpGetSkillCredentials, Status: 503, Count: 2, Probability: 1, RetryAfter: 3})
	m.fault(t, mockcontrol.Fault{Operation: contract.OpToken, Status: 503, Count: 1, Probability: 1, RetryAfter: 1})
	n := network("00000000000000aa", "burst")
	if err := l.CreateThreadNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	creds, err := s.GetSkillCredentials(ctx, contract.MockSkillID)
	if err != nil || creds.ClientID != contract.MockSkillClientID || creds.ClientSecret.Reveal() != contract.MockSkillClientSecret {
		t.Fatalf("%+v, %v", creds, err)
	}
	got, err := l.All(ctx, clients.NetworkQuery{ExtendedPanID: n.ExtendedPanID})
	if err != nil || len(got) != 1 || got[0].Reveal() != n.Reveal() {
		t.Fatalf("%+v, %v", got, err)
	}

	journal, err := m.ctl.Journal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	as := m.rec.Attempts()
	if len(journal) != len(as) {
		t.Fatalf("journal has %d entries, attempt log %d", len(journal), len(as))
	}
	byKey := map[string][]clients.Attempt{}
	for _, a := range as {
		byKey[a.Operation+a.Key+a.Client] = append(byKey[a.Operation+a.Key+a.Client], a)
	}
	for _, j := range journal {
		k := j.Operation + j.Key + j.Client
		if len(byKey[k]) == 0 {
			t.Errorf("journal entry %+v matches no attempt", j)
			continue
		}
		a := byKey[k][0]
		byKey[k] = byKey[k][1:]
		if a.Status != j.Status || a.RetryAfter != time.Duration(j.RetryAfter)*time.Second {
			t.Errorf("attempt %+v vs journal %+v", a, j)
		}
	}
	// C1 from the server's view: no attempt before the previous answer's
	// Retry-After has passed.
	last := map[string]mockcontrol.JournalEntry{}
	for _, j := range journal {
		k := j.Operation + j.Key + j.Client
		if p, ok := last[k]; ok && p.RetryAfter > 0 {
			if gap := j.Time.Sub(p.AnsweredAt); gap < time.Duration(p.RetryAfter)*time.Second {
				t.Errorf("%s retried %v after a Retry-After of %ds", j.Operation, gap, p.RetryAfter)
			}
		}
		last[k] = j
	}
	want := map[string]int{contract.OpCreateThreadNetwork: 3, contract.OpGetSkillCredentials: 3, contract.OpToken: 3, contract.OpGetThreadNetworks: 1}
	count := map[string]int{}
	for _, j := range journal {
		count[j.Operation]++
	}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("journal counts %v, want %v", count, want)
	}
}

// TestMockRateLimit: under a per-token limit the client backs off until the
// bucket refills (in virtual time).
func TestMockRateLimit(t *testing.T) {
	m := startMock(t)
	ctx := context.Background()
	m.cfg.Policy = clients.Standard(clients.PolicyParams{MaxAttempts: 5})
	s := m.smapi(t, contract.MockVendorRefreshToken)
	if err := m.ctl.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: contract.OpGetSkillCredentials, Rate: 1, Burst: 1, RetryAfter: 1}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.GetSkillCredentials(ctx, contract.MockSkillID); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	throttled := 0
	for _, a := range m.rec.Attempts() {
		if a.Status == 429 {
			throttled++
			if !a.Retry || a.Delay < time.Second {
				t.Errorf("429 attempt %+v", a)
			}
		}
	}
	// Five calls in a row against 1/s with a burst of 1: the bucket must have
	// said 429 at least once, or nothing above was tested.
	if throttled == 0 {
		t.Fatalf("no attempt was answered 429 in 5 calls under a 1/s limit: the rate limit was not exercised")
	}
	t.Logf("%d throttled attempts in 5 calls", throttled)
}

// TestMockPagination: every page is followed; forged and expired tokens
// fail cleanly with 400 and the mock's message.
func TestMockPagination(t *testing.T) {
	m := startMock(t)
	ctx := context.Background()
	l := m.locker(t, contract.MockCustomerARefresh)
	const pan = "00000000000000bb"
	want := map[string]bool{}
	for i := range 23 {
		n := network(pan, fmt.Sprintf("net-%02d", i))
		if err := l.CreateThreadNetwork(ctx, n); err != nil {
			t.Fatal(err)
		}
		want[n.NetworkName] = true
	}
	// Customer B's networks are never listed for A.
	b := m.locker(t, contract.MockCustomerBRefresh)
	if err := b.CreateThreadNetwork(ctx, network(pan, "b-net")); err != nil {
		t.Fatal(err)
	}

	pages := 0
	for p, err := range l.Pages(ctx, clients.NetworkQuery{ExtendedPanID: pan, MaxResults: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages < 3 && (len(p.Networks) != 10 || p.NextToken == "") || pages == 3 && (len(p.Networks) != 3 || p.NextToken != "") {
			t.Errorf("page %d: %d networks, nextToken %q", pages, len(p.Networks), p.NextToken)
		}
	}
	if pages != 3 {
		t.Errorf("%d pages", pages)
	}
	all, err := l.All(ctx, clients.NetworkQuery{ExtendedPanID: pan, MaxResults: 7})
	if err != nil || len(all) != 23 {
		t.Fatalf("%d networks, %v", len(all), err)
	}
	for _, n := range all {
		if !want[n.NetworkName] || n.NetworkKey.Reveal() != "00112233445566778899aabbccddeeff" || n.ChannelNumber != 15 {
			t.Errorf("network %+v", n.Reveal())
		}
	}
	one, err := l.All(ctx, clients.NetworkQuery{ExtendedPanID: pan, NetworkName: "net-05"})
	if err != nil || len(one) != 1 || one[0].NetworkName != "net-05" {
		t.Errorf("by name: %+v, %v", one, err)
	}
	none, err := l.All(ctx, clients.NetworkQuery{ExtendedPanID: "ffffffffffffffff"})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("no match: %#v, %v", none, err)
	}

	first, err := l.GetThreadNetworks(ctx, clients.NetworkQuery{ExtendedPanID: pan, MaxResults: 10})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		q    clients.NetworkQuery
		want string
	}{
		{"forged", clients.NetworkQuery{ExtendedPanID: pan, NextToken: "forged.token"}, "nextToken"},
		{"altered", clients.NetworkQuery{ExtendedPanID: pan, NextToken: first.NextToken[:len(first.NextToken)-2] + "xx"}, "nextToken"},
		{"other query", clients.NetworkQuery{ExtendedPanID: "00000000000000cc", NextToken: first.NextToken}, "nextToken"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n int
			var last error
			for _, err := range l.Networks(ctx, c.q) {
				n++
				last = err
			}
			if n != 1 || !errors.Is(last, clients.ErrInvalid) || !strings.Contains(last.Error(), c.want) || !strings.Contains(last.Error(), "1 attempt") {
				t.Errorf("%d results, last error %v", n, last)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		m.clock.Advance(25 * time.Hour) // the access token expires too: one re-auth, then 400
		_, err := l.All(ctx, clients.NetworkQuery{ExtendedPanID: pan, MaxResults: 10, NextToken: first.NextToken})
		if !errors.Is(err, clients.ErrInvalid) || !strings.Contains(err.Error(), "expired") {
			t.Errorf("err %v", err)
		}
	})
}

// TestMockTokenExpiry: a token the mock considers expired is replaced once
// (401, re-auth, retry); a client sharing the clock refreshes before expiry
// and never sees the 401.
func TestMockTokenExpiry(t *testing.T) {
	ctx := context.Background()
	t.Run("reauth after 401", func(t *testing.T) {
		m := startMock(t)
		// The client's LWA thinks tokens last for ever: it reads a clock
		// that stands still.
		stopped := newFakeClock()
		tp, err := clients.NewLWA(clients.LWAConfig{BaseURL: m.url, ClientID: contract.MockLWAClientID, ClientSecret: contract.MockLWAClientSecret,
			RefreshToken: contract.MockVendorRefreshToken, HTTP: m.cfg.HTTPClient(nil), Clock: stopped})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := m.cfg.SMAPIWith(tp)
		if _, err := s.GetSkillCredentials(ctx, contract.MockSkillID); err != nil {
			t.Fatal(err)
		}
		m.clock.Advance(2 * time.Hour)
		if _, err := s.GetSkillCredentials(ctx, contract.MockSkillID); err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for _, a := range m.rec.Attempts() {
			statuses = append(statuses, fmt.Sprintf("%s:%d:%v", a.Operation, a.Status, a.Reauth))
		}
		// The 401 is reported once its re-authentication decision is made,
		// that is after the token request it caused.
		want := "[token:200:false getSkillCredentials:200:false token:200:false getSkillCredentials:401:true getSkillCredentials:200:false]"
		if fmt.Sprint(statuses) != want {
			t.Errorf("attempts %v\nwant     %v", statuses, want)
		}
	})
	t.Run("refresh before expiry", func(t *testing.T) {
		m := startMock(t)
		s := m.smapi(t, contract.MockVendorRefreshToken)
		for range 4 {
			if _, err := s.GetSkillCredentials(ctx, contract.MockSkillID); err != nil {
				t.Fatal(err)
			}
			m.clock.Advance(59*time.Minute + 30*time.Second) // tokens last 60 min
		}
		tokens, unauthorized := 0, 0
		for _, a := range m.rec.Attempts() {
			if a.Operation == contract.OpToken {
				tokens++
			}
			if a.Status == 401 {
				unauthorized++
			}
		}
		if tokens != 4 || unauthorized != 0 {
			t.Errorf("%d token requests, %d 401s; want 4 and 0", tokens, unauthorized)
		}
	})
}

// TestMockToken covers the token operation's statuses and single flight.
func TestMockToken(t *testing.T) {
	m := startMock(t)
	ctx := context.Background()
	cases := []struct {
		name           string
		id, secret, rt string
		status         int
		code           string
	}{
		{"ok", contract.MockLWAClientID, contract.MockLWAClientSecret, contract.MockCustomerARefresh, 200, ""},
		{"unknown refresh token", contract.MockLWAClientID, contract.MockLWAClientSecret, "Atzr|nobody", 400, "invalid_grant"},
		{"wrong secret", contract.MockLWAClientID, "not-the-secret-xyz", contract.MockCustomerARefresh, 401, "invalid_client"},
		{"unknown client", "amzn1.application-oa2-client.nobody", contract.MockLWAClientSecret, contract.MockCustomerARefresh, 401, "invalid_client"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := m.cfg
			cfg.ClientID, cfg.ClientSecret = c.id, redact.Secret(c.secret)
			l, err := cfg.LWA(redact.Secret(c.rt))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := l.Fetch(ctx)
			if c.status == 200 {
				if err != nil || !strings.HasPrefix(tok.AccessToken.Reveal(), "Atza|") || tok.ExpiresIn != 3600 {
					t.Fatalf("%+v, %v", tok, err)
				}
				return
			}
			var ae *clients.APIError
			if !errors.As(err, &ae) || ae.Status != c.status || ae.Code != c.code || ae.Attempts != 1 || ae.Operation != contract.OpToken {
				t.Errorf("err %v (%+v)", err, ae)
			}
			if strings.Contains(err.Error(), c.secret) || strings.Contains(err.Error(), c.rt) {
				t.Errorf("error %q reveals a secret", err)
			}
		})
	}
	t.Run("single flight", func(t *testing.T) {
		if err := m.ctl.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		// Slow the token answer so that every caller is waiting on it.
		m.fault(t, mockcontrol.Fault{Operation: contract.OpToken, Count: 1, Probability: 1, DelayMs: 100})
		l := m.locker(t, contract.MockCustomerARefresh)
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := l.GetThreadNetworks(ctx, clients.NetworkQuery{ExtendedPanID: "0000000000000001"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		j, _ := m.ctl.Journal(ctx)
		tokens := 0
		for _, e := range j {
			if e.Operation == contract.OpToken {
				tokens++
			}
		}
		if tokens != 1 || len(j) != 51 {
			t.Errorf("%d token requests and %d in all for 50 concurrent calls, want 1 and 51", tokens, len(j))
		}
	})
}

// TestMockLostCreate: the first create attempt's connection is reset, the
// network already exists, the retry gets 409: reported as possibly created
// earlier.
func TestMockLostCreate(t *testing.T) {
	m := startMock(t)
	ctx := context.Background()
	l := m.locker(t, contract.MockCustomerARefresh)
	n := network("00000000000000dd", "lost")
	if err := l.CreateThreadNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	m.fault(t, mockcontrol.Fault{Operation: contract.OpCreateThreadNetwork, Count: 1, Probability: 1, Reset: true})
	err := l.CreateThreadNetwork(ctx, n)
	if !errors.Is(err, clients.ErrConflict) || !errors.Is(err, clients.ErrPossiblyCreatedEarlier) {
		t.Fatalf("err %v", err)
	}
	var ae *clients.APIError
	if errors.As(err, &ae); ae.Attempts != 2 {
		t.Errorf("attempts %d", ae.Attempts)
	}
	as := m.rec.Attempts()
	if a := as[len(as)-2]; a.Status != 0 || a.Err == "" || !a.Retry {
		t.Errorf("reset attempt %+v", a)
	}
}

func TestMockRequestsAreValid(t *testing.T) {
	// The mock validates requests against api/openapi.yaml: a create with
	// every optional field set must pass it.
	m := startMock(t)
	l := m.locker(t, contract.MockCustomerARefresh)
	if err := l.CreateThreadNetwork(context.Background(), network("00000000000000ee", "full")); err != nil {
		t.Fatal(err)
	}
	_ = http.StatusOK
}
