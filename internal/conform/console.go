package conform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
)

// consolePrefix names the harness's variants of godog's console formats.
const consolePrefix = "harness-"

// quietSummary is a godog console formatter without godog's closing
// summary ("109 scenarios (109 passed)"): godog counts a scenario the
// harness skipped (a step returned godog.ErrSkip) as passed, so its count
// would contradict the harness's own summary, the one the CLI prints.
type quietSummary struct {
	godog.Formatter
	out io.Writer
}

// Summary ends the progress dots' line and prints nothing else.
func (q quietSummary) Summary() { fmt.Fprintln(q.out) }

// init registers harness-progress and harness-pretty with godog, whose
// formatters are found by name in its own registry (godog.Format); they
// are registered once and never changed.
func init() {
	for _, name := range []string{"progress", "pretty"} {
		base := godog.FindFmt(name)
		godog.Format(consolePrefix+name, "godog's "+name+" format without its summary (the harness prints its own)",
			func(suite string, out io.Writer) godog.Formatter {
				return quietSummary{Formatter: base(suite, out), out: out}
			})
	}
}

// ErrUnreachable marks a real-target run refused because nothing answers
// at one of its endpoints (the CLI maps it to "could not run", exit 3).
var ErrUnreachable = errors.New("could not run")

// preflightTimeout bounds the connection attempt to each endpoint.
const preflightTimeout = 5 * time.Second

// preflight dials the host of each base URL of cfg (the real services' for
// an empty one), through the proxy the environment names for it, before
// any scenario runs: an address where nothing listens is one error naming
// it, not a scenario failure per request.
func preflight(ctx context.Context, cfg clients.Config) error {
	targets := map[string]string{} // host:port → base URL
	for _, u := range []struct{ url, def string }{
		{cfg.LockerURL, contract.LockerBaseURL}, {cfg.SMAPIURL, contract.SMAPIBaseURL}, {cfg.LWAURL, contract.LWABaseURL},
	} {
		raw := u.url
		if raw == "" {
			raw = u.def
		}
		addr, err := dialAddr(raw)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrUnreachable, raw, err)
		}
		if _, ok := targets[addr]; !ok {
			targets[addr] = raw
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
	)
	for addr, raw := range targets {
		wg.Go(func() {
			d := net.Dialer{Timeout: preflightTimeout}
			c, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("%s (%v)", raw, err))
				mu.Unlock()
				return
			}
			c.Close()
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%w: nothing answers at %s: start the service or fix the HARNESS_*_URL variables", ErrUnreachable, strings.Join(errs, ", "))
	}
	return nil
}

// dialAddr is the host:port a request to raw connects to: the proxy's when
// the environment (HTTPS_PROXY, NO_PROXY, …) routes raw through one.
func dialAddr(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err == nil && p != nil {
		u = p
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}
