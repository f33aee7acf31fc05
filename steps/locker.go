package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// subject maps "the caller", "customer A" and "customer B" to an identity
// and makes it the caller.
func (w *world) subject(who string) string {
	switch who {
	case "customer A":
		w.caller = CustomerA
	case "customer B":
		w.caller = CustomerB
	}
	return w.caller
}

// newNetwork returns a fresh network of this scenario's extendedPanId.
func (w *world) newNetwork(name string, full bool) clients.ThreadNetwork {
	if name == "" {
		name = "Harness-" + randHex(3)
	}
	n := clients.ThreadNetwork{
		ExtendedPanID: w.epid,
		NetworkName:   name,
		NetworkKey:    redact.Secret(randHex(16)),
	}
	if full {
		n.PSKc = redact.Secret(randHex(16))
		n.PanID = randHex(2)
		if n.PanID == "ffff" {
			n.PanID = "fffe"
		}
		n.ChannelNumber = 15
		n.DefaultBorderAgentID = "border-agent-" + randHex(4)
	}
	return n
}

// create sends n as the caller and remembers it when it was accepted.
func (w *world) create(ctx context.Context, n clients.ThreadNetwork, must bool) error {
	l, err := w.locker(w.caller)
	if err != nil {
		return w.end(err, true)
	}
	w.begin(contract.OpCreateThreadNetwork)
	err = l.CreateThreadNetwork(ctx, n)
	if err == nil {
		w.created[w.caller] = append(w.created[w.caller], n)
		w.lastNet = n
	}
	return w.end(err, must)
}

func (w *world) stepCreateNew(ctx context.Context, who, verb, full, name string) error {
	w.subject(who)
	must := verb == "has created"
	if must {
		if err := w.needWrites(); err != nil {
			return err
		}
	}
	return w.create(ctx, w.newNetwork(name, full != ""), must)
}

func (w *world) stepCreateAnother(ctx context.Context, who, verb, name string) error {
	w.subject(who)
	if err := w.needWrites(); err != nil {
		return err
	}
	return w.create(ctx, w.newNetwork(name, false), verb == "has created")
}

func (w *world) stepCreateSameAgain(ctx context.Context) error {
	if err := w.needWrites(); err != nil {
		return err
	}
	if w.lastNet.NetworkName == "" {
		return errors.New("no network was created before")
	}
	again := w.lastNet
	again.NetworkKey = redact.Secret(randHex(16))
	l, err := w.locker(w.caller)
	if err != nil {
		return w.end(err, true)
	}
	w.begin(contract.OpCreateThreadNetwork)
	return w.end(l.CreateThreadNetwork(ctx, again), false)
}

func (w *world) stepCustomerBSameNetwork(ctx context.Context) error {
	if err := w.needWrites(); err != nil {
		return err
	}
	a := w.created[CustomerA]
	if len(a) == 0 {
		return errors.New("customer A has created no network")
	}
	n := a[len(a)-1]
	n.NetworkKey = redact.Secret(randHex(16))
	w.caller = CustomerB
	return w.create(ctx, n, false)
}

func (w *world) stepCreateMany(ctx context.Context, count int) error {
	if err := w.needWrites(); err != nil {
		return err
	}
	for i := 1; i <= count; i++ {
		if err := w.create(ctx, w.newNetwork(fmt.Sprintf("Page-%02d-%s", i, randHex(2)), false), true); err != nil {
			return fmt.Errorf("network %d of %d: %w", i, count, err)
		}
	}
	return nil
}

// stepCreateWithField sends a valid body with one property replaced by a
// JSON literal, or removed ("absent").
func (w *world) stepCreateWithField(ctx context.Context, field, value string) error {
	wire := w.newNetwork("", false).Reveal()
	raw, err := json.Marshal(wire)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	value = strings.TrimSpace(value)
	if value == "absent" {
		delete(m, field)
	} else {
		var v any
		dec := json.NewDecoder(strings.NewReader(value))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("the example value for %s must be a JSON literal or absent: %w", field, err)
		}
		m[field] = v
	}
	body, err := json.Marshal(map[string]any{"threadNetwork": m})
	if err != nil {
		return err
	}
	l, err := w.locker(w.caller)
	if err != nil {
		return w.end(err, true)
	}
	w.begin(contract.OpCreateThreadNetwork)
	return w.end(l.CreateThreadNetworkRaw(ctx, body), false)
}

func (w *world) stepCreateRawBody(ctx context.Context, body string) error {
	l, err := w.locker(w.caller)
	if err != nil {
		return w.end(err, true)
	}
	w.begin(contract.OpCreateThreadNetwork)
	return w.end(l.CreateThreadNetworkRaw(ctx, []byte(body)), false)
}

// authMode says how a raw request authenticates.
type authMode struct {
	inject bool   // the caller's token, through its token source
	header string // the Authorization header as given ("" = none)
}

func headerAuth(h string) authMode {
	if h == "<none>" {
		return authMode{}
	}
	return authMode{header: h}
}

// send makes one raw request as the scenario's client would.
func (w *world) send(ctx context.Context, op, method, url string, body []byte, contentType string, auth authMode) error {
	var tp clients.TokenProvider
	if auth.inject {
		l, err := w.tokenSource(w.caller)
		if err != nil {
			return w.end(err, true)
		}
		tp = l
	}
	w.begin(op)
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, method, url, rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, url, nil)
	}
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth.header != "" {
		req.Header.Set("Authorization", auth.header)
	}
	resp, err := w.transport(tp).Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return w.end(err, false)
}

func (w *world) networkBody() []byte {
	b, _ := json.Marshal(struct {
		ThreadNetwork clients.ThreadNetworkWire `json:"threadNetwork"`
	}{w.newNetwork("", false).Reveal()})
	return b
}

func (w *world) lockerURL(path string) string {
	return strings.TrimRight(w.cfg.LockerURL, "/") + path
}

func (w *world) stepCreateWithHeader(ctx context.Context, header string) error {
	return w.send(ctx, contract.OpCreateThreadNetwork, http.MethodPut, w.lockerURL(contract.ThreadNetworksPath),
		w.networkBody(), "application/json", headerAuth(header))
}

func (w *world) stepCreateWithHeld(ctx context.Context) error {
	if w.held == "" {
		return errors.New("no access token is held")
	}
	return w.send(ctx, contract.OpCreateThreadNetwork, http.MethodPut, w.lockerURL(contract.ThreadNetworksPath),
		w.networkBody(), "application/json", authMode{header: "Bearer " + w.held})
}

func (w *world) stepCreateAtPath(ctx context.Context, path string) error {
	return w.send(ctx, contract.OpCreateThreadNetwork, http.MethodPut, w.lockerURL(path),
		w.networkBody(), "application/json", authMode{inject: true})
}

// list fetches one page as the caller.
func (w *world) list(ctx context.Context, q clients.NetworkQuery) error {
	l, err := w.locker(w.caller)
	if err != nil {
		return w.end(err, true)
	}
	w.begin(contract.OpGetThreadNetworks)
	p, err := l.GetThreadNetworks(ctx, q)
	w.page, w.pages, w.listed = p, []clients.NetworkPage{p}, p.Networks
	return w.end(err, false)
}

func (w *world) stepList(ctx context.Context, who, which, name, held string) error {
	w.subject(who)
	epid := w.epid
	if which == "an extendedPanId nobody uses" {
		epid = randHex(8)
	}
	if held != "" {
		if w.held == "" {
			return errors.New("no access token is held")
		}
		q := clients.NetworkQuery{ExtendedPanID: epid, NetworkName: name}
		u := w.lockerURL(contract.ThreadNetworksPath) + "?" + queryOf(q)
		return w.send(ctx, contract.OpGetThreadNetworks, http.MethodGet, u, nil, "", authMode{header: "Bearer " + w.held})
	}
	return w.list(ctx, clients.NetworkQuery{ExtendedPanID: epid, NetworkName: name})
}

func (w *world) stepHasListed(ctx context.Context) error {
	if err := w.list(ctx, clients.NetworkQuery{ExtendedPanID: w.epid}); err != nil {
		return err
	}
	return w.callErr
}

func queryOf(q clients.NetworkQuery) string {
	v := make([]string, 0, 4)
	add := func(k, val string) {
		if val != "" {
			v = append(v, k+"="+url.QueryEscape(val))
		}
	}
	add("extendedPanId", q.ExtendedPanID)
	add("networkName", q.NetworkName)
	if q.MaxResults != 0 {
		add("maxResults", fmt.Sprint(q.MaxResults))
	}
	add("nextToken", q.NextToken)
	return strings.Join(v, "&")
}

func (w *world) stepListQuery(ctx context.Context, query string) error {
	query = strings.ReplaceAll(query, "{extendedPanId}", w.epid)
	u := w.lockerURL(contract.ThreadNetworksPath)
	if query != "" {
		u += "?" + query
	}
	return w.send(ctx, contract.OpGetThreadNetworks, http.MethodGet, u, nil, "", authMode{inject: true})
}

func (w *world) stepListWithHeader(ctx context.Context, header string) error {
	u := w.lockerURL(contract.ThreadNetworksPath) + "?extendedPanId=" + w.epid
	return w.send(ctx, contract.OpGetThreadNetworks, http.MethodGet, u, nil, "", headerAuth(header))
}

func (w *world) stepListAtPath(ctx context.Context, path string) error {
	return w.send(ctx, contract.OpGetThreadNetworks, http.MethodGet, w.lockerURL(path)+"?extendedPanId="+w.epid,
		nil, "", authMode{inject: true})
}

// stepPage pages through every network of the scenario's extendedPanId,
// size at a time, and stops (failing) when the service loops.
func (w *world) stepPage(ctx context.Context, size int) error {
	l, err := w.locker(w.caller)
	if err != nil {
		return w.end(err, true)
	}
	limit := len(w.created[w.caller])/max(size, 1) + 3
	seen := map[string]int{}
	q := clients.NetworkQuery{ExtendedPanID: w.epid, MaxResults: size}
	w.pages, w.listed = nil, nil
	for i := 1; ; i++ {
		w.begin(contract.OpGetThreadNetworks)
		p, err := l.GetThreadNetworks(ctx, q)
		if err := w.end(err, true); err != nil {
			return fmt.Errorf("page %d: %w", i, err)
		}
		w.page = p
		w.pages = append(w.pages, p)
		w.listed = append(w.listed, p.Networks...)
		if p.NextToken == "" {
			return nil
		}
		if j, ok := seen[p.NextToken]; ok {
			return fmt.Errorf("nextToken loops: page %d repeats the nextToken of page %d", i, j)
		}
		seen[p.NextToken] = i
		if i >= limit {
			return fmt.Errorf("still a nextToken after %d pages of %d for %d networks: the service does not end the listing",
				i, size, len(w.created[w.caller]))
		}
		q.NextToken = p.NextToken
	}
}

func (w *world) stepKeepNextToken(ctx context.Context, size int) error {
	if err := w.list(ctx, clients.NetworkQuery{ExtendedPanID: w.epid, MaxResults: size}); err != nil {
		return err
	}
	if w.callErr != nil {
		return w.callErr
	}
	if w.page.NextToken == "" {
		return fmt.Errorf("a first page of %d out of %d networks carries no nextToken", size, len(w.created[w.caller]))
	}
	w.next = w.page.NextToken
	return nil
}

func (w *world) stepNextTokenOtherQuery(ctx context.Context) error {
	return w.list(ctx, clients.NetworkQuery{ExtendedPanID: randHex(8), NextToken: w.next})
}

func (w *world) stepNextPage(ctx context.Context) error {
	return w.list(ctx, clients.NetworkQuery{ExtendedPanID: w.epid, NextToken: w.next})
}
