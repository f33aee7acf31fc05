package clients

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// maxBody bounds the answers the clients read.
const maxBody = 16 << 20

// MaxPages bounds how many pages All and Networks follow before giving up
// (a service that keeps issuing tokens would otherwise loop for ever).
const MaxPages = 10000

// ThreadNetwork is a customer's Thread network. NetworkKey and PSKc redact
// themselves in fmt, slog and JSON; Reveal gives the wire form with the clear
// values.
type ThreadNetwork struct {
	ExtendedPanID        string        `json:"extendedPanId"`
	NetworkName          string        `json:"networkName"`
	NetworkKey           redact.Secret `json:"networkKey"`
	PSKc                 redact.Secret `json:"pskc,omitempty"`
	PanID                string        `json:"panId,omitempty"`
	ChannelNumber        int           `json:"channelNumber,omitempty"` // 0 = absent
	DefaultBorderAgentID string        `json:"defaultBorderAgentId,omitempty"`
}

// ThreadNetworkWire is a Thread network as the Credential Locker API sends
// and receives it, secrets in clear. It exists so that the places that put a
// secret on the wire or on screen (--reveal) do so explicitly.
type ThreadNetworkWire struct {
	ExtendedPanID        string `json:"extendedPanId"`
	NetworkName          string `json:"networkName"`
	NetworkKey           string `json:"networkKey"`
	PSKc                 string `json:"pskc,omitempty"`
	PanID                string `json:"panId,omitempty"`
	ChannelNumber        int    `json:"channelNumber,omitempty"`
	DefaultBorderAgentID string `json:"defaultBorderAgentId,omitempty"`
}

// Reveal returns n with its secrets in clear.
func (n ThreadNetwork) Reveal() ThreadNetworkWire {
	return ThreadNetworkWire{
		ExtendedPanID: n.ExtendedPanID, NetworkName: n.NetworkName,
		NetworkKey: n.NetworkKey.Reveal(), PSKc: n.PSKc.Reveal(),
		PanID: n.PanID, ChannelNumber: n.ChannelNumber, DefaultBorderAgentID: n.DefaultBorderAgentID,
	}
}

// Network returns w with its secrets wrapped.
func (w ThreadNetworkWire) Network() ThreadNetwork {
	return ThreadNetwork{
		ExtendedPanID: w.ExtendedPanID, NetworkName: w.NetworkName,
		NetworkKey: redact.Secret(w.NetworkKey), PSKc: redact.Secret(w.PSKc),
		PanID: w.PanID, ChannelNumber: w.ChannelNumber, DefaultBorderAgentID: w.DefaultBorderAgentID,
	}
}

// LogValue implements slog.LogValuer with the secrets redacted.
func (n ThreadNetwork) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("extendedPanId", n.ExtendedPanID),
		slog.String("networkName", n.NetworkName),
		slog.String("networkKey", n.NetworkKey.String()),
		slog.String("pskc", n.PSKc.String()),
		slog.String("panId", n.PanID),
		slog.Int("channelNumber", n.ChannelNumber),
		slog.String("defaultBorderAgentId", n.DefaultBorderAgentID),
	)
}

// ParseThreadNetwork reads a Thread network from JSON, either the create
// body {"threadNetwork": {...}} or the bare object. It names the offending
// field on error.
func ParseThreadNetwork(data []byte) (ThreadNetwork, error) {
	var outer struct {
		ThreadNetwork *json.RawMessage `json:"threadNetwork"`
	}
	inner := data
	if err := json.Unmarshal(data, &outer); err != nil {
		return ThreadNetwork{}, fmt.Errorf("thread network JSON: %w", jsonProblem(err))
	}
	if outer.ThreadNetwork != nil {
		inner = *outer.ThreadNetwork
	}
	var w ThreadNetworkWire
	dec := json.NewDecoder(bytes.NewReader(inner))
	if err := dec.Decode(&w); err != nil {
		return ThreadNetwork{}, fmt.Errorf("thread network JSON: %w", jsonProblem(err))
	}
	return w.Network(), nil
}

// jsonProblem rewords encoding/json's errors without quoting the input
// (which may hold a network key).
func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %q must be a JSON %s, not %s", te.Field, te.Type, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("malformed JSON at byte %d", se.Offset)
	}
	return err
}

// NetworkQuery is the query of GetThreadNetworks.
type NetworkQuery struct {
	ExtendedPanID string // required
	NetworkName   string // optional exact match
	MaxResults    int    // 0 = the service's default
	NextToken     string // from the previous page
}

func (q NetworkQuery) values() url.Values {
	v := url.Values{}
	if q.ExtendedPanID != "" {
		v.Set("extendedPanId", q.ExtendedPanID)
	}
	if q.NetworkName != "" {
		v.Set("networkName", q.NetworkName)
	}
	if q.MaxResults != 0 {
		v.Set("maxResults", strconv.Itoa(q.MaxResults))
	}
	if q.NextToken != "" {
		v.Set("nextToken", q.NextToken)
	}
	return v
}

// NetworkPage is one page of GetThreadNetworks.
type NetworkPage struct {
	Networks  []ThreadNetwork `json:"threadNetworks"`
	NextToken string          `json:"nextToken,omitempty"`
}

// Locker is a Credential Locker API client. Build its HTTP client with a
// *Transport (see Config.Locker) to get retries, tokens and attempt reports.
type Locker struct {
	base string
	hc   *http.Client
}

// NewLocker returns a client for baseURL (contract.LockerBaseURL when
// empty) over hc (http.DefaultClient when nil).
func NewLocker(baseURL string, hc *http.Client) (*Locker, error) {
	if baseURL == "" {
		baseURL = contract.LockerBaseURL
	}
	if err := checkBaseURL("Credential Locker", baseURL); err != nil {
		return nil, err
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Locker{base: strings.TrimRight(baseURL, "/"), hc: hc}, nil
}

// CreateThreadNetwork creates n for the token's customer (PUT). A 409 after
// an earlier attempt of this call got no answer or a 5xx matches both
// ErrConflict and ErrPossiblyCreatedEarlier.
func (l *Locker) CreateThreadNetwork(ctx context.Context, n ThreadNetwork) error {
	body, err := json.Marshal(struct {
		ThreadNetwork ThreadNetworkWire `json:"threadNetwork"`
	}{n.Reveal()})
	if err != nil {
		return fmt.Errorf("%s: encode: %w", contract.OpCreateThreadNetwork, err)
	}
	return l.CreateThreadNetworkRaw(ctx, body)
}

// CreateThreadNetworkRaw sends body as is (for conformance tests of invalid
// bodies).
func (l *Locker) CreateThreadNetworkRaw(ctx context.Context, body []byte) error {
	_, err := call(ctx, l.hc, contract.OpCreateThreadNetwork, http.MethodPut, l.base+contract.ThreadNetworksPath, body, nil)
	return err
}

// GetThreadNetworks returns one page of the networks matching q.
func (l *Locker) GetThreadNetworks(ctx context.Context, q NetworkQuery) (NetworkPage, error) {
	u := l.base + contract.ThreadNetworksPath
	if v := q.values(); len(v) > 0 {
		u += "?" + v.Encode()
	}
	var w struct {
		ThreadNetworks *[]ThreadNetworkWire `json:"threadNetworks"`
		NextToken      string               `json:"nextToken"`
	}
	if _, err := call(ctx, l.hc, contract.OpGetThreadNetworks, http.MethodGet, u, nil, &w); err != nil {
		return NetworkPage{}, err
	}
	if w.ThreadNetworks == nil {
		return NetworkPage{}, &DecodeError{Operation: contract.OpGetThreadNetworks, Status: http.StatusOK,
			Err: errors.New(`no "threadNetworks" array in the answer`)}
	}
	page := NetworkPage{Networks: make([]ThreadNetwork, len(*w.ThreadNetworks)), NextToken: w.NextToken}
	for i, n := range *w.ThreadNetworks {
		page.Networks[i] = n.Network()
	}
	return page, nil
}

// Pages yields every page for q, following nextToken from q.NextToken on.
// After an error it yields nothing more. It stops with an error when the
// service repeats a token or issues more than MaxPages pages.
func (l *Locker) Pages(ctx context.Context, q NetworkQuery) iter.Seq2[NetworkPage, error] {
	return func(yield func(NetworkPage, error) bool) {
		seen := map[string]bool{}
		for i := 0; ; i++ {
			if i >= MaxPages {
				yield(NetworkPage{}, fmt.Errorf("%s: more than %d pages; giving up", contract.OpGetThreadNetworks, MaxPages))
				return
			}
			p, err := l.GetThreadNetworks(ctx, q)
			if err != nil {
				yield(NetworkPage{}, fmt.Errorf("page %d: %w", i+1, err))
				return
			}
			if !yield(p, nil) || p.NextToken == "" {
				return
			}
			if seen[p.NextToken] {
				yield(NetworkPage{}, fmt.Errorf("%s: page %d repeats an earlier nextToken; giving up", contract.OpGetThreadNetworks, i+1))
				return
			}
			seen[p.NextToken] = true
			q.NextToken = p.NextToken
		}
	}
}

// Networks yields every network matching q across all pages.
func (l *Locker) Networks(ctx context.Context, q NetworkQuery) iter.Seq2[ThreadNetwork, error] {
	return func(yield func(ThreadNetwork, error) bool) {
		for p, err := range l.Pages(ctx, q) {
			if err != nil {
				yield(ThreadNetwork{}, err)
				return
			}
			for _, n := range p.Networks {
				if !yield(n, nil) {
					return
				}
			}
		}
	}
}

// All returns every network matching q across all pages.
func (l *Locker) All(ctx context.Context, q NetworkQuery) ([]ThreadNetwork, error) {
	var out []ThreadNetwork
	for n, err := range l.Networks(ctx, q) {
		if err != nil {
			return out, err
		}
		out = append(out, n)
	}
	if out == nil {
		out = []ThreadNetwork{}
	}
	return out, nil
}

// call sends one logical request through hc and decodes a 2xx answer into
// out (when out is not nil). A non-2xx answer is an *APIError.
func call(ctx context.Context, hc *http.Client, op, method, u string, body []byte, out any) (*CallStats, error) {
	ctx, st := WithCallStats(WithOperation(ctx, op))
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return st, fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return st, unwrapURLError(op, err)
	}
	defer resp.Body.Close()
	raw, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if st.Attempts == 0 { // not our Transport
		st.Attempts = 1
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newAPIError(op, resp.StatusCode, resp.Header, raw, st, st.known()...)
		if resp.StatusCode == http.StatusConflict && method == http.MethodPut && st.EarlierLost {
			e.EarlierAttempt = true
		}
		return st, e
	}
	if rerr != nil {
		return st, &DecodeError{Operation: op, Status: resp.StatusCode, Err: rerr}
	}
	if out == nil {
		return st, nil
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return st, &DecodeError{Operation: op, Status: resp.StatusCode, Err: errors.New("empty body, JSON expected")}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return st, &DecodeError{Operation: op, Status: resp.StatusCode, Err: jsonProblem(err)}
	}
	return st, nil
}

// unwrapURLError drops *url.Error's "Get \"…\":" prefix when the inner
// error is already ours, which names the operation.
func unwrapURLError(op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		var te *TransportError
		var ae *APIError
		if errors.As(ue.Err, &te) || errors.As(ue.Err, &ae) {
			return ue.Err
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// checkBaseURL rejects base URLs that cannot work, naming the service and
// the fix (CheckBaseURL).
func checkBaseURL(service, raw string) error {
	if err := CheckBaseURL(raw); err != nil {
		return fmt.Errorf("%s base URL %w", service, err)
	}
	return nil
}

// CheckBaseURL is the harness's one check of a base URL a user gives (a
// HARNESS_*_URL variable, --mock, --locker-url, …); callers name the source
// in front of its error. A base URL is an absolute http or https URL with a
// host, a port (when given) in 1–65535, and no user info, query or
// fragment. It is checked before any request is sent, so a typo is a usage
// error, never retried as an unreachable host.
func CheckBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("%q: want an absolute http(s) URL such as http://127.0.0.1:8080", raw)
	}
	if strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("%q: the port is empty: give one (1–65535) or drop the colon", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: port %s is out of range: use 1–65535", raw, p)
		}
	}
	if u.User != nil {
		return fmt.Errorf("%q: remove the user info (credentials do not belong in a URL)", redactUserinfo(u))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q: remove the query or fragment", raw)
	}
	return nil
}

// redactUserinfo is u with its user info masked, for an error message.
func redactUserinfo(u *url.URL) string {
	c := *u
	c.User = url.User("****")
	return c.String()
}
