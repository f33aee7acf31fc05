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

// FromAttempt converts one attempt of a client's attempt log.
func FromAttempt(a clients.Attempt) Event {
	return Event{
		Client: a.Client, Operation: a.Operation, Key: a.Key,
		Arrived: a.Sent, Answered: a.Received, Status: a.Status,
		RetryAfter: a.RetryAfter, RetryAfterDate: a.RetryAfterDate,
	}
}

// FromAttempts converts a client's attempt log.
func FromAttempts(as []clients.Attempt) []Event {
	out := make([]Event, 0, len(as))
	for _, a := range as {
		out = append(out, FromAttempt(a))
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

// Span returns the earliest Arrived and the latest Answered of events (zero
// times for none), e.g. to cut one view to the span the other covers.
func Span(events []Event) (first, last time.Time) {
	for i, e := range events {
		if i == 0 || e.Arrived.Before(first) {
			first = e.Arrived
		}
		if i == 0 || e.Answered.After(last) {
			last = e.Answered
		}
	}
	return first, last
}

// Between returns the events that arrived in [from, to], in their order, as
// a new slice: a saved or ring-buffered journal may cover less of a run than
// the attempt log, and Compare needs both views over the same span.
func Between(events []Event, from, to time.Time) []Event {
	var out []Event
	for _, e := range events {
		if !e.Arrived.Before(from) && !e.Arrived.After(to) {
			out = append(out, e)
		}
	}
	return out
}
