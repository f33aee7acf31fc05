package mockcontrol

import (
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
)

// Event converts one journal entry to a compliance event (the server's view
// of a request). A reset connection has status 0, as a client sees it. An
// HTTP-date Retry-After keeps RetryAfterDate, so that C1 grades it with the
// date's epsilon (one second).
func (j JournalEntry) Event() compliance.Event {
	status := j.Status
	if j.Reset {
		status = 0
	}
	return compliance.Event{
		Client: j.Client, Operation: j.Operation, Key: j.Key,
		Arrived: j.Time, Answered: j.AnsweredAt, Status: status,
		RetryAfter:     time.Duration(j.RetryAfter) * time.Second,
		RetryAfterDate: j.RetryAfterDate,
	}
}

// Events converts a journal to compliance events, in its order.
func Events(js []JournalEntry) []compliance.Event {
	out := make([]compliance.Event, 0, len(js))
	for _, j := range js {
		out = append(out, j.Event())
	}
	return out
}
