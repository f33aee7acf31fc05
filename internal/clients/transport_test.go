package clients_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// harness bundles a scripted server and clients over a Transport with a fake
// clock.
type rig struct {
	srv    *script
	clock  *fakeClock
	rec    *recorder
	tokens clients.TokenProvider
	locker *clients.Locker
	smapi  *clients.SMAPI
}

func newRig(t *testing.T, tokens clients.TokenProvider, params clients.PolicyParams, steps ...step) *rig {
	t.Helper()
	r := &rig{srv: newScript(t, steps...), clock: newFakeClock(), rec: &recorder{}, tokens: tokens}
	if params.Rand == nil {
		params.Rand = func() float64 { return 0.5 }
	}
	tr := clients.NewTransport(nil, clients.WithPolicy(clients.Standard(params)), clients.WithClock(r.clock),
		clients.WithObserver(r.rec), clients.WithTokenProvider(tokens))
	hc := &http.Client{Transport: tr}
	var err error
	if r.locker, err = clients.NewLocker(r.srv.URL, hc); err != nil {
		t.Fatal(err)
	}
	if r.smapi, err = clients.NewSMAPI(r.srv.URL, hc); err != nil {
		t.Fatal(err)
	}
	return r
}

// operations calls each typed operation once.
var operations = []struct {
	op   string
	call func(ctx context.Context, r *rig) error
}{
	{contract.OpCreateThreadNetwork, func(ctx context.Context, r *rig) error {
		return r.locker.CreateThreadNetwork(ctx, clients.ThreadNetwork{ExtendedPanID: "0123456789abcdef", NetworkName: "home", NetworkKey: "00112233445566778899aabbccddeeff"})
	}},
	{contract.OpGetThreadNetworks, func(ctx context.Context, r *rig) error {
		_, err := r.locker.GetThreadNetworks(ctx, clients.NetworkQuery{ExtendedPanID: "0123456789abcdef"})
		return err
	}},
	{contract.OpGetSkillCredentials, func(ctx context.Context, r *rig) error {
		_, err := r.smapi.GetSkillCredentials(ctx, contract.MockSkillID)
		return err
	}},
}

func okBody(op string) string {
	switch op {
	case contract.OpGetThreadNetworks:
		return `{"threadNetworks":[]}`
	case contract.OpGetSkillCredentials:
		return `{"skillMessagingCredentials":{"clientId":"id","clientSecret":"s3cret"}}`
	}
	return ""
}

// TestEveryStatusEveryOperation answers every documented status, always, and
// checks the attempts made and the error returned.
func TestEveryStatusEveryOperation(t *testing.T) {
	sentinel := map[int]error{400: clients.ErrInvalid, 401: clients.ErrUnauthorized, 403: clients.ErrForbidden,
		404: clients.ErrNotFound, 409: clients.ErrConflict, 429: clients.ErrThrottled, 500: clients.ErrUnavailable, 503: clients.ErrUnavailable}
	all := []error{clients.ErrInvalid, clients.ErrUnauthorized, clients.ErrForbidden, clients.ErrNotFound, clients.ErrConflict, clients.ErrThrottled, clients.ErrUnavailable}
	for _, o := range operations {
		for _, status := range contract.Documented()[o.op] {
			t.Run(fmt.Sprintf("%s/%d", o.op, status), func(t *testing.T) {
				st := step{status: status, body: `{"code":"SOME_CODE","message":"the service says no"}`}
				if status == 200 {
					st.body = okBody(o.op)
				}
				if status == 429 || status == 503 {
					st.header = map[string]string{"Retry-After": "1"}
				}
				r := newRig(t, &rotatingTokens{}, clients.PolicyParams{MaxAttempts: 3})
				r.srv.steps = []step{st}
				err := o.call(context.Background(), r)
				wantAttempts := 1
				switch {
				case contract.Retryable(status):
					wantAttempts = 3
				case status == 401:
					wantAttempts = 2
				}
				if got := len(r.srv.Requests()); got != wantAttempts {
					t.Errorf("server saw %d requests, want %d", got, wantAttempts)
				}
				if status == 200 {
					if err != nil {
						t.Fatalf("200: %v", err)
					}
					return
				}
				var ae *clients.APIError
				if !errors.As(err, &ae) {
					t.Fatalf("error %T %v, want *APIError", err, err)
				}
				if ae.Status != status || ae.Operation != o.op || ae.Attempts != wantAttempts || ae.Message != "the service says no" || ae.Code != "SOME_CODE" {
					t.Errorf("APIError %+v", ae)
				}
				for _, s := range all {
					if want := s == sentinel[status]; errors.Is(err, s) != want {
						t.Errorf("errors.Is(%v, %v) = %v", err, s, !want)
					}
				}
				for _, part := range []string{o.op, fmt.Sprint(status), "the service says no", fmt.Sprintf("%d attempt", wantAttempts)} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not mention %q", err, part)
					}
				}
				if contract.Retryable(status) {
					if s := r.clock.Sleeps(); len(s) != 2 || s[0] < time.Second && status != 500 {
						t.Errorf("sleeps %v", s)
					}
				}
			})
		}
	}
}

// TestBackoffTiming checks the full-jitter delays, the cap and max attempts
// through the fake clock.
func TestBackoffTiming(t *testing.T) {
	cases := []struct {
		name   string
		params clients.PolicyParams
		steps  []step
		sleeps []time.Duration
	}{
		{"full jitter grows to cap", clients.PolicyParams{Base: 100 * time.Millisecond, Cap: 500 * time.Millisecond, MaxAttempts: 6, Rand: seq(0.5, 0.25, 0.9, 0.5, 1)},
			[]step{{status: 503}},
			[]time.Duration{50 * time.Millisecond, 50 * time.Millisecond, 360 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond}},
		{"max attempts 2", clients.PolicyParams{Base: time.Second, MaxAttempts: 2, Rand: seq(0.1)},
			[]step{{status: 500}}, []time.Duration{100 * time.Millisecond}},
		{"max elapsed stops early", clients.PolicyParams{Base: 4 * time.Second, Cap: 64 * time.Second, MaxAttempts: 10, MaxElapsed: 10 * time.Second, Rand: seq(0.999)},
			[]step{{status: 429}}, []time.Duration{3996 * time.Millisecond}},
		{"retry-after seconds is a floor", clients.PolicyParams{Base: 100 * time.Millisecond, Rand: seq(0.5)},
			[]step{{status: 429, header: map[string]string{"Retry-After": "3"}}, {status: 503, header: map[string]string{"Retry-After": "0"}}, {status: 200, body: `{"threadNetworks":[]}`}},
			[]time.Duration{3 * time.Second, 100 * time.Millisecond}},
		{"retry-after date is a floor", clients.PolicyParams{Base: 100 * time.Millisecond, Rand: seq(0.5)},
			[]step{{status: 503, header: map[string]string{"Retry-After": t0.Add(5 * time.Second).Format(http.TimeFormat)}}, {status: 200, body: `{"threadNetworks":[]}`}},
			[]time.Duration{5 * time.Second}},
		{"unreadable retry-after is ignored", clients.PolicyParams{Base: 100 * time.Millisecond, Rand: seq(0.5)},
			[]step{{status: 503, header: map[string]string{"Retry-After": "later"}}, {status: 200, body: `{"threadNetworks":[]}`}},
			[]time.Duration{50 * time.Millisecond}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, clients.StaticToken("t"), c.params, c.steps...)
			_, _ = r.locker.GetThreadNetworks(context.Background(), clients.NetworkQuery{ExtendedPanID: "x"})
			got := r.clock.Sleeps()
			if fmt.Sprint(got) != fmt.Sprint(c.sleeps) {
				t.Errorf("sleeps %v, want %v", got, c.sleeps)
			}
			if n := len(r.srv.Requests()); n != len(c.sleeps)+1 {
				t.Errorf("%d requests, want %d", n, len(c.sleeps)+1)
			}
			as := r.rec.Attempts()
			for i, a := range as {
				if a.Number != i+1 {
					t.Errorf("attempt %d numbered %d", i+1, a.Number)
				}
				if i < len(c.sleeps) && (!a.Retry || a.Delay != c.sleeps[i]) {
					t.Errorf("attempt %d: retry=%v delay=%v, want delay %v", i+1, a.Retry, a.Delay, c.sleeps[i])
				}
				if i > 0 && a.Sent.Sub(as[i-1].Received) != c.sleeps[i-1] {
					t.Errorf("attempt %d sent %v after the previous answer, want %v", i+1, a.Sent.Sub(as[i-1].Received), c.sleeps[i-1])
				}
			}
			if last := as[len(as)-1]; last.Retry {
				t.Error("last attempt says it is retried")
			}
		})
	}
}

func TestAttemptReport(t *testing.T) {
	r := newRig(t, clients.StaticToken("the-token"), clients.PolicyParams{Base: time.Second},
		step{status: 429, header: map[string]string{"Retry-After": "2"}, body: `{"message":"slow down"}`},
		step{status: 503, header: map[string]string{"Retry-After": t0.Add(5 * time.Second).Format(http.TimeFormat)}},
		step{status: 200})
	n := clients.ThreadNetwork{ExtendedPanID: "0123456789abcdef", NetworkName: "home", NetworkKey: "k"}
	if err := r.locker.CreateThreadNetwork(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	reqs := r.srv.Requests()
	as := r.rec.Attempts()
	if len(as) != 3 || len(reqs) != 3 {
		t.Fatalf("%d attempts, %d requests", len(as), len(reqs))
	}
	key := contract.RequestKey(http.MethodPut, contract.ThreadNetworksPath, []byte(reqs[0].Body))
	for i, a := range as {
		if a.Operation != contract.OpCreateThreadNetwork || a.Client != redact.ClientID("the-token") || a.Key != key || a.Number != i+1 {
			t.Errorf("attempt %d: %+v", i+1, a)
		}
		if reqs[i].Body != reqs[0].Body || reqs[i].Auth != "Bearer the-token" || reqs[i].ContentType != "application/json" {
			t.Errorf("request %d: %+v", i+1, reqs[i])
		}
	}
	if a := as[0]; a.Status != 429 || a.RetryAfter != 2*time.Second || a.RetryAfterDate || !a.Retry || a.Delay < 2*time.Second {
		t.Errorf("attempt 1: %+v", a)
	}
	if a := as[1]; a.Status != 503 || !a.RetryAfterDate || a.RetryAfter < 2*time.Second || a.RetryAfter > 3*time.Second || a.Delay < a.RetryAfter {
		// sent at t0+2s+, the date is t0+5s
		t.Errorf("attempt 2: %+v", a)
	}
	if a := as[2]; a.Status != 200 || a.Retry {
		t.Errorf("attempt 3: %+v", a)
	}
	if !strings.Contains(reqs[0].Body, `"networkKey":"k"`) {
		t.Errorf("create body %s lacks the clear network key", reqs[0].Body)
	}
}

func TestReauth(t *testing.T) {
	t.Run("once with a new token", func(t *testing.T) {
		tp := &rotatingTokens{}
		r := newRig(t, tp, clients.PolicyParams{})
		r.srv.route = func(req *http.Request, _ string) step {
			if req.Header.Get("Authorization") == "Bearer tok-1" {
				return step{status: 401, body: `{"message":"expired"}`}
			}
			return step{status: 200, body: `{"threadNetworks":[]}`}
		}
		if _, err := r.locker.GetThreadNetworks(context.Background(), clients.NetworkQuery{ExtendedPanID: "x"}); err != nil {
			t.Fatal(err)
		}
		reqs := r.srv.Requests()
		if len(reqs) != 2 || reqs[1].Auth != "Bearer tok-2" || tp.invalidated != 1 {
			t.Fatalf("requests %+v, invalidated %d", reqs, tp.invalidated)
		}
		as := r.rec.Attempts()
		if !as[0].Reauth || !as[0].Retry || as[0].Delay != 0 || as[1].Client != redact.ClientID("tok-2") {
			t.Errorf("attempts %+v", as)
		}
		if len(r.clock.Sleeps()) != 0 {
			t.Errorf("slept %v before re-authenticating", r.clock.Sleeps())
		}
	})
	t.Run("not twice", func(t *testing.T) {
		tp := &rotatingTokens{}
		r := newRig(t, tp, clients.PolicyParams{}, step{status: 401, body: `{"message":"no"}`})
		_, err := r.smapi.GetSkillCredentials(context.Background(), "s")
		var ae *clients.APIError
		if !errors.As(err, &ae) || ae.Attempts != 2 || !errors.Is(err, clients.ErrUnauthorized) {
			t.Fatalf("err %v", err)
		}
		if n := len(r.srv.Requests()); n != 2 || tp.invalidated != 1 {
			t.Errorf("%d requests, %d invalidations", n, tp.invalidated)
		}
	})
	t.Run("static token cannot re-authenticate", func(t *testing.T) {
		r := newRig(t, clients.StaticToken("fixed"), clients.PolicyParams{}, step{status: 401, body: `{"message":"no"}`})
		_, err := r.smapi.GetSkillCredentials(context.Background(), "s")
		if !errors.Is(err, clients.ErrUnauthorized) || len(r.srv.Requests()) != 1 {
			t.Errorf("err %v after %d requests", err, len(r.srv.Requests()))
		}
	})
	t.Run("caller's Authorization is kept", func(t *testing.T) {
		tp := &rotatingTokens{}
		r := newRig(t, tp, clients.PolicyParams{}, step{status: 401})
		req, _ := http.NewRequest(http.MethodGet, r.srv.URL+contract.ThreadNetworksPath+"?extendedPanId=x", nil)
		req.Header.Set("Authorization", "Bearer mine")
		tr := clients.NewTransport(nil, clients.WithTokenProvider(tp), clients.WithObserver(r.rec))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		reqs := r.srv.Requests()
		if resp.StatusCode != 401 || len(reqs) != 1 || reqs[0].Auth != "Bearer mine" || tp.invalidated != 0 {
			t.Errorf("status %d, requests %+v", resp.StatusCode, reqs)
		}
		if a := r.rec.Attempts(); a[0].Client != redact.ClientID("mine") || a[0].Operation != contract.OpGetThreadNetworks {
			t.Errorf("attempt %+v", a[0])
		}
		if req.Header.Get("Authorization") != "Bearer mine" {
			t.Error("request modified")
		}
	})
}

func TestCancellationStopsRetries(t *testing.T) {
	r := newRig(t, clients.StaticToken("t"), clients.PolicyParams{MaxAttempts: 5}, step{status: 503, header: map[string]string{"Retry-After": "30"}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.clock.onSleep = func(time.Duration) { cancel() }
	_, err := r.locker.GetThreadNetworks(ctx, clients.NetworkQuery{ExtendedPanID: "x"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	var te *clients.TransportError
	if !errors.As(err, &te) || te.Attempts != 1 {
		t.Errorf("err %#v", err)
	}
	if n := len(r.srv.Requests()); n != 1 {
		t.Errorf("%d requests after cancellation", n)
	}
	// An already-cancelled context sends and reports nothing.
	_, err = r.locker.GetThreadNetworks(ctx, clients.NetworkQuery{ExtendedPanID: "x"})
	if !errors.Is(err, context.Canceled) || len(r.srv.Requests()) != 1 || len(r.rec.Attempts()) != 1 {
		t.Errorf("err %v; %d requests, %d attempts", err, len(r.srv.Requests()), len(r.rec.Attempts()))
	}
}

// TestCreateAfterLostResponse: a create whose first attempt got no answer
// (or a 5xx) and whose retry got 409 is reported as possibly created by the
// earlier attempt.
func TestCreateAfterLostResponse(t *testing.T) {
	conflict := func() *http.Response {
		return &http.Response{StatusCode: 409, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"code":"ALREADY_EXISTS","message":"exists"}`))}
	}
	cases := []struct {
		name    string
		first   func() (*http.Response, error)
		earlier bool
	}{
		{"transport error then 409", func() (*http.Response, error) { return nil, errors.New("connection reset by peer") }, true},
		{"503 then 409", func() (*http.Response, error) {
			return &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"message":"x"}`))}, nil
		}, true},
		{"429 then 409", func() (*http.Response, error) {
			return &http.Response{StatusCode: 429, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"message":"x"}`))}, nil
		}, false},
		{"409 at once", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := 0
			var bodies []string
			base := rtFunc(func(req *http.Request) (*http.Response, error) {
				b, _ := io.ReadAll(req.Body)
				bodies = append(bodies, string(b))
				n++
				if n == 1 && c.first != nil {
					return c.first()
				}
				return conflict(), nil
			})
			tr := clients.NewTransport(base, clients.WithClock(newFakeClock()), clients.WithTokenProvider(clients.StaticToken("t")))
			l, _ := clients.NewLocker("http://127.0.0.1:1", &http.Client{Transport: tr})
			err := l.CreateThreadNetwork(context.Background(), clients.ThreadNetwork{ExtendedPanID: "e", NetworkName: "n", NetworkKey: "k"})
			if !errors.Is(err, clients.ErrConflict) {
				t.Fatalf("err %v, want ErrConflict", err)
			}
			if got := errors.Is(err, clients.ErrPossiblyCreatedEarlier); got != c.earlier {
				t.Errorf("ErrPossiblyCreatedEarlier = %v, want %v (%v)", got, c.earlier, err)
			}
			if c.earlier && !strings.Contains(err.Error(), "possibly created by an earlier attempt") {
				t.Errorf("error %q", err)
			}
			for _, b := range bodies {
				if b != bodies[0] || b == "" {
					t.Errorf("bodies differ: %q", bodies)
				}
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	n := 0
	base := rtFunc(func(req *http.Request) (*http.Response, error) {
		n++
		return nil, errors.New("dial tcp: connection refused (token secret-token)")
	})
	rec := &recorder{}
	tr := clients.NewTransport(base, clients.WithClock(newFakeClock()), clients.WithObserver(rec),
		clients.WithTokenProvider(clients.StaticToken("secret-token")), clients.WithPolicy(clients.Standard(clients.PolicyParams{MaxAttempts: 3})))
	s, _ := clients.NewSMAPI("http://127.0.0.1:1", &http.Client{Transport: tr})
	_, err := s.GetSkillCredentials(context.Background(), "s")
	var te *clients.TransportError
	if !errors.As(err, &te) || te.Attempts != 3 || n != 3 {
		t.Fatalf("err %v after %d attempts", err, n)
	}
	if !strings.Contains(err.Error(), "no answer after 3 attempts") {
		t.Errorf("error %q", err)
	}
	for _, a := range rec.Attempts() {
		if a.Status != 0 || a.Err == "" || strings.Contains(a.Err, "secret-token") {
			t.Errorf("attempt %+v", a)
		}
	}
}

func TestMalformedBodies(t *testing.T) {
	cases := []struct {
		name  string
		op    int // index in operations
		step  step
		want  string
		isAPI bool
	}{
		{"html error", 1, step{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html>Bad gateway</html>"}, "not the service's JSON (text/html", true},
		{"empty error", 2, step{status: 404}, "empty error body", true},
		{"error without message", 0, step{status: 400, body: `{"foo":1}`}, "no message", true},
		{"truncated error", 0, step{status: 400, body: `{"message":"abc`}, "not the service's JSON", true},
		{"200 not json", 1, step{status: 200, body: "hello"}, "unreadable body", false},
		{"200 empty", 1, step{status: 200}, "empty body", false},
		{"200 wrong type", 1, step{status: 200, body: `{"threadNetworks":"x"}`}, `"threadNetworks" must be a JSON`, false},
		{"200 missing list", 1, step{status: 200, body: `{}`}, `no "threadNetworks" array`, false},
		{"200 wrong channel type", 1, step{status: 200, body: `{"threadNetworks":[{"networkKey":"SECRETKEY","channelNumber":"x"}]}`}, "channelNumber", false},
		{"200 missing credentials", 2, step{status: 200, body: `{"other":1}`}, `no "skillMessagingCredentials"`, false},
		{"200 null", 2, step{status: 200, body: `null`}, `no "skillMessagingCredentials"`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, clients.StaticToken("t"), clients.PolicyParams{MaxAttempts: 1}, c.step)
			err := operations[c.op].call(context.Background(), r)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "SECRETKEY") {
				t.Errorf("error %q quotes the body", err)
			}
			var ae *clients.APIError
			var de *clients.DecodeError
			if c.isAPI && !errors.As(err, &ae) || !c.isAPI && !errors.As(err, &de) {
				t.Errorf("error type %T", err)
			}
		})
	}
}

func TestUnknownOperationAndNoBodyBuffering(t *testing.T) {
	srv := newScript(t, step{status: 503}, step{status: 200, body: "ok"})
	tr := clients.NewTransport(nil, clients.WithClock(newFakeClock()))
	// GetBody is set by NewRequest for a bytes.Reader: with no observer the
	// transport re-reads it instead of buffering.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/elsewhere", bytes.NewReader([]byte("payload")))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	reqs := srv.Requests()
	if string(b) != "ok" || len(reqs) != 2 || reqs[0].Body != "payload" || reqs[1].Body != "payload" {
		t.Errorf("body %q, requests %+v", b, reqs)
	}
	if op, ok := clients.OperationOf(http.MethodPost, "/elsewhere"); ok || op != "" {
		t.Errorf("OperationOf = %q, %v", op, ok)
	}
}

func TestOperationOf(t *testing.T) {
	cases := []struct{ method, path, op string }{
		{"PUT", "/credentiallocker/v2/threadNetworks", contract.OpCreateThreadNetwork},
		{"GET", "/credentiallocker/v2/threadNetworks", contract.OpGetThreadNetworks},
		{"GET", "/credentiallocker/v2/threadNetworks/", contract.OpGetThreadNetworks},
		{"GET", "/credentiallocker/v1/threadNetworks", contract.OpGetThreadNetworks},
		{"DELETE", "/credentiallocker/v2/threadNetworks", ""},
		{"GET", "/v2/skills/x/credentials", contract.OpGetSkillCredentials},
		{"POST", "/v1/skills/x/credentials", ""},
		{"GET", "/v1/skills/amzn1.ask.skill.x/credentials", contract.OpGetSkillCredentials},
		{"POST", "/auth/o2/token", contract.OpToken},
		{"POST", "/AUTH/O2/Token", contract.OpToken},
		{"GET", "/elsewhere", ""},
	}
	for _, c := range cases {
		if op, _ := clients.OperationOf(c.method, c.path); op != c.op {
			t.Errorf("OperationOf(%s %s) = %q, want %q", c.method, c.path, op, c.op)
		}
	}
}

func TestRetryBudget(t *testing.T) {
	budget := clients.NewRetryBudget(10, 5)
	r := newRig(t, clients.StaticToken("t"), clients.PolicyParams{MaxAttempts: 5, Budget: budget}, step{status: 503})
	ctx := context.Background()
	q := clients.NetworkQuery{ExtendedPanID: "x"}
	attempts := func() int {
		_, err := r.locker.GetThreadNetworks(ctx, q)
		var ae *clients.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("err %v", err)
		}
		return ae.Attempts
	}
	if n := attempts(); n != 3 || budget.Available() != 0 {
		t.Errorf("first call: %d attempts, %d tokens left; want 3 and 0", n, budget.Available())
	}
	if n := attempts(); n != 1 {
		t.Errorf("with the budget spent: %d attempts, want 1", n)
	}
	// Successes refill it: one token each.
	r.srv.mu.Lock()
	r.srv.steps = []step{{status: 200, body: `{"threadNetworks":[]}`}}
	r.srv.mu.Unlock()
	for range 5 {
		if _, err := r.locker.GetThreadNetworks(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if budget.Available() != 5 {
		t.Errorf("%d tokens after 5 successes, want 5", budget.Available())
	}
	for range 20 {
		r.locker.GetThreadNetworks(ctx, q)
	}
	if budget.Available() != 10 {
		t.Errorf("budget %d above its capacity", budget.Available())
	}
}

func TestAPIErrorJSON(t *testing.T) {
	e := &clients.APIError{Operation: "getSkillCredentials", Status: 429, Message: "slow", Attempts: 3, RetryAfter: 1500 * time.Millisecond}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"operation":"getSkillCredentials","status":429,"message":"slow","attempts":3,"retryAfter":"1.5s"}`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
	if got := e.Error(); got != "getSkillCredentials: 429 Too Many Requests: slow (3 attempts, last Retry-After 1.5s)" {
		t.Errorf("Error() = %q", got)
	}
}
