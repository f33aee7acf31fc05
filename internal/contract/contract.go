// Package contract holds the facts of the Credential Locker, SMAPI skill
// credentials and Login with Amazon contract that every part of the harness
// shares: operation names, the documented (operation, status) pairs, the real
// base URLs, the environment variable names and the mock's well-known
// identities. It is data only; api/openapi.yaml is the machine-readable
// contract that requests and responses are validated against.
package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// Operation names, as used by the OpenAPI operationIds, the mock's control
// API, the journal, the feature tags (@op:<name>) and the reports.
const (
	OpCreateThreadNetwork = "createThreadNetwork"
	OpGetThreadNetworks   = "getThreadNetworks"
	OpGetSkillCredentials = "getSkillCredentials"
	OpToken               = "token"
)

// Real base URLs of the three services.
const (
	LockerBaseURL = "https://credential-locker-service.amazon.com"
	SMAPIBaseURL  = "https://api.amazonalexa.com"
	LWABaseURL    = "https://api.amazon.com"
)

// Paths of the operations.
const (
	ThreadNetworksPath  = "/credentiallocker/v2/threadNetworks"
	SkillCredentialsFmt = "/v1/skills/%s/credentials"
	TokenPath           = "/auth/o2/token"
	ControlPrefix       = "/__harness/"
)

// Environment variable names shared by every part of the harness and by a
// user's CI.
const (
	EnvLockerURL               = "HARNESS_LOCKER_URL"
	EnvSMAPIURL                = "HARNESS_SMAPI_URL"
	EnvLWAURL                  = "HARNESS_LWA_URL"
	EnvLWAClientID             = "HARNESS_LWA_CLIENT_ID"
	EnvLWAClientSecret         = "HARNESS_LWA_CLIENT_SECRET"
	EnvCustomerRefreshToken    = "HARNESS_CUSTOMER_REFRESH_TOKEN"
	EnvVendorRefreshToken      = "HARNESS_VENDOR_REFRESH_TOKEN"
	EnvSkillID                 = "HARNESS_SKILL_ID"
	EnvAccessToken             = "HARNESS_ACCESS_TOKEN"
	EnvCustomerBRefreshToken   = "HARNESS_CUSTOMER_B_REFRESH_TOKEN"
	EnvNoScopeRefreshToken     = "HARNESS_NOSCOPE_REFRESH_TOKEN"
	EnvOtherVendorRefreshToken = "HARNESS_OTHER_VENDOR_REFRESH_TOKEN"
)

// Well-known mock identities (docs/mock.md). They are test
// credentials of the local mock only, like a cloud emulator's test/test.
const (
	MockLWAClientID            = "amzn1.application-oa2-client.harness"
	MockLWAClientSecret        = "harness-client-secret"
	MockVendorRefreshToken     = "Atzr|harness-vendor"
	MockOtherVendorRefresh     = "Atzr|harness-vendor-other"
	MockSkillID                = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
	MockSkillClientID          = "amzn1.application-oa2-client.skill1"
	MockSkillClientSecret      = "harness-skill1-secret"
	MockCustomerARefresh       = "Atzr|harness-customer-a"
	MockCustomerBRefresh       = "Atzr|harness-customer-b"
	MockCustomerNoScopeRefresh = "Atzr|harness-customer-noscope"
)

// Documented lists, per operation, the status codes contract.md documents.
// The conformance coverage matrix is built from it.
func Documented() map[string][]int {
	return map[string][]int{
		OpCreateThreadNetwork: {200, 400, 401, 403, 404, 409, 429, 500, 503},
		OpGetThreadNetworks:   {200, 400, 401, 403, 404, 429, 500, 503},
		OpGetSkillCredentials: {200, 400, 401, 403, 404, 429, 500, 503},
		OpToken:               {200, 400, 401},
	}
}

// Operations returns the operation names in a stable order.
func Operations() []string {
	return []string{OpCreateThreadNetwork, OpGetThreadNetworks, OpGetSkillCredentials, OpToken}
}

// Back-off defaults shared by the reference client's Standard policy
// (internal/clients) and the back-off grader (internal/compliance), so that a
// run naming no policy parameters is graded as the policy it ran. Base, Cap
// and the full jitter follow the AWS SDK standard retry mode and the AWS
// Architecture Blog; MaxAttempts is C3's default bound; the windows are the
// figures of the back-off rules C1, C2 and C6.
const (
	BackoffBase        = 500 * time.Millisecond // first back-off ceiling
	BackoffCap         = 20 * time.Second       // largest back-off ceiling
	BackoffMaxAttempts = 5                      // attempts per chain, first included (C3)
	BackoffMaxElapsed  = 60 * time.Second       // the policy gives up after this long in one chain
	BackoffQuiet       = 60 * time.Second       // no re-send after a non-retryable answer or giving up (C2, C6)
	BackoffChainWindow = 120 * time.Second      // a retry follows its retryable answer within this (C1)
)

// Retryable reports whether a status code may be retried with back-off:
// 429, 500 and 503, the statuses the references and the back-off rules name.
// A transport error (no answer) is retryable too. 502 and 504 are not: they
// come from an intermediary, not the service (docs/contract.md, A12). It is
// the one owner of this set: the reference client's policies and the
// compliance grader both call it.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusInternalServerError ||
		status == http.StatusServiceUnavailable
}

// NonRetryable reports whether a status code must not be retried (C2): 400,
// 403, 404 and 409, and 401 unless with a new token (a client re-authenticates
// at most once). Statuses that are neither Retryable nor NonRetryable (2xx,
// other 4xx and 5xx) end a chain without a rule about re-sending.
func NonRetryable(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict:
		return true
	}
	return false
}

// RequestKey identifies one logical request (operation, path, query and body)
// so that retries of it can be chained. The mock's journal and the clients'
// attempt log compute it the same way; it reveals nothing of the body.
func RequestKey(method, pathAndQuery string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(pathAndQuery))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Attribute names the operation a request counts as, for the mock's journal
// and the clients' attempt log alike, so that the two views of one request
// join. It is deliberately looser than api.OperationOf: a request to an
// unknown Credential Locker version or SMAPI version (answered 404) is still
// attributed to the operation it was meant for. The LWA path is matched
// case-insensitively. ok is false when the request is none of the operations.
func Attribute(method, path string) (op string, ok bool) {
	switch {
	case strings.HasPrefix(path, "/credentiallocker/"):
		switch method {
		case http.MethodPut:
			return OpCreateThreadNetwork, true
		case http.MethodGet:
			return OpGetThreadNetworks, true
		}
	case strings.EqualFold(path, TokenPath):
		if method == http.MethodPost {
			return OpToken, true
		}
	case strings.HasPrefix(path, "/v") && strings.HasSuffix(path, "/credentials") && strings.Contains(path, "/skills/"):
		if method == http.MethodGet {
			return OpGetSkillCredentials, true
		}
	}
	return "", false
}
