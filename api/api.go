// Package api is the harness's machine-readable contract of the Alexa
// Credential Locker API, the SMAPI Skill Credentials API and the Login with
// Amazon token endpoint: the embedded OpenAPI 3.0 document openapi.yaml and a
// validator for requests and responses built on it with
// github.com/getkin/kin-openapi.
//
// The document is the single source of truth: the mock validates every request
// with [Validator.ValidateRequest] before acting on it, and the conformance
// suite checks every answer with [Validator.ValidateResponse]. Failures are
// *[ValidationError] values naming the offending field and the fix; they never
// contain the value that failed, since request and response bodies carry
// secrets (network keys, PSKc, client secrets, tokens).
//
// Operations are selected by method and path only ([OperationOf]), never by
// host, so the same validator serves requests to the real hosts and to a mock
// on loopback.
package api

import (
	"bytes"
	_ "embed"
	"net/http"
	"strings"

	"github.com/alexa-harness/harness/internal/contract"
)

//go:embed openapi.yaml
var document []byte

// Document returns a copy of the embedded OpenAPI document (YAML).
func Document() []byte { return bytes.Clone(document) }

// skillsPrefix and credentialsSuffix frame the SMAPI path
// /v1/skills/{skillId}/credentials.
const (
	skillsPrefix      = "/v1/skills/"
	credentialsSuffix = "/credentials"
)

// OperationOf maps a request's method and path to the operation it calls
// (contract.OpCreateThreadNetwork, OpGetThreadNetworks, OpGetSkillCredentials
// or OpToken). The path is the URL path (a query, if given, is ignored); hosts
// play no part. The LWA path is matched case-insensitively, because Amazon's
// SMAPI SDK posts to /auth/O2/token. ok is false for unknown routes, including
// a known path with a method it does not serve.
func OperationOf(method, path string) (op string, ok bool) {
	op, _, ok = route(method, path)
	return op, ok
}

// route is OperationOf that also returns the skillId path parameter. The path
// set is tiny and fixed, so plain string comparisons beat any router.
func route(method, path string) (op, skillID string, ok bool) {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	switch {
	case path == contract.ThreadNetworksPath:
		switch method {
		case http.MethodPut:
			return contract.OpCreateThreadNetwork, "", true
		case http.MethodGet:
			return contract.OpGetThreadNetworks, "", true
		}
	case strings.HasPrefix(path, skillsPrefix):
		if method != http.MethodGet || len(path) < len(skillsPrefix)+len(credentialsSuffix) ||
			!strings.HasSuffix(path, credentialsSuffix) {
			return "", "", false
		}
		id := path[len(skillsPrefix) : len(path)-len(credentialsSuffix)]
		if strings.IndexByte(id, '/') >= 0 {
			return "", "", false
		}
		return contract.OpGetSkillCredentials, id, true
	case strings.EqualFold(path, contract.TokenPath):
		if method == http.MethodPost {
			return contract.OpToken, "", true
		}
	}
	return "", "", false
}
