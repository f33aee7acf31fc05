package certify

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/redact"
)

// selfAdapter is the test binary run as the adapter named mode (TestMain).
func selfAdapter(t *testing.T, mode string) (Adapter, map[string]string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := BaseEnv(os.Getenv)
	env[childEnv] = mode
	return Adapter{Argv: []string{exe}}, env
}

// TestCertifyReference certifies the harness's own client (the reference
// adapter, as `harness certify` with no --client does, with a smaller
// back-off base so that the test is quick): every scenario must pass, and
// no file of the certificate may show a secret. It replaces the retry
// scenarios conform used to run on the reference client.
func TestCertifyReference(t *testing.T) {
	t.Parallel()
	a, env := selfAdapter(t, "reference-fast")
	out := os.Getenv("CERT_OUT")
	if out == "" {
		out = t.TempDir()
	}
	start := time.Now()
	res, err := Run(context.Background(), Options{Adapter: a, Env: env, OutDir: out, CallTimeout: 60 * time.Second, Description: "the reference adapter"})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCertificate(out, res); err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, out, res)
	for _, s := range res.Scenarios {
		if s.Outcome != conform.Passed {
			t.Errorf("%s: %s %s%s", s.Name, s.Outcome, s.Failure, s.Reason)
		}
	}
	t.Logf("%s in %s", res.Verdict(), time.Since(start))
	md, _ := os.ReadFile(out + "/" + CertificateFile)
	if !strings.Contains(string(md), "CERTIFIED") {
		t.Errorf("certificate: %s", md)
	}
}

// TestCertifyBuggyClients certifies each variant of the test adapter
// (buggy_test.go): every buggy one must fail the rule it breaks, by name;
// the correct ones pass every scenario.
func TestCertifyBuggyClients(t *testing.T) {
	t.Parallel()
	tests := []struct {
		variant string
		tags    string // the scenarios that grade the rule ("" = all)
		fails   string // the rule it must fail ("" = passes)
		timeout time.Duration
	}{
		{"good-full-jitter", "", "", 0},
		{"good-equal-jitter", "", "", 0},
		{"good-exponential", "", "", 0},
		{"no-backoff", "@rule:C4", "C4", 0},
		{"ignores-retry-after", "@rule:C1", "C1", 0},
		{"retries-403", "@rule:C2", "C2", 0},
		{"never-gives-up", "@rule:C3", "C3", 3 * time.Second},
		{"no-refresh", "@rule:T1", "T1", 0},
		{"refreshes-every-call", "@rule:T2", "T2", 0},
		{"drops-page", "@rule:P1", "P1", 0},
		{"loops-on-nexttoken", "@rule:P2", "P2", 0},
		{"constant-delay", "@rule:C4", "C4", 0},
		{"never-retries-503", "@rule:C7", "C7", 0},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			t.Parallel()
			a, env := selfAdapter(t, tt.variant)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 30 * time.Second
			}
			res, err := Run(context.Background(), Options{Adapter: a, Env: env, Tags: tt.tags, CallTimeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string]bool{}
			for _, r := range res.Rules {
				if r.Failed > 0 {
					failed[r.ID] = true
				}
			}
			if tt.fails == "" {
				if !res.OK() || len(failed) > 0 {
					for _, s := range res.Scenarios {
						if s.Outcome == conform.Failed {
							t.Errorf("%s: %s", s.Name, s.Failure)
						}
					}
					t.Fatalf("a correct client was not certified: %s", res.Verdict())
				}
				return
			}
			if res.OK() || !failed[tt.fails] {
				t.Fatalf("want rule %s failed; got %s", tt.fails, res.Verdict())
			}
			t.Logf("%s: %s", tt.variant, res.Verdict())
		})
	}
}

// assertNoSecrets searches every file of the certificate for every secret
// the run knew.
func assertNoSecrets(t *testing.T, dir string, res *Result) {
	t.Helper()
	if len(res.secrets) < 5 {
		t.Fatalf("the run knew only %d secrets: the search would prove nothing", len(res.secrets))
	}
	for _, name := range Files() {
		raw, err := os.ReadFile(dir + "/" + name)
		if err != nil {
			t.Fatalf("certificate file %s: %v", name, err)
		}
		for _, s := range res.secrets {
			if strings.Contains(string(raw), s) {
				t.Errorf("%s shows a secret in clear (%s)", name, redact.String(s))
			}
		}
		if strings.Contains(string(raw), "Atza|") || strings.Contains(string(raw), "Atzr|") {
			t.Errorf("%s shows something that looks like an LWA token", name)
		}
	}
}
