package contract_test

import (
	"slices"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
)

func TestDocumentedCoversContractTable(t *testing.T) {
	// The status table of docs/contract.md, row by row.
	cases := []struct {
		op   string
		want []int
	}{
		{contract.OpCreateThreadNetwork, []int{200, 400, 401, 403, 404, 409, 429, 500, 503}},
		{contract.OpGetThreadNetworks, []int{200, 400, 401, 403, 404, 429, 500, 503}},
		{contract.OpGetSkillCredentials, []int{200, 400, 401, 403, 404, 429, 500, 503}},
		{contract.OpToken, []int{200, 400, 401}},
	}
	doc := contract.Documented()
	if len(doc) != len(cases) {
		t.Fatalf("Documented() has %d operations, want %d", len(doc), len(cases))
	}
	for _, c := range cases {
		if got := doc[c.op]; !slices.Equal(got, c.want) {
			t.Errorf("Documented()[%s] = %v, want %v", c.op, got, c.want)
		}
		if !slices.Contains(contract.Operations(), c.op) {
			t.Errorf("Operations() lacks %s", c.op)
		}
	}
}

func TestRetryable(t *testing.T) {
	cases := []struct {
		status int
		want   bool
	}{
		{200, false}, {400, false}, {401, false}, {403, false}, {404, false}, {409, false},
		{429, true}, {500, true}, {503, true}, {502, false},
	}
	for _, c := range cases {
		if got := contract.Retryable(c.status); got != c.want {
			t.Errorf("Retryable(%d) = %v, want %v", c.status, got, c.want)
		}
	}
	for _, c := range []struct {
		status         int
		retry, noRetry bool
	}{
		{0, false, false}, {200, false, false}, {204, false, false},
		{400, false, true}, {401, false, true}, {403, false, true}, {404, false, true}, {409, false, true},
		{413, false, false}, {429, true, false}, {500, true, false}, {501, false, false},
		{502, false, false}, {503, true, false}, {504, false, false},
	} {
		if r, n := contract.Retryable(c.status), contract.NonRetryable(c.status); r != c.retry || n != c.noRetry {
			t.Errorf("%d: Retryable %v NonRetryable %v, want %v %v", c.status, r, n, c.retry, c.noRetry)
		}
	}
}

func TestRequestKey(t *testing.T) {
	base := contract.RequestKey("PUT", "/credentiallocker/v2/threadNetworks", []byte(`{"a":1}`))
	cases := []struct {
		name              string
		method, uri, body string
		same              bool
	}{
		{"identical", "PUT", "/credentiallocker/v2/threadNetworks", `{"a":1}`, true},
		{"other method", "GET", "/credentiallocker/v2/threadNetworks", `{"a":1}`, false},
		{"other query", "PUT", "/credentiallocker/v2/threadNetworks?x=1", `{"a":1}`, false},
		{"other body", "PUT", "/credentiallocker/v2/threadNetworks", `{"a":2}`, false},
		{"field boundary moved", "PUT", "/credentiallocker/v2/threadNetworks{", `"a":1}`, false},
	}
	for _, c := range cases {
		got := contract.RequestKey(c.method, c.uri, []byte(c.body))
		if len(got) != 16 {
			t.Errorf("%s: key %q is not 16 hex digits", c.name, got)
		}
		if (got == base) != c.same {
			t.Errorf("%s: key equal to base = %v, want %v", c.name, got == base, c.same)
		}
	}
}

func TestAttribute(t *testing.T) {
	cases := []struct {
		method, path string
		op           string
		ok           bool
	}{
		{"PUT", "/credentiallocker/v2/threadNetworks", contract.OpCreateThreadNetwork, true},
		{"GET", "/credentiallocker/v2/threadNetworks", contract.OpGetThreadNetworks, true},
		{"GET", "/credentiallocker/v9/threadNetworks", contract.OpGetThreadNetworks, true}, // unknown version: still attributed
		{"POST", "/credentiallocker/v2/threadNetworks", "", false},
		{"GET", "/v1/skills/amzn1.ask.skill.x/credentials", contract.OpGetSkillCredentials, true},
		{"GET", "/v2/skills/x/credentials", contract.OpGetSkillCredentials, true},
		{"PUT", "/v1/skills/x/credentials", "", false},
		{"POST", "/auth/o2/token", contract.OpToken, true},
		{"POST", "/auth/O2/token", contract.OpToken, true}, // Amazon's SDK
		{"GET", "/auth/o2/token", "", false},
		{"GET", "/elsewhere", "", false},
	}
	for _, c := range cases {
		op, ok := contract.Attribute(c.method, c.path)
		if op != c.op || ok != c.ok {
			t.Errorf("Attribute(%s %s) = %q, %v; want %q, %v", c.method, c.path, op, ok, c.op, c.ok)
		}
	}
}
