package loadgen

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
)

// Quiet periods of docs/backoff-compliance.md: after giving up on a
// request (C6) or after a non-retryable answer (C2), a compliant client does
// not send the same request again for 60 s (or the Retry-After, if longer).
const (
	quietPeriod = 60 * time.Second
	quietMargin = 100 * time.Millisecond
)

// suppressedError marks a hit the simulated client chose not to send.
const suppressedMark = "suppressed by the client: "

// gateKey is one logical request of one client as the back-off rules see
// it: the client's identity (simulated client index, or -1 for the token
// operation, which the service identifies by the LWA client) and
// contract.RequestKey.
type gateKey struct {
	who int
	key string
}

// gate makes each simulated client behave as a compliant application, not
// only a compliant transport: the back-off rules identify "the same
// request" by client, operation, path, query and body, so an open-model load
// generator that fires identical requests (the skill credentials GET has no
// parameters) would otherwise look like a client retrying too early. The
// gate therefore
//   - coalesces identical requests: while a call is in flight (its retries
//     and waits included), a hit for the same request waits for it and
//     shares its outcome instead of sending again (as golang.org/x/sync's
//     singleflight does; its latency includes the wait), and
//   - does not send a request again during its quiet period after the
//     client gave up on it (C6) or got a non-retryable answer (C2); such hits
//     are recorded as "suppressed", not sent.
type gate struct {
	mu      sync.Mutex
	flights map[gateKey]*flight
	quiet   map[gateKey]time.Time
	now     func() time.Time
}

// flight is one call in flight and, once done is closed, its outcome.
type flight struct {
	done   chan struct{}
	status int
	err    error
}

func newGate() *gate {
	return &gate{flights: map[gateKey]*flight{}, quiet: map[gateKey]time.Time{}, now: time.Now}
}

// enter returns, for request k: until > now when k is in its quiet period
// (the caller must not send); or the flight the caller leads (leader true:
// it must send, then call release); or, after waiting, the finished flight
// of another caller whose outcome it shares.
func (g *gate) enter(ctx context.Context, k gateKey) (f *flight, leader bool, until time.Time, err error) {
	g.mu.Lock()
	now := g.now()
	if t, ok := g.quiet[k]; ok {
		if now.Before(t) {
			g.mu.Unlock()
			return nil, false, t, nil
		}
		delete(g.quiet, k)
	}
	if f, busy := g.flights[k]; busy {
		g.mu.Unlock()
		select {
		case <-f.done:
			return f, false, time.Time{}, nil
		case <-ctx.Done():
			return nil, false, time.Time{}, ctx.Err()
		}
	}
	f = &flight{done: make(chan struct{})}
	g.flights[k] = f
	g.mu.Unlock()
	return f, true, time.Time{}, nil
}

// release ends the flight with the call's outcome and starts k's quiet
// period when the client gave up or was refused.
func (g *gate) release(k gateKey, f *flight, resp *http.Response, err error) {
	now := g.now()
	var until time.Time
	switch {
	case err != nil:
		f.err = err
		if !ctxErr(err) { // not cut short by us: the client gave up
			until = now.Add(quietPeriod + quietMargin)
		}
	case resp.StatusCode < 300:
		f.status = resp.StatusCode
	default:
		// Final non-2xx answer: retryable ones were given up on (C6);
		// non-retryable ones must not be repeated (C2).
		f.status = resp.StatusCode
		q := quietPeriod
		if ra, _, ok := clients.ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok && ra > q {
			q = ra
		}
		until = now.Add(q + quietMargin)
	}
	g.mu.Lock()
	delete(g.flights, k)
	if !until.IsZero() {
		g.quiet[k] = until
		if len(g.quiet) > 10000 {
			for qk, t := range g.quiet {
				if now.After(t) {
					delete(g.quiet, qk)
				}
			}
		}
	}
	g.mu.Unlock()
	close(f.done)
}

func ctxErr(err error) bool { return errors.Is(err, context.Canceled) }
