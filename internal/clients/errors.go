package clients

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alexa-harness/harness/internal/redact"
)

// Sentinel errors, matched by *APIError with errors.Is.
var (
	ErrInvalid      = errors.New("invalid request (400)")
	ErrUnauthorized = errors.New("unauthorized (401)")
	ErrForbidden    = errors.New("forbidden (403)")
	ErrNotFound     = errors.New("not found (404)")
	ErrConflict     = errors.New("conflict (409)")
	ErrThrottled    = errors.New("throttled (429)")
	// ErrUnavailable classifies 500, 502, 503 and 504 for the caller; the
	// transport retries only 500 and 503 (contract.Retryable): a 502 or 504
	// comes from an intermediary (docs/contract.md, A12).
	ErrUnavailable = errors.New("server error or unavailable (500, 502, 503, 504)")

	// ErrPossiblyCreatedEarlier marks a 409 to a create that this client had
	// already sent once without getting an answer (a transport error or a
	// 5xx): the network may well have been created by that earlier attempt.
	// Such an error matches ErrConflict too.
	ErrPossiblyCreatedEarlier = errors.New("already exists, possibly created by an earlier attempt")
)

// Violation is one entry of a SMAPI error's "violations" list.
type Violation struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// APIError is a non-2xx answer from one of the services, after the transport
// gave up retrying.
type APIError struct {
	Operation  string        `json:"operation"`            // contract.Op* name
	Status     int           `json:"status"`               // HTTP status code
	Code       string        `json:"code,omitempty"`       // service error code (Locker code, LWA "error")
	Message    string        `json:"message,omitempty"`    // the service's human readable message
	Violations []Violation   `json:"violations,omitempty"` // SMAPI violations, when present
	Attempts   int           `json:"attempts"`             // attempts made for this call (1 = no retry)
	RetryAfter time.Duration `json:"-"`                    // Retry-After of the last answer, if any (JSON: retryAfter, e.g. "1s")
	// EarlierAttempt is set on a 409 to a create when an earlier attempt of
	// the same call got no answer or a 5xx (see ErrPossiblyCreatedEarlier).
	EarlierAttempt bool `json:"earlierAttempt,omitempty"`
	// BodyProblem says why the body could not be read as the service's JSON
	// error shape (empty when it could).
	BodyProblem string `json:"bodyProblem,omitempty"`
}

// MarshalJSON writes RetryAfter as a duration string ("1s").
func (e *APIError) MarshalJSON() ([]byte, error) {
	type plain APIError
	out := struct {
		*plain
		RetryAfter string `json:"retryAfter,omitempty"`
	}{plain: (*plain)(e)}
	if e.RetryAfter > 0 {
		out.RetryAfter = e.RetryAfter.String()
	}
	return json.Marshal(out)
}

// Error names the operation, the status, the service's code and message and
// the number of attempts. The service's text was scrubbed of the call's
// secrets when the error was built; anything left that looks like an LWA
// token is masked here too (redact.Scrub).
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Operation)
	b.WriteString(": ")
	if e.EarlierAttempt {
		b.WriteString(ErrPossiblyCreatedEarlier.Error())
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	switch {
	case e.Message != "":
		b.WriteString(": ")
		b.WriteString(e.Message)
	case e.BodyProblem != "":
		b.WriteString(": ")
		b.WriteString(e.BodyProblem)
	}
	for _, v := range e.Violations {
		fmt.Fprintf(&b, "; %s: %s", v.Code, v.Message)
	}
	n := e.Attempts
	if n < 1 {
		n = 1
	}
	if n == 1 {
		b.WriteString(" (1 attempt")
	} else {
		fmt.Fprintf(&b, " (%d attempts", n)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", last Retry-After %s", e.RetryAfter)
	}
	b.WriteString(")")
	return redact.Scrub(b.String())
}

// Is matches the sentinel of e's status class.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInvalid:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrThrottled:
		return e.Status == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.Status == http.StatusInternalServerError || e.Status == http.StatusServiceUnavailable ||
			e.Status == http.StatusBadGateway || e.Status == http.StatusGatewayTimeout
	case ErrPossiblyCreatedEarlier:
		return e.EarlierAttempt
	}
	return false
}

// TransportError is a call that got no HTTP answer at all (connection
// refused, reset, timeout) after the transport's attempts.
type TransportError struct {
	Operation string
	Attempts  int
	Err       error
}

func (e *TransportError) Error() string {
	a := "attempts"
	if e.Attempts == 1 {
		a = "attempt"
	}
	if e.Attempts == 0 {
		return redact.Scrub(fmt.Sprintf("%s: not sent: %v", e.Operation, e.Err))
	}
	return redact.Scrub(fmt.Sprintf("%s: no answer after %d %s: %v", e.Operation, e.Attempts, a, e.Err))
}

func (e *TransportError) Unwrap() error { return e.Err }

// DecodeError is a 2xx answer whose body is not what the contract promises.
// It never quotes the body, which may hold secrets.
type DecodeError struct {
	Operation string
	Status    int
	Err       error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: %d answer has an unreadable body: %v", e.Operation, e.Status, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// errorBody is the union of the services' error shapes: Credential Locker
// {code, message}, SMAPI {message, violations}, LWA {error, error_description}.
type errorBody struct {
	Code             string      `json:"code"`
	Message          string      `json:"message"`
	Violations       []Violation `json:"violations"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"error_description"`
}

// newAPIError builds the error for a non-2xx answer. It never panics on a
// malformed body: the problem is recorded in BodyProblem. Every string taken
// from the answer is scrubbed of known (the secrets the call used) and of
// anything that looks like an LWA token, since a server may echo them.
func newAPIError(op string, status int, h http.Header, body []byte, st *CallStats, known ...string) *APIError {
	e := &APIError{Operation: op, Status: status, Attempts: 1}
	if st != nil {
		if st.Attempts > 0 {
			e.Attempts = st.Attempts
		}
		e.RetryAfter = st.RetryAfter
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		e.BodyProblem = "empty error body"
		return e
	}
	var eb errorBody
	if err := json.Unmarshal(trimmed, &eb); err != nil {
		ct := h.Get("Content-Type")
		if ct == "" {
			ct = "no content type"
		}
		clean := []byte(redact.Scrub(string(trimmed), known...))
		e.BodyProblem = fmt.Sprintf("error body is not the service's JSON (%s, %d bytes: %s)",
			redact.Scrub(ct, known...), len(body), snippet(clean))
		return e
	}
	scrub := func(s string) string { return redact.Scrub(s, known...) }
	e.Code, e.Message = scrub(eb.Code), scrub(eb.Message)
	if e.Code == "" {
		e.Code = scrub(eb.Error)
	}
	if e.Message == "" {
		e.Message = scrub(eb.ErrorDescription)
	}
	for _, v := range eb.Violations {
		e.Violations = append(e.Violations, Violation{Code: scrub(v.Code), Message: scrub(v.Message)})
	}
	if e.Message == "" && e.Code == "" {
		e.BodyProblem = "error body has no message"
	}
	return e
}

// snippet returns a short, quoted, printable prefix of b.
func snippet(b []byte) string {
	const max = 80
	if len(b) > max {
		b = b[:max]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
		return fmt.Sprintf("%q…", b)
	}
	return fmt.Sprintf("%q", b)
}
