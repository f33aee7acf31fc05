package compliance

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrDisagree is wrapped by every error Compare returns.
var ErrDisagree = errors.New("compliance: the client's and the server's views disagree")

// Compare checks that the verdict from the clients' attempt log (client) and
// the one from the mock's journal (server) agree: every rule passes or fails
// in both. The one disagreement network delay can cause is forgiven: the
// server's gaps are longer, so the client view may fail a gap rule the server
// view passes when every client-view violation missed its bound by at most
// client.Options.NetworkSlack (for C4's KS test: D⁺ over its critical value
// by at most NetworkSlack/Base). The error names each rule that disagrees
// and why; it wraps ErrDisagree.
func Compare(client, server Verdict) error {
	slack, base := client.Options.NetworkSlack, client.Options.Base
	if slack <= 0 {
		slack = DefaultNetworkSlack
	}
	if base <= 0 {
		base = DefaultBase
	}
	var errs []error
	if client.Options != server.Options {
		errs = append(errs, fmt.Errorf("%w: the views were graded with different options (client %+v, server %+v): grade both with the same Options",
			ErrDisagree, client.Options, server.Options))
	}
	for _, id := range RuleIDs() {
		c, okc := client.Rule(id)
		s, oks := server.Rule(id)
		switch {
		case !okc && !oks:
			continue
		case !okc:
			errs = append(errs, fmt.Errorf("%w: %s %s: missing from the client view", ErrDisagree, id, RuleTitle(id)))
			continue
		case !oks:
			errs = append(errs, fmt.Errorf("%w: %s %s: missing from the server view", ErrDisagree, id, RuleTitle(id)))
			continue
		}
		if c.Failed() == s.Failed() {
			continue
		}
		if s.Failed() {
			errs = append(errs, fmt.Errorf("%w: %s %s fails in the mock's journal (%s%s) but %s in the client's attempt log (%s): "+
				"the client's log misses attempts the mock saw, or the two cover different spans",
				ErrDisagree, id, c.Title, s.Figure, example(s), c.Status, c.Figure))
			continue
		}
		why, ok := explainedByDelay(c, slack, base)
		if !ok {
			errs = append(errs, fmt.Errorf("%w: %s %s fails in the client's attempt log (%s%s) but %s in the mock's journal (%s): %s",
				ErrDisagree, id, c.Title, c.Figure, example(c), s.Status, s.Figure, why))
		}
	}
	return errors.Join(errs...)
}

// explainedByDelay says whether the client view's failure of r is within
// what network delay can explain, and if not, why.
func explainedByDelay(r Rule, slack, base time.Duration) (string, bool) {
	var why []string
	if n := r.Untimed; n > 0 && !(r.ID == RuleBackoff && r.Critical > 0) {
		why = append(why, fmt.Sprintf("%d of its violations are not about a gap, so network delay cannot explain them", n))
	}
	if r.WorstShortfall > slack {
		why = append(why, fmt.Sprintf("the worst gap is %s short of its bound, more than the %s network delay can explain", fmtDur(r.WorstShortfall), fmtDur(slack)))
	}
	if r.ID == RuleBackoff && r.Critical > 0 {
		if tol := float64(slack) / float64(base); r.Statistic-r.Critical > tol {
			why = append(why, fmt.Sprintf("D⁺ exceeds its critical value by %.3f, more than the %.3f a %s delay can move it", r.Statistic-r.Critical, tol, fmtDur(slack)))
		}
	}
	if len(why) == 0 {
		return "", true
	}
	return strings.Join(why, "; "), false
}

func example(r Rule) string {
	if len(r.Violations) == 0 {
		return ""
	}
	v := r.Violations[0]
	return fmt.Sprintf("; e.g. client %s %s: %s", v.Client, v.Operation, v.Figure)
}
