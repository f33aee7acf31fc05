package certify

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
	env["GORACE"] = noExitSleep
	return Adapter{Argv: []string{exe}}, env
}

// teamAdapterPkg is the adapter a skill team might write, with one variant
// per broken rule (internal/teamadapter/main.go).
const teamAdapterPkg = "./internal/teamadapter"

// buildTeamAdapter builds the team adapter into dir, without -race: it runs
// hundreds of times in TestCertify, and a binary without the race runtime
// and this package's dependencies starts in a few milliseconds instead of
// some 40 ms of CPU. With a warm build cache this is a link of some 0.4 s;
// with a cold one it compiles net/http and the rest of its standard library
// once (some 20 s of CPU), hence the generous bound.
func buildTeamAdapter(dir string) (string, error) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building the team adapter needs the go command on PATH (go test puts it there): %w", err)
	}
	bin := filepath.Join(dir, "teamadapter")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, gotool, "build", "-o", bin, teamAdapterPkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", teamAdapterPkg, err, out)
	}
	return bin, nil
}

// teamAdapter is the team adapter bin playing variant.
func teamAdapter(bin, variant string) (Adapter, map[string]string) {
	env := BaseEnv(os.Getenv)
	env[childEnv] = variant
	env["GORACE"] = noExitSleep // in case GOFLAGS has -race
	return Adapter{Argv: []string{bin}}, env
}

// TestCertify certifies the harness's own client and a set of adapters
// written to break one rule each (internal/teamadapter), all at once: the
// certifications run concurrently in goroutines (most of their time is the
// adapters waiting, and t.Parallel would run only GOMAXPROCS of them at a
// time), then each is checked in a subtest.
//
// The reference adapter (as `harness certify` with no --client runs it, with
// a smaller back-off base so that the test is quick) and the correct
// variants must pass every scenario they run, and no file of the reference's
// certificate may show a secret; it replaces the retry scenarios conform
// used to run on the reference client. Every buggy variant must fail the
// rule it breaks, by name. The variants run only the scenarios of that rule
// (and the back-off scenario of one operation), to keep the test short.
func TestCertify(t *testing.T) {
	tests := []struct {
		variant string
		tags    string // the scenarios that grade the rule ("" = all)
		fails   string // the rule it must fail ("" = it must pass)
		timeout time.Duration
	}{
		{"reference-fast", "~@rule:C4,@op:get-networks", "", 0},
		{"good-full-jitter", "~@rule:C4", "", 0},
		{"no-backoff", c4, "C4", 0},
		{"constant-delay", c4, "C4", 0},
		{"ignores-retry-after", "@rule:C1", "C1", 0},
		{"retries-403", "@rule:C2", "C2", 0},
		{"never-gives-up", "@rule:C3", "C3", 3 * time.Second},
		{"no-refresh", "@rule:T1", "T1", 0},
		{"refreshes-every-call", "@rule:T2", "T2", 0},
		{"drops-page", "@rule:P1", "P1", 0},
		{"loops-on-nexttoken", "@rule:P2", "P2", 0},
		{"never-retries-503", "@rule:C7", "C7", 0},
	}
	type outcome struct {
		res *Result
		err error
		out string
	}
	if os.Getenv(examplesEnv) == "1" {
		// The slow part, run by .ci/run: the reference's whole certification
		// (both back-off scenarios), and the back-off of the other correct
		// shapes end to end (compliance's TestGrowthFalseFailRate proves
		// them statistically in every run).
		tests = append(tests, []struct {
			variant string
			tags    string
			fails   string
			timeout time.Duration
		}{{"reference-fast", "", "", 0}, {"good-equal-jitter", c4, "", 0}, {"good-exponential", c4, "", 0}}...)
	} else {
		t.Logf("SKIPPED LOUDLY: the reference's back-off scenario of skill-credentials and the end-to-end back-off of the equal-jitter and exponential variants; set %s=1 to run them (.ci/run does)", examplesEnv)
	}
	// Built once, while the reference (the test binary itself) already runs.
	teamBin := sync.OnceValues(func() (string, error) { return buildTeamAdapter(t.TempDir()) })
	got := make([]outcome, len(tests))
	var wg sync.WaitGroup
	for i, tt := range tests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var a Adapter
			var env map[string]string
			if strings.HasPrefix(tt.variant, "reference") {
				a, env = selfAdapter(t, tt.variant)
			} else {
				bin, err := teamBin()
				if err != nil {
					got[i] = outcome{err: err}
					return
				}
				a, env = teamAdapter(bin, tt.variant)
			}
			timeout := cmp.Or(tt.timeout, 30*time.Second)
			out := t.TempDir()
			res, err := Run(context.Background(), Options{Adapter: a, Env: env, Tags: tt.tags, CallTimeout: timeout, OutDir: out})
			if err == nil {
				err = WriteCertificate(out, res)
			}
			got[i] = outcome{res, err, out}
		}()
	}
	wg.Wait()
	for i, tt := range tests {
		t.Run(tt.variant+" "+tt.tags, func(t *testing.T) {
			res, err := got[i].res, got[i].err
			if err != nil {
				t.Fatal(err)
			}
			assertNoSecrets(t, got[i].out, res)
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
				if strings.HasPrefix(tt.variant, "reference") {
					if p, f, s := res.Counts(); f != 0 || s > 1 || p < 40 {
						t.Fatalf("%d passed, %d failed, %d skipped: every scenario must run and pass", p, f, s)
					}
					md, err := os.ReadFile(filepath.Join(got[i].out, CertificateFile))
					if err != nil || !strings.Contains(string(md), "**CERTIFIED") {
						t.Fatalf("certificate.md does not say CERTIFIED: %v", err)
					}
				}
				t.Logf("%s: %s in %s (%d adapter calls)", tt.variant, res.Verdict(), res.Duration.Round(time.Millisecond), res.calls())
				for _, sc := range res.Scenarios {
					for _, c := range sc.Checks {
						if c.Rule == "C4" {
							t.Logf("%s: %s", sc.Name, c.Figure)
						}
					}
				}
				return
			}
			if res.OK() || !failed[tt.fails] {
				t.Fatalf("want rule %s failed; got %s", tt.fails, res.Verdict())
			}
			t.Logf("%s: %s in %s (%d adapter calls)", tt.variant, res.Verdict(), res.Duration.Round(time.Millisecond), res.calls())
			for _, sc := range res.Scenarios {
				for _, c := range sc.Checks {
					if c.Rule == tt.fails && !c.Passed() {
						t.Logf("%s: %s", sc.Name, c.Figure) // the evidence, to see the margin
						break
					}
				}
			}
		})
	}
}

// c4 selects the back-off scenario of one operation.
const c4 = "@rule:C4 && @op:get-networks"

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

// calls counts the adapter invocations of a run.
func (r *Result) calls() int {
	n := 0
	for _, s := range r.Scenarios {
		n += len(s.Calls)
	}
	return n
}
