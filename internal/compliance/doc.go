// Package compliance grades a client's retries against the back-off rules
// C1–C7 of docs/backoff-compliance.md, from either view of the traffic:
// the attempt log a client of ours records (clients.Attempt.Event), or the
// mock's journal (mockcontrol.Events). Check turns a slice of Events into a Verdict; Compare
// says whether the two views of one run agree.
//
// Typical use, in the load generator:
//
//	opts := compliance.Options{MaxAttempts: p.MaxAttempts, Base: p.Base, Cap: p.Cap} // the clients' policy
//	client := compliance.Check(events, opts) // a.Event() of each clients.Attempt
//	server := compliance.Check(mockcontrol.Events(journal), opts)
//	if err := compliance.Compare(client, server); err != nil { … }  // errors.Is(err, compliance.ErrDisagree)
//	_ = reports.WriteCompliance(w, server) // the server's view is the one that counts
//
// Options must describe the policy the clients claim (max attempts, base,
// cap, jitter, retry budget): a client graded against a larger Base than it
// uses looks too fast to C4. Both views must cover the same span of the run
// (a journal ring buffer that overflowed covers less).
//
// # Chains
//
// Events are grouped by (Client, Key) and ordered by Arrived (the input may be
// unsorted). Within a group, an event continues the current attempt chain when
// the group's previous event got a retryable answer (429, 500, 503, or Status
// 0 for a transport error), was answered before this event arrived (1 ms of
// clock slack allowed), and this event arrived at most Options.ChainWindow
// (120 s) after that answer.
// Anything else starts a new chain. A refreshed token is a different Client,
// so after a 401 a request with a new token starts a new chain by
// construction; the same token re-sending the request is graded by C2.
//
// Both views identify chains the same way, from Key alone: two independent
// calls with the same Key from the same client, the second sent within 120 s
// of a retryable answer to the first, are indistinguishable from a retry. A
// load generator that wants independent calls graded as such must make their
// Keys differ (for example a unique body or query).
//
// # Decisions where the spec leaves room
//
//   - C1 applies to the next request of the same group after a retryable
//     answer that carried Retry-After, chained or not (a Retry-After longer
//     than the chain window still binds). A request stamped up to 1 ms
//     before the previous answer still counts as following it (clock
//     granularity); one sent earlier than that is concurrent.
//   - C4 grades only retries whose previous answer carried no Retry-After.
//     A retry after a Retry-After answer is governed by the server's delay,
//     not by the client's back-off: C1 grades it. Including such gaps would
//     be wrong both ways: a client that (legitimately) waits exactly the
//     Retry-After instead of its own back-off would give u = RA/M_k, a
//     constant that the KS test reads as "not uniform"; and gaps forced up to
//     u = 1 would dilute the sample, letting a client that retries too soon
//     when no Retry-After is given hide behind the throttled retries. Excluded,
//     they cannot help a too-fast client: its too-early Retry-After retries
//     fail C1, its unforced retries stay in the C4 sample at full weight.
//     The number excluded is reported in C4's figure.
//   - C4 with full jitter runs one one-sided Kolmogorov–Smirnov test per
//     client with at least Options.MinSamples (30) samples, plus one pooled
//     test over all clients' samples when more than one client contributed
//     (so many clients with a few retries each still give evidence). With T
//     tests, each runs at α/T (Bonferroni), so a compliant run with many
//     clients fails with probability at most α, not 1−(1−α)^T. The critical
//     value √(ln(1/α)/(2n)) is Massart's bound on P(D⁺ > t), valid for every n.
//     D⁺ = max_i(i/n − u_(i)): too-early retries put u near 0, the empirical
//     CDF above the uniform one, and D⁺ large.
//   - C5: a period of sustained throttling of one client is the union of the
//     windows [t, t+SustainedWindow] (t an answer time) in which at least 95 %
//     of the client's answers were 429, with at least 20 answers, the last of
//     them in the final tenth of the window. Amplification is measured per
//     chain, not per time slice: over the chains whose first attempt arrived in
//     such a period, Σ attempts ÷ chains; this has no edge bias from retries
//     of chains started before the period. With RetryBudget the bound 1.1 is
//     applied to the chains starting in the second half of each period (the
//     budget has "settled": a token bucket spends its initial quota first).
//   - C6 applies to chains whose MaxAttempts-th attempt got a retryable
//     answer; the next request of the same group must arrive no sooner than
//     max(Quiet, Retry-After) after that answer.
//   - C7 flags (as a warning) chains whose first answer was retryable and
//     which were never retried. Chains whose answer came so late that the log
//     ended before a retry was due (M_k or Retry-After, plus ε) are censored,
//     not flagged.
//   - A request sent (more than 1 ms) before the previous answer of its group
//     arrived is concurrent, not a retry: it starts a new chain and is not
//     graded by C1, C2 or C6.
//   - C2 grades 400, 401, 403, 404 and 409 only (the spec's list); other
//     non-retryable statuses neither chain nor count.
//   - Events with an impossible answer time (zero, or before Arrived) are
//     graded as answered on arrival; a negative Retry-After as none. Check
//     never modifies its input.
//
// # The two views
//
// The mock measures a gap from writing the answer to the next arrival, the
// client from receiving the answer to the next send, so the server's gaps are
// longer by the network delay. Compare therefore accepts exactly one kind of
// disagreement: a rule the client view fails and the server view passes,
// when every client-view violation of that rule missed its bound by no more
// than Options.NetworkSlack (for the KS test: D⁺ exceeded its critical value
// by no more than NetworkSlack/Base, the most such a delay can move any u).
// Anything else is reported as a disagreement naming the rule.
//
// Memory is proportional to the number of events (an index of 16 bytes per
// event, the C4 samples) plus at most Options.MaxViolations stored violations
// per rule; violations beyond that are counted, not kept.
package compliance
