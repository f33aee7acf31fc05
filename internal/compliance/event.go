package compliance

import "time"

// Event is one request and its answer, from whichever side observed it.
// The adapters live with the types they convert: clients.Attempt.Event (a
// client's attempt log) and mockcontrol.JournalEntry.Event (the mock's
// journal), so that the grader depends on neither.
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
