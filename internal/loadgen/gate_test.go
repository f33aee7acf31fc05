package loadgen

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// TestGate drives the gate on an injected clock: a request given up on or
// refused is not sent again for its quiet period (60 s, or a longer
// Retry-After), while one cut short by the run itself may be sent again at
// once; with coalesce on, an identical request of the same client in
// flight is not sent (reason coalesced), another client's is.
func TestGate(t *testing.T) {
	answer := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name  string
		resp  *http.Response
		err   error
		quiet time.Duration // 0: none
	}{
		{"success", answer(200, ""), nil, 0},
		{"gave up on 503", answer(503, ""), nil, quietPeriod + quietMargin},
		{"refused 403", answer(403, ""), nil, quietPeriod + quietMargin},
		{"429 with a longer Retry-After", answer(429, "120"), nil, 120*time.Second + quietMargin},
		{"429 with a shorter Retry-After", answer(429, "5"), nil, quietPeriod + quietMargin},
		{"transport error", nil, errors.New("connection reset"), quietPeriod + quietMargin},
		{"cut short by the run", nil, context.Canceled, 0},
	}
	for _, tt := range tests {
		for _, coalesce := range []bool{false, true} {
			name := tt.name
			if coalesce {
				name += "/coalesce"
			}
			// synctest's bubble gives the gate a fake clock (time.Now).
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					t0 := time.Now()
					g := newGate(coalesce)
					k := gateKey{who: 1, key: "GET /x"}
					f, reason, _ := g.enter(k)
					if f == nil || reason != "" {
						t.Fatalf("first caller: flight %v, reason %q", f, reason)
					}
					// An identical request of the same client while the call is in
					// flight: folded into it with coalesce, its own call without.
					f2, reason2, _ := g.enter(k)
					switch {
					case coalesce && (f2 != nil || reason2 != NotSentCoalesced):
						t.Fatalf("coalesce: identical request got flight %v, reason %q; want not sent, coalesced", f2, reason2)
					case !coalesce && (f2 == nil || reason2 != ""):
						t.Fatalf("no coalesce: identical request got reason %q, want sent", reason2)
					}
					other, otherReason, _ := g.enter(gateKey{who: 2, key: k.key})
					if other == nil || otherReason != "" {
						t.Errorf("another client's identical request was held back: %q", otherReason)
					}
					g.release(gateKey{who: 2, key: k.key}, other, answer(200, ""), nil)
					if f2 != nil {
						g.release(k, f2, answer(200, ""), nil)
					}
					g.release(k, f, tt.resp, tt.err)

					time.Sleep(time.Second)
					f3, reason3, until := g.enter(k)
					switch {
					case tt.quiet == 0 && f3 == nil:
						t.Fatalf("not sent again: %s until %s", reason3, until.Sub(t0))
					case tt.quiet > 0 && (f3 != nil || reason3 != NotSentQuiet || !until.Equal(t0.Add(tt.quiet))):
						t.Fatalf("quiet until %s (reason %q), want %s", until.Sub(t0), reason3, tt.quiet)
					case tt.quiet > 0:
						time.Sleep(tt.quiet - time.Second)
						if f4, r4, _ := g.enter(k); f4 == nil {
							t.Errorf("still held back (%s) at the end of the quiet period", r4)
						}
					}
				})
			})
		}
	}
}
