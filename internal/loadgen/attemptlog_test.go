package loadgen

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
)

// TestAppendAttempt: the hand-written encoder writes what encoding/json
// writes, so attempts.jsonl reads back with encoding/json.
func TestAppendAttempt(t *testing.T) {
	at := time.Date(2026, 11, 23, 19, 0, 0, 123456789, time.UTC)
	for _, a := range []clients.Attempt{
		{Operation: "getThreadNetworks", Client: "client-1234abcd", Key: "0011223344556677", Number: 2, Sent: at, Received: at.Add(time.Millisecond), Status: 429,
			RetryAfter: time.Second, RetryAfterDate: true, Delay: 1500 * time.Millisecond, Retry: true, Reauth: true},
		{Operation: "token", Client: "anonymous", Number: 1, Sent: at, Received: at, Err: "dial \"x\": <refused> é\n"},
		{},
	} {
		want, _ := json.Marshal(a)
		got := appendAttempt(nil, &a)
		if string(got) != string(want)+"\n" {
			t.Errorf("appendAttempt:\n got %s\nwant %s", got, want)
		}
	}
}
