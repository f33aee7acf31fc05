package clients_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

func TestCeiling(t *testing.T) {
	p := clients.PolicyParams{Base: 100 * time.Millisecond, Cap: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for i, w := range want {
		if got := p.Ceiling(i + 1); got != w*time.Millisecond {
			t.Errorf("Ceiling(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := p.Ceiling(10_000); got != time.Second {
		t.Errorf("Ceiling(10000) = %v, want the cap", got)
	}
}

func TestStandardFullJitterBounds(t *testing.T) {
	base, capd := 100*time.Millisecond, 2*time.Second
	for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
		p := clients.Standard(clients.PolicyParams{Base: base, Cap: capd, MaxAttempts: 10, MaxElapsed: -1, Rand: func() float64 { return r }})
		for n := 1; n < 10; n++ {
			d := p.Decide(clients.RetryInput{Attempt: n, Status: 503})
			ceil := clients.PolicyParams{Base: base, Cap: capd}.Ceiling(n)
			if !d.Retry {
				t.Fatalf("r=%v n=%d: no retry", r, n)
			}
			if d.Delay < 0 || d.Delay >= ceil || d.Delay != time.Duration(r*float64(ceil)) {
				t.Errorf("r=%v n=%d: delay %v, want %v·%v in [0,%v)", r, n, d.Delay, r, ceil, ceil)
			}
		}
	}
}

func TestDecide(t *testing.T) {
	params := clients.PolicyParams{Base: 100 * time.Millisecond, Cap: time.Second, MaxAttempts: 4, MaxElapsed: 10 * time.Second,
		Rand: func() float64 { return 0.5 }}
	transportErr := errors.New("connection reset")
	type tc struct {
		name   string
		policy string
		in     clients.RetryInput
		retry  bool
		delay  time.Duration
	}
	var cases []tc
	// Which statuses each policy retries.
	retries := map[string]map[int]bool{
		clients.PolicyStandard:          {429: true, 500: true, 503: true},
		clients.PolicyIgnoreRetryAfter:  {429: true, 500: true, 503: true},
		clients.PolicyImmediate:         {429: true, 500: true, 503: true},
		clients.PolicyNoRetry:           {},
		clients.PolicyRetryNonRetryable: {429: true, 500: true, 503: true, 400: true, 403: true, 404: true, 409: true},
	}
	for _, name := range clients.PolicyNames() {
		for _, st := range []int{400, 401, 403, 404, 409, 429, 500, 502, 503, 504} {
			want := retries[name][st]
			d := time.Duration(0)
			if want && name != clients.PolicyImmediate {
				d = 50 * time.Millisecond // 0.5 · M_1
			}
			cases = append(cases, tc{name + "/" + http.StatusText(st), name, clients.RetryInput{Attempt: 1, Status: st}, want, d})
		}
		want := name != clients.PolicyNoRetry
		d := time.Duration(0)
		if want && name != clients.PolicyImmediate {
			d = 50 * time.Millisecond
		}
		cases = append(cases, tc{name + "/transport error", name, clients.RetryInput{Attempt: 1, Err: transportErr}, want, d})
	}
	cases = append(cases,
		tc{"standard/retry-after floor", clients.PolicyStandard, clients.RetryInput{Attempt: 1, Status: 429, RetryAfter: 3 * time.Second, HasRetryAfter: true}, true, 3 * time.Second},
		tc{"standard/retry-after below jitter", clients.PolicyStandard, clients.RetryInput{Attempt: 3, Status: 429, RetryAfter: 10 * time.Millisecond, HasRetryAfter: true}, true, 200 * time.Millisecond},
		tc{"standard/retry-after zero", clients.PolicyStandard, clients.RetryInput{Attempt: 2, Status: 503, HasRetryAfter: true}, true, 100 * time.Millisecond},
		tc{"ignore-retry-after/ignores it", clients.PolicyIgnoreRetryAfter, clients.RetryInput{Attempt: 1, Status: 429, RetryAfter: 3 * time.Second, HasRetryAfter: true}, true, 50 * time.Millisecond},
		tc{"immediate/ignores it", clients.PolicyImmediate, clients.RetryInput{Attempt: 1, Status: 503, RetryAfter: 3 * time.Second, HasRetryAfter: true}, true, 0},
		tc{"retry-non-retryable/honours it", clients.PolicyRetryNonRetryable, clients.RetryInput{Attempt: 1, Status: 403, RetryAfter: time.Second, HasRetryAfter: true}, true, time.Second},
		tc{"standard/cap", clients.PolicyStandard, clients.RetryInput{Attempt: 3, Status: 503}, true, 200 * time.Millisecond},
		tc{"standard/max attempts", clients.PolicyStandard, clients.RetryInput{Attempt: 4, Status: 503}, false, 0},
		tc{"immediate/max attempts", clients.PolicyImmediate, clients.RetryInput{Attempt: 4, Status: 503}, false, 0},
		tc{"standard/max elapsed", clients.PolicyStandard, clients.RetryInput{Attempt: 1, Status: 503, Elapsed: 9990 * time.Millisecond}, false, 0},
		tc{"standard/retry-after past max elapsed", clients.PolicyStandard, clients.RetryInput{Attempt: 1, Status: 429, RetryAfter: 11 * time.Second, HasRetryAfter: true}, false, 0},
		tc{"standard/just within max elapsed", clients.PolicyStandard, clients.RetryInput{Attempt: 1, Status: 429, RetryAfter: 9 * time.Second, HasRetryAfter: true, Elapsed: time.Second}, true, 9 * time.Second},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := clients.PolicyByName(c.policy, params)
			if err != nil {
				t.Fatal(err)
			}
			d := p.Decide(c.in)
			if d.Retry != c.retry || d.Delay != c.delay {
				t.Errorf("Decide(%+v) = %+v, want retry=%v delay=%v", c.in, d, c.retry, c.delay)
			}
		})
	}
}

func TestPolicyByName(t *testing.T) {
	for _, name := range clients.PolicyNames() {
		p, err := clients.PolicyByName(name, clients.PolicyParams{MaxAttempts: 3})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Name() != name {
			t.Errorf("PolicyByName(%q).Name() = %q", name, p.Name())
		}
		want := 3
		if name == clients.PolicyNoRetry {
			want = 1
		}
		if p.MaxAttempts() != want {
			t.Errorf("%s: MaxAttempts %d, want %d", name, p.MaxAttempts(), want)
		}
	}
	_, err := clients.PolicyByName("yolo", clients.PolicyParams{})
	if err == nil {
		t.Fatal("unknown policy accepted")
	}
	for _, name := range clients.PolicyNames() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %q", err, name)
		}
	}
	if p, _ := clients.PolicyByName("", clients.PolicyParams{}); p.Name() != clients.PolicyStandard || p.MaxAttempts() != clients.DefaultMaxAttempts {
		t.Errorf("default policy = %s/%d", p.Name(), p.MaxAttempts())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := t0
	cases := []struct {
		in     string
		d      time.Duration
		isDate bool
		ok     bool
	}{
		{"", 0, false, false},
		{"0", 0, false, true},
		{"2", 2 * time.Second, false, true},
		{" 120 ", 120 * time.Second, false, true},
		{"-1", 0, false, false},
		{"1.5", 0, false, false},
		{"soon", 0, false, false},
		{"99999999999999999999", 24 * time.Hour, false, true},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true, true},
		{now.Add(90 * time.Second).Format(time.RFC850), 90 * time.Second, true, true},
		{now.Add(7 * time.Second).Format(time.ANSIC), 7 * time.Second, true, true},
		{"Mon, 99 Nov 2026 12:00:00 GMT", 0, false, false},
	}
	for _, c := range cases {
		d, isDate, ok := clients.ParseRetryAfter(c.in, now)
		if d != c.d || isDate != c.isDate || ok != c.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v, %v; want %v, %v, %v", c.in, d, isDate, ok, c.d, c.isDate, c.ok)
		}
	}
}

// TestFullJitterIsUniform draws delays with a seeded generator and checks
// u = delay/M_n against U(0,1) with the one-sided Kolmogorov–Smirnov bound
// the compliance checker uses (rule C4, α = 0.01).
func TestFullJitterIsUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	params := clients.PolicyParams{Base: 100 * time.Millisecond, Cap: 3 * time.Second, MaxAttempts: 6, MaxElapsed: -1, Rand: rng.Float64}
	p := clients.Standard(params)
	var us []float64
	for i := range 3000 {
		n := i%5 + 1
		d := p.Decide(clients.RetryInput{Attempt: n, Status: 429})
		ceil := params.Ceiling(n)
		if !d.Retry || d.Delay < 0 || d.Delay >= ceil {
			t.Fatalf("attempt %d: %+v outside [0,%v)", n, d, ceil)
		}
		us = append(us, float64(d.Delay)/float64(ceil))
	}
	sort.Float64s(us)
	dplus := 0.0
	for i, u := range us {
		dplus = max(dplus, float64(i+1)/float64(len(us))-u)
	}
	if bound := math.Sqrt(math.Log(1/0.01) / (2 * float64(len(us)))); dplus > bound {
		t.Errorf("D+ = %.4f > %.4f: delays are not uniform", dplus, bound)
	}
}

func TestSystemClockSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	if err := (clients.SystemClock{}).Sleep(ctx, 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
	cancel()
	// A cancelled context ends even a long wait at once.
	if err := (clients.SystemClock{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep after cancel = %v", err)
	}
}

func TestTransportWith(t *testing.T) {
	srv := newScript(t, step{status: 503})
	rec := &recorder{}
	tr := clients.NewTransport(nil, clients.WithClock(newFakeClock()), clients.WithObserver(rec),
		clients.WithPolicy(clients.Standard(clients.PolicyParams{MaxAttempts: 2})))
	nr := tr.With(clients.WithPolicy(clients.NoRetry()), clients.WithTokenProvider(clients.StaticToken("other")))
	if tr.Policy().Name() != clients.PolicyStandard || nr.Policy().Name() != clients.PolicyNoRetry || nr.Clock() != tr.Clock() {
		t.Fatalf("policies %s, %s", tr.Policy().Name(), nr.Policy().Name())
	}
	for _, rt := range []http.RoundTripper{tr, nr} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+contract.ThreadNetworksPath, nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if n := len(srv.Requests()); n != 3 { // 2 + 1
		t.Errorf("%d requests, want 3", n)
	}
	if as := rec.Attempts(); as[2].Client != redact.ClientID("other") || as[0].Client != redact.ClientID("") {
		t.Errorf("attempts %+v", as)
	}
}
