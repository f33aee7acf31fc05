package clients_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
)

// t0 is the fake clocks' starting time.
var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fakeClock never sleeps: Sleep advances Now and records the wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	// onSleep, when set, runs before each sleep (e.g. to cancel a context).
	onSleep func(d time.Duration)
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.onSleep != nil {
		c.onSleep(d)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// step is one scripted answer.
type step struct {
	status int
	header map[string]string
	body   string
}

// seen is one request a scripted server received.
type seen struct {
	Method, Path, Query, Auth, ContentType string
	Body                                   string
}

// script is an httptest server that answers with steps in order (the last
// one repeats) and records every request.
type script struct {
	*httptest.Server
	mu    sync.Mutex
	steps []step
	reqs  []seen
	// route, when set, answers instead of steps.
	route func(r *http.Request, body string) step
}

func newScript(t *testing.T, steps ...step) *script {
	t.Helper()
	s := &script{steps: steps}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *script) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)})
	var st step
	switch {
	case s.route != nil:
		st = s.route(r, string(b))
	case len(s.steps) == 0:
		st = step{status: 200, body: "{}"}
	default:
		st = s.steps[0]
		if len(s.steps) > 1 {
			s.steps = s.steps[1:]
		}
	}
	s.mu.Unlock()
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	if st.body != "" && w.Header().Get("Content-Type") == "" && strings.HasPrefix(strings.TrimSpace(st.body), "{") {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(st.status)
	io.WriteString(w, st.body)
}

func (s *script) Requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

// recorder is an Observer that keeps every attempt.
type recorder struct {
	mu sync.Mutex
	as []clients.Attempt
}

func (r *recorder) ObserveAttempt(a clients.Attempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.as = append(r.as, a)
}

func (r *recorder) Attempts() []clients.Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]clients.Attempt(nil), r.as...)
}

// rotatingTokens issues "tok-1", "tok-2", … : a new token after each
// Invalidate of the current one.
type rotatingTokens struct {
	mu          sync.Mutex
	n           int
	invalidated int
}

func (p *rotatingTokens) Token(context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		p.n = 1
	}
	return "tok-" + string(rune('0'+p.n)), nil
}

func (p *rotatingTokens) Invalidate(_ context.Context, stale string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if stale == "tok-"+string(rune('0'+p.n)) {
		p.n++
		p.invalidated++
	}
}

// seq returns a Rand that yields vs in turn (then repeats the last).
func seq(vs ...float64) func() float64 {
	var mu sync.Mutex
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		v := vs[0]
		if len(vs) > 1 {
			vs = vs[1:]
		}
		return v
	}
}

// rtFunc adapts a function to http.RoundTripper.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
