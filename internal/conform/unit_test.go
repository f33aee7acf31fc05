package conform

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/alexa-harness/harness/features"
	"github.com/alexa-harness/harness/internal/contract"
)

func TestPairsOf(t *testing.T) {
	tests := []struct {
		tags []string
		want []Pair
	}{
		{[]string{"@op:token", "@status:400"}, []Pair{{"token", 400}}},
		{[]string{"@op:token"}, nil},
		{[]string{"@status:400", "@mock-only"}, nil},
		{[]string{"@op:a", "@op:b", "@status:1", "@status:x"}, []Pair{{"a", 1}, {"b", 1}}},
	}
	for _, tc := range tests {
		got := PairsOf(tc.tags)
		if len(got) != len(tc.want) {
			t.Errorf("PairsOf(%v) = %v, want %v", tc.tags, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("PairsOf(%v) = %v, want %v", tc.tags, got, tc.want)
			}
		}
	}
}

func TestBuildCoverage(t *testing.T) {
	doc := map[string][]int{"token": {200, 400, 401}, "getThreadNetworks": {200, 503}}
	res := []ScenarioResult{
		{Name: "a", Tags: []string{"@op:token", "@status:200"}, Outcome: Passed},
		{Name: "b", Tags: []string{"@op:token", "@status:200"}, Outcome: Skipped, Reason: "x"},
		{Name: "c", Tags: []string{"@op:token", "@status:400"}, Outcome: Failed},
		{Name: "d", Tags: []string{"@op:token", "@status:400"}, Outcome: Passed},
		{Name: "e", Tags: []string{"@op:getThreadNetworks", "@status:503"}, Outcome: Skipped, Reason: "mock-only"},
		{Name: "f", Tags: []string{"@op:getThreadNetworks", "@status:503"}, Outcome: Skipped, Reason: "mock-only"},
		{Name: "g", Tags: []string{"@op:token", "@status:418"}, Outcome: Passed},
	}
	cov := BuildCoverage(res, doc)
	if got := strings.Join(cov.Operations, ","); got != "getThreadNetworks,token" {
		t.Errorf("operations %s", got)
	}
	tests := []struct {
		op     string
		status int
		state  CellState
	}{
		{"token", 200, CellPassed},
		{"token", 400, CellFailed},
		{"token", 401, CellNotCovered},
		{"getThreadNetworks", 200, CellNotCovered},
		{"getThreadNetworks", 503, CellSkipped},
	}
	for _, tc := range tests {
		c, ok := cov.Cell(tc.op, tc.status)
		if !ok || c.State != tc.state {
			t.Errorf("%s %d: %v %v, want %v", tc.op, tc.status, c.State, ok, tc.state)
		}
	}
	if c, _ := cov.Cell("getThreadNetworks", 503); len(c.Reasons) != 1 || c.Reasons[0] != "mock-only" || c.Skipped != 2 {
		t.Errorf("skipped cell %+v", c)
	}
	if _, ok := cov.Cell("token", 418); ok {
		t.Error("an undocumented pair became a cell")
	}
	if len(cov.Undocumented) != 1 || cov.Undocumented[0] != (Pair{"token", 418}) {
		t.Errorf("undocumented %v", cov.Undocumented)
	}
	if u := cov.Uncovered(); len(u) != 2 {
		t.Errorf("uncovered %v", u)
	}
	r := Result{Scenarios: res, Coverage: cov}
	if r.OK() {
		t.Error("a run with a failure and uncovered pairs is OK")
	}
	for _, want := range []string{"token 401", "getThreadNetworks 200", `"c"`} {
		if !strings.Contains(r.Verdict(), want) {
			t.Errorf("verdict %q lacks %q", r.Verdict(), want)
		}
	}
}

// TestFeatureSetCoversTheContract: every documented pair is tagged by some
// scenario, every tag is well formed, and names are unique.
func TestFeatureSetCoversTheContract(t *testing.T) {
	cat, err := Catalog(features.FS())
	if err != nil {
		t.Fatal(err)
	}
	var res []ScenarioResult
	ops := map[string]bool{}
	for _, op := range contract.Operations() {
		ops[op] = true
	}
	known := map[string]bool{"@mock-only": true, "@writes": true}
	for _, s := range cat {
		for _, tag := range s.Tags {
			switch {
			case known[tag]:
			case strings.HasPrefix(tag, "@op:"):
				if !ops[strings.TrimPrefix(tag, "@op:")] {
					t.Errorf("%s: %q: unknown operation", s.Name, tag)
				}
			case strings.HasPrefix(tag, "@status:"), strings.HasPrefix(tag, "@needs:"):
			default:
				t.Errorf("%s: unknown tag %q", s.Name, tag)
			}
		}
		if len(PairsOf(s.Tags)) > 0 && !strings.Contains(strings.Join(s.Tags, " "), "@op:") {
			t.Errorf("%s: @status without @op", s.Name)
		}
		res = append(res, ScenarioResult{Name: s.Name, Tags: s.Tags, Outcome: Passed})
	}
	cov := BuildCoverage(res, contract.Documented())
	if u := cov.Uncovered(); len(u) > 0 {
		t.Errorf("documented pairs no scenario covers: %v", u)
	}
	if len(cov.Undocumented) > 0 {
		t.Errorf("tagged pairs the contract does not document: %v", cov.Undocumented)
	}
}

func TestCatalogRejectsDuplicateNames(t *testing.T) {
	fsys := fstest.MapFS{"a.feature": {Data: []byte(`Feature: a
  Scenario Outline: same name
    Given the caller is customer A
    Examples:
      | x |
      | 1 |
      | 2 |
`)}}
	_, err := Catalog(fsys)
	if err == nil || !strings.Contains(err.Error(), "placeholder") || !strings.Contains(err.Error(), "a.feature") {
		t.Fatalf("err = %v, want a duplicate-name error naming the file and the fix", err)
	}
	if _, err := Catalog(fstest.MapFS{"a.feature": {Data: []byte("Given a step outside any feature\n")}}); err == nil {
		t.Error("a malformed feature file was accepted")
	}
	if _, err := Catalog(fstest.MapFS{}); err == nil {
		t.Error("an empty feature set was accepted")
	}
}

func TestGuard(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	get := func(g *guard, path string) error {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		resp, err := g.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	g := newGuard(nil, true, 2, -1)
	if err := get(g, contract.ControlPrefix+"faults"); err == nil || !strings.Contains(err.Error(), "control API") {
		t.Errorf("real mode reached the control API: %v", err)
	}
	if err := get(g, "/a"); err != nil {
		t.Fatal(err)
	}
	if g.exhausted() != "" {
		t.Error("exhausted after 1 of 2")
	}
	if err := get(g, "/b"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(g.exhausted(), "budget of 2") {
		t.Errorf("exhausted() = %q", g.exhausted())
	}
	if err := get(g, "/c"); !errors.Is(err, ErrBudget) {
		t.Errorf("third request: %v, want ErrBudget", err)
	}
	if g.sent.Load() != 2 {
		t.Errorf("sent %d", g.sent.Load())
	}

	tests := []struct {
		real      bool
		budget    int64
		rate      float64
		wantLimit float64 // 0 = none
		wantB     int64
	}{
		{true, 0, 0, DefaultRealRate, DefaultRealMaxRequests},
		{true, -1, -1, 0, 0},
		{true, 7, 2.5, 2.5, 7},
		{false, 0, 0, 0, 0},
		{false, 10, 100, 100, 10},
	}
	for _, tc := range tests {
		g := newGuard(nil, tc.real, tc.budget, tc.rate)
		lim := 0.0
		if g.limiter != nil {
			lim = float64(g.limiter.Limit())
		}
		if lim != tc.wantLimit || g.budget != tc.wantB {
			t.Errorf("newGuard(real=%t, %d, %g): limit %g budget %d, want %g %d", tc.real, tc.budget, tc.rate, lim, g.budget, tc.wantLimit, tc.wantB)
		}
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for _, opt := range []Options{
		{Target: "staging"},
		{Format: "html"},
		{OutDir: t.TempDir() + "/a,b"},
		{Target: TargetReal}, // no LWA client
		{Tags: "@op:token &&", Format: "none"},
		{Tags: "@no-such-tag", Format: "none"},
		{Tags: "@op:token && ~@op:token", Format: "none"},
		{Rate: math.NaN(), Format: "none"},
		{Rate: math.Inf(1), Format: "none"},
	} {
		_, err := Run(context.Background(), opt)
		if !errors.Is(err, ErrOptions) {
			t.Errorf("Run(%+v) = %v, want ErrOptions", opt, err)
		}
		if opt.Tags == "@no-such-tag" && (err == nil || !strings.Contains(err.Error(), `tag expression "@no-such-tag" selects no scenario`)) {
			t.Errorf("Run(--tags @no-such-tag) = %v: want it to say the expression selects no scenario", err)
		}
	}
}

func TestValidateTags(t *testing.T) {
	for _, ok := range []string{"", "@op:token", "~@mock-only", "@op:token,@op:getThreadNetworks && ~@mock-only", "@needs:customer-b"} {
		if err := ValidateTags(ok); err != nil {
			t.Errorf("ValidateTags(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"@op:token &&", ",@a", "@a && ~", "@a || @b", "not @a"} {
		if err := ValidateTags(bad); err == nil {
			t.Errorf("ValidateTags(%q) accepted", bad)
		}
	}
}
