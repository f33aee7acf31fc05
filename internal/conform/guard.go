package conform

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"golang.org/x/time/rate"

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
