package compliance_test

import (
	"fmt"
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
)

func Example() {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	events := []compliance.Event{
		// Throttled with Retry-After: 1, retried after 200 ms: too soon.
		{Client: "c-1a2b", Operation: "createThreadNetwork", Key: "k1", Arrived: at(0), Answered: at(5), Status: 429, RetryAfter: time.Second},
		{Client: "c-1a2b", Operation: "createThreadNetwork", Key: "k1", Arrived: at(205), Answered: at(210), Status: 200},
		// Forbidden, and sent again.
		{Client: "c-1a2b", Operation: "getThreadNetworks", Key: "k2", Arrived: at(300), Answered: at(305), Status: 403},
		{Client: "c-1a2b", Operation: "getThreadNetworks", Key: "k2", Arrived: at(1305), Answered: at(1310), Status: 403},
	}
	v := compliance.Check(events, compliance.Options{})
	fmt.Println(v)
	for _, r := range v.Rules {
		fmt.Printf("%s %-26s %s\n", r.ID, r.Title, r.Status)
		for _, x := range r.Violations {
			fmt.Printf("   %s %s: %d at %s, next at %s: %s\n", x.Client, x.Operation, x.Status,
				x.Answered.Format("15:04:05.000"), x.Next.Format("15:04:05.000"), x.Figure)
		}
	}
	// Output:
	// compliance: fail [C1 C2] over 4 events, 1 clients, 3 chains
	// C1 Retry-After floor          fail
	//    c-1a2b createThreadNetwork: 429 at 10:00:00.005, next at 10:00:00.205: gap 200ms < Retry-After 1s − 50ms
	// C2 No retry of non-retryable  fail
	//    c-1a2b getThreadNetworks: 403 at 10:00:00.305, next at 10:00:01.305: 403 re-sent after 1s < 1m0s
	// C3 Bounded attempts           pass
	// C4 Back-off                   not-enough-evidence
	// C5 Amplification              not-applicable
	// C6 Gives up                   not-applicable
	// C7 Recovers                   pass
}
