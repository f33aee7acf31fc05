package certify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// virtualClock lets the back-off waits pass at once.
type virtualClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
	return ctx.Err()
}

// refEnv is the adapter environment for a mock at url with its well-known
// identities.
func refEnv(url string) map[string]string {
	return map[string]string{
		contract.EnvLockerURL: url, contract.EnvSMAPIURL: url, contract.EnvLWAURL: url,
		contract.EnvLWAClientID: contract.MockLWAClientID, contract.EnvLWAClientSecret: contract.MockLWAClientSecret,
		contract.EnvCustomerRefreshToken: contract.MockCustomerARefresh,
		contract.EnvVendorRefreshToken:   contract.MockVendorRefreshToken,
	}
}

type refResult struct {
	code           int
	stdout, stderr string
	journal        []mockcontrol.JournalEntry // what this call added
}

func runRef(t *testing.T, m *mock.Running, op, stdin string, env map[string]string) refResult {
	t.Helper()
	before := len(m.Server.Journal())
	var out, errb bytes.Buffer
	code := RunReferenceAdapter(context.Background(), op, strings.NewReader(stdin), &out, &errb,
		func(k string) string { return env[k] }, WithAdapterClock(&virtualClock{}))
	js := m.Server.Journal()
	return refResult{code: code, stdout: out.String(), stderr: errb.String(), journal: js[before:]}
}

func count(js []mockcontrol.JournalEntry, op string) int {
	n := 0
	for _, e := range js {
		if e.Operation == op {
			n++
		}
	}
	return n
}

func startMock(t *testing.T) (*mock.Running, mockcontrol.Control) {
	t.Helper()
	return startMockWith(t, mock.Config{})
}

func startMockWith(t *testing.T, cfg mock.Config) (*mock.Running, mockcontrol.Control) {
	t.Helper()
	m, err := mock.Start(context.Background(), "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m, mockcontrol.Control{BaseURL: m.URL}
}

func TestReferenceAdapterOperations(t *testing.T) {
	m, _ := startMock(t)
	env := refEnv(m.URL)
	const xpan = "0123456789abcdef"
	for i := range 23 {
		body := fmt.Sprintf(`{"threadNetwork":{"extendedPanId":%q,"networkName":"net-%02d","networkKey":"00112233445566778899aabbccddeeff"}}`, xpan, i)
		if r := runRef(t, m, OpCreateNetwork, body, env); r.code != AdapterOK || strings.TrimSpace(r.stdout) != "{}" {
			t.Fatalf("create %d: exit %d, stdout %q, stderr %s", i, r.code, r.stdout, r.stderr)
		}
	}
	r := runRef(t, m, OpCreateNetwork, `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"net-00","networkKey":"00112233445566778899aabbccddeeff"}}`, env)
	if r.code != AdapterFailed || count(r.journal, contract.OpCreateThreadNetwork) != 1 || !strings.Contains(r.stderr, "409") {
		t.Fatalf("duplicate create: exit %d, journal %+v, stderr %s", r.code, r.journal, r.stderr)
	}

	r = runRef(t, m, OpGetNetworks, `{"extendedPanId":"0123456789abcdef","maxResults":10}`, env)
	var got struct {
		ThreadNetworks []clients.ThreadNetworkWire `json:"threadNetworks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != AdapterOK {
		t.Fatalf("get-networks: exit %d, stdout %q (%v), stderr %s", r.code, r.stdout, err, r.stderr)
	}
	names := map[string]bool{}
	for _, n := range got.ThreadNetworks {
		names[n.NetworkName] = true
	}
	if len(got.ThreadNetworks) != 23 || len(names) != 23 || got.ThreadNetworks[0].NetworkKey != "00112233445566778899aabbccddeeff" {
		t.Fatalf("get-networks: %d networks, %d distinct", len(got.ThreadNetworks), len(names))
	}
	if pages := count(r.journal, contract.OpGetThreadNetworks); pages != 3 {
		t.Fatalf("get-networks: %d pages requested, want 3", pages)
	}

	r = runRef(t, m, OpSkillCredentials, fmt.Sprintf(`{"skillId":%q}`, contract.MockSkillID), env)
	var creds struct {
		C clients.SkillCredentialsWire `json:"skillMessagingCredentials"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &creds); err != nil || r.code != AdapterOK ||
		creds.C.ClientID != contract.MockSkillClientID || creds.C.ClientSecret != contract.MockSkillClientSecret {
		t.Fatalf("skill-credentials: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	for _, s := range []string{contract.MockLWAClientSecret, contract.MockVendorRefreshToken, contract.MockCustomerARefresh, "Atza|"} {
		if strings.Contains(r.stderr, s) {
			t.Fatalf("stderr shows a secret: %s", r.stderr)
		}
	}
}

func TestReferenceAdapterBehaviour(t *testing.T) {
	m, ctl := startMock(t)
	ctx := context.Background()
	skill := fmt.Sprintf(`{"skillId":%q}`, contract.MockSkillID)
	fresh, err := clients.MockConfig(m.URL).LWA(contract.MockVendorRefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := fresh.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		fault  *mockcontrol.Fault
		env    func(map[string]string)
		op, in string
		code   int
		ops    map[string]int // requests per operation in the journal
		stderr string
	}{
		{name: "503 twice, then success", fault: &mockcontrol.Fault{Operation: contract.OpGetSkillCredentials, Status: 503, Count: 2, Probability: 1},
			op: OpSkillCredentials, in: skill, code: AdapterOK, ops: map[string]int{contract.OpGetSkillCredentials: 3}, stderr: "retry in"},
		{name: "429 with Retry-After, then success", fault: &mockcontrol.Fault{Operation: contract.OpGetThreadNetworks, Status: 429, Count: 1, Probability: 1, RetryAfter: 2},
			op: OpGetNetworks, in: `{"extendedPanId":"fedcba9876543210"}`, code: AdapterOK, ops: map[string]int{contract.OpGetThreadNetworks: 2}, stderr: "Retry-After 2s"},
		{name: "persistent 500: gives up after 5 attempts", fault: &mockcontrol.Fault{Operation: contract.OpGetSkillCredentials, Status: 500, Count: 100, Probability: 1},
			op: OpSkillCredentials, in: skill, code: AdapterFailed, ops: map[string]int{contract.OpGetSkillCredentials: 5}},
		{name: "reset connection retried", fault: &mockcontrol.Fault{Operation: contract.OpGetSkillCredentials, Reset: true, Count: 1, Probability: 1},
			op: OpSkillCredentials, in: skill, code: AdapterOK, ops: map[string]int{contract.OpGetSkillCredentials: 2}, stderr: "no answer"},
		{name: "404 sent once", op: OpSkillCredentials, in: `{"skillId":"amzn1.ask.skill.00000000-0000-4000-8000-0000000000ff"}`,
			code: AdapterFailed, ops: map[string]int{contract.OpGetSkillCredentials: 1}, stderr: "404"},
		{name: "400 sent once", op: OpCreateNetwork, in: `{"threadNetwork":{"networkName":"x"}}`,
			code: AdapterFailed, ops: map[string]int{contract.OpCreateThreadNetwork: 1}, stderr: "400"},
		{name: "403 sent once (vendor who owns nothing)", env: func(e map[string]string) { e[contract.EnvVendorRefreshToken] = contract.MockOtherVendorRefresh },
			op: OpSkillCredentials, in: skill, code: AdapterFailed, ops: map[string]int{contract.OpGetSkillCredentials: 1, contract.OpToken: 1}, stderr: "403"},
		{name: "valid access token given: no LWA call", env: func(e map[string]string) { e[EnvVendorAccessToken] = tok.AccessToken.Reveal() },
			op: OpSkillCredentials, in: skill, code: AdapterOK, ops: map[string]int{contract.OpGetSkillCredentials: 1, contract.OpToken: 0}},
		{name: "rejected access token: one refresh, one retry", env: func(e map[string]string) { e[EnvVendorAccessToken] = "Atza|not-a-token-of-this-mock" },
			op: OpSkillCredentials, in: skill, code: AdapterOK, ops: map[string]int{contract.OpGetSkillCredentials: 2, contract.OpToken: 1}, stderr: "refreshing"},
		{name: "rejected access token, no refresh token: 401 final", env: func(e map[string]string) {
			e[EnvVendorAccessToken] = "Atza|not-a-token-of-this-mock"
			delete(e, contract.EnvVendorRefreshToken)
		}, op: OpSkillCredentials, in: skill, code: AdapterFailed, ops: map[string]int{contract.OpGetSkillCredentials: 1, contract.OpToken: 0}, stderr: "401"},
		{name: "refresh refused: no loop", env: func(e map[string]string) {
			e[EnvVendorAccessToken] = "Atza|not-a-token-of-this-mock"
			e[contract.EnvVendorRefreshToken] = "Atzr|revoked-or-unknown"
		}, op: OpSkillCredentials, in: skill, code: AdapterFailed, ops: map[string]int{contract.OpGetSkillCredentials: 1, contract.OpToken: 1}},
		{name: "LWA 503 retried", fault: &mockcontrol.Fault{Operation: contract.OpToken, Status: 503, Count: 1, Probability: 1},
			op: OpSkillCredentials, in: skill, code: AdapterOK, ops: map[string]int{contract.OpToken: 2, contract.OpGetSkillCredentials: 1}},
		{name: "bad stdin", op: OpSkillCredentials, in: `[1]`, code: AdapterUsage, stderr: "one JSON object"},
		{name: "empty stdin", op: OpGetNetworks, in: ``, code: AdapterUsage, stderr: "one JSON object"},
		{name: "unknown operation", op: "delete-network", in: `{}`, code: AdapterUsage, stderr: "unknown operation"},
		{name: "no credentials", env: func(e map[string]string) { delete(e, contract.EnvCustomerRefreshToken) },
			op: OpGetNetworks, in: `{"extendedPanId":"x"}`, code: AdapterUsage, stderr: EnvCustomerAccessToken},
		{name: "bad URL", env: func(e map[string]string) { e[contract.EnvSMAPIURL] = "ftp://x" },
			op: OpSkillCredentials, in: skill, code: AdapterUsage, stderr: contract.EnvSMAPIURL},
	}
	for _, tt := range tests { // sequential: they share the mock's faults
		t.Run(tt.name, func(t *testing.T) {
			if err := ctl.ClearFaults(ctx); err != nil {
				t.Fatal(err)
			}
			if tt.fault != nil {
				if _, err := ctl.AddFault(ctx, *tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			env := refEnv(m.URL)
			if tt.env != nil {
				tt.env(env)
			}
			r := runRef(t, m, tt.op, tt.in, env)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q), stdout %q", r.code, tt.code, r.stderr, tt.stderr, r.stdout)
			}
			for op, want := range tt.ops {
				if got := count(r.journal, op); got != want {
					t.Errorf("%d %s requests, want %d; journal %+v", got, op, want, r.journal)
				}
			}
			for _, s := range []string{contract.MockLWAClientSecret, contract.MockVendorRefreshToken, tok.AccessToken.Reveal(), "Atza|not-a-token"} {
				if strings.Contains(r.stderr, s) {
					t.Errorf("stderr shows a secret: %s", r.stderr)
				}
			}
		})
	}
}
