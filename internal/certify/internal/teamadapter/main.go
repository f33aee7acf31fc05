// Command teamadapter is a small certification adapter written the way a
// skill team might write one (docs/certify.md), with knobs that break one
// rule each: the certify tests build it once (without -race, so that each of
// the hundreds of invocations starts in a few milliseconds) and certify each
// variant, which must fail the rule it breaks by name while the correct
// variants pass.
//
// Usage: HARNESS_TEST_ADAPTER=VARIANT teamadapter OPERATION, the input as
// JSON on stdin. It reads the adapter variables of docs/certify.md by their
// documented names, as a team's adapter does.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// variantEnv names the variant to play.
const variantEnv = "HARNESS_TEST_ADAPTER"

func main() {
	os.Exit(run(os.Getenv(variantEnv), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run plays variant for the operation, the last of args.
func run(variant string, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	p, ok := bugVariants()[variant]
	if !ok || len(args) == 0 {
		fmt.Fprintf(stderr, "usage: %s=VARIANT teamadapter OPERATION (variant %q unknown or no operation)\n", variantEnv, variant)
		return 2
	}
	op := args[len(args)-1]
	in, _ := io.ReadAll(stdin)
	if p.logSecrets {
		logEncodedSecrets(stderr, getenv)
	}
	if p.hang {
		return hang(op, getenv, stderr)
	}
	out, err := p.run(op, in, getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s failed: %v\n", op, err)
		return 1
	}
	json.NewEncoder(stdout).Encode(out)
	return 0
}

type bugPolicy struct {
	maxAttempts   int                           // 0: never gives up
	delay         func(retry int) time.Duration // wait before retry n (1-based)
	ignoreRA      bool                          // ignores Retry-After
	retry         map[int]bool                  // statuses retried (0: a transport error)
	refreshOn401  bool                          // one refresh and one retry after a 401
	alwaysRefresh bool                          // fetches a token from LWA on every call
	dropPage      bool                          // drops the second page's networks
	loopPage      bool                          // asks for every page after the first twice
	logSecrets    bool                          // logs its secrets base64-encoded on stderr
	hang          bool                          // logs a line, tells the test, then hangs (see hang)
}

// readyEnv names the FIFO the hanging variant writes to once it has
// logged, so that a test interrupts the run while the call is in flight
// without guessing a delay.
const readyEnv = "HARNESS_TEST_READY"

// hang logs a line for op on log, writes it to the FIFO readyEnv names
// (which blocks until the test reads it), then waits until it is killed.
func hang(op string, getenv func(string) string, log io.Writer) int {
	line := fmt.Sprintf("%s: started, the secret is %s\n", op, getenv("HARNESS_LWA_CLIENT_SECRET"))
	io.WriteString(log, line)
	if f, err := os.OpenFile(getenv(readyEnv), os.O_WRONLY, 0); err == nil {
		io.WriteString(f, line)
		f.Close()
	}
	time.Sleep(time.Hour) // until the harness kills the process group
	return 0
}

// logEncodedSecrets writes to log, as a careless adapter might, the HTTP
// Basic client-auth header of LWA (base64 of "clientId:secret") and every
// base64 form (standard and URL-safe, padded and not) of the client secret,
// of "clientId:secret" and of the tokens it was given.
func logEncodedSecrets(log io.Writer, getenv func(string) string) {
	id, secret := getenv("HARNESS_LWA_CLIENT_ID"), getenv("HARNESS_LWA_CLIENT_SECRET")
	fmt.Fprintf(log, "Authorization: Basic %s\n", base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))
	values := []string{secret, id + ":" + secret}
	for _, k := range []string{"HARNESS_CUSTOMER_ACCESS_TOKEN", "HARNESS_CUSTOMER_REFRESH_TOKEN",
		"HARNESS_VENDOR_ACCESS_TOKEN", "HARNESS_VENDOR_REFRESH_TOKEN"} {
		if v := getenv(k); v != "" {
			values = append(values, v)
		}
	}
	for _, v := range values {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			fmt.Fprintf(log, "credential %s\n", enc.EncodeToString([]byte(v)))
		}
	}
}

// Small back-off figures keep the tests fast: base 100 ms, cap 800 ms
// (a smaller base drowns in the scheduling noise of hundreds of adapter
// processes on two cores).
const (
	bugBase = 100 * time.Millisecond
	bugCap  = 800 * time.Millisecond
)

func ceiling(n int) time.Duration { return min(bugCap, bugBase<<(n-1)) }

func fullJitter(n int) time.Duration {
	return time.Duration(rand.Float64() * float64(ceiling(n)))
}

func equalJitter(n int) time.Duration {
	m := ceiling(n)
	return m/2 + time.Duration(rand.Float64()*float64(m/2))
}

func plainExp(n int) time.Duration { return ceiling(n) }

var transient = map[int]bool{0: true, 429: true, 500: true, 503: true}

// bugVariants are the adapter variants: the correct ones and one bug each.
func bugVariants() map[string]bugPolicy {
	good := bugPolicy{maxAttempts: 5, delay: fullJitter, retry: transient, refreshOn401: true}
	with := func(f func(*bugPolicy)) bugPolicy { p := good; f(&p); return p }
	return map[string]bugPolicy{
		"good-full-jitter":    good,
		"good-equal-jitter":   with(func(p *bugPolicy) { p.delay = equalJitter }),
		"good-exponential":    with(func(p *bugPolicy) { p.delay = plainExp }),
		"no-backoff":          with(func(p *bugPolicy) { p.delay = func(int) time.Duration { return 0 } }),
		"ignores-retry-after": with(func(p *bugPolicy) { p.ignoreRA = true }),
		"retries-403": with(func(p *bugPolicy) {
			p.retry = map[int]bool{0: true, 403: true, 429: true, 500: true, 503: true}
		}),
		"never-gives-up": with(func(p *bugPolicy) {
			p.maxAttempts = 0
			p.delay = func(int) time.Duration { return 50 * time.Millisecond }
		}),
		"no-refresh":           with(func(p *bugPolicy) { p.refreshOn401 = false }),
		"refreshes-every-call": with(func(p *bugPolicy) { p.alwaysRefresh = true }),
		"drops-page":           with(func(p *bugPolicy) { p.dropPage = true }),
		"loops-on-nexttoken":   with(func(p *bugPolicy) { p.loopPage = true }),
		"constant-delay": with(func(p *bugPolicy) {
			p.delay = func(int) time.Duration { return time.Duration((0.5 + rand.Float64()) * float64(200*time.Millisecond)) }
		}),
		"never-retries-503":    with(func(p *bugPolicy) { p.retry = map[int]bool{0: true, 429: true, 500: true} }),
		"logs-encoded-secrets": with(func(p *bugPolicy) { p.logSecrets = true }),
		"logs-then-hangs":      with(func(p *bugPolicy) { p.hang = true }),
	}
}

type bugIdentity struct {
	p               bugPolicy
	env             func(string) string
	log             io.Writer
	access, refresh string
	refreshed       bool
}

func (p bugPolicy) run(op string, in []byte, env func(string) string, log io.Writer) (any, error) {
	customer := &bugIdentity{p: p, env: env, log: log, access: env("HARNESS_CUSTOMER_ACCESS_TOKEN"), refresh: env("HARNESS_CUSTOMER_REFRESH_TOKEN")}
	vendor := &bugIdentity{p: p, env: env, log: log, access: env("HARNESS_VENDOR_ACCESS_TOKEN"), refresh: env("HARNESS_VENDOR_REFRESH_TOKEN")}
	locker := env("HARNESS_LOCKER_URL") + "/credentiallocker/v2/threadNetworks"
	switch op {
	case "create-network":
		_, err := customer.call(http.MethodPut, locker, in)
		return struct{}{}, err
	case "get-networks":
		var q map[string]any
		if err := json.Unmarshal(in, &q); err != nil {
			return nil, err
		}
		v := url.Values{}
		for k, x := range q {
			v.Set(k, fmt.Sprint(x))
		}
		var all []json.RawMessage
		for page := 1; page < 1000; page++ {
			body, err := customer.call(http.MethodGet, locker+"?"+v.Encode(), nil)
			if err != nil {
				return nil, err
			}
			if p.loopPage && page > 1 {
				if body, err = customer.call(http.MethodGet, locker+"?"+v.Encode(), nil); err != nil {
					return nil, err
				}
			}
			var pg struct {
				ThreadNetworks []json.RawMessage `json:"threadNetworks"`
				NextToken      string            `json:"nextToken"`
			}
			if err := json.Unmarshal(body, &pg); err != nil {
				return nil, err
			}
			if !(p.dropPage && page == 2) {
				all = append(all, pg.ThreadNetworks...)
			}
			if pg.NextToken == "" {
				break
			}
			v.Set("nextToken", pg.NextToken)
		}
		if all == nil {
			all = []json.RawMessage{}
		}
		return map[string]any{"threadNetworks": all}, nil
	case "skill-credentials":
		var q struct {
			SkillID string `json:"skillId"`
		}
		_ = json.Unmarshal(in, &q)
		body, err := vendor.call(http.MethodGet, env("HARNESS_SMAPI_URL")+"/v1/skills/"+url.PathEscape(q.SkillID)+"/credentials", nil)
		if err != nil {
			return nil, err
		}
		return json.RawMessage(body), nil
	}
	return nil, fmt.Errorf("unknown operation %q", op)
}

func (id *bugIdentity) call(method, u string, body []byte) ([]byte, error) {
	if id.access == "" || id.p.alwaysRefresh {
		if err := id.fetch(); err != nil {
			return nil, err
		}
	}
	for {
		h := http.Header{"Authorization": {"Bearer " + id.access}, "Content-Type": {"application/json"}}
		st, _, b, err := id.p.send(id.log, method, u, body, h)
		if err != nil {
			return nil, err
		}
		if st == 401 && id.p.refreshOn401 && !id.refreshed {
			id.refreshed = true
			if err := id.fetch(); err != nil {
				return nil, err
			}
			continue
		}
		if st < 200 || st > 299 {
			return nil, fmt.Errorf("%s: %d", method, st)
		}
		return b, nil
	}
}

func (id *bugIdentity) fetch() error {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {id.refresh},
		"client_id": {id.env("HARNESS_LWA_CLIENT_ID")}, "client_secret": {id.env("HARNESS_LWA_CLIENT_SECRET")}}
	st, _, b, err := id.p.send(id.log, http.MethodPost, id.env("HARNESS_LWA_URL")+"/auth/o2/token", []byte(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if err != nil {
		return err
	}
	if st != 200 {
		return fmt.Errorf("token: %d", st)
	}
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	id.access = t.AccessToken
	return nil
}

// send is one logical request with the variant's retries.
func (p bugPolicy) send(log io.Writer, method, u string, body []byte, h http.Header) (int, http.Header, []byte, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequest(method, u, bytes.NewReader(body))
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header = h.Clone()
		resp, err := client.Do(req)
		st, hdr, b := 0, http.Header(nil), []byte(nil)
		if err == nil {
			st, hdr = resp.StatusCode, resp.Header
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if !p.retry[st] {
			if err != nil {
				return 0, nil, nil, err
			}
			return st, hdr, b, nil
		}
		if p.maxAttempts > 0 && attempt >= p.maxAttempts {
			if err != nil {
				return 0, nil, nil, errors.Join(errors.New("gave up"), err)
			}
			return st, hdr, b, nil
		}
		wait := p.delay(attempt)
		if ra := retryAfterOf(hdr); ra > wait && !p.ignoreRA {
			wait = ra
		}
		fmt.Fprintf(log, "attempt %d: %d, retry in %s\n", attempt, st, wait)
		time.Sleep(wait)
	}
}

func retryAfterOf(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}
