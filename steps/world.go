package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// worldKey carries the *world in a scenario's context.
type worldKey struct{}

func worldFrom(ctx context.Context) *world {
	w, _ := ctx.Value(worldKey{}).(*world)
	return w
}

// SkipReason returns why the scenario of ctx was skipped ("" when it was
// not), for the runner's report.
func SkipReason(ctx context.Context) string {
	if w := worldFrom(ctx); w != nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.skipped
	}
	return ""
}

// skipError skips the rest of a scenario with a reason; it matches
// godog.ErrSkip.
type skipError struct{ reason string }

func (e *skipError) Error() string { return "skipped: " + e.reason }
func (e *skipError) Unwrap() error { return godog.ErrSkip }

// exchange is one answer a scenario received.
type exchange struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	token        bool // from a token source (not the step's own call)
}

// offsetClock is a dedicated mock's clock: wall time plus an offset the
// scenario moves forward.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *offsetClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// world is one scenario's state.
type world struct {
	t    *Target
	name string
	tags map[string]bool

	cfg       clients.Config // URLs and identities of this scenario's target
	dedicated *mock.Running  // this scenario's own mock (mock-only scenarios)
	control   *mockcontrol.Control
	clock     *offsetClock

	retry  bool   // use the standard retry policy rather than none
	caller string // identity name
	epid   string // this scenario's own extendedPanId
	tokens map[string]*clients.LWA

	created map[string][]clients.ThreadNetwork // by owner identity
	lastNet clients.ThreadNetwork              // the network last created
	held    string                             // an access token held as is
	secret  string                             // a skill client secret seen, for leak checks

	// results of the last call
	op       string
	callErr  error
	page     clients.NetworkPage
	pages    []clients.NetworkPage
	listed   []clients.ThreadNetwork
	creds    clients.SkillCredentials
	next     string // a nextToken kept for a later step
	seenUpTo int    // violations already reported

	mu         sync.Mutex
	last       *exchange
	attempts   []clients.Attempt
	violations []string
	skipped    string
	seen       map[string]bool // tokens sent or received, masked in step errors
}

func newWorld(t *Target, sc *godog.Scenario) *world {
	w := &world{
		t: t, name: sc.Name, tags: map[string]bool{}, cfg: t.Clients,
		caller: CustomerA, epid: randHex(8), tokens: map[string]*clients.LWA{},
		created: map[string][]clients.ThreadNetwork{},
	}
	for _, tag := range sc.Tags {
		w.tags[tag.Name] = true
	}
	return w
}

// record is called by the validating transport for every answer.
func (w *world) record(x exchange, verr error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !x.token {
		w.last = &x
	}
	if verr != nil {
		w.violations = append(w.violations, describeViolation(x.method, shortPath(x.path), x.status, verr))
	}
}

// ObserveAttempt implements clients.Observer.
func (w *world) ObserveAttempt(a clients.Attempt) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempts = append(w.attempts, a)
}

func (w *world) skip(reason string) error {
	w.mu.Lock()
	w.skipped = reason
	w.mu.Unlock()
	return &skipError{reason: reason}
}

// lastExchange returns the last answer of the scenario's own calls.
func (w *world) lastExchange() (*exchange, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last == nil {
		if w.callErr != nil {
			return nil, fmt.Errorf("no answer was received: %v", w.callErr)
		}
		return nil, errors.New("no request has been sent yet")
	}
	return w.last, nil
}

// newViolations returns departures from the contract not yet reported.
func (w *world) newViolations() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.violations) == w.seenUpTo {
		return nil
	}
	v := w.violations[w.seenUpTo:]
	w.seenUpTo = len(w.violations)
	return errors.New(strings.Join(v, "; "))
}

// begin starts a new call: forget the previous answer and attempts.
func (w *world) begin(op string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.op = op
	w.last = nil
	w.attempts = nil
	w.callErr = nil
}

// end finishes a call: a departure from the contract fails the step; a call
// error is kept for the Then steps unless must is set.
func (w *world) end(err error, must bool) error {
	w.mu.Lock()
	w.callErr = err
	w.mu.Unlock()
	if verr := w.newViolations(); verr != nil {
		return verr
	}
	var se *skipError
	if errors.As(err, &se) {
		return w.skip(se.reason)
	}
	if must && err != nil {
		return err
	}
	return nil
}

// policy returns the retry policy of the scenario's calls.
func (w *world) policy() clients.RetryPolicy {
	if w.retry {
		return w.t.RetryPolicy
	}
	return clients.NoRetry()
}

// transport returns the scenario's client transport, injecting tokens from
// tp (none when nil).
func (w *world) transport(tp clients.TokenProvider) *http.Client {
	opts := []clients.TransportOption{clients.WithPolicy(w.policy()), clients.WithObserver(w)}
	if tp != nil {
		opts = append(opts, clients.WithTokenProvider(tp))
	}
	return &http.Client{
		Transport: clients.NewTransport(&validating{next: w.t.Base, v: w.t.Validator}, opts...),
		// Never follow redirects: an answer is judged as given.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// tokenSource returns the token source of an identity: the run-wide one on
// the shared target, a scenario-own one on a dedicated mock.
func (w *world) tokenSource(name string) (*clients.LWA, error) {
	if info, ok := identityTable()[name]; ok && info.secret(w.cfg) == "" {
		return nil, &skipError{reason: missingIdentity(name)}
	}
	if w.dedicated == nil {
		return w.t.sharedTokens(name)
	}
	if l, ok := w.tokens[name]; ok {
		return l, nil
	}
	l, err := newLWA(w.t, w.cfg, name)
	if err != nil {
		return nil, err
	}
	w.tokens[name] = l
	return l, nil
}

// locker returns a Credential Locker client acting as identity name.
func (w *world) locker(name string) (*clients.Locker, error) {
	tp, err := w.tokenSource(name)
	if err != nil {
		return nil, err
	}
	return clients.NewLocker(w.cfg.LockerURL, w.transport(tp))
}

// smapi returns a SMAPI client acting as identity name.
func (w *world) smapi(name string) (*clients.SMAPI, error) {
	tp, err := w.tokenSource(name)
	if err != nil {
		return nil, err
	}
	return clients.NewSMAPI(w.cfg.SMAPIURL, w.transport(tp))
}

// needMock fails a step that needs the control API outside a mock-only
// scenario: real mode never touches /__harness/.
func (w *world) needMock() error {
	if w.t.Real {
		return errors.New("this step needs the mock's control API, which real mode never uses")
	}
	if !w.tags["@mock-only"] || w.control == nil {
		return errors.New("this step needs the mock's control API: tag the scenario @mock-only")
	}
	return nil
}

// needWrites fails a create in a scenario not tagged @writes, so that no
// untagged scenario can write to a real service.
func (w *world) needWrites() error {
	if !w.tags["@writes"] {
		return errors.New("this step creates data: tag the scenario @writes")
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func shortPath(p string) string {
	if len(p) > 80 {
		return p[:60] + "…(" + fmt.Sprint(len(p)) + " bytes)"
	}
	return p
}
