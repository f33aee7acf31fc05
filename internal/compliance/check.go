package compliance

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
)

// Check grades events against rules C1–C7 under opts and returns the verdict.
// events may be in any order and are not modified. See the package
// documentation for how chains are identified and how each rule is measured.
func Check(events []Event, opts Options) Verdict {
	o := opts.WithDefaults()
	c := &checker{ev: sane(events), o: o}
	for i, id := range RuleIDs() {
		c.rules[i].ID, c.rules[i].Title = id, ruleTitles[id]
	}
	c.index()
	c.findPeriods()
	c.walk()
	c.backoffKS()
	return c.verdict()
}

// sane returns events, or a copy with impossible answer times repaired
// (a zero Answered, or one before Arrived, becomes Arrived) and negative
// Retry-After values dropped, so that bad input cannot skew the grading.
func sane(events []Event) []Event {
	var out []Event
	for i := range events {
		e := &events[i]
		if e.Answered.IsZero() || e.Answered.Before(e.Arrived) || e.RetryAfter < 0 {
			if out == nil {
				out = slices.Clone(events)
			}
			f := &out[i]
			if f.Answered.IsZero() || f.Answered.Before(f.Arrived) {
				f.Answered = f.Arrived
			}
			f.RetryAfter = max(f.RetryAfter, 0)
		}
	}
	if out == nil {
		return events
	}
	return out
}

// rec is one event's place in a sort order: its group (or client), its time
// in nanoseconds, and its index in the input.
type rec struct {
	g  int32
	i  int32
	at int64
}

func cmpRec(a, b rec) int {
	if c := cmp.Compare(a.g, b.g); c != 0 {
		return c
	}
	if c := cmp.Compare(a.at, b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.i, b.i)
}

type groupKey struct{ client, key string }

// sameInstant is how far before the previous answer's time a request may be
// stamped and still count as following it (clock granularity and the order
// in which a server stamps and flushes); earlier, it is concurrent.
const sameInstant = time.Millisecond

// period is a span of sustained throttling of one client, in Unix ns.
type period struct{ from, to int64 }

// amp accumulates C5's counts for one client.
type amp struct {
	chains, attempts               int
	settledChains, settledAttempts int
	op                             string
}

// sample is one C4 full-jitter observation, with the events it came from.
type sample struct {
	u          float64
	prev, next int32
	k          int
}

type checker struct {
	ev []Event
	o  Options

	clientOf []int32 // event index -> client id
	clients  []string
	byGroup  []rec // sorted by (group, Arrived)
	logEnd   int64 // latest Arrived or Answered, Unix ns

	periods [][]period // client id -> sustained-throttling periods, sorted
	amps    []amp      // client id -> C5 counts

	samples   [][]sample // client id -> C4 full-jitter samples
	raGoverns int        // retries excluded from C4 (previous answer had Retry-After)

	rules  [7]Rule
	chains int

	// counters behind the rules' N and figures
	retryChains, recovered, censored, c4Retries int
	worstC1                                     time.Duration // largest shortfall seen, for the figure
}

const (
	iC1 = iota
	iC2
	iC3
	iC4
	iC5
	iC6
	iC7
)

func (c *checker) index() {
	n := len(c.ev)
	clientIDs := make(map[string]int32)
	groupIDs := make(map[groupKey]int32)
	c.clientOf = make([]int32, n)
	c.byGroup = make([]rec, n)
	c.logEnd = math.MinInt64
	for i := range c.ev {
		e := &c.ev[i]
		cid, ok := clientIDs[e.Client]
		if !ok {
			cid = int32(len(c.clients))
			clientIDs[e.Client] = cid
			c.clients = append(c.clients, e.Client)
		}
		gk := groupKey{e.Client, e.Key}
		gid, ok := groupIDs[gk]
		if !ok {
			gid = int32(len(groupIDs))
			groupIDs[gk] = gid
		}
		c.clientOf[i] = cid
		at := e.Arrived.UnixNano()
		c.byGroup[i] = rec{g: gid, i: int32(i), at: at}
		c.logEnd = max(c.logEnd, at, e.Answered.UnixNano())
	}
	slices.SortFunc(c.byGroup, cmpRec)
	c.periods = make([][]period, len(c.clients))
	c.amps = make([]amp, len(c.clients))
	c.samples = make([][]sample, len(c.clients))
}

// findPeriods finds each client's periods of sustained throttling (C5): the
// union of windows [t, t+W] (t an answer time) holding at least
// MinSustainedAnswers answers, at least 95 % of them 429, the last in the
// window's final tenth.
func (c *checker) findPeriods() {
	has429 := false
	for i := range c.ev {
		if c.ev[i].Status == 429 {
			has429 = true
			break
		}
	}
	if !has429 {
		return
	}
	byClient := make([]rec, len(c.ev))
	for i := range c.ev {
		byClient[i] = rec{g: c.clientOf[i], i: int32(i), at: c.ev[i].Answered.UnixNano()}
	}
	slices.SortFunc(byClient, cmpRec)
	w := int64(c.o.SustainedWindow)
	tail := w - w/10
	for lo := 0; lo < len(byClient); {
		hi := lo
		for hi < len(byClient) && byClient[hi].g == byClient[lo].g {
			hi++
		}
		rs := byClient[lo:hi]
		var ps []period
		n429, j := 0, 0
		for i := range rs {
			for j < len(rs) && rs[j].at <= rs[i].at+w {
				if c.ev[rs[j].i].Status == 429 {
					n429++
				}
				j++
			}
			cnt := j - i
			if cnt >= MinSustainedAnswers && float64(n429) >= SustainedShare*float64(cnt) && rs[j-1].at >= rs[i].at+tail {
				from, to := rs[i].at, rs[j-1].at
				if k := len(ps) - 1; k >= 0 && from <= ps[k].to {
					ps[k].to = max(ps[k].to, to)
				} else {
					ps = append(ps, period{from, to})
				}
			}
			if c.ev[rs[i].i].Status == 429 {
				n429--
			}
		}
		c.periods[rs[0].g] = ps
		lo = hi
	}
}

// retryable: a transport error (status 0) or contract.Retryable.
func retryable(status int) bool { return status == 0 || contract.Retryable(status) }

func success(status int) bool { return status >= 200 && status < 400 }

// chain is the state of the attempt chain being walked.
type chain struct {
	first, last  int32 // event indexes
	n            int   // attempts so far
	sawRetryable bool
	recovered    bool // a retryable answer was later followed by a success
}

// walk goes through each group in arrival order, building chains and grading
// C1, C2, C3, C4 (deterministic and equal jitter; full jitter collects
// samples), C6 and C7, and feeding C5's per-chain counts.
func (c *checker) walk() {
	o := c.o
	for i := range c.ev {
		if contract.NonRetryable(c.ev[i].Status) {
			c.rules[iC2].N++
		}
	}
	var cur chain
	for p := range c.byGroup {
		r := c.byGroup[p]
		e := &c.ev[r.i]
		if p == 0 || c.byGroup[p-1].g != r.g {
			if p > 0 {
				c.endChain(&cur)
			}
			cur = c.startChain(r.i)
			continue
		}
		prevIdx := c.byGroup[p-1].i
		prev := &c.ev[prevIdx]
		gap := e.Arrived.Sub(prev.Answered)
		concurrent := gap < -sameInstant

		// C6: prev is the last allowed attempt of the chain, and it failed.
		if !concurrent && cur.n == o.MaxAttempts && retryable(prev.Status) {
			quiet := max(o.Quiet, prev.RetryAfter)
			if gap < quiet {
				c.violate(iC6, prev, e, cur.n+1, quiet-gap,
					fmt.Sprintf("re-sent %s after the last allowed attempt (%d) failed < %s", fmtDur(gap), o.MaxAttempts, fmtDur(quiet)))
			}
		}
		// C1: any later request of the group after a Retry-After answer.
		if !concurrent && retryable(prev.Status) && prev.RetryAfter > 0 {
			c.rules[iC1].N++
			eps, form := o.Epsilon, ""
			if prev.RetryAfterDate {
				eps, form = o.DateEpsilon, " (HTTP-date)"
			}
			if floor := prev.RetryAfter - eps; gap < floor {
				short := floor - gap
				c.worstC1 = max(c.worstC1, short)
				c.violate(iC1, prev, e, cur.n+1, short,
					fmt.Sprintf("gap %s < Retry-After %s%s − %s", fmtDur(gap), fmtDur(prev.RetryAfter), form, fmtDur(eps)))
			}
		}

		if !concurrent && retryable(prev.Status) && gap <= o.ChainWindow {
			// e is retry k = cur.n of the chain.
			k := cur.n
			cur.n++
			cur.last = r.i
			if cur.n == o.MaxAttempts+1 {
				c.violate(iC3, prev, e, cur.n, 0,
					fmt.Sprintf("attempt %d > max attempts %d", cur.n, o.MaxAttempts))
			}
			if prev.RetryAfter > 0 {
				c.raGoverns++
			} else {
				c.gradeBackoff(prevIdx, r.i, k, gap)
			}
			if retryable(e.Status) {
				cur.sawRetryable = true
			} else if success(e.Status) {
				cur.recovered = true
			}
			continue
		}
		// C2: a non-retryable answer (or a 401 with the same token) re-sent.
		if !concurrent && contract.NonRetryable(prev.Status) && gap < o.Quiet {
			what := "re-sent"
			if prev.Status == 401 {
				what = "re-sent with the same token"
			}
			c.violate(iC2, prev, e, 0, o.Quiet-gap,
				fmt.Sprintf("%d %s after %s < %s", prev.Status, what, fmtDur(gap), fmtDur(o.Quiet)))
		}
		c.endChain(&cur)
		cur = c.startChain(r.i)
	}
	if len(c.byGroup) > 0 {
		c.endChain(&cur)
	}
}

func (c *checker) startChain(i int32) chain {
	return chain{first: i, last: i, n: 1, sawRetryable: retryable(c.ev[i].Status)}
}

// gradeBackoff grades retry k (gap after an answer without Retry-After) for
// C4: collects a sample for full jitter, checks M_k/2 − ε otherwise.
func (c *checker) gradeBackoff(prevIdx, nextIdx int32, k int, gap time.Duration) {
	c.c4Retries++
	m := c.o.Ceiling(k)
	if c.o.Jitter == JitterFull {
		u := min(1, float64(gap)/float64(m))
		cid := c.clientOf[nextIdx]
		c.samples[cid] = append(c.samples[cid], sample{u: u, prev: prevIdx, next: nextIdx, k: k})
		return
	}
	if floor := m/2 - c.o.Epsilon; gap < floor {
		c.violate(iC4, &c.ev[prevIdx], &c.ev[nextIdx], k+1, floor-gap,
			fmt.Sprintf("retry %d gap %s < M_%d/2 − ε = %s/2 − %s", k, fmtDur(gap), k, fmtDur(m), fmtDur(c.o.Epsilon)))
	}
}

func (c *checker) endChain(ch *chain) {
	c.chains++
	o := c.o
	first, last := &c.ev[ch.first], &c.ev[ch.last]
	if ch.sawRetryable {
		c.retryChains++
		if ch.recovered {
			c.recovered++
		}
	}
	// C6 counts chains whose last allowed attempt failed.
	if ch.n >= o.MaxAttempts {
		// The MaxAttempts-th attempt failed retryably iff the chain went on
		// past it, or it was the last and its answer was retryable.
		if ch.n > o.MaxAttempts || retryable(last.Status) {
			c.rules[iC6].N++
		}
	}
	// C7: a retryable first answer never retried.
	if ch.n == 1 && retryable(first.Status) {
		due := max(o.Ceiling(1), first.RetryAfter) + o.Epsilon
		if first.Answered.UnixNano()+int64(due) > c.logEnd {
			c.censored++
		} else {
			c.rules[iC7].N++
			c.violate(iC7, first, nil, 0, 0,
				fmt.Sprintf("%s not retried (log goes on %s)", statusText(first.Status), fmtDur(time.Duration(c.logEnd-first.Answered.UnixNano()))))
		}
	} else if ch.sawRetryable {
		c.rules[iC7].N++
	}
	// C5: attribute the chain to a sustained-throttling period.
	cid := c.clientOf[ch.first]
	if ps := c.periods[cid]; len(ps) > 0 {
		at := first.Arrived.UnixNano()
		k := sort.Search(len(ps), func(i int) bool { return ps[i].to >= at })
		if k < len(ps) && ps[k].from <= at {
			a := &c.amps[cid]
			a.chains++
			a.attempts += ch.n
			if at >= ps[k].from+(ps[k].to-ps[k].from)/2 {
				a.settledChains++
				a.settledAttempts += ch.n
			}
			if a.op == "" {
				a.op = first.Operation
			}
		}
	}
}

func statusText(s int) string {
	if s == 0 {
		return "transport error"
	}
	return fmt.Sprint(s)
}

// violate records a violation of rule ri: the client reacted to prev's
// answer with next (nil when the violation is the absence of a next).
func (c *checker) violate(ri int, prev, next *Event, attempt int, short time.Duration, figure string) {
	v := Violation{
		Rule:       c.rules[ri].ID,
		Client:     prev.Client,
		Operation:  prev.Operation,
		Status:     prev.Status,
		Answered:   prev.Answered,
		RetryAfter: prev.RetryAfter,
		Attempt:    attempt,
		Figure:     figure,
		Shortfall:  short,
	}
	if next != nil {
		v.Next = next.Arrived
	}
	c.rules[ri].add(v, c.o.MaxViolations)
}

// ksTest is one one-sided KS test's outcome.
type ksTest struct {
	client   string
	n        int
	d, crit  float64
	worst    sample
	hasWorst bool
}

// backoffKS runs C4's full-jitter tests: one per client with enough
// samples, plus a pooled one when several clients contributed, each at α/T.
func (c *checker) backoffKS() {
	if c.o.Jitter != JitterFull {
		return
	}
	var tests []ksTest
	var pooled []float64
	contributors, maxN := 0, 0
	for cid, ss := range c.samples {
		if len(ss) == 0 {
			continue
		}
		contributors++
		maxN = max(maxN, len(ss))
		us := make([]float64, len(ss))
		best := 0
		for i, s := range ss {
			us[i] = s.u
			if s.u < ss[best].u {
				best = i
			}
		}
		pooled = append(pooled, us...)
		if len(us) >= c.o.MinSamples {
			tests = append(tests, ksTest{client: c.clients[cid], n: len(us), d: KSPlus(us), worst: ss[best], hasWorst: true})
		}
	}
	if contributors > 1 && len(pooled) >= c.o.MinSamples {
		tests = append(tests, ksTest{client: "all clients", n: len(pooled), d: KSPlus(pooled)})
	}
	r := &c.rules[iC4]
	r.Unit = "retries"
	r.N = len(pooled)
	excluded := ""
	if c.raGoverns > 0 {
		excluded = fmt.Sprintf("; %d Retry-After-governed retries graded by C1", c.raGoverns)
	}
	if len(pooled) == 0 {
		r.Status = StatusNotEnough
		r.Figure = "full jitter: no retry after an answer without Retry-After" + excluded
		return
	}
	if len(tests) == 0 {
		r.Status = StatusNotEnough
		r.Figure = fmt.Sprintf("full jitter: %d retries (at most %d per client) < %d needed%s", len(pooled), maxN, c.o.MinSamples, excluded)
		return
	}
	alpha := c.o.Alpha / float64(len(tests))
	worst := -1
	for i := range tests {
		t := &tests[i]
		t.crit = KSCritical(t.n, alpha)
		if worst < 0 || t.d-t.crit > tests[worst].d-tests[worst].crit {
			worst = i
		}
		if t.d <= t.crit {
			continue
		}
		v := Violation{Rule: RuleBackoff, Client: t.client,
			Figure: fmt.Sprintf("D⁺ %.3f > %.3f (n=%d, α=%.3g): retries too soon for full jitter", t.d, t.crit, t.n, alpha)}
		if t.hasWorst {
			prev, next := &c.ev[t.worst.prev], &c.ev[t.worst.next]
			v.Operation, v.Status, v.Answered, v.Next, v.Attempt = prev.Operation, prev.Status, prev.Answered, next.Arrived, t.worst.k+1
			v.Figure += fmt.Sprintf("; e.g. retry %d after %s, M_%d = %s", t.worst.k, fmtDur(next.Arrived.Sub(prev.Answered)), t.worst.k, fmtDur(c.o.Ceiling(t.worst.k)))
		}
		r.Total++
		r.Untimed++
		if len(r.Violations) < c.o.MaxViolations {
			r.Violations = append(r.Violations, v)
		}
	}
	w := tests[worst]
	r.Statistic, r.Critical = w.d, w.crit
	cmpSign := "≤"
	if w.d > w.crit {
		cmpSign = ">"
	}
	r.Figure = fmt.Sprintf("full jitter: worst D⁺ %.3f %s %.3f (%s, n=%d); %d KS tests at α=%.3g each%s",
		w.d, cmpSign, w.crit, w.client, w.n, len(tests), alpha, excluded)
	if r.Total > 0 {
		r.Status = StatusFail
	} else {
		r.Status = StatusPass
	}
}

// KSPlus returns the one-sided Kolmogorov–Smirnov statistic
// D⁺ = max_i (i/n − u_(i)) of samples u against U(0, 1): large when the
// samples sit too close to 0. It sorts u in place; 0 for no samples.
func KSPlus(u []float64) float64 {
	slices.Sort(u)
	n := float64(len(u))
	d := 0.0
	for i, x := range u {
		d = max(d, float64(i+1)/n-x)
	}
	return d
}

// KSCritical returns √(ln(1/α)/(2n)), the critical value of D⁺ at level α
// for n samples (Massart's bound, exact as an upper bound for every n).
func KSCritical(n int, alpha float64) float64 {
	return math.Sqrt(math.Log(1/alpha) / (2 * float64(n)))
}

func (c *checker) verdict() Verdict {
	o := c.o
	// C1
	r := &c.rules[iC1]
	r.Unit = "retries after Retry-After"
	switch {
	case r.N == 0:
		r.Status, r.Figure = StatusNotApplicable, "no request followed an answer with Retry-After"
	case r.Total > 0:
		r.Status, r.Figure = StatusFail, fmt.Sprintf("%d of %d too early; worst %s short", r.Total, r.N, fmtDur(c.worstC1))
	default:
		r.Status, r.Figure = StatusPass, fmt.Sprintf("all %d waited Retry-After − ε", r.N)
	}
	// C2
	r = &c.rules[iC2]
	r.Unit = "non-retryable answers"
	switch {
	case r.N == 0:
		r.Status, r.Figure = StatusNotApplicable, "no 400, 401, 403, 404 or 409 answers"
	case r.Total > 0:
		r.Status, r.Figure = StatusFail, fmt.Sprintf("%d re-sent within %s", r.Total, fmtDur(o.Quiet))
	default:
		r.Status, r.Figure = StatusPass, fmt.Sprintf("none re-sent within %s", fmtDur(o.Quiet))
	}
	// C3
	r = &c.rules[iC3]
	r.Unit, r.N = "chains with a retryable answer", c.retryChains
	switch {
	case r.N == 0:
		r.Status, r.Figure = StatusNotApplicable, "no retryable answers"
	case r.Total > 0:
		r.Status, r.Figure = StatusFail, fmt.Sprintf("%d chains > %d attempts", r.Total, o.MaxAttempts)
	default:
		r.Status, r.Figure = StatusPass, fmt.Sprintf("every chain ≤ %d attempts", o.MaxAttempts)
	}
	// C4 (full jitter was graded by backoffKS)
	if o.Jitter != JitterFull {
		r = &c.rules[iC4]
		r.Unit, r.N = "retries", c.c4Retries
		excluded := ""
		if c.raGoverns > 0 {
			excluded = fmt.Sprintf("; %d Retry-After-governed retries graded by C1", c.raGoverns)
		}
		switch {
		case r.N == 0:
			r.Status, r.Figure = StatusNotEnough, "no retry after an answer without Retry-After"+excluded
		case r.Total > 0:
			r.Status, r.Figure = StatusFail, fmt.Sprintf("%s jitter: %d of %d gaps < M_k/2 − ε; worst %s short%s", o.Jitter, r.Total, r.N, fmtDur(r.WorstShortfall), excluded)
		default:
			r.Status, r.Figure = StatusPass, fmt.Sprintf("%s jitter: all %d gaps ≥ M_k/2 − ε%s", o.Jitter, r.N, excluded)
		}
	}
	c.amplification()
	// C6
	r = &c.rules[iC6]
	r.Unit = "chains that used every attempt"
	quiet := fmtDur(o.Quiet)
	switch {
	case r.N == 0:
		r.Status, r.Figure = StatusNotApplicable, fmt.Sprintf("no chain's attempt %d failed", o.MaxAttempts)
	case r.Total > 0:
		r.Status, r.Figure = StatusFail, fmt.Sprintf("%d re-sent within max(%s, Retry-After)", r.Total, quiet)
	default:
		r.Status, r.Figure = StatusPass, fmt.Sprintf("none re-sent within max(%s, Retry-After)", quiet)
	}
	// C7
	r = &c.rules[iC7]
	r.Unit = "chains with a retryable answer"
	cens := ""
	if c.censored > 0 {
		cens = fmt.Sprintf("; %d at the end of the log not judged", c.censored)
	}
	switch {
	case r.N == 0:
		r.Status, r.Figure = StatusNotApplicable, "no retryable answers"+cens
	case r.Total > 0:
		r.Status, r.Figure = StatusWarning, fmt.Sprintf("%d of %d never retried; %d recovered%s", r.Total, r.N, c.recovered, cens)
	default:
		r.Status, r.Figure = StatusPass, fmt.Sprintf("all retried; %d recovered%s", c.recovered, cens)
	}
	return Verdict{Rules: c.rules[:], Events: len(c.ev), Clients: len(c.clients), Chains: c.chains, Options: o}
}

// amplification grades C5 from the per-client counts walk gathered.
func (c *checker) amplification() {
	o := c.o
	r := &c.rules[iC5]
	r.Unit = "clients under sustained throttling"
	bound := float64(o.MaxAttempts)
	if o.RetryBudget {
		bound = BudgetBound
	}
	r.Critical = bound
	worst, worstClient, graded := 0.0, "", 0
	for cid := range c.amps {
		a := &c.amps[cid]
		ps := c.periods[cid]
		if a.chains == 0 {
			continue
		}
		r.N++
		chains, attempts, scope := a.chains, a.attempts, ""
		if o.RetryBudget {
			if a.settledChains == 0 {
				continue
			}
			chains, attempts, scope = a.settledChains, a.settledAttempts, " (settled half)"
		}
		graded++
		ratio := float64(attempts) / float64(chains)
		if ratio > worst {
			worst, worstClient = ratio, c.clients[cid]
		}
		if ratio > bound {
			from, to := time.Unix(0, ps[0].from).UTC(), time.Unix(0, ps[len(ps)-1].to).UTC()
			c.rules[iC5].add(Violation{
				Rule: RuleAmplification, Client: c.clients[cid], Operation: a.op, Status: 429,
				Answered: from, Next: to,
				Figure: fmt.Sprintf("amplification %.2f (%d attempts / %d first attempts%s) > %.3g under ≥ 95%% 429 %s–%s",
					ratio, attempts, chains, scope, bound, from.Format("15:04:05.000"), to.Format("15:04:05.000")),
			}, o.MaxViolations)
		}
	}
	if r.N == 0 {
		r.Status = StatusNotApplicable
		r.Figure = fmt.Sprintf("no client saw ≥ 95%% 429 for %s", fmtDur(o.SustainedWindow))
		return
	}
	if graded == 0 {
		r.Status = StatusNotEnough
		r.Figure = "retry budget: no chain started in the settled half of a sustained-throttling period"
		return
	}
	r.Statistic = worst
	budget := ""
	if o.RetryBudget {
		budget = " (retry budget)"
	}
	if r.Total > 0 {
		r.Status = StatusFail
		r.Figure = fmt.Sprintf("max amplification %.2f > %.3g%s (%s)", worst, bound, budget, worstClient)
	} else {
		r.Status = StatusPass
		r.Figure = fmt.Sprintf("max amplification %.2f ≤ %.3g%s", worst, bound, budget)
	}
}
