package conform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
)

// summaryFilter passes godog's console output through without godog's
// closing summary ("109 scenarios (109 passed)", "436 steps (…)", the
// duration, "No scenarios"): godog counts a scenario the harness skipped (a
// step returned godog.ErrSkip) as passed, so its count would contradict the
// harness's own summary, the one the CLI prints. godog's formatters are
// tied to its internal storage and cannot be wrapped, so the filter works
// on lines: a line is held back only while it may still be a summary line
// (it starts with a digit or "No "); any other text passes at once, so the
// progress dots still show as they come. It also drops wrapperName.
type summaryFilter struct {
	w        io.Writer
	line     []byte // the held-back start of the current line
	held     bool   // the current line is being held back
	started  bool   // the current line has begun
	dropNext bool   // the line after a steps count is the duration
	blanks   int    // blank lines held back: before a summary they go too
	// wholeLines holds every line until its end (--format pretty, whose
	// lines godog writes in pieces), so that wrapperName is cut whole.
	wholeLines bool
}

// wrapperName is the function name --format pretty prints after each
// step's definition line ("# register.go:134 -> reflect.makeFuncStub"):
// every step is wrapped with reflect.MakeFunc (steps.scrubbed, which
// scrubs secrets from its error), whose name says nothing, so it is cut;
// the file and line are the step's definition.
var wrapperName = []byte(" -> reflect.makeFuncStub")

var (
	summaryLine  = regexp.MustCompile(`^(\d+ (scenarios?|steps?) \(.*\)|\d+ scenarios?|\d+ steps?|No scenarios|No steps)\s*$`)
	durationLine = regexp.MustCompile(`^(\d+h)?(\d+m)?\d+(\.\d+)?(ns|µs|ms|s)\s*$`)
)

func (f *summaryFilter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i+1]
		}
		p = p[len(chunk):]
		if !f.started {
			f.started = true
			f.held = f.wholeLines || len(chunk) > 0 && (chunk[0] >= '0' && chunk[0] <= '9' || chunk[0] == 'N' || chunk[0] == '\n' || chunk[0] == '\r' || f.dropNext)
		}
		if f.held {
			f.line = append(f.line, chunk...)
		} else {
			if err := f.writeBlanks(); err != nil {
				return n - len(p), err
			}
			if _, err := f.w.Write(bytes.ReplaceAll(chunk, wrapperName, nil)); err != nil {
				return n - len(p), err
			}
		}
		if i < 0 {
			continue
		}
		if f.held {
			if err := f.endLine(); err != nil {
				return n - len(p), err
			}
		}
		f.started, f.held = false, false
	}
	return n, nil
}

// endLine drops the held line when it is godog's summary (with the blank
// lines before it), else writes it.
func (f *summaryFilter) endLine() error {
	text := strings.TrimRight(string(f.line), "\r\n")
	if text == "" {
		f.blanks++
		f.line = f.line[:0]
		return nil
	}
	drop := summaryLine.MatchString(text) || (f.dropNext && durationLine.MatchString(text))
	f.dropNext = summaryLine.MatchString(text) && strings.Contains(text, "step")
	line := f.line
	f.line = f.line[:0]
	if drop {
		f.blanks = 0
		return nil
	}
	if err := f.writeBlanks(); err != nil {
		return err
	}
	_, err := f.w.Write(bytes.ReplaceAll(line, wrapperName, nil))
	return err
}

// writeBlanks writes the blank lines held back.
func (f *summaryFilter) writeBlanks() error {
	for ; f.blanks > 0; f.blanks-- {
		if _, err := io.WriteString(f.w, "\n"); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes a held-back last line that turned out not to be a summary.
func (f *summaryFilter) Flush() error {
	if len(f.line) > 0 {
		if err := f.endLine(); err != nil {
			return err
		}
	}
	return f.writeBlanks()
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
