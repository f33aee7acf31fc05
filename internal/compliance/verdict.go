package compliance

import (
	"fmt"
	"time"
)

// Status is a rule's outcome.
type Status string

// The outcomes a rule can have. Only StatusFail fails a Verdict.
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusNotEnough     Status = "not-enough-evidence"
	StatusWarning       Status = "warning"
	StatusNotApplicable Status = "not-applicable"
)

// Rule identifiers, in the order a Verdict lists them.
const (
	RuleRetryAfter    = "C1"
	RuleNonRetryable  = "C2"
	RuleBounded       = "C3"
	RuleBackoff       = "C4"
	RuleAmplification = "C5"
	RuleGivesUp       = "C6"
	RuleRecovers      = "C7"
)

// RuleIDs lists every rule, C1 to C7.
func RuleIDs() []string {
	return []string{RuleRetryAfter, RuleNonRetryable, RuleBounded, RuleBackoff, RuleAmplification, RuleGivesUp, RuleRecovers}
}

var ruleTitles = map[string]string{
	RuleRetryAfter:    "Retry-After floor",
	RuleNonRetryable:  "No retry of non-retryable",
	RuleBounded:       "Bounded attempts",
	RuleBackoff:       "Back-off",
	RuleAmplification: "Amplification",
	RuleGivesUp:       "Gives up",
	RuleRecovers:      "Recovers",
}

// RuleTitle returns the rule's short title ("Retry-After floor" for "C1").
func RuleTitle(id string) string { return ruleTitles[id] }

// Violation is one breach of a rule, with its evidence. Client is the
// redacted client id the events carried; no token or body appears.
type Violation struct {
	Rule       string        `json:"rule"`
	Client     string        `json:"client"`
	Operation  string        `json:"operation,omitempty"`
	Status     int           `json:"status"`               // the answer the client reacted to (0: transport error)
	Answered   time.Time     `json:"answered"`             // when that answer was written / received
	RetryAfter time.Duration `json:"retryAfter,omitempty"` // the Retry-After it carried
	Next       time.Time     `json:"next,omitzero"`        // when the next attempt arrived / was sent
	Attempt    int           `json:"attempt,omitempty"`    // the next attempt's number in its chain
	Figure     string        `json:"figure"`               // e.g. "gap 12ms < Retry-After 1s − 50ms"
	// Shortfall is how far a gap fell short of its bound (0 when the rule is
	// not about a gap, e.g. an attempt count); Compare uses it.
	Shortfall time.Duration `json:"shortfall,omitempty"`
}

// Rule is one rule's result.
type Rule struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	N      int    `json:"n"`      // how many things were examined
	Unit   string `json:"unit"`   // what N counts: "retries", "chains", "clients", …
	Figure string `json:"figure"` // the rule's headline figure
	// Statistic and Critical are the numbers behind the figure where there
	// are some (C4 full jitter: the worst D⁺ and its critical value; C5: the
	// largest amplification and its bound).
	Statistic float64 `json:"statistic,omitempty"`
	Critical  float64 `json:"critical,omitempty"`
	// Total counts every violation; Violations keeps the first
	// Options.MaxViolations of them.
	Total      int         `json:"total"`
	Violations []Violation `json:"violations,omitempty"`
	// WorstShortfall is the largest Shortfall of any violation; Untimed
	// counts violations that are not about a gap.
	WorstShortfall time.Duration `json:"worstShortfall,omitempty"`
	Untimed        int           `json:"untimed,omitempty"`
}

// Failed reports whether the rule failed.
func (r Rule) Failed() bool { return r.Status == StatusFail }

// Verdict is the result of Check: every rule C1–C7, in order.
type Verdict struct {
	Rules   []Rule  `json:"rules"`
	Events  int     `json:"events"`
	Clients int     `json:"clients"`
	Chains  int     `json:"chains"`
	Options Options `json:"options"` // the options Check used, defaults applied
}

// Pass reports whether no rule failed (warnings, not-applicable and
// not-enough-evidence do not fail a verdict).
func (v Verdict) Pass() bool {
	for _, r := range v.Rules {
		if r.Failed() {
			return false
		}
	}
	return true
}

// Failed lists the ids of the rules that failed.
func (v Verdict) Failed() []string {
	var out []string
	for _, r := range v.Rules {
		if r.Failed() {
			out = append(out, r.ID)
		}
	}
	return out
}

// Rule returns the result of the rule with the given id ("C1"…"C7").
func (v Verdict) Rule(id string) (Rule, bool) {
	for _, r := range v.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// String summarises the verdict on one line, e.g.
// "compliance: fail (C1, C4) over 1200 events, 30 clients, 400 chains".
func (v Verdict) String() string {
	verdict := "pass"
	if f := v.Failed(); len(f) > 0 {
		verdict = fmt.Sprintf("fail %v", f)
	}
	return fmt.Sprintf("compliance: %s over %d events, %d clients, %d chains", verdict, v.Events, v.Clients, v.Chains)
}

// add records a violation, keeping at most max of them.
func (r *Rule) add(v Violation, max int) {
	r.Total++
	if v.Shortfall > 0 {
		r.WorstShortfall = maxDur(r.WorstShortfall, v.Shortfall)
	} else {
		r.Untimed++
	}
	if len(r.Violations) < max {
		r.Violations = append(r.Violations, v)
	}
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// fmtDur renders a duration for a figure: milliseconds from 10 ms up,
// finer below.
func fmtDur(d time.Duration) string {
	switch a := d.Abs(); {
	case a >= time.Minute:
		return d.Round(time.Second).String()
	case a >= 10*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case a >= 10*time.Microsecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.String()
}
