package main

import (
	"net"
	"regexp"
	"strings"
	"testing"
)

// godogSummary matches godog's own closing lines ("109 scenarios (109
// passed)", "12 steps (…)"), which counted the harness's skipped scenarios
// as passed.
var godogSummary = regexp.MustCompile(`(?m)^\d+ (scenarios?|steps?) \(`)

// TestConformOutput: a real target where nothing listens is exit 3 before
// any scenario, naming the address; godog's summary never contradicts the
// harness's (it is not printed, in either console format); --format pretty
// points each step at its definition (register.go), not at the scrubbing
// wrapper; --tags that select nothing print only the harness's error.
func TestConformOutput(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		want  []string
		never []string
	}{
		{"nothing listens", realEnv(dead), []string{"--target", "real"}, ExitRuntime,
			[]string{"could not run: nothing answers at " + dead}, []string{"scenarios", "failed"}},
		{"progress", nil, []string{"--tags", "@op:token"}, ExitOK, []string{"PASS (target mock"}, nil},
		{"pretty", nil, []string{"--tags", "@op:token", "--format", "pretty"}, ExitOK, []string{"PASS (target mock", "# register.go:"},
			[]string{"scrub.go", "makeFuncStub"}},
		// --rate and --max-requests pace and bound a mock run too; only
		// --allow-writes is for real targets alone.
		{"rate on the mock", nil, []string{"--tags", "@op:token", "--rate", "1000", "--max-requests", "500"}, ExitOK,
			[]string{"PASS (target mock"}, []string{"real only"}},
		{"allow-writes on the mock", nil, []string{"--tags", "@op:token", "--allow-writes"}, ExitOK,
			[]string{"PASS (target mock", "--allow-writes applies to --target real only"}, nil},
		{"tags select nothing", nil, []string{"--tags", "@no-such-tag"}, ExitUsage,
			[]string{`tag expression "@no-such-tag" selects no scenario`}, []string{"No scenarios", "0 scenarios", "0 steps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out := conformCmd(t, tt.env, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, out)
			}
			assertSays(t, "output", out, tt.want, tt.never)
			if m := godogSummary.FindString(out); m != "" {
				t.Errorf("godog's own summary is printed (%q):\n%s", m, out)
			}
			if tt.code == ExitUsage && strings.TrimSpace(out) != "" && strings.Count(strings.TrimSpace(out), "\n") > 0 {
				t.Errorf("more than the harness's one error line:\n%s", out)
			}
		})
	}
}
