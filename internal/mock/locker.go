package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// customerState is one customer's Thread networks. Each customer has its own
// lock, so customers never contend with one another, and readers share it.
type customerState struct {
	id    string
	mu    sync.RWMutex
	byPan map[string][]*storedNetwork // by extendedPanId, in creation order
	names map[string]struct{}         // extendedPanId + "\x00" + networkName
	count int
}

// storedNetwork keeps a network's JSON encoding, made once at creation, so
// that a GET only concatenates bytes.
type storedNetwork struct {
	name string
	json []byte
}

func (c *customerState) addLocked(n ThreadNetwork) {
	b, _ := json.Marshal(n) // plain strings and an int: cannot fail
	c.byPan[n.ExtendedPanID] = append(c.byPan[n.ExtendedPanID], &storedNetwork{name: n.NetworkName, json: b})
	c.names[n.ExtendedPanID+"\x00"+n.NetworkName] = struct{}{}
	c.count++
}

func (s *Server) customerOf(w http.ResponseWriter, x *exchange) *identity {
	who := s.authenticate(w, x)
	if who == nil {
		return nil
	}
	if who.kind != kindCustomer || !who.scope {
		s.fail(w, x, http.StatusForbidden, "FORBIDDEN",
			"the access token is valid but lacks the Thread network permission scope (the customer has not granted it to the skill)", "")
		return nil
	}
	return who
}

func (s *Server) createThreadNetwork(w http.ResponseWriter, x *exchange, body []byte) {
	who := s.customerOf(w, x)
	if who == nil {
		return
	}
	if fe := s.validate(x, body); fe != nil {
		s.fail(w, x, http.StatusBadRequest, "INVALID_REQUEST", fe.Field+": "+fe.Reason, fe.Field)
		return
	}
	n, fe := decodeCreate(body, s.strict)
	if fe != nil {
		s.fail(w, x, http.StatusBadRequest, "INVALID_REQUEST", fe.Field+": "+fe.Reason, fe.Field)
		return
	}
	c := who.cust
	k := n.ExtendedPanID + "\x00" + n.NetworkName
	c.mu.Lock()
	_, dup := c.names[k]
	full := c.count >= MaxNetworksPerCustomer
	if !dup && !full {
		c.addLocked(n)
	}
	c.mu.Unlock()
	switch {
	case dup:
		s.fail(w, x, http.StatusConflict, CodeAlreadyExists,
			"a Thread network with this extendedPanId and networkName already exists for this customer", "")
	case full:
		s.fail(w, x, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE",
			fmt.Sprintf("the mock holds %d networks for this customer, its limit: POST /__harness/reset", MaxNetworksPerCustomer), "")
	default:
		s.reply(w, x, http.StatusOK, nil)
	}
}

// inNetwork is ThreadNetwork as a create body carries it: channelNumber is
// read as a raw number so that 16.0, an integer to JSON Schema, is accepted.
type inNetwork struct {
	ExtendedPanID        string          `json:"extendedPanId"`
	NetworkName          string          `json:"networkName"`
	NetworkKey           string          `json:"networkKey"`
	PSKc                 string          `json:"pskc"`
	PanID                string          `json:"panId"`
	ChannelNumber        json.RawMessage `json:"channelNumber"`
	DefaultBorderAgentID string          `json:"defaultBorderAgentId"`
}

type inCreate struct {
	ThreadNetwork *inNetwork `json:"threadNetwork"`
}

// exactKeys returns body with only the keys named exactly as the contract
// names them, at the top level and inside threadNetwork. encoding/json
// matches names case-insensitively, so without it "ChAnNelnumBer" would be
// read as channelNumber, while the API (and the OpenAPI validator) take it
// for an unknown property, which is ignored. A body whose shape is not
// that of a create is returned as it is, for decodeCreate to name the
// problem.
func exactKeys(body []byte) []byte {
	if namesExactOnly(body) {
		return body
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return body
	}
	out := map[string]json.RawMessage{}
	if tn, ok := top["threadNetwork"]; ok {
		out["threadNetwork"] = tn
		var fields map[string]json.RawMessage
		if json.Unmarshal(tn, &fields) == nil && fields != nil {
			kept := map[string]json.RawMessage{}
			for _, name := range networkNames() {
				if v, ok := fields[name]; ok {
					kept[name] = v
				}
			}
			if b, err := json.Marshal(kept); err == nil {
				out["threadNetwork"] = b
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return body
	}
	return b
}

// networkNames are the JSON names of inNetwork's fields.
func networkNames() []string {
	t := reflect.TypeFor[inNetwork]()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// namesExactOnly reports whether no name of a create body can be written
// in another case: the body is ASCII without escapes (so the Kelvin sign,
// the long s and \u0043 cannot stand for a letter of a name), and each name
// appears in any case only as itself. Then encoding/json's
// case-insensitive match is an exact one, and exactKeys' filtering (two
// more decodes and encodes) is skipped: the common case of every create.
func namesExactOnly(body []byte) bool {
	for _, c := range body {
		if c >= utf8.RuneSelf || c == '\\' {
			return false
		}
	}
	lower := bytes.ToLower(body)
	for _, name := range append(networkNames(), "threadNetwork") {
		q := `"` + name + `"`
		if bytes.Count(lower, []byte(strings.ToLower(q))) != bytes.Count(body, []byte(q)) {
			return false
		}
	}
	return true
}

// decodeCreate parses and checks a create body; the error names the field.
func decodeCreate(body []byte, strict bool) (ThreadNetwork, *fieldError) {
	var cb inCreate
	if err := json.Unmarshal(exactKeys(body), &cb); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			f := te.Field
			if f == "" {
				return ThreadNetwork{}, &fieldError{"body", "must be a JSON object {\"threadNetwork\": {...}}"}
			}
			return ThreadNetwork{}, &fieldError{f, fmt.Sprintf("has the wrong type (JSON %s): expected %s", te.Value, jsonType(te.Type))}
		}
		return ThreadNetwork{}, &fieldError{"body", "is not valid JSON: " + err.Error()}
	}
	if cb.ThreadNetwork == nil {
		return ThreadNetwork{}, &fieldError{"threadNetwork", "is required: send {\"threadNetwork\": {\"extendedPanId\": ..., \"networkName\": ..., \"networkKey\": ...}}"}
	}
	in := cb.ThreadNetwork
	n := ThreadNetwork{
		ExtendedPanID: in.ExtendedPanID, NetworkName: in.NetworkName, NetworkKey: in.NetworkKey,
		PSKc: in.PSKc, PanID: in.PanID, DefaultBorderAgentID: in.DefaultBorderAgentID,
	}
	if len(in.ChannelNumber) > 0 {
		f, err := strconv.ParseFloat(string(in.ChannelNumber), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
			return ThreadNetwork{}, &fieldError{"threadNetwork.channelNumber", "must be an integer from 11 to 26"}
		}
		c := int(f)
		n.ChannelNumber = &c
	}
	if fe := checkNetwork(n, strict); fe != nil {
		return ThreadNetwork{}, &fieldError{"threadNetwork." + fe.Field, fe.Reason}
	}
	return n, nil
}

// getQuery is the parsed query of GET threadNetworks.
type getQuery struct {
	extPan, name, next string
	max                int
}

// parseGet reads the query of GET threadNetworks. The common case (no
// escapes, plain numbers) takes a fast path that builds no url.Values and
// skips the OpenAPI validator; anything else goes through the validator and
// url.ParseQuery. FuzzGetQuery checks that both paths agree with the
// validator.
func (s *Server) parseGet(x *exchange) (getQuery, *fieldError) {
	raw := x.r.URL.RawQuery
	if !strings.ContainsAny(raw, "%+;") {
		if q, fe, ok := parseGetQueryFast(raw); ok {
			return q, fe
		}
	}
	if fe := s.validate(x, nil); fe != nil {
		return getQuery{}, fe
	}
	return parseGetQuerySlow(raw)
}

// parseGetQueryFast parses a query free of escapes. ok is false when the
// query needs the slow path (a maxResults that is not plain digits).
func parseGetQueryFast(raw string) (q getQuery, fe *fieldError, ok bool) {
	q.max = 10
	var seenPan, seenName, seenNext, seenMax bool
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		var seen *bool
		switch k {
		case "extendedPanId":
			seen, q.extPan = &seenPan, v
		case "networkName":
			seen, q.name = &seenName, v
		case "nextToken":
			seen, q.next = &seenNext, v
		case "maxResults":
			seen = &seenMax
			n, plain := parseSmallUint(v)
			if !plain {
				return q, nil, false
			}
			q.max = n
		default:
			continue
		}
		if *seen {
			return q, &fieldError{k, "is given more than once: send the query parameter once"}, true
		}
		*seen = true
	}
	return q, checkGetQuery(q, seenPan, seenName, seenNext, seenMax), true
}

func parseGetQuerySlow(raw string) (getQuery, *fieldError) {
	q := getQuery{max: 10}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, &fieldError{"query", "is not a valid URL query (a malformed %-escape or a ';'): percent-encode the parameter values"}
	}
	for _, k := range []string{"extendedPanId", "networkName", "nextToken", "maxResults"} {
		if len(vals[k]) > 1 {
			return q, &fieldError{k, "is given more than once: send the query parameter once"}
		}
	}
	_, seenPan := vals["extendedPanId"]
	_, seenName := vals["networkName"]
	_, seenNext := vals["nextToken"]
	mr, seenMax := vals["maxResults"]
	q.extPan, q.name, q.next = vals.Get("extendedPanId"), vals.Get("networkName"), vals.Get("nextToken")
	if seenMax {
		f, err := strconv.ParseFloat(strings.TrimSpace(mr[0]), 64)
		if err != nil || f != math.Trunc(f) || f < 1 || f > 100 {
			q.max = 0
		} else {
			q.max = int(f)
		}
	}
	return q, checkGetQuery(q, seenPan, seenName, seenNext, seenMax)
}

func checkGetQuery(q getQuery, seenPan, seenName, seenNext, seenMax bool) *fieldError {
	switch {
	case !seenPan:
		return &fieldError{"extendedPanId", "is required: add the query parameter extendedPanId (the network's extended PAN ID)"}
	case q.extPan == "":
		return &fieldError{"extendedPanId", "must not be empty: give the query parameter extendedPanId a value"}
	case seenName && q.name == "":
		return &fieldError{"networkName", "must not be empty: give it a value or leave it out"}
	case seenNext && q.next == "":
		return &fieldError{"nextToken", "must not be empty: leave it out for the first page, or send the nextToken of the previous answer"}
	case seenMax && (q.max < 1 || q.max > 100):
		return &fieldError{"maxResults", "must be an integer from 1 to 100 (default 10)"}
	}
	return nil
}

// parseSmallUint parses 1–3 decimal digits.
func parseSmallUint(s string) (int, bool) {
	if len(s) == 0 || len(s) > 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func (s *Server) getThreadNetworks(w http.ResponseWriter, x *exchange) {
	who := s.customerOf(w, x)
	if who == nil {
		return
	}
	q, fe := s.parseGet(x)
	if fe != nil {
		s.fail(w, x, http.StatusBadRequest, "INVALID_REQUEST", fe.Field+": "+fe.Reason, fe.Field)
		return
	}
	offset := 0
	epoch := s.epoch.Load()
	if q.next != "" {
		te, issued, off, ok := s.sign.parsePage(q.next, who.id, q.extPan, q.name)
		switch {
		case !ok:
			s.fail(w, x, http.StatusBadRequest, "INVALID_REQUEST",
				"nextToken: is not a token this service issued for this query (extendedPanId, networkName) and caller", "nextToken")
			return
		case te != epoch:
			s.fail(w, x, http.StatusBadRequest, "INVALID_REQUEST", "nextToken: is no longer valid (the data was reset): start again without it", "nextToken")
			return
		case x.arrived.Sub(issued) >= PageTokenTTL || x.arrived.Before(issued.Add(-PageTokenTTL)):
			s.fail(w, x, http.StatusBadRequest, "INVALID_REQUEST", "nextToken: expired (tokens are valid for 24 hours): start again without it", "nextToken")
			return
		}
		offset = off
	}

	bp := s.bufs.Get().(*[]byte)
	b := append((*bp)[:0], `{"threadNetworks":[`...)
	c := who.cust
	more := false
	c.mu.RLock()
	list := c.byPan[q.extPan]
	if q.name != "" {
		// (extendedPanId, networkName) is unique per customer: at most one.
		for _, n := range list {
			if n.name == q.name {
				if offset == 0 {
					b = append(b, n.json...)
				}
				break
			}
		}
	} else if offset < len(list) {
		end := min(offset+q.max, len(list))
		for i, n := range list[offset:end] {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, n.json...)
		}
		more = end < len(list)
		offset = end
	}
	c.mu.RUnlock()
	b = append(b, ']')
	if more {
		b = append(b, `,"nextToken":"`...)
		b = append(b, s.sign.issuePage(who.id, q.extPan, q.name, epoch, x.arrived, offset)...)
		b = append(b, '"')
	}
	b = append(b, '}')
	s.reply(w, x, http.StatusOK, b)
	*bp = b[:0]
	s.bufs.Put(bp)
}
