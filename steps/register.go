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
	scrubbedStep(sc, t.exprs, `^the caller is (customer A|customer B|a customer without the Thread scope|the skill's vendor|another vendor)$`,
		func(ctx context.Context, phrase string) error {
			name, ok := identityByPhrase(phrase)
			if !ok {
				return fmt.Errorf("unknown caller %q", phrase)
			}
			ww(ctx).caller = name
			return nil
		})

	// Create.
	scrubbedStep(sc, t.exprs, `^(the caller|customer A|customer B) (creates|has created) a new Thread network( with every optional field)?(?: named "([^"]*)")?$`,
		func(ctx context.Context, who, verb, full, name string) error {
			return ww(ctx).stepCreateNew(ctx, who, verb, full, name)
		})
	scrubbedStep(sc, t.exprs, `^(the caller|customer A|customer B) (creates|has created) another Thread network with the same extendedPanId named "([^"]*)"$`,
		func(ctx context.Context, who, verb, name string) error {
			return ww(ctx).stepCreateAnother(ctx, who, verb, name)
		})
	scrubbedStep(sc, t.exprs, `^the caller creates the same Thread network again$`, func(ctx context.Context) error { return ww(ctx).stepCreateSameAgain(ctx) })
	scrubbedStep(sc, t.exprs, `^customer B creates a Thread network with the same extendedPanId and name but its own key$`,
		func(ctx context.Context) error { return ww(ctx).stepCustomerBSameNetwork(ctx) })
	scrubbedStep(sc, t.exprs, `^the caller has created (\d+) Thread networks under one extendedPanId$`,
		func(ctx context.Context, n int) error { return ww(ctx).stepCreateMany(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the caller creates a Thread network whose (\w+) is (.+)$`,
		func(ctx context.Context, field, value string) error {
			return ww(ctx).stepCreateWithField(ctx, field, value)
		})
	scrubbedStep(sc, t.exprs, `^the caller sends a create request whose raw body is '(.*)'$`,
		func(ctx context.Context, body string) error { return ww(ctx).stepCreateRawBody(ctx, body) })
	scrubbedStep(sc, t.exprs, `^the caller creates a new Thread network sending the Authorization header "(.*)"$`,
		func(ctx context.Context, h string) error { return ww(ctx).stepCreateWithHeader(ctx, h) })
	scrubbedStep(sc, t.exprs, `^the caller creates a new Thread network with that same access token$`,
		func(ctx context.Context) error { return ww(ctx).stepCreateWithHeld(ctx) })
	scrubbedStep(sc, t.exprs, `^the caller sends a create request to "([^"]*)"$`,
		func(ctx context.Context, p string) error { return ww(ctx).stepCreateAtPath(ctx, p) })

	// List.
	scrubbedStep(sc, t.exprs, `^(the caller|customer A|customer B) lists the Thread networks for (that extendedPanId|an extendedPanId nobody uses)(?: named "([^"]*)")?( with that same access token)?$`,
		func(ctx context.Context, who, which, name, held string) error {
			return ww(ctx).stepList(ctx, who, which, name, held)
		})
	scrubbedStep(sc, t.exprs, `^the caller has listed the Thread networks for that extendedPanId$`, func(ctx context.Context) error { return ww(ctx).stepHasListed(ctx) })
	scrubbedStep(sc, t.exprs, `^the caller lists Thread networks with the query "(.*)"$`,
		func(ctx context.Context, q string) error { return ww(ctx).stepListQuery(ctx, q) })
	scrubbedStep(sc, t.exprs, `^the caller lists the Thread networks for that extendedPanId sending the Authorization header "(.*)"$`,
		func(ctx context.Context, h string) error { return ww(ctx).stepListWithHeader(ctx, h) })
	scrubbedStep(sc, t.exprs, `^the caller lists Thread networks at "([^"]*)"$`,
		func(ctx context.Context, p string) error { return ww(ctx).stepListAtPath(ctx, p) })
	scrubbedStep(sc, t.exprs, `^the caller pages through the Thread networks for that extendedPanId (\d+) at a time$`,
		func(ctx context.Context, n int) error { return ww(ctx).stepPage(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the caller has the nextToken of the first page of (\d+)$`,
		func(ctx context.Context, n int) error { return ww(ctx).stepKeepNextToken(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the caller sends that nextToken with a different extendedPanId$`, func(ctx context.Context) error { return ww(ctx).stepNextTokenOtherQuery(ctx) })
	scrubbedStep(sc, t.exprs, `^the caller asks for the next page with that nextToken$`, func(ctx context.Context) error { return ww(ctx).stepNextPage(ctx) })

	// Skill credentials.
	scrubbedStep(sc, t.exprs, `^the caller gets the credentials of the skill$`, func(ctx context.Context) error { return ww(ctx).stepGetCredentials(ctx) })
	scrubbedStep(sc, t.exprs, `^the caller gets the credentials of the skill "([^"]*)"$`,
		func(ctx context.Context, id string) error { return ww(ctx).stepGetCredentialsOf(ctx, id) })
	scrubbedStep(sc, t.exprs, `^the caller gets the credentials of a skill whose id is (\d+) characters long$`,
		func(ctx context.Context, n int) error { return ww(ctx).stepGetCredentialsLength(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the caller gets the credentials of the skill sending the Authorization header "(.*)"$`,
		func(ctx context.Context, h string) error { return ww(ctx).stepGetCredentialsWithHeader(ctx, h) })
	scrubbedStep(sc, t.exprs, `^the caller gets the credentials of the skill with that same access token$`,
		func(ctx context.Context) error { return ww(ctx).stepGetCredentialsWithHeld(ctx) })

	// Tokens.
	scrubbedStep(sc, t.exprs, `^a token request is sent with the form "(.*)"$`, func(ctx context.Context, f string) error { return ww(ctx).stepTokenForm(ctx, f) })
	scrubbedStep(sc, t.exprs, `^(customer A) has exchanged its refresh token for an access token$`,
		func(ctx context.Context, who string) error { return ww(ctx).stepHoldToken(ctx, who) })
	scrubbedStep(sc, t.exprs, `^(the caller) holds an access token$`, func(ctx context.Context, who string) error { return ww(ctx).stepHoldToken(ctx, who) })

	// The mock (only @mock-only scenarios).
	scrubbedStep(sc, t.exprs, `^the mock answers the next (?:(\d+) )?(\w+) requests? with (\d+)(?: and Retry-After (\d+))?$`,
		func(ctx context.Context, count, op string, status int, ra string) error {
			n := 0
			if ra != "" {
				if _, err := fmt.Sscan(ra, &n); err != nil {
					return err
				}
			}
			return ww(ctx).stepFault(ctx, count, op, status, n)
		})
	scrubbedStep(sc, t.exprs, `^the mock's clock moves forward (\d+) (seconds|hours)$`,
		func(ctx context.Context, n int, unit string) error { return ww(ctx).stepClock(ctx, n, unit) })

	// Outcomes.
	scrubbedStep(sc, t.exprs, `^the status is (\d+)$`, func(ctx context.Context, n int) error { return ww(ctx).stepStatus(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the answer has no body$`, func(ctx context.Context) error { return ww(ctx).stepNoBody(ctx) })
	scrubbedStep(sc, t.exprs, `^the answer is a JSON error with a message$`, func(ctx context.Context) error { return ww(ctx).stepJSONError(ctx) })
	scrubbedStep(sc, t.exprs, `^the answer is the OAuth error "([^"]*)"$`, func(ctx context.Context, c string) error { return ww(ctx).stepOAuthError(ctx, c) })
	scrubbedStep(sc, t.exprs, `^the answer holds a bearer access token that expires in (\d+) seconds$`,
		func(ctx context.Context, n int) error { return ww(ctx).stepBearerToken(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the network is listed for the caller with every field as created$`, func(ctx context.Context) error { return ww(ctx).stepListedAsCreated(ctx) })
	scrubbedStep(sc, t.exprs, `^the caller's networks for that extendedPanId are exactly (\d+)$`,
		func(ctx context.Context, n int) error { return ww(ctx).stepCallerHasExactly(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the list holds exactly the networks the caller created$`, func(ctx context.Context) error { return ww(ctx).stepListHoldsCreated(ctx) })
	scrubbedStep(sc, t.exprs, `^the list holds exactly the networks named "([^"]*)"$`,
		func(ctx context.Context, n string) error { return ww(ctx).stepListHoldsNamed(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the list is empty$`, func(ctx context.Context) error { return ww(ctx).stepListEmpty(ctx) })
	scrubbedStep(sc, t.exprs, `^the last page has no nextToken$`, func(ctx context.Context) error { return ww(ctx).stepNoNextToken(ctx) })
	scrubbedStep(sc, t.exprs, `^the page holds (\d+) networks and a nextToken$`, func(ctx context.Context, n int) error { return ww(ctx).stepPageHolds(ctx, n) })
	scrubbedStep(sc, t.exprs, `^every page holds at most (\d+) networks$`, func(ctx context.Context, n int) error { return ww(ctx).stepEveryPageAtMost(ctx, n) })
	scrubbedStep(sc, t.exprs, `^there are (\d+) pages$`, func(ctx context.Context, n int) error { return ww(ctx).stepPageCount(ctx, n) })
	scrubbedStep(sc, t.exprs, `^the pages hold each of the (\d+) networks exactly once$`, func(ctx context.Context, n int) error { return ww(ctx).stepPagesHoldEach(ctx, n) })
	scrubbedStep(sc, t.exprs, `^customer (A|B) sees only its own network for that extendedPanId$`,
		func(ctx context.Context, who string) error { return ww(ctx).stepSeesOnlyOwn(ctx, who) })
	scrubbedStep(sc, t.exprs, `^the answer holds the skill's messaging client id and secret$`, func(ctx context.Context) error { return ww(ctx).stepCredentialsPresent(ctx) })
	scrubbedStep(sc, t.exprs, `^the credentials are the mock's well-known skill credentials$`, func(ctx context.Context) error { return ww(ctx).stepWellKnownCredentials(ctx) })
	scrubbedStep(sc, t.exprs, `^the answer does not contain the skill's client secret$`, func(ctx context.Context) error { return ww(ctx).stepNoSecretLeak(ctx) })
	scrubbedStep(sc, t.exprs, `^the client made (\d+) attempts, the second with a new access token$`,
		func(ctx context.Context, n int) error { return ww(ctx).stepAttemptsNewToken(ctx, n) })
}

var _ clients.Observer = (*world)(nil)
