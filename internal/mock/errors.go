package mock

import (
	"encoding/json"
	"net/http"
)

// Error bodies, one dialect per service (api/openapi.yaml describes them):
//
//	Credential Locker  {"code": "UPPER_SNAKE", "message": "..."}
//	SMAPI              {"message": "...", "violations": [{"code", "message"}]}  (violations on 400 only)
//	LWA                {"error": "...", "error_description": "..."}
//	anything else      {"code": "NOT_FOUND", "message": "..."}
//
// The Locker codes are an assumption (contract.md): the reference documents
// only that a code and a message come back.

// CodeAlreadyExists is the Credential Locker code of a 409 (create of a
// network the customer already has), as api/openapi.yaml's example and
// docs/contract.md (A3) give it. A real duplicate and an injected 409 both
// answer it.
const CodeAlreadyExists = "THREAD_NETWORK_ALREADY_EXISTS"

type lockerError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type smapiViolation struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type smapiError struct {
	Message    string           `json:"message"`
	Violations []smapiViolation `json:"violations,omitempty"`
}

type lwaError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// codeFor is the Locker code of a status.
func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "INVALID_REQUEST"
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "FORBIDDEN"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case http.StatusConflict:
		return CodeAlreadyExists
	case http.StatusRequestEntityTooLarge:
		return "PAYLOAD_TOO_LARGE"
	case http.StatusTooManyRequests:
		return "TOO_MANY_REQUESTS"
	case http.StatusInternalServerError:
		return "INTERNAL_SERVER_ERROR"
	case http.StatusServiceUnavailable:
		return "SERVICE_UNAVAILABLE"
	}
	if status >= 500 {
		return "SERVER_ERROR"
	}
	return "CLIENT_ERROR"
}

// lwaCodeFor is the OAuth error (one of api/openapi.yaml's LWAError enum)
// of a status the token endpoint answers for reasons of its own (faults,
// limits, body too large).
func lwaCodeFor(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "invalid_client"
	case http.StatusForbidden:
		return "access_denied"
	case http.StatusTooManyRequests:
		return "slow_down"
	case http.StatusServiceUnavailable:
		return "temporarily_unavailable"
	}
	if status >= 500 {
		return "server_error"
	}
	return "invalid_request"
}

// errorBody renders an error answer. code is the Locker code (or, for LWA,
// the OAuth error when it starts with a lower-case letter); field, when set,
// names the offending field and becomes an SMAPI violation.
func errorBody(fam family, status int, code, message, field string) []byte {
	var v any
	switch fam {
	case famSMAPI:
		e := smapiError{Message: message}
		if status == http.StatusBadRequest {
			vc := "INVALID_REQUEST_PARAMETER"
			if field == "" {
				vc = "INVALID_REQUEST"
			}
			e.Violations = []smapiViolation{{Code: vc, Message: message}}
		}
		v = e
	case famLWA:
		oc := code
		if oc == "" || oc[0] < 'a' || oc[0] > 'z' {
			oc = lwaCodeFor(status)
		}
		v = lwaError{Error: oc, Description: message}
	default:
		if code == "" || code[0] < 'A' || code[0] > 'Z' {
			code = codeFor(status)
		}
		v = lockerError{Code: code, Message: message}
	}
	b, err := json.Marshal(v)
	if err != nil { // cannot happen with these types
		return []byte(`{"code":"INTERNAL_SERVER_ERROR","message":"error encoding failed"}`)
	}
	return b
}
