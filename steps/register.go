package steps

import (
	"context"
	"errors"
	"fmt"

	"time"

	"github.com/cucumber/godog"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// Register installs the steps and hooks of the suite for target on sc.
func Register(sc *godog.ScenarioContext, t *Target) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		w := newWorld(t, s)
		ctx = context.WithValue(ctx, worldKey{}, w)
		if reason := t.skipReason(w.tags); reason != "" {
			return ctx, w.skip(reason)
		}
		if w.tags["@mock-only"] && !t.Real {
			if t.StartMock == nil {
				return ctx, errors.New("mock-only scenario but no mock can be started")
			}
			w.clock = &offsetClock{}
			run, err := t.StartMock(context.WithoutCancel(ctx), mock.Config{Now: w.clock.Now})
			if err != nil {
				return ctx, fmt.Errorf("start the scenario's own mock: %w", err)
			}
			w.dedicated = run
			w.control = &mockcontrol.Control{BaseURL: run.URL}
			w.cfg = t.Clients
			w.cfg.LockerURL, w.cfg.SMAPIURL, w.cfg.LWAURL = run.URL, run.URL, run.URL
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		w := worldFrom(ctx)
		if w == nil {
			return ctx, nil
		}
		var errs []error
		if verr := w.newViolations(); verr != nil {
			errs = append(errs, verr)
		}
		if w.dedicated != nil {
			// Every answer has been read by now; a connection still open
			// is an idle or never-used one of the pool, which a graceful
			// shutdown would wait for. Give it a moment, then close.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 200*time.Millisecond)
			_ = w.dedicated.Close(cctx)
			cancel()
		}
		return ctx, errors.Join(errs...)
	})

	// Each step finds the scenario's world in its context; godog passes
	// the captured groups as arguments.
	ww := worldFrom

	// Who calls, and how.
	sc.Step(t.exprs.expr(`^the caller is (customer A|customer B|a customer without the Thread scope|the skill's vendor|another vendor)$`),
		scrubbed(func(ctx context.Context, phrase string) error {
			name, ok := identityByPhrase(phrase)
			if !ok {
				return fmt.Errorf("unknown caller %q", phrase)
			}
			ww(ctx).caller = name
			return nil
		}))

	// Create.
	sc.Step(t.exprs.expr(`^(the caller|customer A|customer B) (creates|has created) a new Thread network( with every optional field)?(?: named "([^"]*)")?$`),
		scrubbed(func(ctx context.Context, who, verb, full, name string) error {
			return ww(ctx).stepCreateNew(ctx, who, verb, full, name)
		}))
	sc.Step(t.exprs.expr(`^(the caller|customer A|customer B) (creates|has created) another Thread network with the same extendedPanId named "([^"]*)"$`),
		scrubbed(func(ctx context.Context, who, verb, name string) error {
			return ww(ctx).stepCreateAnother(ctx, who, verb, name)
		}))
	sc.Step(t.exprs.expr(`^the caller creates the same Thread network again$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepCreateSameAgain(ctx) }))
	sc.Step(t.exprs.expr(`^customer B creates a Thread network with the same extendedPanId and name but its own key$`),
		scrubbed(func(ctx context.Context) error { return ww(ctx).stepCustomerBSameNetwork(ctx) }))
	sc.Step(t.exprs.expr(`^the caller has created (\d+) Thread networks under one extendedPanId$`),
		scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepCreateMany(ctx, n) }))
	sc.Step(t.exprs.expr(`^the caller creates a Thread network whose (\w+) is (.+)$`),
		scrubbed(func(ctx context.Context, field, value string) error {
			return ww(ctx).stepCreateWithField(ctx, field, value)
		}))
	sc.Step(t.exprs.expr(`^the caller sends a create request whose raw body is '(.*)'$`),
		scrubbed(func(ctx context.Context, body string) error { return ww(ctx).stepCreateRawBody(ctx, body) }))
	sc.Step(t.exprs.expr(`^the caller creates a new Thread network sending the Authorization header "(.*)"$`),
		scrubbed(func(ctx context.Context, h string) error { return ww(ctx).stepCreateWithHeader(ctx, h) }))
	sc.Step(t.exprs.expr(`^the caller creates a new Thread network with that same access token$`),
		scrubbed(func(ctx context.Context) error { return ww(ctx).stepCreateWithHeld(ctx) }))
	sc.Step(t.exprs.expr(`^the caller sends a create request to "([^"]*)"$`),
		scrubbed(func(ctx context.Context, p string) error { return ww(ctx).stepCreateAtPath(ctx, p) }))

	// List.
	sc.Step(t.exprs.expr(`^(the caller|customer A|customer B) lists the Thread networks for (that extendedPanId|an extendedPanId nobody uses)(?: named "([^"]*)")?( with that same access token)?$`),
		scrubbed(func(ctx context.Context, who, which, name, held string) error {
			return ww(ctx).stepList(ctx, who, which, name, held)
		}))
	sc.Step(t.exprs.expr(`^the caller has listed the Thread networks for that extendedPanId$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepHasListed(ctx) }))
	sc.Step(t.exprs.expr(`^the caller lists Thread networks with the query "(.*)"$`),
		scrubbed(func(ctx context.Context, q string) error { return ww(ctx).stepListQuery(ctx, q) }))
	sc.Step(t.exprs.expr(`^the caller lists the Thread networks for that extendedPanId sending the Authorization header "(.*)"$`),
		scrubbed(func(ctx context.Context, h string) error { return ww(ctx).stepListWithHeader(ctx, h) }))
	sc.Step(t.exprs.expr(`^the caller lists Thread networks at "([^"]*)"$`),
		scrubbed(func(ctx context.Context, p string) error { return ww(ctx).stepListAtPath(ctx, p) }))
	sc.Step(t.exprs.expr(`^the caller pages through the Thread networks for that extendedPanId (\d+) at a time$`),
		scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepPage(ctx, n) }))
	sc.Step(t.exprs.expr(`^the caller has the nextToken of the first page of (\d+)$`),
		scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepKeepNextToken(ctx, n) }))
	sc.Step(t.exprs.expr(`^the caller sends that nextToken with a different extendedPanId$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepNextTokenOtherQuery(ctx) }))
	sc.Step(t.exprs.expr(`^the caller asks for the next page with that nextToken$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepNextPage(ctx) }))

	// Skill credentials.
	sc.Step(t.exprs.expr(`^the caller gets the credentials of the skill$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepGetCredentials(ctx) }))
	sc.Step(t.exprs.expr(`^the caller gets the credentials of the skill "([^"]*)"$`),
		scrubbed(func(ctx context.Context, id string) error { return ww(ctx).stepGetCredentialsOf(ctx, id) }))
	sc.Step(t.exprs.expr(`^the caller gets the credentials of a skill whose id is (\d+) characters long$`),
		scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepGetCredentialsLength(ctx, n) }))
	sc.Step(t.exprs.expr(`^the caller gets the credentials of the skill sending the Authorization header "(.*)"$`),
		scrubbed(func(ctx context.Context, h string) error { return ww(ctx).stepGetCredentialsWithHeader(ctx, h) }))
	sc.Step(t.exprs.expr(`^the caller gets the credentials of the skill with that same access token$`),
		scrubbed(func(ctx context.Context) error { return ww(ctx).stepGetCredentialsWithHeld(ctx) }))

	// Tokens.
	sc.Step(t.exprs.expr(`^a token request is sent with the form "(.*)"$`), scrubbed(func(ctx context.Context, f string) error { return ww(ctx).stepTokenForm(ctx, f) }))
	sc.Step(t.exprs.expr(`^(customer A) has exchanged its refresh token for an access token$`),
		scrubbed(func(ctx context.Context, who string) error { return ww(ctx).stepHoldToken(ctx, who) }))
	sc.Step(t.exprs.expr(`^(the caller) holds an access token$`), scrubbed(func(ctx context.Context, who string) error { return ww(ctx).stepHoldToken(ctx, who) }))

	// The mock (only @mock-only scenarios).
	sc.Step(t.exprs.expr(`^the mock answers the next (?:(\d+) )?(\w+) requests? with (\d+)(?: and Retry-After (\d+))?$`),
		scrubbed(func(ctx context.Context, count, op string, status int, ra string) error {
			n := 0
			if ra != "" {
				if _, err := fmt.Sscan(ra, &n); err != nil {
					return err
				}
			}
			return ww(ctx).stepFault(ctx, count, op, status, n)
		}))
	sc.Step(t.exprs.expr(`^the mock's clock moves forward (\d+) (seconds|hours)$`),
		scrubbed(func(ctx context.Context, n int, unit string) error { return ww(ctx).stepClock(ctx, n, unit) }))

	// Outcomes.
	sc.Step(t.exprs.expr(`^the status is (\d+)$`), scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepStatus(ctx, n) }))
	sc.Step(t.exprs.expr(`^the answer has no body$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepNoBody(ctx) }))
	sc.Step(t.exprs.expr(`^the answer is a JSON error with a message$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepJSONError(ctx) }))
	sc.Step(t.exprs.expr(`^the answer is the OAuth error "([^"]*)"$`), scrubbed(func(ctx context.Context, c string) error { return ww(ctx).stepOAuthError(ctx, c) }))
	sc.Step(t.exprs.expr(`^the answer holds a bearer access token that expires in (\d+) seconds$`),
		scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepBearerToken(ctx, n) }))
	sc.Step(t.exprs.expr(`^the network is listed for the caller with every field as created$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepListedAsCreated(ctx) }))
	sc.Step(t.exprs.expr(`^the caller's networks for that extendedPanId are exactly (\d+)$`),
		scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepCallerHasExactly(ctx, n) }))
	sc.Step(t.exprs.expr(`^the list holds exactly the networks the caller created$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepListHoldsCreated(ctx) }))
	sc.Step(t.exprs.expr(`^the list holds exactly the networks named "([^"]*)"$`),
		scrubbed(func(ctx context.Context, n string) error { return ww(ctx).stepListHoldsNamed(ctx, n) }))
	sc.Step(t.exprs.expr(`^the list is empty$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepListEmpty(ctx) }))
	sc.Step(t.exprs.expr(`^the last page has no nextToken$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepNoNextToken(ctx) }))
	sc.Step(t.exprs.expr(`^the page holds (\d+) networks and a nextToken$`), scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepPageHolds(ctx, n) }))
	sc.Step(t.exprs.expr(`^every page holds at most (\d+) networks$`), scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepEveryPageAtMost(ctx, n) }))
	sc.Step(t.exprs.expr(`^there are (\d+) pages$`), scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepPageCount(ctx, n) }))
	sc.Step(t.exprs.expr(`^the pages hold each of the (\d+) networks exactly once$`), scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepPagesHoldEach(ctx, n) }))
	sc.Step(t.exprs.expr(`^customer (A|B) sees only its own network for that extendedPanId$`),
		scrubbed(func(ctx context.Context, who string) error { return ww(ctx).stepSeesOnlyOwn(ctx, who) }))
	sc.Step(t.exprs.expr(`^the answer holds the skill's messaging client id and secret$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepCredentialsPresent(ctx) }))
	sc.Step(t.exprs.expr(`^the credentials are the mock's well-known skill credentials$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepWellKnownCredentials(ctx) }))
	sc.Step(t.exprs.expr(`^the answer does not contain the skill's client secret$`), scrubbed(func(ctx context.Context) error { return ww(ctx).stepNoSecretLeak(ctx) }))
	sc.Step(t.exprs.expr(`^the client made (\d+) attempts, the second with a new access token$`),
		scrubbed(func(ctx context.Context, n int) error { return ww(ctx).stepAttemptsNewToken(ctx, n) }))
}

var _ clients.Observer = (*world)(nil)
