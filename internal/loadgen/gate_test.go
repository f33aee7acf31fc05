package loadgen

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// TestGate drives the gate on an injected clock: identical requests in
// flight share one call, and a request given up on or refused is not sent
// again for its quiet period (60 s, or a longer Retry-After), while one cut
// short by the run itself may be sent again at once.
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
		// synctest's bubble gives the gate a fake clock (time.Now) and
		// tells when the follower is blocked on the flight.
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				g := newGate()
				k := gateKey{who: 1, key: "GET /x"}
				ctx := context.Background()

				f, leader, _, err := g.enter(ctx, k)
				if err != nil || !leader || f == nil {
					t.Fatalf("first caller: leader=%v f=%v err=%v", leader, f, err)
				}
				// An identical request while the call is in flight waits for it
				// and shares its outcome; another client's is its own call.
				shared := make(chan *flight, 1)
				go func() {
					f2, leader2, _, _ := g.enter(ctx, k)
					if leader2 {
						f2 = nil
					}
					shared <- f2
				}()
				other, otherLeads, _, _ := g.enter(ctx, gateKey{who: 2, key: k.key})
				if !otherLeads {
					t.Errorf("another client's identical request was coalesced")
				}
				g.release(gateKey{who: 2, key: k.key}, other, answer(200, ""), nil)
				synctest.Wait() // the follower waits on the flight
				g.release(k, f, tt.resp, tt.err)
				if f2 := <-shared; f2 != f {
					t.Fatalf("the identical request did not share the flight")
				}

				time.Sleep(time.Second)
				_, leader, until, _ := g.enter(ctx, k)
				switch {
				case tt.quiet == 0 && !leader:
					t.Fatalf("not sent again: suppressed until %s", until.Sub(t0))
				case tt.quiet > 0 && (leader || !until.Equal(t0.Add(tt.quiet))):
					t.Fatalf("quiet until %s (leader %v), want %s", until.Sub(t0), leader, tt.quiet)
				case tt.quiet > 0:
					time.Sleep(tt.quiet - time.Second)
					if _, leader, _, _ := g.enter(ctx, k); !leader {
						t.Errorf("still quiet at the end of the quiet period")
					}
				}
			})
		})
	}
}

// TestGateFollowerCancelled: a follower whose hit is cut short stops
// waiting for the flight.
func TestGateFollowerCancelled(t *testing.T) {
	g := newGate()
	k := gateKey{who: 0, key: "GET /x"}
	if _, leader, _, _ := g.enter(context.Background(), k); !leader {
		t.Fatal("first caller does not lead")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := g.enter(ctx, k); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
