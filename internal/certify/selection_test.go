package certify

import (
	"bytes"
	"errors"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"

	certfeatures "github.com/alexa-harness/harness/features/certify"
	"github.com/alexa-harness/harness/internal/conform"
)

// TestCheckOptionsSelection: a selection (--operations × --tags) that
// would run no scenario is refused before anything starts, and every
// documented status a scenario exercises selects it.
func TestCheckOptionsSelection(t *testing.T) {
	t.Parallel()
	a := Adapter{Argv: []string{"sh"}}
	tests := []struct {
		name string
		ops  []string
		tags string
		fsys fs.FS
		want []string // substrings of the error; nil = accepted
		is   error
	}{
		{name: "everything", want: nil},
		{name: "@status:500", tags: "@status:500"},
		{name: "@status:409", tags: "@status:409"},
		{name: "@status:400", tags: "@status:400"},
		{name: "@status:200", tags: "@status:200"},
		{name: "one operation", ops: []string{OpCreateNetwork}},
		{name: "one operation and its tag", ops: []string{OpSkillCredentials}, tags: "@op:skill-credentials && @status:503"},
		{name: "unknown tag", tags: "@nosuch", want: []string{`--tags "@nosuch" selects no scenario`}, is: ErrOptions},
		{name: "no scenario of that status", tags: "@status:418", want: []string{`--tags "@status:418" selects no scenario`}, is: ErrOptions},
		{name: "tags select only another operation", ops: []string{OpSkillCredentials}, tags: "@op:get-networks",
			want: []string{`--tags "@op:get-networks" with --operations skill-credentials selects no scenario`, "does not implement"}, is: ErrOptions},
		{name: "no C4 scenario calls create-network", ops: []string{OpCreateNetwork}, tags: "@rule:C4",
			want: []string{"--operations create-network", "selects no scenario"}, is: ErrOptions},
		{name: "no feature file", fsys: fstest.MapFS{}, want: []string{"no scenarios found"}, is: ErrCouldNotRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckOptions(Options{Adapter: a, Operations: tt.ops, Tags: tt.tags, FS: tt.fsys})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; want an error with %q", tt.want)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// documentedStatus finds a documented error status in a step's text (200
// is left out: "200 retry gaps" is no status; the success scenarios carry
// @status:200 by hand).
var documentedStatus = regexp.MustCompile(`\b(400|401|403|404|409|429|500|503)\b`)

// TestStatusTags: every scenario whose steps name a documented status
// carries its @status: tag, so that --tags @status:N selects every
// scenario exercising N (docs/certify.md), and every scenario carries at
// least one @op: and one @rule: tag.
func TestStatusTags(t *testing.T) {
	t.Parallel()
	fsys := certfeatures.FS()
	paths, err := fs.Glob(fsys, "*.feature")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no feature files: %v", err)
	}
	n := 0
	for _, p := range paths {
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			t.Fatal(err)
		}
		ids := (&messages.Incrementing{}).NewId
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(raw), ids)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, pk := range gherkin.Pickles(*doc, p, ids) {
			n++
			var tags []string
			for _, tg := range pk.Tags {
				tags = append(tags, tg.Name)
			}
			if len(scenarioOps(tags)) == 0 || !slices.ContainsFunc(tags, func(s string) bool { return strings.HasPrefix(s, "@rule:") }) {
				t.Errorf("%s: %q: tags %v lack an @op: or a @rule: tag", p, pk.Name, tags)
			}
			for _, st := range pk.Steps {
				for _, code := range documentedStatus.FindAllString(st.Text, -1) {
					if !slices.Contains(tags, "@status:"+code) {
						t.Errorf("%s: %q: step %q exercises %s but the tags %v lack @status:%s", p, pk.Name, st.Text, code, tags, code)
					}
				}
			}
		}
	}
	if n < 40 {
		t.Fatalf("only %d scenarios parsed", n)
	}
}

// TestVerdictFailedRules: the verdict lists every rule that failed
// certification, a rule with not enough evidence marked so (it fails
// certification too, docs/certify.md), and names its scenario.
func TestVerdictFailedRules(t *testing.T) {
	t.Parallel()
	scenario := func(name string, checks ...Check) ScenarioResult {
		out := conform.Passed
		for _, c := range checks {
			if !c.Passed() {
				out = conform.Failed
			}
		}
		return ScenarioResult{ScenarioResult: conform.ScenarioResult{Name: name, Outcome: out}, Checks: checks}
	}
	notEnough := Check{Rule: "C4", Status: ruleStatusNotEnough, Figure: "0 retry gaps"}
	tests := []struct {
		name      string
		scen      []ScenarioResult
		verdict   string
		summary   []string
		failedIn  map[string][]string
		certified bool
	}{
		{name: "all pass", scen: []ScenarioResult{scenario("a", pass("C4", "τ"), pass("C1", "ok"))},
			verdict: "CERTIFIED: 1 passed, 0 failed, 0 skipped", certified: true},
		{name: "C4 not enough evidence only", scen: []ScenarioResult{scenario("grows", notEnough), scenario("b", pass("C1", "ok"))},
			verdict: "NOT CERTIFIED: 1 passed, 1 failed, 0 skipped; rules failed: C4 (not enough evidence)",
			summary: []string{"NOT ENOUGH EVIDENCE", "Failed scenarios:", "grows"}, failedIn: map[string][]string{"C4": {"grows"}}},
		{name: "C4 failed in one, not enough in another", scen: []ScenarioResult{scenario("g1", fail("C4", "no growth")), scenario("g2", notEnough)},
			verdict: "NOT CERTIFIED: 0 passed, 2 failed, 0 skipped; rules failed: C4", failedIn: map[string][]string{"C4": {"g1", "g2"}}},
		{name: "C1 failed, C4 passed in one and not enough in another",
			scen:    []ScenarioResult{scenario("r", fail("C1", "early")), scenario("g1", pass("C4", "τ")), scenario("g2", notEnough)},
			verdict: "NOT CERTIFIED: 1 passed, 2 failed, 0 skipped; rules failed: C1, C4 (not enough evidence)",
			summary: []string{"NOT ENOUGH EVIDENCE", "FAIL"}, failedIn: map[string][]string{"C1": {"r"}, "C4": {"g2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Result{Scenarios: tt.scen, Rules: summarise(tt.scen)}
			if got := r.Verdict(); got != tt.verdict {
				t.Errorf("verdict %q, want %q", got, tt.verdict)
			}
			if r.OK() != tt.certified {
				t.Errorf("OK() = %v, want %v", r.OK(), tt.certified)
			}
			var sum, md bytes.Buffer
			if err := r.WriteSummary(&sum); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			for _, w := range append([]string{tt.verdict}, tt.summary...) {
				if !strings.Contains(sum.String(), w) {
					t.Errorf("summary lacks %q:\n%s", w, sum.String())
				}
			}
			if !strings.Contains(md.String(), tt.verdict) {
				t.Errorf("certificate.md lacks the verdict %q", tt.verdict)
			}
			for _, rs := range r.Rules {
				if want := tt.failedIn[rs.ID]; !slices.Equal(rs.FailedIn, want) {
					t.Errorf("rule %s failed in %v, want %v", rs.ID, rs.FailedIn, want)
				}
			}
		})
	}
}
