package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// faultSet holds the installed faults. The hot path reads one atomic
// counter when there are none.
type faultSet struct {
	n     atomic.Int32
	mu    sync.Mutex
	rules []*faultRule
	rng   *rand.Rand // guarded by mu
}

type faultRule struct {
	id        string
	f         mockcontrol.Fault
	remaining int // -1: unlimited
}

func (fs *faultSet) active() bool { return fs.n.Load() > 0 }

func (fs *faultSet) add(id string, f mockcontrol.Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.rng == nil {
		fs.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	rem := f.Count
	if rem == 0 {
		rem = -1
	}
	fs.rules = append(fs.rules, &faultRule{id: id, f: f, remaining: rem})
	fs.n.Store(int32(len(fs.rules)))
}

// match returns the fault the next request to op must suffer, if any: the
// first installed fault for op or "*" whose probability roll succeeds. A
// delivered fault uses up one of its count.
func (fs *faultSet) match(op string) (mockcontrol.Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.f.Operation != "*" && r.f.Operation != op {
			continue
		}
		if p := r.f.Probability; p > 0 && p < 1 && fs.rng.Float64() >= p {
			continue
		}
		if r.remaining > 0 {
			r.remaining--
			if r.remaining == 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
				fs.n.Store(int32(len(fs.rules)))
			}
		}
		return r.f, true
	}
	return mockcontrol.Fault{}, false
}

func (fs *faultSet) remove(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.id == id {
			fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			fs.n.Store(int32(len(fs.rules)))
			return true
		}
	}
	return false
}

func (fs *faultSet) list() []mockcontrol.InstalledFault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]mockcontrol.InstalledFault, 0, len(fs.rules))
	for _, r := range fs.rules {
		out = append(out, mockcontrol.InstalledFault{ID: r.id, Fault: r.f, Remaining: r.remaining})
	}
	return out
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	fs.rules = nil
	fs.n.Store(0)
	fs.mu.Unlock()
}

// rateLimits holds the per-operation rules and the per-token buckets.
type rateLimits struct {
	active  atomic.Bool
	mu      sync.Mutex
	rules   map[string]mockcontrol.RateLimit // by operation or "*"
	buckets map[bucketKey]*bucket
}

type bucketKey struct{ rule, client string }

type bucket struct {
	lim *rate.Limiter
}

// allow takes a token from the bucket of (rule, client) at now; when it is
// empty it returns false, the Retry-After to send and whether to send it as
// an HTTP-date.
func (rl *rateLimits) allow(op, client string, now time.Time) (bool, int, bool) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rule, ok := rl.rules[op]
	if !ok {
		if rule, ok = rl.rules["*"]; !ok {
			return true, 0, false
		}
	}
	k := bucketKey{rule.Operation, client}
	b := rl.buckets[k]
	if b == nil {
		if len(rl.buckets) >= maxRateBuckets { // bounded memory: start afresh
			clear(rl.buckets)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(rule.Rate), rule.Burst)}
		rl.buckets[k] = b
	}
	if b.lim.AllowN(now, 1) {
		return true, 0, false
	}
	ra := rule.RetryAfter
	if ra <= 0 {
		// As long as the bucket needs to hold one token again.
		ra = int(math.Ceil(1 / rule.Rate))
		if ra < 1 {
			ra = 1
		}
	}
	return false, ra, rule.RetryAfterDate
}

func (rl *rateLimits) set(l mockcontrol.RateLimit) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if l.Rate == 0 {
		delete(rl.rules, l.Operation)
	} else {
		rl.rules[l.Operation] = l
	}
	for k := range rl.buckets {
		if k.rule == l.Operation {
			delete(rl.buckets, k)
		}
	}
	rl.active.Store(len(rl.rules) > 0)
}

func (rl *rateLimits) list() []mockcontrol.RateLimit {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	out := make([]mockcontrol.RateLimit, 0, len(rl.rules))
	for _, l := range rl.rules {
		out = append(out, l)
	}
	return out
}

func (rl *rateLimits) clear() {
	rl.mu.Lock()
	clear(rl.rules)
	clear(rl.buckets)
	rl.active.Store(false)
	rl.mu.Unlock()
}

// serveControl serves the control API under /__harness/. Its calls are
// neither journaled, counted, faulted nor rate limited.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/__harness"), "/")
	switch {
	case name == "faults":
		switch r.Method {
		case http.MethodPost:
			var f mockcontrol.Fault
			if !decodeControl(w, r, &f) {
				return
			}
			if err := f.Validate(); err != nil {
				controlError(w, http.StatusBadRequest, err.Error())
				return
			}
			id := "fault-" + strconv.FormatUint(s.faultIDs.Add(1), 10)
			s.faults.add(id, f)
			controlJSON(w, http.StatusCreated, map[string]string{"id": id})
		case http.MethodDelete:
			s.faults.clear()
			controlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case http.MethodGet:
			controlJSON(w, http.StatusOK, s.faults.list())
		default:
			controlMethod(w, "GET, POST, DELETE")
		}
	case strings.HasPrefix(name, "faults/"):
		if r.Method != http.MethodDelete {
			controlMethod(w, "DELETE")
			return
		}
		if !s.faults.remove(strings.TrimPrefix(name, "faults/")) {
			controlError(w, http.StatusNotFound, "no fault with that id (it may have been used up)")
			return
		}
		controlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case name == "ratelimit":
		switch r.Method {
		case http.MethodPut, http.MethodPost:
			var l mockcontrol.RateLimit
			if !decodeControl(w, r, &l) {
				return
			}
			if err := l.Validate(); err != nil {
				controlError(w, http.StatusBadRequest, err.Error())
				return
			}
			l = l.WithDefaults()
			s.limits.set(l)
			controlJSON(w, http.StatusOK, l)
		case http.MethodGet:
			controlJSON(w, http.StatusOK, s.limits.list())
		case http.MethodDelete:
			s.limits.clear()
			controlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		default:
			controlMethod(w, "GET, PUT, DELETE")
		}
	case name == "journal":
		switch r.Method {
		case http.MethodGet:
			controlJSON(w, http.StatusOK, s.journal.snapshot())
		case http.MethodDelete:
			s.journal.reset()
			controlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		default:
			controlMethod(w, "GET, DELETE")
		}
	case name == "tokens":
		if r.Method != http.MethodPost {
			controlMethod(w, "POST")
			return
		}
		var m mockcontrol.MintRequest
		if !decodeControl(w, r, &m) {
			return
		}
		if err := m.Validate(); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		who := s.refresh[m.RefreshToken]
		if who == nil {
			controlError(w, http.StatusBadRequest, "refreshToken: is not the refresh token of any identity of the fixtures: use one listed in docs/mock.md or in --fixtures")
			return
		}
		life := s.tokenTTL
		if m.ExpiresIn != nil {
			life = time.Duration(*m.ExpiresIn) * time.Second
		}
		exp := s.now().Add(life)
		controlJSON(w, http.StatusCreated, mockcontrol.MintedToken{
			AccessToken: s.sign.issueAccess(who.kind, who.id, exp), ExpiresAt: exp.UTC(),
		})
	case name == "revoke":
		if r.Method != http.MethodPost {
			controlMethod(w, "POST")
			return
		}
		var rv mockcontrol.RevokeRequest
		if !decodeControl(w, r, &rv) {
			return
		}
		if err := rv.Validate(); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		if s.refresh[rv.RefreshToken] == nil {
			controlError(w, http.StatusBadRequest, "refreshToken: is not the refresh token of any identity of the fixtures: use one listed in docs/mock.md or in --fixtures")
			return
		}
		s.revoked.add(rv.RefreshToken)
		w.WriteHeader(http.StatusNoContent)
	case name == "reset":
		if r.Method != http.MethodPost {
			controlMethod(w, "POST")
			return
		}
		s.resetState()
		controlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case name == "health":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			controlMethod(w, "GET")
			return
		}
		controlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	default:
		controlError(w, http.StatusNotFound, "no such control call: see docs/mock.md (faults, ratelimit, journal, tokens, revoke, reset, health)")
	}
}

// decodeControl reads the one JSON object of a control call's body into v,
// the single decoder of every control endpoint: unknown fields, a value of
// the wrong type, and anything after the object are refused with 400 (413
// over MaxBodyBytes), the problem named by its JSON field in the user's
// terms, never a Go type. It reports whether v was filled.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		controlError(w, http.StatusBadRequest, "could not read the body: "+err.Error())
		return false
	}
	if len(raw) > MaxBodyBytes {
		controlError(w, http.StatusRequestEntityTooLarge, "body larger than 1 MiB")
		return false
	}
	if err := decodeControlBody(raw, v); err != nil {
		controlError(w, http.StatusBadRequest, err.Error()+" (see docs/mock.md for the fields)")
		return false
	}
	return true
}

// decodeControlBody decodes raw, which must hold exactly one JSON object
// (blanks around it allowed), into v, with decodeControl's errors.
func decodeControlBody(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return controlJSONProblem(err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) { // null decodes into nothing
		return errors.New("invalid JSON body: must be a JSON object, not null")
	}
	if off := dec.InputOffset(); dec.More() || len(bytes.TrimSpace(raw[off:])) > 0 {
		return fmt.Errorf("invalid JSON body: more data after the JSON object (from byte %d): send exactly one JSON object", off)
	}
	return nil
}

// controlJSONProblem rewords encoding/json's errors in the user's terms:
// the JSON field and the expected JSON type.
func controlJSONProblem(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("invalid JSON body: the body is empty: send one JSON object")
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf("invalid JSON body: must be a JSON object, not a JSON %s", te.Value)
	case errors.As(err, &te):
		return fmt.Errorf("invalid JSON body: %s: must be %s, not a JSON %s", te.Field, jsonType(te.Type), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON body: malformed JSON at byte %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON body: the JSON object is cut short")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("invalid JSON body: unknown field %s", f)
	}
	return fmt.Errorf("invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonType names the JSON a Go type is read from: "a whole number",
// "a string", "an object"...
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list (JSON array)"
	}
	return "an object"
}

func controlJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"encoding failed"}`)
	}
	w.Header()["Content-Type"] = ctJSON
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func controlError(w http.ResponseWriter, status int, msg string) {
	controlJSON(w, status, lockerError{Code: codeFor(status), Message: msg})
}

func controlMethod(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	controlError(w, http.StatusMethodNotAllowed, "method not allowed; allowed: "+allow)
}
