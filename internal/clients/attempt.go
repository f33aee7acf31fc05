package clients

import (
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
)

// Attempt is one HTTP attempt a client made, as an Observer sees it. The load
// generator, the back-off compliance checker and the certification reports
// are built on it.
type Attempt struct {
	Operation      string        `json:"operation"`                // contract.Op* name
	Client         string        `json:"client"`                   // redact.ClientID of the bearer token
	Key            string        `json:"key"`                      // contract.RequestKey of the request
	Number         int           `json:"attempt"`                  // 1-based attempt number within one logical call
	Sent           time.Time     `json:"sent"`                     // when the request was sent
	Received       time.Time     `json:"received"`                 // when the answer (or the transport error) came back
	Status         int           `json:"status"`                   // 0 on a transport error
	Err            string        `json:"error,omitempty"`          // transport error text, redacted
	RetryAfter     time.Duration `json:"retryAfter,omitempty"`     // Retry-After the answer carried (0 when none)
	RetryAfterDate bool          `json:"retryAfterDate,omitempty"` // Retry-After was an HTTP-date
	Delay          time.Duration `json:"delay,omitempty"`          // delay chosen before the next attempt
	Retry          bool          `json:"retry"`                    // whether another attempt follows
	Reauth         bool          `json:"reauth,omitempty"`         // the next attempt uses a fresh token after a 401
}

// Observer receives every attempt as it completes. Implementations must be
// safe for concurrent use; they are called on the request's goroutine, so
// they should be quick.
type Observer interface {
	ObserveAttempt(Attempt)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Attempt)

// ObserveAttempt calls f(a).
func (f ObserverFunc) ObserveAttempt(a Attempt) { f(a) }

// Event converts the attempt to a compliance event (the client's view of a
// request). It allocates nothing, so an Observer can call it on the hot path.
func (a Attempt) Event() compliance.Event {
	return compliance.Event{
		Client: a.Client, Operation: a.Operation, Key: a.Key,
		Arrived: a.Sent, Answered: a.Received, Status: a.Status,
		RetryAfter: a.RetryAfter, RetryAfterDate: a.RetryAfterDate,
	}
}
