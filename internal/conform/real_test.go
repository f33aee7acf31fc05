package conform

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
)

// TestRealModeSkipsWithReasons: without --allow-writes and without the
// optional identities, real mode skips those scenarios and says why, the
// matrix shows them skipped (not uncovered) and the run still passes.
func TestRealModeSkipsWithReasons(t *testing.T) {
	t.Parallel()
	srv, _ := startBroken(t, nil)
	opt := realOptions(srv.URL)
	opt.AllowWrites = false
	opt.Clients.CustomerBRefreshToken = ""
	opt.Clients.NoScopeRefreshToken = ""
	opt.Clients.OtherVendorRefreshToken = ""
	res, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("run failed: %s", res.Verdict())
	}
	reasons := map[string]int{}
	for _, s := range res.Skipped() {
		reasons[s.Reason]++
		switch {
		case s.HasTag("@mock-only"):
			if !strings.HasPrefix(s.Reason, "mock-only") {
				t.Errorf("%s: reason %q", s.Name, s.Reason)
			}
		case s.HasTag("@writes"):
			if s.Reason != "writes data: run with --allow-writes" {
				t.Errorf("%s: reason %q", s.Name, s.Reason)
			}
		case s.HasTag("@needs:noscope"):
			if !strings.Contains(s.Reason, contract.EnvNoScopeRefreshToken) {
				t.Errorf("%s: reason %q does not name %s", s.Name, s.Reason, contract.EnvNoScopeRefreshToken)
			}
		case s.HasTag("@needs:other-vendor"):
			if !strings.Contains(s.Reason, contract.EnvOtherVendorRefreshToken) {
				t.Errorf("%s: reason %q", s.Name, s.Reason)
			}
		default:
			t.Errorf("%s skipped for %q without a tag that explains it", s.Name, s.Reason)
		}
	}
	c, _ := res.Coverage.Cell(contract.OpCreateThreadNetwork, 403)
	if c.State != CellSkipped || len(c.Reasons) == 0 {
		t.Errorf("createThreadNetwork 403: %+v, want skipped with a reason", c)
	}
	c, _ = res.Coverage.Cell(contract.OpCreateThreadNetwork, 409)
	if c.State != CellSkipped {
		t.Errorf("createThreadNetwork 409: %+v, want skipped", c)
	}
	t.Logf("skip reasons: %v", reasons)
}

// TestRealModeBudget: a run never sends more than its request budget, and
// scenarios that would start past it are skipped with the reason.
func TestRealModeBudget(t *testing.T) {
	t.Parallel()
	srv, _ := startBroken(t, nil)
	opt := realOptions(srv.URL)
	opt.MaxRequests = 15
	opt.Concurrency = 1
	res, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests > 15 {
		t.Errorf("%d requests sent, budget 15", res.Requests)
	}
	n := 0
	for _, s := range res.Skipped() {
		if strings.Contains(s.Reason, "request budget of 15 exhausted") {
			n++
		}
	}
	if n == 0 {
		t.Errorf("no scenario skipped for the budget: %s", res.Verdict())
	}
}

// secretsInClear lists the well-known secrets a run against the mock's
// identities uses; none may appear in anything the run writes.
var secretsInClear = []string{contract.MockLWAClientSecret, contract.MockSkillClientSecret, contract.MockCustomerARefresh,
	contract.MockCustomerBRefresh, contract.MockCustomerNoScopeRefresh, contract.MockVendorRefreshToken,
	contract.MockOtherVendorRefresh}

// checkNoSecrets fails t when data holds a secret or an access token the
// mock issued (they start with "Atza|"; the features' own fake token is
// "Atza|not-a-real-token").
func checkNoSecrets(t *testing.T, what string, data []byte) {
	t.Helper()
	for _, s := range secretsInClear {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("%s contains a secret in clear (%d bytes long)", what, len(s))
		}
	}
	if bytes.Contains(bytes.ReplaceAll(data, []byte("Atza|not-a-real-token"), nil), []byte("Atza|")) {
		t.Errorf("%s contains an access token", what)
	}
}

// runWithArtifacts runs opt with pretty console output and an out
// directory, and checks that nothing written holds a secret.
func runWithArtifacts(t *testing.T, opt Options) *Result {
	t.Helper()
	dir := t.TempDir()
	var console bytes.Buffer
	opt.OutDir, opt.Format, opt.Output = dir, "pretty", &console
	res, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	checkNoSecrets(t, "console", console.Bytes())
	for _, f := range []string{CucumberFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v (%d bytes)", f, err, len(b))
		}
		checkNoSecrets(t, f, b)
	}
	// junit.xml and conform.json are rendered by the CLI from these.
	for _, s := range res.Scenarios {
		checkNoSecrets(t, "failure of "+s.Name, []byte(s.Failure))
		checkNoSecrets(t, "skip reason of "+s.Name, []byte(s.Reason))
	}
	return res
}
