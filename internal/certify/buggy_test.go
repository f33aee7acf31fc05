package certify

import (
	"bytes"
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

// A small adapter written the way a skill team might write one, with knobs
// that break one rule each. The test binary plays it when
// HARNESS_TEST_ADAPTER names one of the variants below (TestMain).

type bugPolicy struct {
	maxAttempts   int                           // 0: never gives up
	delay         func(retry int) time.Duration // wait before retry n (1-based)
	ignoreRA      bool                          // ignores Retry-After
	retry         map[int]bool                  // statuses retried (0: a transport error)
	refreshOn401  bool                          // one refresh and one retry after a 401
	alwaysRefresh bool                          // fetches a token from LWA on every call
	dropPage      bool                          // drops the second page's networks
	loopPage      bool                          // asks for every page after the first twice
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
		"never-retries-503": with(func(p *bugPolicy) { p.retry = map[int]bool{0: true, 429: true, 500: true} }),
	}
}

// buggy runs variant mode for op; ok is false when mode is not a variant.
func buggy(mode, op string) (code int, ok bool) {
	p, ok := bugVariants()[mode]
	if !ok {
		return 0, false
	}
	in, _ := io.ReadAll(os.Stdin)
	out, err := p.run(op, in)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s failed: %v\n", op, err)
		return 1, true
	}
	json.NewEncoder(os.Stdout).Encode(out)
	return 0, true
}

type bugIdentity struct {
	p               bugPolicy
	access, refresh string
	refreshed       bool
}

func (p bugPolicy) run(op string, in []byte) (any, error) {
	env := os.Getenv
	customer := &bugIdentity{p: p, access: env(EnvCustomerAccessToken), refresh: env("HARNESS_CUSTOMER_REFRESH_TOKEN")}
	vendor := &bugIdentity{p: p, access: env(EnvVendorAccessToken), refresh: env("HARNESS_VENDOR_REFRESH_TOKEN")}
	locker := env("HARNESS_LOCKER_URL") + "/credentiallocker/v2/threadNetworks"
	switch op {
	case OpCreateNetwork:
		_, err := customer.call(http.MethodPut, locker, in)
		return struct{}{}, err
	case OpGetNetworks:
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
	case OpSkillCredentials:
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
		st, _, b, err := id.p.send(method, u, body, h)
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
		"client_id": {os.Getenv("HARNESS_LWA_CLIENT_ID")}, "client_secret": {os.Getenv("HARNESS_LWA_CLIENT_SECRET")}}
	st, _, b, err := id.p.send(http.MethodPost, os.Getenv("HARNESS_LWA_URL")+"/auth/o2/token", []byte(form.Encode()),
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
func (p bugPolicy) send(method, u string, body []byte, h http.Header) (int, http.Header, []byte, error) {
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
		fmt.Fprintf(os.Stderr, "attempt %d: %d, retry in %s\n", attempt, st, wait)
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
