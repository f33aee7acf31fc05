package clients_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// TestGradedByCompliance sends retried traffic through each policy to the
// mock (in virtual time) and grades it with the back-off compliance checker
// from both views, the attempt log and the mock's journal: Standard passes
// every rule, and each deliberately non-compliant policy fails exactly the
// rule it was built to break. The two views must agree.
func TestGradedByCompliance(t *testing.T) {
	cases := []struct {
		policy     string
		retryAfter int
		fails      []string
	}{
		{clients.PolicyStandard, 0, nil},
		{clients.PolicyStandard, 1, nil},
		{clients.PolicyNoRetry, 1, nil}, // safe; C7 only warns
		{clients.PolicyImmediate, 0, []string{"C4"}},
		{clients.PolicyImmediate, 1, []string{"C1"}},
		{clients.PolicyIgnoreRetryAfter, 0, nil},
		{clients.PolicyIgnoreRetryAfter, 1, []string{"C1"}},
		{clients.PolicyRetryNonRetryable, 0, []string{"C2"}},
	}
	for _, c := range cases {
		t.Run(c.policy+map[int]string{0: "", 1: "/retry-after"}[c.retryAfter], func(t *testing.T) {
			m := startMock(t)
			ctx := context.Background()
			params := clients.PolicyParams{Base: 200 * time.Millisecond, MaxAttempts: 5, Rand: rand.New(rand.NewPCG(7, 11)).Float64}
			m.cfg.Policy, _ = clients.PolicyByName(c.policy, params)
			s := m.smapi(t, contract.MockVendorRefreshToken)
			m.fault(t, mockcontrol.Fault{Operation: contract.OpGetSkillCredentials, Status: 403, Count: 3, Probability: 1})
			m.fault(t, mockcontrol.Fault{Operation: contract.OpGetSkillCredentials, Status: 503, Count: 100000, Probability: 0.6, RetryAfter: c.retryAfter})
			for range 150 {
				_, _ = s.GetSkillCredentials(ctx, contract.MockSkillID)
				m.clock.Advance(2 * time.Minute) // calls are independent: no C2/C6 quiet period overlaps
			}
			journal, err := m.ctl.Journal(ctx)
			if err != nil {
				t.Fatal(err)
			}
			opts := compliance.Options{Base: params.Base, MaxAttempts: params.MaxAttempts}
			var events []compliance.Event
			for _, a := range m.rec.Attempts() {
				events = append(events, a.Event())
			}
			client := compliance.Check(events, opts)
			server := compliance.Check(mockcontrol.Events(journal), opts)
			for view, v := range map[string]compliance.Verdict{"client": client, "server": server} {
				if got := v.Failed(); !slices.Equal(got, c.fails) {
					t.Errorf("%s view failed %v, want %v", view, got, c.fails)
					for _, r := range v.Rules {
						t.Logf("  %s %v n=%d %s", r.ID, r.Status, r.N, r.Figure)
					}
				}
			}
			if err := compliance.Compare(client, server); err != nil {
				t.Errorf("views disagree: %v", err)
			}
		})
	}
}
