package loadgen

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
)

// Quiet periods of ../shared/backoff-compliance.md: after giving up on a
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
//   - lets one call per (client, request) be in flight at a time: a hit for
//     a request already in flight waits for it (its latency includes the
//     wait), and
//   - does not send a request again during its quiet period after the
//     client gave up on it (C6) or got a non-retryable answer (C2); such hits
//     are recorded as "suppressed", not sent.
type gate struct {
	mu      sync.Mutex
	flights map[gateKey]chan struct{}
	quiet   map[gateKey]time.Time
	now     func() time.Time
}

func newGate() *gate {
	return &gate{flights: map[gateKey]chan struct{}{}, quiet: map[gateKey]time.Time{}, now: time.Now}
}

// enter waits until k is not in flight. It returns until > now when k is in
// its quiet period (the caller must not send), or a release function that
// the caller must call with the call's outcome.
func (g *gate) enter(ctx context.Context, k gateKey) (release func(*http.Response, error), until time.Time, err error) {
	for {
		g.mu.Lock()
		now := g.now()
		if t, ok := g.quiet[k]; ok {
			if now.Before(t) {
				g.mu.Unlock()
				return nil, t, nil
			}
			delete(g.quiet, k)
		}
		ch, busy := g.flights[k]
		if !busy {
			ch = make(chan struct{})
			g.flights[k] = ch
			g.mu.Unlock()
			return func(resp *http.Response, err error) { g.release(k, ch, resp, err) }, time.Time{}, nil
		}
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, time.Time{}, ctx.Err()
		}
	}
}

func (g *gate) release(k gateKey, ch chan struct{}, resp *http.Response, err error) {
	now := g.now()
	var until time.Time
	switch {
	case err != nil:
		if !ctxErr(err) { // not cut short by us: the client gave up
			until = now.Add(quietPeriod + quietMargin)
		}
	case resp.StatusCode < 300:
	default:
		// Final non-2xx answer: retryable ones were given up on (C6);
		// non-retryable ones must not be repeated (C2).
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
	close(ch)
}

func ctxErr(err error) bool { return errors.Is(err, context.Canceled) }
