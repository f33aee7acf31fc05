package certify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// The rules certification grades besides the back-off rules C1–C7 of
// internal/compliance (whose ids it uses as they are).
const (
	RuleOutcome         = "X1" // exit 0 with the answer on success, non-zero on failure
	RuleRefreshOnce     = "T1" // a 401: one refresh, one retry; a second 401 is final
	RuleNoNeedlessLWA   = "T2" // a valid access token: no call to LWA
	RuleRefusedRefresh  = "T3" // invalid_grant ends the call
	RulePagesComplete   = "P1" // every network across the pages, none twice
	RulePagesUnchanged  = "P2" // each page asked once, nextToken sent back unchanged
	ruleStatusPass      = "pass"
	ruleStatusFail      = "fail"
	ruleStatusNotEnough = "not-enough-evidence"
)

var ruleTitles = map[string]string{
	RuleOutcome:        "Outcome: exit 0 with the answer, non-zero on failure",
	RuleRefreshOnce:    "One refresh and one retry after a 401",
	RuleNoNeedlessLWA:  "No needless call to Login with Amazon",
	RuleRefusedRefresh: "A refused refresh ends the call",
	RulePagesComplete:  "Every page: complete, none twice",
	RulePagesUnchanged: "Each page once, nextToken unchanged",
}

// RuleIDs lists every rule certification grades, in the order of the
// certificate. C5 (amplification under sustained throttling) needs a
// throttled load and is graded by `harness load`, not here.
func RuleIDs() []string {
	return []string{
		compliance.RuleRetryAfter, compliance.RuleNonRetryable, compliance.RuleBounded, compliance.RuleBackoff,
		compliance.RuleGivesUp, compliance.RuleRecovers,
		RuleRefreshOnce, RuleNoNeedlessLWA, RuleRefusedRefresh, RulePagesComplete, RulePagesUnchanged, RuleOutcome,
	}
}

// RuleTitle returns a rule's short title.
func RuleTitle(id string) string {
	if t, ok := ruleTitles[id]; ok {
		return t
	}
	if id == compliance.RuleBackoff {
		return "Back-off grows (trend test)"
	}
	return compliance.RuleTitle(id)
}

// Check is one rule graded in one scenario.
type Check struct {
	Rule   string `json:"rule"`
	Title  string `json:"title"`
	Status string `json:"status"` // pass, fail, not-enough-evidence
	// Figure is the measured figure or, for a failure, the evidence.
	Figure string `json:"figure"`
}

// Passed says whether the check passed.
func (c Check) Passed() bool { return c.Status == ruleStatusPass }

// CallRecord is one adapter invocation and what the mock saw of it.
type CallRecord struct {
	Operation string        `json:"operation"`
	ExitCode  int           `json:"exitCode"`
	TimedOut  bool          `json:"timedOut,omitempty"`
	Killed    bool          `json:"killed,omitempty"`
	Start     time.Duration `json:"start"` // since the scenario started
	Duration  time.Duration `json:"duration"`
	Attempts  []Attempt     `json:"attempts"`
	// AttemptsOmitted counts the attempts beyond maxAttemptsKept, not listed.
	AttemptsOmitted int `json:"attemptsOmitted,omitempty"`
	// Stderr is the adapter's stderr, secrets masked.
	Stderr          string `json:"stderr,omitempty"`
	StderrTruncated bool   `json:"stderrTruncated,omitempty"`
	StdoutTruncated bool   `json:"stdoutTruncated,omitempty"`
}

// maxAttemptsKept bounds the attempts a call's record lists.
const maxAttemptsKept = 200

// Attempt is one request the mock saw during a call.
type Attempt struct {
	At         time.Duration `json:"at"` // arrival, since the scenario started
	Operation  string        `json:"operation"`
	Status     int           `json:"status"` // 0: connection reset
	RetryAfter int           `json:"retryAfter,omitempty"`
	Date       bool          `json:"retryAfterDate,omitempty"`
	Client     string        `json:"client"` // redacted id of the token
	// Gap is the wait since the previous answer to the same client and
	// request, when this is a retry.
	Gap time.Duration `json:"gap,omitempty"`
}

// RuleSummary is one rule over the whole run.
type RuleSummary struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
	Other  int    `json:"notEnoughEvidence,omitempty"`
	// FailedIn names the scenarios where the rule failed or had not
	// enough evidence: either fails certification (docs/certify.md).
	FailedIn []string `json:"failedScenarios,omitempty"`
}

// FailsCertification says whether the rule failed certification: it
// failed in a scenario, or a scenario had not enough evidence to grade it
// (docs/certify.md: that also fails certification).
func (rs RuleSummary) FailsCertification() bool { return rs.Failed > 0 || rs.Other > 0 }

// Label is the rule's id as the verdict lists a failed rule: "C4 (not
// enough evidence)" when it never failed outright but lacked evidence.
func (rs RuleSummary) Label() string {
	if rs.Failed == 0 && rs.Other > 0 {
		return rs.ID + " (not enough evidence)"
	}
	return rs.ID
}

// summarise builds the per-rule summary from the scenarios' checks.
func summarise(scen []ScenarioResult) []RuleSummary {
	idx := map[string]int{}
	var out []RuleSummary
	for _, id := range RuleIDs() {
		idx[id] = len(out)
		out = append(out, RuleSummary{ID: id, Title: RuleTitle(id)})
	}
	for _, s := range scen {
		for _, c := range s.Checks {
			i, ok := idx[c.Rule]
			if !ok {
				idx[c.Rule] = len(out)
				i = len(out)
				out = append(out, RuleSummary{ID: c.Rule, Title: RuleTitle(c.Rule)})
			}
			switch c.Status {
			case ruleStatusPass:
				out[i].Passed++
			case ruleStatusFail:
				out[i].Failed++
				if !slices.Contains(out[i].FailedIn, s.Name) {
					out[i].FailedIn = append(out[i].FailedIn, s.Name)
				}
			default:
				out[i].Other++
				if !slices.Contains(out[i].FailedIn, s.Name) {
					out[i].FailedIn = append(out[i].FailedIn, s.Name)
				}
			}
		}
	}
	return out
}

// adapterOpToContract maps an adapter operation (or "token") to the
// contract operation the mock journals.
func adapterOpToContract(op string) (string, error) {
	switch op {
	case OpCreateNetwork:
		return contract.OpCreateThreadNetwork, nil
	case OpGetNetworks:
		return contract.OpGetThreadNetworks, nil
	case OpSkillCredentials:
		return contract.OpGetSkillCredentials, nil
	case "token":
		return contract.OpToken, nil
	}
	return "", fmt.Errorf("unknown operation %q: use create-network, get-networks, skill-credentials or token", op)
}

// retryableStatus: 429, 500, 503, or a reset connection (0).
func retryableStatus(status int) bool { return status == 0 || contract.Retryable(status) }

func statusOf(e mockcontrol.JournalEntry) int {
	if e.Reset {
		return 0
	}
	return e.Status
}

// groupKey is one logical request of one client: the journal's Client (the
// token) and Key (operation, path, query and body).
type groupKey struct{ client, key string }

// groups returns the journal's entries grouped by client and request, each
// in arrival order, the groups in order of their first arrival.
func groups(js []mockcontrol.JournalEntry) [][]mockcontrol.JournalEntry {
	sorted := slices.Clone(js)
	slices.SortStableFunc(sorted, func(a, b mockcontrol.JournalEntry) int { return a.Time.Compare(b.Time) })
	idx := map[groupKey]int{}
	var out [][]mockcontrol.JournalEntry
	for _, e := range sorted {
		k := groupKey{e.Client, e.Key}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], e)
	}
	return out
}

// growthChains returns the retry gaps C4 grades, chain by chain: within each
// group, the wait from a retryable answer without Retry-After to the next
// attempt. A gap after a Retry-After answer is C1's, not C4's, and ends the
// chain's contribution, as compliance.Check does.
func growthChains(js []mockcontrol.JournalEntry) [][]time.Duration {
	var out [][]time.Duration
	for _, g := range groups(js) {
		var gaps []time.Duration
		for i := 1; i < len(g); i++ {
			prev := g[i-1]
			if !retryableStatus(statusOf(prev)) || prev.RetryAfter > 0 {
				break
			}
			gaps = append(gaps, g[i].Time.Sub(prev.AnsweredAt))
		}
		if len(gaps) > 0 {
			out = append(out, gaps)
		}
	}
	return out
}

func countGaps(chains [][]time.Duration) int {
	n := 0
	for _, c := range chains {
		n += len(c)
	}
	return n
}

// attempts lists the journal entries as a call's attempts, with the gap of
// each retry, relative to t0.
func attempts(js []mockcontrol.JournalEntry, t0 time.Time) []Attempt {
	var out []Attempt
	for _, g := range groups(js) {
		for i, e := range g {
			a := Attempt{At: e.Time.Sub(t0), Operation: e.Operation, Status: statusOf(e), RetryAfter: e.RetryAfter,
				Date: e.RetryAfterDate, Client: e.Client}
			if i > 0 {
				a.Gap = e.Time.Sub(g[i-1].AnsweredAt)
			}
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b Attempt) int { return cmp.Compare(a.At, b.At) })
	return out
}

// backoffChecks grades C1, C2, C3 and C6 by compliance.Check over each
// call's own journal entries, so that the harness's repeated invocations are
// new logical calls (never a C3 or C6 violation of the one before); C4 and
// C5 assume a known policy and a sustained load, so certification grades C4
// with GrowthTest and leaves C5 to `harness load`. C7 is graded per call: a
// call that ended with a retryable answer it never retried fails, since it
// would fail a customer's device setup. A call killed at its time limit
// fails C3 (it never gave up).
func backoffChecks(calls []callWindow, maxAttempts int, callTimeout time.Duration) []Check {
	type agg struct {
		n, total int
		unit     string
		ev       []string
		figure   string
	}
	ids := []string{compliance.RuleRetryAfter, compliance.RuleNonRetryable, compliance.RuleBounded, compliance.RuleGivesUp}
	aggs := map[string]*agg{}
	for _, id := range ids {
		aggs[id] = &agg{}
	}
	for i, cw := range calls {
		v := compliance.Check(mockcontrol.Events(cw.journal), compliance.Options{MaxAttempts: maxAttempts})
		for _, id := range ids {
			r, _ := v.Rule(id)
			a := aggs[id]
			a.n += r.N
			a.unit = r.Unit
			if len(calls) == 1 {
				a.figure = r.Figure
			}
			a.total += r.Total
			for _, x := range r.Violations {
				a.ev = append(a.ev, fmt.Sprintf("call %d, %s (%s): %s", i+1, x.Operation, x.Client, x.Figure))
			}
		}
	}
	var out []Check
	for _, id := range ids {
		a := aggs[id]
		figure := a.figure
		if figure == "" {
			figure = fmt.Sprintf("%d %s over %d calls, no violation", a.n, a.unit, len(calls))
		} else {
			figure = fmt.Sprintf("%s (%d %s)", figure, a.n, a.unit)
		}
		c := Check{Rule: id, Title: RuleTitle(id), Status: ruleStatusPass, Figure: figure}
		if a.total > 0 {
			c.Status = ruleStatusFail
			c.Figure = fmt.Sprintf("%d violation(s): %s", a.total, strings.Join(first(a.ev, 5), "; "))
		}
		if id == compliance.RuleBounded {
			killed := 0
			for _, cw := range calls {
				if cw.timedOut {
					killed++
				}
			}
			if killed > 0 {
				c.Status = ruleStatusFail
				c.Figure = fmt.Sprintf("%d call(s) still running at --call-timeout %s were killed: the client never gave up; %s", killed, callTimeout, c.Figure)
			}
		}
		out = append(out, c)
	}
	// C7, per call.
	c7 := Check{Rule: compliance.RuleRecovers, Title: RuleTitle(compliance.RuleRecovers), Status: ruleStatusPass}
	var missed []string
	retried := 0
	for _, cw := range calls {
		if cw.timedOut || cw.killed {
			continue
		}
		for _, g := range groups(cw.journal) {
			last := g[len(g)-1]
			switch {
			case len(g) == 1 && retryableStatus(statusOf(last)):
				missed = append(missed, fmt.Sprintf("%s answered %s was never retried (the call ended, exit %d)",
					last.Operation, statusText(statusOf(last)), cw.exit))
			case len(g) > 1 && retryableStatus(statusOf(g[0])):
				retried++
			}
		}
	}
	if len(missed) > 0 {
		c7.Status = ruleStatusFail
		c7.Figure = fmt.Sprintf("a transient failure never retried: it would fail a customer's device setup: %s", strings.Join(first(missed, 3), "; "))
	} else {
		c7.Figure = fmt.Sprintf("%d retryable answer(s) retried", retried)
	}
	return append(out, c7)
}

func statusText(s int) string {
	if s == 0 {
		return "a reset connection"
	}
	return fmt.Sprint(s)
}

func first(ss []string, n int) []string {
	if len(ss) <= n {
		return ss
	}
	return append(ss[:n:n], fmt.Sprintf("… %d more", len(ss)-n))
}

// growthCheck grades C4 with compliance.GrowthTest.
func growthCheck(chains [][]time.Duration) Check {
	g := compliance.GrowthTest(chains, compliance.GrowthAlpha)
	c := Check{Rule: compliance.RuleBackoff, Title: RuleTitle(compliance.RuleBackoff), Figure: g.Reason}
	switch {
	case !g.Enough:
		c.Status = ruleStatusNotEnough
		c.Figure += ": the client did not retry enough to show that its back-off grows"
	case g.Pass:
		c.Status = ruleStatusPass
	default:
		c.Status = ruleStatusFail
	}
	return c
}
