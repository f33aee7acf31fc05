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
	"sync/atomic"
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
	// maxInFlight caps the hits in flight (0 = none): a hit over it is not
	// sent (reason in-flight-cap).
	maxInFlight int64
	inFlight    atomic.Int64
	peak        atomic.Int64
	series      *series // counts each hit offered, when it is issued (nil: none)
}

// admit counts a hit in flight, or refuses it over the cap; done ends it.
func (d *dispatcher) admit() bool {
	n := d.inFlight.Add(1)
	if d.maxInFlight > 0 && n > d.maxInFlight {
		d.inFlight.Add(-1)
		return false
	}
	for p := d.peak.Load(); n > p && !d.peak.CompareAndSwap(p, n); p = d.peak.Load() {
	}
	return true
}

func (d *dispatcher) RoundTrip(req *http.Request) (*http.Response, error) {
	hi := parseFragment(req.URL.Fragment)
	if hi.Client < 0 || hi.Client >= len(d.clients) {
		return nil, fmt.Errorf("loadgen: hit without a valid simulated client (fragment %q)", req.URL.Fragment)
	}
	d.series.offer(hi.Op, 1)
	if !d.admit() {
		return nil, notSentError(NotSentInFlightCap, strconv.FormatInt(d.maxInFlight, 10)+" hits already in flight (generator.maxInFlight)")
	}
	resp, err := d.roundTrip(req, hi)
	if err != nil {
		d.inFlight.Add(-1)
		return nil, err
	}
	resp.Body = clients.AfterClose(resp.Body, resp.Body, func() { d.inFlight.Add(-1) })
	return resp, nil
}

// roundTrip sends one admitted hit through its simulated client.
func (d *dispatcher) roundTrip(req *http.Request, hi HitInfo) (*http.Response, error) {
	c := d.clients[hi.Client]
	// The hit's context: the dispatcher's stop (Ctrl-C) and the hit timeout.
	// vegeta's requests carry context.Background(); should one carry a
	// cancellable context, its cancellation is bridged too.
	var (
		ctx    context.Context
		cancel context.CancelFunc
	)
	if d.timeout > 0 {
		ctx, cancel = context.WithTimeout(d.stop, d.timeout)
	} else {
		ctx, cancel = context.WithCancel(d.stop)
	}
	done := cancel
	if req.Context().Done() != nil {
		stopAfter := context.AfterFunc(req.Context(), cancel)
		done = func() { stopAfter(); cancel() }
	}

	// A shallow copy with the hit's context and the URL without its
	// fragment (never sent anyway). vegeta's X-Vegeta-Seq header stays, as
	// with the vegeta CLI.
	// The call's statistics (attempts, retries included) for the time
	// series: the Transport fills them in. get-all-pages walks its pages as
	// calls of their own, whose retries only the attempt log counts.
	ctx, st := clients.WithCallStats(ctx)
	r := req.WithContext(ctx)
	u := *req.URL
	u.Fragment, u.RawFragment = "", ""
	r.URL = &u

	who := hi.Client
	if hi.Op == MixToken {
		who = -1 // the service knows token requests by the LWA client
	}
	gk, err := requestKey(r)
	if err != nil {
		done()
		return nil, err
	}
	k := gateKey{who: who, key: gk}
	f, reason, until := d.gate.enter(k)
	switch reason {
	case NotSentQuiet:
		done()
		return nil, notSentError(reason, "the client gave up on or was refused the same request < 60 s ago (quiet until "+until.Format("15:04:05.000")+")")
	case NotSentCoalesced:
		done()
		return nil, notSentError(reason, "an identical call of the same client was in flight (clients.coalesce)")
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
	d.gate.release(k, f, resp, err)
	d.series.retried(hi.Op, int64(st.Attempts-1))
	if err != nil {
		done()
		return nil, err
	}
	resp.Body = clients.AfterClose(resp.Body, resp.Body, done)
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
	if pages >= 0 {
		h.Set(HeaderPages, strconv.Itoa(pages))
	}
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
