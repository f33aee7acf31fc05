package clients_test

import (
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/compliance"
)

func TestAttemptEvent(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		a    clients.Attempt
		want compliance.Event
	}{
		{"answered with a date",
			clients.Attempt{Operation: "token", Client: "c", Key: "k", Number: 2, Sent: t0, Received: t0.Add(time.Second), Status: 503, RetryAfter: 3 * time.Second, RetryAfterDate: true, Retry: true},
			compliance.Event{Client: "c", Operation: "token", Key: "k", Arrived: t0, Answered: t0.Add(time.Second), Status: 503, RetryAfter: 3 * time.Second, RetryAfterDate: true}},
		{"transport error",
			clients.Attempt{Operation: "getThreadNetworks", Client: "d", Key: "q", Number: 1, Sent: t0, Received: t0, Err: "reset"},
			compliance.Event{Client: "d", Operation: "getThreadNetworks", Key: "q", Arrived: t0, Answered: t0}},
	} {
		if got := tc.a.Event(); got != tc.want {
			t.Errorf("%s: Event() = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	a := clients.Attempt{Operation: "token", Client: "c", Key: "k", Sent: t0, Received: t0, Status: 200}
	var sink compliance.Event
	if n := testing.AllocsPerRun(100, func() { sink = a.Event() }); n != 0 {
		t.Errorf("Event allocates %v times per call, want 0 (the load generator's observer calls it per attempt)", n)
	}
	_ = sink
}
