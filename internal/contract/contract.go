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
	"sort"
	"strings"
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

// Well-known mock identities (../shared/contract.md). They are test
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

// Retryable reports whether a status code may be retried with back-off
// (429, 500, 503). 401 is special: retried at most once, with a new token.
func Retryable(status int) bool {
	return status == 429 || status == 500 || status == 503
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

// SortedStatuses returns the union of documented statuses, ascending.
func SortedStatuses() []int {
	seen := map[int]bool{}
	for _, ss := range Documented() {
		for _, s := range ss {
			seen[s] = true
		}
	}
	out := make([]int, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
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
