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
//   - does not send a request again during its quiet period after the
//     client gave up on it (C6) or got a non-retryable answer (C2); such hits
//     are not sent (reason quiet-period), and
//   - with coalesce on (clients.coalesce, off by default), does not send a
//     request while an identical call of the same client is in flight: the
//     hit is folded into that call (reason coalesced) and returns at once,
//     so it never counts as a request nor holds a worker.
type gate struct {
	mu       sync.Mutex
	coalesce bool
	flights  map[gateKey]*flight
	quiet    map[gateKey]time.Time
	now      func() time.Time
}

// flight is one call in flight.
type flight struct{ n int }

func newGate(coalesce bool) *gate {
	return &gate{coalesce: coalesce, flights: map[gateKey]*flight{}, quiet: map[gateKey]time.Time{}, now: time.Now}
}

// enter decides whether request k may be sent now. It returns the reason it
// may not (NotSentQuiet with the end of the quiet period, or
// NotSentCoalesced), or "" and the flight the caller must end with release.
func (g *gate) enter(k gateKey) (f *flight, reason string, until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if t, ok := g.quiet[k]; ok {
		if now.Before(t) {
			return nil, NotSentQuiet, t
		}
		delete(g.quiet, k)
	}
	if f, busy := g.flights[k]; busy {
		if g.coalesce {
			return nil, NotSentCoalesced, time.Time{}
		}
		f.n++
		return f, "", time.Time{}
	}
	f = &flight{n: 1}
	g.flights[k] = f
	return f, "", time.Time{}
}

// release ends the flight with the call's outcome and starts k's quiet
// period when the client gave up or was refused.
func (g *gate) release(k gateKey, f *flight, resp *http.Response, err error) {
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
	defer g.mu.Unlock()
	if f.n--; f.n == 0 {
		delete(g.flights, k)
	}
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
}

func ctxErr(err error) bool { return errors.Is(err, context.Canceled) }
