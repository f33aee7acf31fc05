package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
)

// Response headers the dispatcher adds to a hit's answer (kept in
// results.bin; every other response header is dropped).
const (
	HeaderPages = "X-Harness-Pages" // get-all-pages: pages walked
)

// simClient is one simulated client: its own tokens (customer for Credential
// Locker, vendor for SMAPI), each behind its own retrying clients.Transport.
type simClient struct {
	locker http.RoundTripper // customer token
	smapi  http.RoundTripper // vendor token
	lwa    http.RoundTripper // no token: the token operation
	pager  *clients.Locker   // get-all-pages, over locker
}

// dispatcher is the http.RoundTripper vegeta's client uses. It reads the
// hit's operation and simulated client from the URL fragment, strips
// vegeta's headers and hands the request to that client's Transport, so one
// vegeta hit is one logical call including its retries. Cancelling stop
// aborts every hit in flight (retry waits included).
type dispatcher struct {
	clients []*simClient
	stop    context.Context
	gate    *gate
	timeout time.Duration // per hit, all attempts included (0 = none)
}

func (d *dispatcher) RoundTrip(req *http.Request) (*http.Response, error) {
	hi := parseFragment(req.URL.Fragment)
	if hi.Client < 0 || hi.Client >= len(d.clients) {
		return nil, fmt.Errorf("loadgen: hit without a valid simulated client (fragment %q)", req.URL.Fragment)
	}
	c := d.clients[hi.Client]
	var (
		ctx    context.Context
		cancel context.CancelFunc
	)
	if d.timeout > 0 {
		ctx, cancel = context.WithTimeout(req.Context(), d.timeout)
	} else {
		ctx, cancel = context.WithCancel(req.Context())
	}
	stopAfter := context.AfterFunc(d.stop, cancel)
	done := func() { stopAfter(); cancel() }

	r := req.Clone(ctx)
	r.URL.Fragment, r.URL.RawFragment = "", ""
	r.Header.Del("X-Vegeta-Seq")
	r.Header.Del("X-Vegeta-Attack")

	who := hi.Client
	if hi.Op == MixToken {
		who = -1 // the service knows token requests by the LWA client
	}
	gk, err := requestKey(r)
	if err != nil {
		done()
		return nil, err
	}
	release, until, err := d.gate.enter(ctx, gateKey{who: who, key: gk})
	if err != nil {
		done()
		return nil, err
	}
	if release == nil {
		done()
		return nil, errors.New(suppressedMark + "same request given up on or refused < 60 s ago (quiet until " + until.Format("15:04:05.000") + ")")
	}

	var resp *http.Response
	switch hi.Op {
	case MixGetAllPages:
		resp, err = walk(ctx, c, r)
	case MixSkillCredentials:
		resp, err = c.smapi.RoundTrip(r)
	case MixToken:
		resp, err = c.lwa.RoundTrip(r)
	case MixCreate, MixGet:
		resp, err = c.locker.RoundTrip(r)
	default:
		err = fmt.Errorf("loadgen: unknown operation %q", hi.Op)
	}
	release(resp, err)
	if err != nil {
		done()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, done: done}
	return resp, nil
}

// requestKey is contract.RequestKey of the request, as the back-off rules
// (and the clients' attempt log) identify it.
func requestKey(r *http.Request) (string, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		if r.GetBody == nil {
			return "", errors.New("loadgen: request body cannot be re-read")
		}
		rc, err := r.GetBody()
		if err != nil {
			return "", err
		}
		body, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return "", err
		}
	}
	return contract.RequestKey(r.Method, r.URL.RequestURI(), body), nil
}

// cancelOnClose releases a hit's context once vegeta has read the body.
type cancelOnClose struct {
	io.ReadCloser
	done func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.done()
	return err
}

// walk is get-all-pages: one hit that follows nextToken through every page
// with the clients' page iterator (each page a logical call with its own
// retries). The answer is 200 with the page count, or the failing page's
// status.
func walk(ctx context.Context, c *simClient, r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	nq := clients.NetworkQuery{ExtendedPanID: q.Get("extendedPanId"), NetworkName: q.Get("networkName")}
	nq.MaxResults, _ = strconv.Atoi(q.Get("maxResults"))
	pages := 0
	for _, err := range c.pager.Pages(ctx, nq) {
		if err != nil {
			var ae *clients.APIError
			if errors.As(err, &ae) {
				return synthesize(r, ae.Status, pages), nil
			}
			return nil, err
		}
		pages++
	}
	return synthesize(r, http.StatusOK, pages), nil
}

func synthesize(r *http.Request, status, pages int) *http.Response {
	h := http.Header{}
	h.Set(HeaderPages, strconv.Itoa(pages))
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: http.NoBody, ContentLength: 0, Request: r,
	}
}

// parseFragment reads "op=...&c=..." quickly (the hot path avoids url.ParseQuery).
func parseFragment(f string) HitInfo {
	hi := HitInfo{Client: -1}
	for part := range strings.SplitSeq(f, "&") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "op":
			hi.Op, _ = url.QueryUnescape(v)
		case "c":
			if n, err := strconv.Atoi(v); err == nil {
				hi.Client = n
			}
		}
	}
	return hi
}
