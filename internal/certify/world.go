package certify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/redact"
)

// Access-token modes of a scenario.
const (
	accessValid   = "valid"
	accessExpired = "expired"
	accessNone    = "none"
)

// mintedLifetime is the lifetime of a valid access token a scenario gives
// the client, in seconds; expiredLifetime that of an expired one.
const (
	mintedLifetime  = 3600
	expiredLifetime = -60
)

// journalSize is the journal ring of a scenario's mock: far more than any
// scenario needs (the back-off scenario of a 5-attempt client makes about
// 300 requests), so that a client that floods it is caught, not graded on
// what is left.
const journalSize = 200_000

// worldKey is the context key of a scenario's world.
type worldKey struct{}

// world is one scenario's state, carried in its context.Context.
type world struct {
	r    *runner
	name string
	tags []string
	skip string // why the scenario is skipped ("" = it runs)

	started  time.Time
	fixtures *mock.Fixtures
	m        *mock.Running
	ctl      mockcontrol.Control
	xpan     string // this scenario's extendedPanId
	networks []string
	access   string // accessValid, accessExpired, accessNone
	tokens   map[string]string
	faultSt  int // status of the last fault installed (0: none)
	revoked  bool
	seq      int

	mu      sync.Mutex
	calls   []*callWindow
	checks  []Check
	broken  bool // could not run
	journal []mockcontrol.JournalEntry
}

// callWindow is one invocation: its outcome and the journal entries that
// are its own.
type callWindow struct {
	op              string
	maxResults      int
	exit            int
	timedOut        bool
	killed          bool
	started, ended  time.Time
	stdout          []byte
	stderr          string
	stdoutTruncated bool
	stderrTruncated bool
	clients         map[string]bool // the journal Clients of the tokens it was given ("" = by time window)
	journal         []mockcontrol.JournalEntry
}

func worldFrom(ctx context.Context) *world {
	w, _ := ctx.Value(worldKey{}).(*world)
	return w
}

// errCouldNotRun marks a step that failed for a reason that is not a
// verdict on the client.
var errCouldNotRun = errors.New("could not run")

func (w *world) couldNotRun(format string, a ...any) error {
	w.mu.Lock()
	w.broken = true
	w.mu.Unlock()
	return fmt.Errorf("%w: %s", errCouldNotRun, fmt.Sprintf(format, a...))
}

// check records a graded rule and returns an error when it did not pass.
func (w *world) check(c Check) error {
	if c.Title == "" {
		c.Title = RuleTitle(c.Rule)
	}
	w.mu.Lock()
	w.checks = append(w.checks, c)
	w.mu.Unlock()
	if c.Status == ruleStatusPass {
		return nil
	}
	return fmt.Errorf("%s %s: %s", c.Rule, c.Title, c.Figure)
}

func pass(rule, figure string) Check {
	return Check{Rule: rule, Status: ruleStatusPass, Figure: figure}
}
func fail(rule, figure string) Check {
	return Check{Rule: rule, Status: ruleStatusFail, Figure: figure}
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// register wires the steps and the hooks of one scenario.
func (r *runner) register(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		w := &world{r: r, name: s.Name, started: time.Now(), xpan: randomHex(16), access: accessValid, tokens: map[string]string{}}
		for _, t := range s.Tags {
			w.tags = append(w.tags, t.Name)
		}
		if op := unsupportedOp(w.tags, r.opt.Operations); op != "" {
			w.skip = fmt.Sprintf("the adapter does not implement %s (--operations %s)", op, strings.Join(r.opt.Operations, ","))
		}
		return context.WithValue(ctx, worldKey{}, w), nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		w := worldFrom(ctx)
		if w == nil {
			return ctx, nil
		}
		if w.m != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = w.m.Close(cctx)
			cancel()
		}
		sr := ScenarioResult{ScenarioResult: conform.ScenarioResult{Outcome: conform.Passed, Duration: time.Since(w.started)}}
		w.mu.Lock()
		defer w.mu.Unlock()
		switch {
		case w.skip != "":
			sr.Outcome, sr.Reason = conform.Skipped, w.skip
		case err != nil && ctx.Err() != nil:
			sr.Outcome, sr.Reason = conform.Skipped, conform.ReasonInterrupted
		case err != nil:
			sr.Outcome, sr.Failure = conform.Failed, err.Error()
			sr.CouldNotRun = w.broken || errors.Is(err, errCouldNotRun)
		}
		sr.Checks = w.checks
		for _, c := range w.calls {
			as := attempts(c.journal, w.started)
			omitted := max(0, len(as)-maxAttemptsKept)
			sr.Calls = append(sr.Calls, CallRecord{
				Operation: c.op, ExitCode: c.exit, TimedOut: c.timedOut, Killed: c.killed,
				Start: c.started.Sub(w.started), Duration: c.ended.Sub(c.started),
				Attempts: as[:len(as)-omitted], AttemptsOmitted: omitted, Stderr: c.stderr,
				StderrTruncated: c.stderrTruncated, StdoutTruncated: c.stdoutTruncated,
			})
		}
		r.record(s.Uri+"\x00"+s.Name, sr)
		return ctx, nil
	})

	op := `(create-network|get-networks|skill-credentials|token)`
	step := func(expr string, f any) { sc.Step(expr, guard(f)) }
	step(`^the customer has (\d+) Thread networks$`, (*world).seedNetworks)
	step(`^the service answers the next `+op+` request with (\d+)$`, func(w *world, ctx context.Context, o string, st int) error {
		return w.fault(ctx, o, mockcontrol.Fault{Status: st, Count: 1})
	})
	step(`^the service answers the next (\d+) `+op+` requests with (\d+)$`, func(w *world, ctx context.Context, n int, o string, st int) error {
		return w.fault(ctx, o, mockcontrol.Fault{Status: st, Count: n})
	})
	step(`^the service answers the next `+op+` request with (\d+) and Retry-After (\d+)$`, func(w *world, ctx context.Context, o string, st, ra int) error {
		return w.fault(ctx, o, mockcontrol.Fault{Status: st, Count: 1, RetryAfter: ra})
	})
	step(`^the service answers the next `+op+` request with (\d+) and Retry-After (\d+) as an HTTP-date$`, func(w *world, ctx context.Context, o string, st, ra int) error {
		return w.fault(ctx, o, mockcontrol.Fault{Status: st, Count: 1, RetryAfter: ra, RetryAfterDate: true})
	})
	step(`^the service answers every `+op+` request with (\d+)$`, func(w *world, ctx context.Context, o string, st int) error {
		f := mockcontrol.Fault{Status: st}
		if st == 429 { // a throttled service says when to come back
			f.RetryAfter = 1
		}
		return w.fault(ctx, o, f)
	})
	step(`^the service resets the connection of the next `+op+` request$`, func(w *world, ctx context.Context, o string) error {
		return w.fault(ctx, o, mockcontrol.Fault{Reset: true, Count: 1})
	})
	step(`^the service allows (\d+) `+op+` requests? per second per access token, then answers 429 with Retry-After (\d+)$`, (*world).rateLimit)
	step(`^the client is given an expired access token$`, func(w *world) error { w.access = accessExpired; return nil })
	step(`^the client is given no access token$`, func(w *world) error { w.access = accessNone; return nil })
	step(`^the client's refresh token has been revoked$`, (*world).revoke)

	step(`^the client runs `+op+`$`, func(w *world, ctx context.Context, o string) error { return w.runSequential(ctx, o, 1, 0) })
	step(`^the client runs `+op+` with maxResults (\d+)$`, func(w *world, ctx context.Context, o string, max int) error {
		return w.runSequential(ctx, o, 1, max)
	})
	step(`^the client runs `+op+` (\d+) times in a row$`, func(w *world, ctx context.Context, o string, n int) error {
		return w.runSequential(ctx, o, n, 0)
	})
	step(`^the client runs `+op+` many times at once until (\d+) retry gaps are collected$`, (*world).runUntilGaps)

	step(`^the client exits 0 with the service's answer$`, func(w *world) error { return w.exitsOK(false) })
	step(`^every call exits 0 with the service's answer$`, func(w *world) error { return w.exitsOK(true) })
	step(`^the client exits non-zero$`, func(w *world) error { return w.exitsFailed(false) })
	step(`^every call exits non-zero$`, func(w *world) error { return w.exitsFailed(true) })
	step(`^the service saw (\d+) `+op+` requests?$`, func(w *world, n int, o string) error { return w.saw(n, o, false) })
	step(`^the service saw at most (\d+) `+op+` requests?$`, func(w *world, n int, o string) error { return w.saw(n, o, true) })
	step(`^the back-off rules hold$`, (*world).backoffRules)
	step(`^the retry gaps grow with the attempt number$`, (*world).gapsGrow)
	step(`^the client refreshed the access token once and retried once$`, (*world).refreshedOnce)
	step(`^the client did not call Login with Amazon$`, (*world).noLWA)
	step(`^the output holds all (\d+) Thread networks, none twice$`, (*world).pagesComplete)
	step(`^every page was asked for once, with the nextToken sent back unchanged$`, (*world).pagesUnchanged)
}

// guard adapts a step written as a method of *world (optionally taking the
// context next) to godog: it takes the world from the context and skips
// the step when the scenario is skipped.
func guard(f any) any {
	switch f := f.(type) {
	case func(*world) error:
		return func(ctx context.Context) (context.Context, error) {
			return run0(ctx, func(w *world) error { return f(w) })
		}
	case func(*world, int) error:
		return func(ctx context.Context, a int) (context.Context, error) {
			return run0(ctx, func(w *world) error { return f(w, a) })
		}
	case func(*world, context.Context) error:
		return func(ctx context.Context) (context.Context, error) {
			return run0(ctx, func(w *world) error { return f(w, ctx) })
		}
	case func(*world, context.Context, string) error:
		return func(ctx context.Context, a string) (context.Context, error) {
			return run0(ctx, func(w *world) error { return f(w, ctx, a) })
		}
	case func(*world, context.Context, string, int) error:
		return func(ctx context.Context, a string, b int) (context.Context, error) {
			return run0(ctx, func(w *world) error { return f(w, ctx, a, b) })
		}
	case func(*world, context.Context, int, string, int) error:
		return func(ctx context.Context, a int, b string, c int) (context.Context, error) {
			return run0(ctx, func(w *world) error { return f(w, ctx, a, b, c) })
		}
	case func(*world, context.Context, string, int, int) error:
		return func(ctx context.Context, a string, b, c int) (context.Context, error) {
			return run0(ctx, func(w *world) error { return f(w, ctx, a, b, c) })
		}
	case func(*world, int, string) error:
		return func(ctx context.Context, a int, b string) (context.Context, error) {
			return run0(ctx, func(w *world) error { return f(w, a, b) })
		}
	}
	panic(fmt.Sprintf("certify: step function of type %T not supported by guard", f))
}

func run0(ctx context.Context, f func(*world) error) (context.Context, error) {
	w := worldFrom(ctx)
	if w == nil {
		return ctx, errors.New("certify: no scenario state in the context")
	}
	if w.skip != "" {
		return ctx, godog.ErrSkip
	}
	if err := contextDone(ctx); err != nil {
		return ctx, err
	}
	return ctx, f(w)
}

// mock returns the scenario's own mock, starting it on a free loopback
// port the first time.
func (w *world) mock(ctx context.Context) (*mock.Running, error) {
	if w.m != nil {
		return w.m, nil
	}
	m, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{Fixtures: w.fixtures, JournalSize: journalSize})
	if err != nil {
		return nil, w.couldNotRun("start the mock: %v", err)
	}
	w.m, w.ctl = m, mockcontrol.Control{BaseURL: m.URL}
	return m, nil
}

func (w *world) seedNetworks(n int) error {
	if w.m != nil {
		return w.couldNotRun("the networks must be seeded before the mock starts: put this step first")
	}
	if n < 0 || n > 1000 {
		return w.couldNotRun("%d networks: use 0–1000", n)
	}
	f := mock.DefaultFixtures()
	for i := range f.Customers {
		if f.Customers[i].RefreshToken != contract.MockCustomerARefresh {
			continue
		}
		for k := range n {
			name := fmt.Sprintf("certify-%02d", k)
			key := randomHex(32)
			w.r.addSecrets(key)
			f.Customers[i].Networks = append(f.Customers[i].Networks, mock.ThreadNetwork{ExtendedPanID: w.xpan, NetworkName: name, NetworkKey: key})
			w.networks = append(w.networks, name)
		}
	}
	w.fixtures = f
	return nil
}

func (w *world) fault(ctx context.Context, op string, f mockcontrol.Fault) error {
	cop, err := adapterOpToContract(op)
	if err != nil {
		return w.couldNotRun("%v", err)
	}
	if _, err := w.mock(ctx); err != nil {
		return err
	}
	f.Operation, f.Probability = cop, 1
	if _, err := w.ctl.AddFault(ctx, f); err != nil {
		return w.couldNotRun("install the fault: %v", err)
	}
	w.faultSt = f.Status
	return nil
}

func (w *world) rateLimit(ctx context.Context, n int, op string, ra int) error {
	cop, err := adapterOpToContract(op)
	if err != nil {
		return w.couldNotRun("%v", err)
	}
	if _, err := w.mock(ctx); err != nil {
		return err
	}
	if err := w.ctl.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: cop, Rate: float64(n), Burst: n, RetryAfter: ra}); err != nil {
		return w.couldNotRun("set the rate limit: %v", err)
	}
	w.faultSt = 429
	return nil
}

func (w *world) revoke(ctx context.Context) error {
	if _, err := w.mock(ctx); err != nil {
		return err
	}
	for _, rt := range []string{contract.MockCustomerARefresh, contract.MockVendorRefreshToken} {
		if err := w.ctl.Revoke(ctx, rt); err != nil {
			return w.couldNotRun("revoke the refresh token: %v", err)
		}
	}
	w.revoked = true
	return nil
}

// token returns the access token of the identity whose refresh token is rt
// for one call: the scenario's own (minted once) unless fresh, then one of
// the call's own.
func (w *world) token(ctx context.Context, rt string, fresh bool) (string, error) {
	if w.access == accessNone {
		return "", nil
	}
	if !fresh && w.access == accessValid {
		if t, ok := w.tokens[rt]; ok {
			return t, nil
		}
	}
	life := mintedLifetime
	if w.access == accessExpired {
		life = expiredLifetime
	}
	t, err := w.ctl.MintToken(ctx, rt, life)
	if err != nil {
		return "", w.couldNotRun("mint an access token: %v", err)
	}
	w.r.addSecrets(t.AccessToken)
	if !fresh {
		w.tokens[rt] = t.AccessToken
	}
	return t.AccessToken, nil
}

// env returns the adapter environment of one call and the journal Clients
// of the access tokens given.
func (w *world) env(ctx context.Context, fresh bool) (map[string]string, map[string]bool, error) {
	env := map[string]string{}
	for k, v := range w.r.opt.Env {
		env[k] = v
	}
	for k, v := range map[string]string{
		contract.EnvLockerURL: w.m.URL, contract.EnvSMAPIURL: w.m.URL, contract.EnvLWAURL: w.m.URL,
		contract.EnvLWAClientID: contract.MockLWAClientID, contract.EnvLWAClientSecret: contract.MockLWAClientSecret,
		contract.EnvCustomerRefreshToken: contract.MockCustomerARefresh, contract.EnvVendorRefreshToken: contract.MockVendorRefreshToken,
	} {
		env[k] = v
	}
	clients := map[string]bool{}
	for _, p := range []struct{ env, rt string }{{EnvCustomerAccessToken, contract.MockCustomerARefresh}, {EnvVendorAccessToken, contract.MockVendorRefreshToken}} {
		t, err := w.token(ctx, p.rt, fresh)
		if err != nil {
			return nil, nil, err
		}
		env[p.env] = t
		if t != "" {
			clients[redact.ClientID(t)] = true
		}
	}
	return env, clients, nil
}

// input returns the stdin of one call of op.
func (w *world) input(op string, maxResults int) any {
	w.mu.Lock()
	w.seq++
	seq := w.seq
	w.mu.Unlock()
	switch op {
	case OpCreateNetwork:
		key := randomHex(32)
		w.r.addSecrets(key)
		return map[string]any{"threadNetwork": map[string]any{
			"extendedPanId": w.xpan, "networkName": fmt.Sprintf("certify-new-%03d", seq), "networkKey": key}}
	case OpGetNetworks:
		in := map[string]any{"extendedPanId": w.xpan}
		if maxResults > 0 {
			in["maxResults"] = maxResults
		}
		return in
	}
	return map[string]any{"skillId": contract.MockSkillID}
}

// call runs the adapter once.
func (w *world) call(ctx context.Context, op string, maxResults int, fresh bool) (*callWindow, error) {
	env, clients, err := w.env(ctx, fresh)
	if err != nil {
		return nil, err
	}
	o, err := w.r.opt.Adapter.Call(ctx, Call{
		Operation: op, Input: w.input(op, maxResults), Env: env, Timeout: w.r.opt.CallTimeout,
		Secrets: w.r.secretList(),
	})
	cw := &callWindow{op: op, maxResults: maxResults, exit: o.ExitCode, timedOut: o.TimedOut, killed: o.Killed,
		started: o.Started, ended: o.Ended, stdout: o.Stdout, stderr: o.Stderr,
		stdoutTruncated: o.StdoutTruncated, stderrTruncated: o.StderrTruncated}
	if err != nil {
		if ctx.Err() != nil {
			if !o.Started.IsZero() {
				// Interrupted in flight: keep what it wrote until then.
				w.mu.Lock()
				w.calls = append(w.calls, cw)
				w.mu.Unlock()
			}
			return nil, contextDone(ctx)
		}
		return nil, w.couldNotRun("run the adapter: %v", err)
	}
	if fresh {
		cw.clients = clients
	}
	w.mu.Lock()
	w.calls = append(w.calls, cw)
	w.journal = nil
	w.mu.Unlock()
	return cw, nil
}

func (w *world) runSequential(ctx context.Context, op string, n, maxResults int) error {
	if _, err := w.mock(ctx); err != nil {
		return err
	}
	if n < 1 || n > 100 {
		return w.couldNotRun("%d calls: use 1–100", n)
	}
	for range n {
		if _, err := w.call(ctx, op, maxResults, false); err != nil {
			return err
		}
	}
	return w.attribute(ctx)
}

// runUntilGaps runs op over and over, each call a new logical call with an
// access token of its own, at most BackoffParallel at once, until the
// journal holds at least want retry gaps. It is a pool, not waves: a new
// call starts when one ends, and the first ones start backoffStagger apart,
// so that the CPU the adapters' start-ups take is spread evenly over the
// run rather than landing on the first retries (which would lengthen the
// first gaps and hide the growth C4 looks for). It stops starting calls once
// the gaps are collected, after maxBackoffCalls calls, or when
// 2·BackoffParallel calls have ended without one retry gap (the client does
// not retry: C7 says so).
func (w *world) runUntilGaps(ctx context.Context, op string, want int) error {
	m, err := w.mock(ctx)
	if err != nil {
		return err
	}
	if want < compliance.GrowthMinGaps {
		return w.couldNotRun("%d gaps: the back-off test needs at least %d", want, compliance.GrowthMinGaps)
	}
	par := w.r.opt.BackoffParallel
	ended := make(chan error, maxBackoffCalls)
	started, done := 0, 0
	var firstErr error
	wait := func() {
		if err := <-ended; err != nil && firstErr == nil {
			firstErr = err
		}
		done++
	}
	for firstErr == nil && ctx.Err() == nil {
		n := countGaps(growthChains(m.Server.Journal()))
		inflight := started - done
		switch {
		case n >= want, started >= maxBackoffCalls, done >= 2*par && n == 0:
			// Enough, too many calls, or a client that does not retry.
			for done < started {
				wait()
			}
			if firstErr != nil {
				return firstErr
			}
			return w.attribute(ctx)
		case inflight >= par:
			wait()
			continue
		case inflight > 0 && done > 0 && float64(n)+float64(inflight)*float64(n)/float64(done+inflight)/2 >= float64(want):
			// The calls running will likely bring what is missing: wait
			// for them rather than start more than needed.
			wait()
			continue
		}
		if started > 0 && started < par {
			time.Sleep(backoffStagger)
		}
		started++
		go func() {
			_, err := w.call(ctx, op, 0, true)
			ended <- err
		}()
	}
	for done < started {
		wait()
	}
	if firstErr != nil {
		return firstErr
	}
	return contextDone(ctx)
}

// attribute fetches the scenario's journal through the control API and
// gives each call its own entries: those of the tokens it alone was given,
// or, for calls made one after the other, those that arrived while it ran.
func (w *world) attribute(ctx context.Context) error {
	js, err := w.ctl.Journal(ctx)
	if err != nil {
		return w.couldNotRun("read the mock's journal: %v", err)
	}
	if len(js) >= journalSize {
		// The ring wrapped: what the client did first is lost, so nothing
		// can be graded, and a client that sends this many requests in one
		// scenario does not bound its attempts.
		return w.check(fail(compliance.RuleBounded, fmt.Sprintf("the client sent %d requests or more in one scenario: the mock's journal overflowed", journalSize)))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.journal = js
	for _, c := range w.calls {
		c.journal = c.journal[:0]
		for _, e := range js {
			if c.clients != nil {
				if c.clients[e.Client] {
					c.journal = append(c.journal, e)
				}
				continue
			}
			if !e.Time.Before(c.started) && !e.Time.After(c.ended) {
				c.journal = append(c.journal, e)
			}
		}
	}
	return nil
}

func (w *world) lastCall() (*callWindow, error) {
	if len(w.calls) == 0 {
		return nil, w.couldNotRun("no call was made: a When step must run the client first")
	}
	return w.calls[len(w.calls)-1], nil
}

func (w *world) callsFor(all bool) ([]*callWindow, error) {
	c, err := w.lastCall()
	if err != nil {
		return nil, err
	}
	if all {
		return w.calls, nil
	}
	return []*callWindow{c}, nil
}

// exitsOK grades X1 for calls that must succeed: exit 0 and the answer.
func (w *world) exitsOK(all bool) error {
	calls, err := w.callsFor(all)
	if err != nil {
		return err
	}
	for i, c := range calls {
		if c.timedOut {
			return w.check(fail(RuleOutcome, fmt.Sprintf("call %d of %s was killed at --call-timeout %s", i+1, c.op, w.r.opt.CallTimeout)))
		}
		if c.exit != 0 {
			return w.check(fail(RuleOutcome, fmt.Sprintf("call %d of %s exited %d, want 0 (the service answered: %s)", i+1, c.op, c.exit, statuses(c.journal))))
		}
		if err := w.answerOK(c); err != nil {
			return w.check(fail(RuleOutcome, fmt.Sprintf("call %d of %s exited 0 but %v", i+1, c.op, err)))
		}
	}
	return w.check(pass(RuleOutcome, fmt.Sprintf("%d call(s) exited 0 with the answer", len(calls))))
}

// answerOK checks the stdout of a successful call against the interface.
func (w *world) answerOK(c *callWindow) error {
	var obj map[string]json.RawMessage
	if c.op == OpCreateNetwork {
		return nil // anything, e.g. {}
	}
	if err := json.Unmarshal(c.stdout, &obj); err != nil || obj == nil {
		return fmt.Errorf("stdout is not one JSON object (%d bytes)", len(c.stdout))
	}
	switch c.op {
	case OpGetNetworks:
		var nets []json.RawMessage
		if err := json.Unmarshal(obj["threadNetworks"], &nets); err != nil || obj["threadNetworks"] == nil {
			return errors.New(`stdout has no "threadNetworks" array`)
		}
		if len(nets) != len(w.networks) {
			return fmt.Errorf("stdout holds %d networks, the service has %d", len(nets), len(w.networks))
		}
	case OpSkillCredentials:
		var got struct {
			C struct {
				ClientID     string `json:"clientId"`
				ClientSecret string `json:"clientSecret"`
			} `json:"skillMessagingCredentials"`
		}
		_ = json.Unmarshal(c.stdout, &got)
		if got.C.ClientID != contract.MockSkillClientID || got.C.ClientSecret != contract.MockSkillClientSecret {
			return errors.New(`stdout's "skillMessagingCredentials" is not the service's answer`)
		}
	}
	return nil
}

// exitsFailed grades X1 for calls that must fail: a non-zero exit (a call
// killed at its time limit never gave up: C3).
func (w *world) exitsFailed(all bool) error {
	calls, err := w.callsFor(all)
	if err != nil {
		return err
	}
	for i, c := range calls {
		if c.timedOut {
			return w.check(fail(compliance.RuleBounded, fmt.Sprintf("call %d of %s still running at --call-timeout %s was killed: it never gave up", i+1, c.op, w.r.opt.CallTimeout)))
		}
		if c.exit == 0 {
			return w.check(fail(RuleOutcome, fmt.Sprintf("call %d of %s exited 0 although the service answered %s: a failure must exit non-zero", i+1, c.op, statuses(c.journal))))
		}
	}
	return w.check(pass(RuleOutcome, fmt.Sprintf("%d call(s) exited non-zero", len(calls))))
}

func statuses(js []mockcontrol.JournalEntry) string {
	var s []string
	for _, e := range js {
		s = append(s, fmt.Sprintf("%s %s", e.Operation, statusText(statusOf(e))))
	}
	if len(s) == 0 {
		return "nothing (no request arrived)"
	}
	return strings.Join(first(s, 12), ", ")
}

func countOp(js []mockcontrol.JournalEntry, cop string) int {
	n := 0
	for _, e := range js {
		if e.Operation == cop {
			n++
		}
	}
	return n
}

// saw checks how many requests of op the service saw in the scenario
// (exactly n, or at most n); the rule it grades follows from the scenario's
// set-up.
func (w *world) saw(n int, op string, atMost bool) error {
	cop, err := adapterOpToContract(op)
	if err != nil {
		return w.couldNotRun("%v", err)
	}
	got := countOp(w.journal, cop)
	rule := RuleOutcome
	switch {
	case w.revoked:
		rule = RuleRefusedRefresh
	case op == "token" && w.faultSt == 0:
		rule = RuleNoNeedlessLWA
	case w.faultSt == 401:
		rule = RuleRefreshOnce
	case contract.NonRetryable(w.faultSt):
		rule = compliance.RuleNonRetryable
	case got < n:
		rule = compliance.RuleRecovers
	case got > n:
		rule = compliance.RuleBounded
	}
	if got != n && !(atMost && got < n) {
		want := fmt.Sprint(n)
		if atMost {
			want = "at most " + want
		}
		return w.check(fail(rule, fmt.Sprintf("the service saw %d %s request(s), want %s: %s", got, cop, want, statuses(w.journal))))
	}
	return w.check(pass(rule, fmt.Sprintf("%d %s request(s)", got, cop)))
}

func (w *world) backoffRules() error {
	if _, err := w.lastCall(); err != nil {
		return err
	}
	var failed []string
	windows := make([]callWindow, len(w.calls))
	for i, c := range w.calls {
		windows[i] = *c
	}
	for _, c := range backoffChecks(windows, w.r.opt.MaxAttempts, w.r.opt.CallTimeout) {
		if err := w.check(c); err != nil {
			failed = append(failed, err.Error())
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

func (w *world) gapsGrow() error {
	if _, err := w.lastCall(); err != nil {
		return err
	}
	return w.check(growthCheck(growthChains(w.journal)))
}

// refreshedOnce grades T1 on the last call: one refresh_token grant, the
// request sent twice, the second time with the new token, and success.
func (w *world) refreshedOnce() error {
	c, err := w.lastCall()
	if err != nil {
		return err
	}
	cop, _ := adapterOpToContract(c.op)
	var reqs []mockcontrol.JournalEntry
	grants := 0
	for _, e := range c.journal {
		switch e.Operation {
		case contract.OpToken:
			grants++
		case cop:
			reqs = append(reqs, e)
		}
	}
	switch {
	case len(reqs) == 1 && grants == 1 && reqs[0].Status == 200:
		return w.check(fail(RuleRefreshOnce, "the client never sent the (expired) access token it was given: it asked LWA for a new one first, "+
			"so it calls LWA on every call (T2) and its handling of a 401 is not shown"))
	case grants != 1:
		return w.check(fail(RuleRefreshOnce, fmt.Sprintf("%d token request(s) after the 401, want exactly 1: %s", grants, statuses(c.journal))))
	case len(reqs) != 2:
		return w.check(fail(RuleRefreshOnce, fmt.Sprintf("%s sent %d time(s), want 2 (the 401, then one retry): %s", cop, len(reqs), statuses(c.journal))))
	case reqs[0].Token == reqs[1].Token:
		return w.check(fail(RuleRefreshOnce, "the retry after the 401 carried the same access token"))
	case reqs[1].Status != 200:
		return w.check(fail(RuleRefreshOnce, fmt.Sprintf("the retry with the new token was answered %d", reqs[1].Status)))
	}
	return w.check(pass(RuleRefreshOnce, fmt.Sprintf("401, 1 refresh, retry with a new token answered 200 (%s)", statuses(c.journal))))
}

func (w *world) noLWA() error {
	if _, err := w.lastCall(); err != nil {
		return err
	}
	n := countOp(w.journal, contract.OpToken)
	per := make([]string, len(w.calls))
	for i, c := range w.calls {
		per[i] = fmt.Sprint(countOp(c.journal, contract.OpToken))
	}
	figure := fmt.Sprintf("%d LWA request(s) over %d call(s) given a valid access token (per call: %s)", n, len(w.calls), strings.Join(per, ", "))
	if n != 0 {
		return w.check(fail(RuleNoNeedlessLWA, figure))
	}
	return w.check(pass(RuleNoNeedlessLWA, figure))
}

// pagesComplete grades P1: the stdout holds every seeded network once.
func (w *world) pagesComplete(n int) error {
	c, err := w.lastCall()
	if err != nil {
		return err
	}
	if n != len(w.networks) {
		return w.couldNotRun("the scenario seeded %d networks, not %d", len(w.networks), n)
	}
	var got struct {
		ThreadNetworks []struct {
			NetworkName string `json:"networkName"`
		} `json:"threadNetworks"`
	}
	if err := json.Unmarshal(c.stdout, &got); err != nil {
		return w.check(fail(RulePagesComplete, fmt.Sprintf("stdout is not {\"threadNetworks\": [...]} (exit %d)", c.exit)))
	}
	seen := map[string]int{}
	for _, nw := range got.ThreadNetworks {
		seen[nw.NetworkName]++
	}
	var missing, twice []string
	for _, name := range w.networks {
		switch seen[name] {
		case 0:
			missing = append(missing, name)
		case 1:
		default:
			twice = append(twice, name)
		}
	}
	if len(missing) > 0 || len(twice) > 0 || len(got.ThreadNetworks) != n {
		return w.check(fail(RulePagesComplete, fmt.Sprintf("%d networks returned for %d: %d missing %v, %d more than once %v",
			len(got.ThreadNetworks), n, len(missing), first(missing, 5), len(twice), first(twice, 5))))
	}
	return w.check(pass(RulePagesComplete, fmt.Sprintf("all %d networks, none twice", n)))
}

// pagesUnchanged grades P2: every page request answered 200 (a nextToken
// the client changed is refused with 400), each page asked for once, as
// many pages as the data needs.
func (w *world) pagesUnchanged() error {
	c, err := w.lastCall()
	if err != nil {
		return err
	}
	size := c.maxResults
	if size == 0 {
		size = 10 // the service's default page size
	}
	want := max(1, (len(w.networks)+size-1)/size)
	keys := map[string]int{}
	var refused []string
	pages := 0
	for _, e := range c.journal {
		if e.Operation != contract.OpGetThreadNetworks {
			continue
		}
		pages++
		keys[e.Key]++
		if e.Status != 200 {
			refused = append(refused, statusText(statusOf(e)))
		}
	}
	twice := 0
	for _, k := range keys {
		if k > 1 {
			twice += k - 1
		}
	}
	switch {
	case len(refused) > 0:
		return w.check(fail(RulePagesUnchanged, fmt.Sprintf("%d page request(s) refused (%s): a nextToken must be sent back exactly as received", len(refused), strings.Join(first(refused, 5), ", "))))
	case twice > 0:
		return w.check(fail(RulePagesUnchanged, fmt.Sprintf("%d page request(s) repeated the same page (%d requests for %d pages)", twice, pages, want)))
	case pages != want:
		return w.check(fail(RulePagesUnchanged, fmt.Sprintf("%d page requests, want %d (%d networks, pages of %d)", pages, want, len(w.networks), size)))
	}
	return w.check(pass(RulePagesUnchanged, fmt.Sprintf("%d pages of %d, each asked once", pages, size)))
}
