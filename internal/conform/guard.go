package conform

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
)

// ErrBudget is returned for a request past the run's request budget.
var ErrBudget = errors.New("request budget exhausted")

// guard is the RoundTripper at the bottom of every client of a run: it
// counts requests against the budget, paces them with a token bucket
// (golang.org/x/time/rate) and, in real mode, refuses the mock's control API
// so that a run against a real service can never touch it.
type guard struct {
	next    http.RoundTripper
	limiter *rate.Limiter // nil: no pacing
	budget  int64         // 0: no budget
	real    bool
	sent    atomic.Int64
}

// newGuard returns the guard of a run: against a real target, budget 0
// means DefaultRealMaxRequests and perSec 0 DefaultRealRate; against the
// mock, 0 means none. Negative values mean none.
func newGuard(next http.RoundTripper, real bool, budget int64, perSec float64) *guard {
	if next == nil {
		next = clients.DefaultRoundTripper()
	}
	g := &guard{next: next, real: real}
	if real && budget == 0 {
		budget = DefaultRealMaxRequests
	}
	if real && perSec == 0 {
		perSec = DefaultRealRate
	}
	if budget > 0 {
		g.budget = budget
	}
	if perSec > 0 && !math.IsInf(perSec, 1) {
		g.limiter = rate.NewLimiter(rate.Limit(perSec), max(1, int(math.Ceil(perSec))))
	}
	return g
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if g.real && strings.HasPrefix(req.URL.Path, contract.ControlPrefix) {
		return nil, fmt.Errorf("real mode never calls the mock's control API (%s)", req.URL.Path)
	}
	if n := g.sent.Add(1); g.budget > 0 && n > g.budget {
		g.sent.Add(-1)
		return nil, fmt.Errorf("%w: %d requests sent (--max-requests)", ErrBudget, g.budget)
	}
	if g.limiter != nil {
		if err := g.limiter.Wait(req.Context()); err != nil {
			return nil, fmt.Errorf("waiting for the rate cap: %w", err)
		}
	}
	return g.next.RoundTrip(req)
}

// exhausted says why no new scenario may start ("" when one may).
func (g *guard) exhausted() string {
	if g.budget > 0 && g.sent.Load() >= g.budget {
		return fmt.Sprintf("request budget of %d exhausted (--max-requests)", g.budget)
	}
	return ""
}

// CloseIdleConnections closes the pooled connections of the transport
// below, so that a mock shutting down does not wait for them.
func (g *guard) CloseIdleConnections() {
	if c, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
