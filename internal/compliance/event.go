// Package compliance grades a client's retries against the back-off rules
// C1–C7 of ../shared/backoff-compliance.md, from either view of the traffic:
// the attempt log a client of ours records, or the mock's journal.
package compliance

import (
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/mock"
)

// Event is one request and its answer, from whichever side observed it.
type Event struct {
	Client    string    // redacted client id (redact.ClientID of the token)
	Operation string    // contract.Op* name
	Key       string    // contract.RequestKey: same key = same logical request
	Arrived   time.Time // when the request was sent (client view) or arrived (server view)
	Answered  time.Time // when the answer was received (client view) or written (server view)
	Status    int       // 0 for a transport error or a reset connection
	// RetryAfter is the Retry-After the answer carried; RetryAfterDate says it
	// was an HTTP-date (ε = 1 s in C1) rather than delay-seconds (ε = 50 ms).
	RetryAfter     time.Duration
	RetryAfterDate bool
}

// FromAttempts converts a client's attempt log.
func FromAttempts(as []clients.Attempt) []Event {
	out := make([]Event, 0, len(as))
	for _, a := range as {
		out = append(out, Event{
			Client: a.Client, Operation: a.Operation, Key: a.Key,
			Arrived: a.Sent, Answered: a.Received, Status: a.Status,
			RetryAfter: a.RetryAfter, RetryAfterDate: a.RetryAfterDate,
		})
	}
	return out
}

// FromJournal converts the mock's journal.
func FromJournal(js []mock.JournalEntry) []Event {
	out := make([]Event, 0, len(js))
	for _, j := range js {
		status := j.Status
		if j.Reset {
			status = 0
		}
		out = append(out, Event{
			Client: j.Client, Operation: j.Operation, Key: j.Key,
			Arrived: j.Time, Answered: j.AnsweredAt, Status: status,
			RetryAfter: time.Duration(j.RetryAfter) * time.Second,
		})
	}
	return out
}
