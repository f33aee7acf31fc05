package mock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/redact"
)

// Limits of the mock.
const (
	// MaxBodyBytes is the largest request body accepted; larger ones get 413.
	MaxBodyBytes = 1 << 20
	// DefaultJournalSize is the journal's ring buffer size when Config leaves it 0.
	DefaultJournalSize = 10000
	// MaxJournalSize bounds the journal's ring buffer. The ring grows as
	// requests arrive (only DefaultJournalSize entries are allocated up
	// front), so memory follows the traffic; full, one entry costs about
	// 340 bytes (at most JournalEntryBytes), so the bound keeps a full
	// journal near 340 MB (and its GET answer near 400 MB). The embedded mock of a load run asks for at most
	// 400,000.
	MaxJournalSize = 1_000_000
	// DefaultTokenTTL is how long access tokens live (LWA's expires_in: 3600).
	DefaultTokenTTL = time.Hour
	// PageTokenTTL is how long a nextToken is valid.
	PageTokenTTL = 24 * time.Hour
	// MaxNetworksPerCustomer bounds memory: a create beyond it answers 503.
	MaxNetworksPerCustomer = 100000
	// maxRateBuckets bounds the per-token rate limiter table.
	maxRateBuckets = 1 << 16
)

// Config configures a Server. The zero value serves the well-known
// identities of docs/mock.md.
type Config struct {
	Fixtures     *Fixtures        // nil = DefaultFixtures()
	StrictThread bool             // hex rules for extendedPanId, networkKey, pskc, panId on create
	JournalSize  int              // ring buffer size, 1–MaxJournalSize; 0: DefaultJournalSize
	Now          func() time.Time // injectable clock; default time.Now
	Logger       *slog.Logger     // request log; default: discard
	// TokenTTL is the lifetime of issued access tokens; default DefaultTokenTTL.
	TokenTTL time.Duration
	// Validator validates requests against the OpenAPI contract. Nil: the
	// api package's validator (see validator.go); use NoValidator to run
	// only the mock's own checks.
	Validator RequestValidator
}

// RequestValidator validates a request against the machine-readable
// contract. A failure should wrap an error carrying the offending field
// (see FieldOf).
type RequestValidator interface {
	ValidateRequest(ctx context.Context, r *http.Request, body []byte) error
}

// Server is the mock: an http.Handler serving Credential Locker, SMAPI skill
// credentials, LWA, the control API under /__harness/ and /metrics.
type Server struct {
	now          func() time.Time
	log          *slog.Logger
	strict       bool
	tokenTTL     time.Duration
	fixtures     *Fixtures
	sign         *signer
	validator    RequestValidator
	epoch        atomic.Uint64 // bumped by reset: page tokens of an older epoch are invalid
	faultIDs     atomic.Uint64
	faults       faultSet
	limits       rateLimits
	journal      *journal
	metrics      *metrics
	bufs         sync.Pool // *[]byte response buffers
	scratch      sync.Pool // *[]byte token decode buffers
	identityByID map[string]*identity
	refresh      map[string]*identity // refresh token -> identity
	revoked      revokedSet           // refresh tokens revoked by POST /__harness/revoke
	codes        map[string]*identity // authorization code -> identity
	clients      map[string]lwaClient // LWA client id -> client
	skills       map[string]Skill
	customers    map[string]*customerState
	tokens       tokenCache
}

// identity is a customer, a vendor, or an LWA client acting on its own
// behalf (client_credentials).
type identity struct {
	kind    byte
	id      string
	refresh string // the refresh token handed back by the token endpoint
	scope   bool   // customers: Thread scope granted
	vendor  string // clients: vendor acted as on SMAPI, if any
	cust    *customerState
}

type lwaClient struct {
	secret string
	self   *identity
}

// New builds a Server from cfg. It fails only on invalid fixtures or when no
// random key can be drawn.
func New(cfg Config) (*Server, error) {
	fx := cfg.Fixtures
	if fx == nil {
		fx = DefaultFixtures()
	}
	if err := fx.Validate(); err != nil {
		return nil, fmt.Errorf("mock: fixtures: %w", err)
	}
	sg, err := newSigner()
	if err != nil {
		return nil, fmt.Errorf("mock: signing key: %w", err)
	}
	s := &Server{
		now: cfg.Now, log: cfg.Logger, strict: cfg.StrictThread, tokenTTL: cfg.TokenTTL,
		fixtures: fx, sign: sg, validator: cfg.Validator,
		identityByID: map[string]*identity{}, refresh: map[string]*identity{}, codes: map[string]*identity{},
		clients: map[string]lwaClient{}, skills: map[string]Skill{}, customers: map[string]*customerState{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = DefaultTokenTTL
	}
	if cfg.JournalSize != 0 {
		if err := CheckJournalSize(cfg.JournalSize); err != nil {
			return nil, fmt.Errorf("mock: JournalSize: %w", err)
		}
	}
	if s.validator == nil {
		v, err := defaultValidator()
		if err != nil {
			return nil, fmt.Errorf("mock: OpenAPI validator: %w", err)
		}
		s.validator = v
	}
	if _, ok := s.validator.(noValidator); ok {
		s.validator = nil
	}
	size := cfg.JournalSize
	if size <= 0 {
		size = DefaultJournalSize
	}
	s.journal = newJournal(size)
	s.metrics = newMetrics()
	s.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	s.scratch.New = func() any { b := make([]byte, 512); return &b }
	s.limits.buckets = map[bucketKey]*bucket{}
	s.limits.rules = map[string]mockcontrol.RateLimit{}

	for _, v := range fx.Vendors {
		id := &identity{kind: kindVendor, id: v.ID, refresh: v.RefreshToken}
		s.identityByID[v.ID] = id
		s.refresh[v.RefreshToken] = id
		if v.AuthorizationCode != "" {
			s.codes[v.AuthorizationCode] = id
		}
	}
	for _, c := range fx.Customers {
		cs := &customerState{id: c.ID}
		id := &identity{kind: kindCustomer, id: c.ID, refresh: c.RefreshToken, scope: c.HasThreadScope(), cust: cs}
		s.identityByID[c.ID] = id
		s.customers[c.ID] = cs
		s.refresh[c.RefreshToken] = id
		if c.AuthorizationCode != "" {
			s.codes[c.AuthorizationCode] = id
		}
	}
	for _, c := range fx.Clients {
		self := &identity{kind: kindClient, id: "client:" + c.ID, vendor: c.Vendor}
		s.identityByID[self.id] = self
		s.clients[c.ID] = lwaClient{secret: c.Secret, self: self}
	}
	for _, sk := range fx.Skills {
		s.skills[sk.ID] = sk
		self := &identity{kind: kindClient, id: "client:" + sk.ClientID}
		s.identityByID[self.id] = self
		s.clients[sk.ClientID] = lwaClient{secret: sk.ClientSecret, self: self}
	}
	s.resetState()
	return s, nil
}

// Fixtures returns the fixtures the server was built from (do not modify).
func (s *Server) Fixtures() *Fixtures { return s.fixtures }

// resetState restores the pre-seeded networks and clears faults, limits and
// the journal.
func (s *Server) resetState() {
	s.epoch.Add(1)
	for _, c := range s.fixtures.Customers {
		cs := s.customers[c.ID]
		cs.mu.Lock()
		cs.byPan = map[string][]*storedNetwork{}
		cs.names = map[string]struct{}{}
		cs.count = 0
		for _, n := range c.Networks {
			cs.addLocked(n)
		}
		cs.mu.Unlock()
	}
	s.faults.clear()
	s.limits.clear()
	s.revoked.clear()
	s.journal.reset()
}

// CheckJournalSize reports a journal size outside 1–MaxJournalSize, as
// "what is wrong and how to fix it" for the caller to prefix with the
// setting's name (--journal-size, JournalSize).
func CheckJournalSize(n int) error {
	if n < 1 || n > MaxJournalSize {
		return fmt.Errorf("%d is not a journal size: give the number of requests to keep, 1 to %d (default %d; the journal is held in memory)",
			n, MaxJournalSize, DefaultJournalSize)
	}
	return nil
}

// Reset puts the server back to its starting fixtures, with no faults, no
// limits, no revoked refresh tokens and an empty journal (what POST
// /__harness/reset does).
func (s *Server) Reset() { s.resetState() }

// Journal returns the journal, oldest first.
func (s *Server) Journal() []mockcontrol.JournalEntry { return s.journal.snapshot() }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/__harness/") || p == "/__harness" {
		s.serveControl(w, r)
		return
	}
	if p == "/metrics" {
		s.metrics.handler.ServeHTTP(w, r)
		return
	}
	s.serveAPI(w, r)
}

// family is the error body dialect of a service.
type family uint8

const (
	famGeneric family = iota // {"code","message"}: valid for Locker and SMAPI
	famLocker                // {"code","message"}
	famSMAPI                 // {"message","violations"?}
	famLWA                   // {"error","error_description"}
)

type route uint8

const (
	rtNotFound route = iota
	rtMethodNotAllowed
	rtCreate
	rtGet
	rtSkill
	rtToken
)

// exchange is one request and what the mock answered.
type exchange struct {
	r          *http.Request
	arrived    time.Time // s.now() at arrival (journal)
	answered   time.Time // s.now() when the answer was written (journal, HTTP-date)
	started    time.Time // wall clock at arrival (latency metric)
	op         string
	fam        family
	client     string
	token      string
	tokenID    string // redact.ClientID of the presented token, "" when none
	auth       bool   // an Authorization header came
	grantType  string // token requests: the journal's grantType
	form       *tokenForm
	key        string
	fault      bool
	retryAfter int
	raDate     bool // Retry-After as an HTTP-date
	status     int
	allow      string
}

const opUnknown = "unknown"

func (s *Server) classify(r *http.Request) (route, string, family, string) {
	p := r.URL.Path
	m := r.Method
	// Which operation the journal and metrics count it as: the rule the
	// clients' attempt log uses too.
	op, ok := contract.Attribute(m, p)
	if !ok {
		op = opUnknown
	}
	switch {
	case p == contract.ThreadNetworksPath:
		switch m {
		case http.MethodGet:
			return rtGet, op, famLocker, ""
		case http.MethodPut:
			return rtCreate, op, famLocker, ""
		}
		return rtMethodNotAllowed, op, famLocker, "GET, PUT"
	case strings.HasPrefix(p, "/credentiallocker/"):
		return rtNotFound, op, famLocker, "" // unknown route or API version
	case len(p) >= len("/v1/skills//credentials") && strings.HasPrefix(p, "/v1/skills/") && strings.HasSuffix(p, "/credentials"):
		if m == http.MethodGet {
			return rtSkill, op, famSMAPI, ""
		}
		return rtMethodNotAllowed, op, famSMAPI, "GET"
	case strings.HasPrefix(p, "/v") && strings.HasSuffix(p, "/credentials") && strings.Contains(p, "/skills/"):
		return rtNotFound, op, famSMAPI, "" // unknown SMAPI version
	case strings.EqualFold(p, contract.TokenPath):
		if m == http.MethodPost {
			return rtToken, op, famLWA, ""
		}
		return rtMethodNotAllowed, op, famLWA, "POST"
	case len(p) >= 6 && strings.EqualFold(p[:6], "/auth/"):
		return rtNotFound, op, famLWA, ""
	case strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/v0/") || strings.HasPrefix(p, "/v2/"):
		return rtNotFound, op, famSMAPI, ""
	}
	return rtNotFound, op, famGeneric, ""
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	x := exchange{r: r, arrived: s.now(), started: time.Now()}
	rt, op, fam, allow := s.classify(r)
	x.op, x.fam, x.allow = op, fam, allow
	x.token = bearer(r)
	x.auth = len(r.Header["Authorization"]) > 0

	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(v)
			}
			s.log.Error("mock: handler panic", "operation", x.op, "panic", fmt.Sprint(v))
			if x.status == 0 {
				s.fail(w, &x, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "internal error in the mock", "")
			}
		}
	}()

	var body []byte
	var bufp *[]byte
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		bufp = s.bufs.Get().(*[]byte)
		defer func() { *bufp = (*bufp)[:0]; s.bufs.Put(bufp) }()
		var err error
		body, err = readBody(r.Body, *bufp)
		*bufp = body[:0]
		if err != nil {
			x.key = s.requestKey(r, nil)
			x.client = s.clientOf(&x, nil)
			if errors.Is(err, errTooLarge) {
				s.fail(w, &x, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
					fmt.Sprintf("request body larger than %d bytes", MaxBodyBytes), "body")
				return
			}
			s.fail(w, &x, http.StatusBadRequest, "INVALID_REQUEST", "could not read the request body: "+err.Error(), "body")
			return
		}
	}
	x.key = s.requestKey(r, body)
	x.client = s.clientOf(&x, body)

	// Faults and rate limits come first, as a gateway in front of the
	// service would apply them.
	if s.faults.active() {
		if f, ok := s.faults.match(x.op); ok {
			if f.DelayMs > 0 {
				t := time.NewTimer(time.Duration(f.DelayMs) * time.Millisecond)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
				}
			}
			if f.Reset {
				x.fault = true
				s.resetConn(w, &x)
				return
			}
			if f.Status != 0 {
				x.fault = true
				x.retryAfter, x.raDate = f.RetryAfter, f.RetryAfterDate
				s.fail(w, &x, f.Status, codeFor(f.Status), "fault injected by the harness control API", "")
				return
			}
		}
	}
	if s.limits.active.Load() && x.op != opUnknown {
		if ok, ra, date := s.limits.allow(x.op, x.client, x.arrived); !ok {
			x.retryAfter, x.raDate = ra, date
			s.fail(w, &x, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "rate limit exceeded: retry with exponential back-off", "")
			return
		}
	}

	switch rt {
	case rtGet:
		s.getThreadNetworks(w, &x)
	case rtCreate:
		s.createThreadNetwork(w, &x, body)
	case rtSkill:
		s.getSkillCredentials(w, &x)
	case rtToken:
		s.token(w, &x, body)
	case rtMethodNotAllowed:
		// A known path with a method it does not serve is an unknown route
		// (404, as api/openapi.yaml has it), with Allow as a hint.
		w.Header().Set("Allow", x.allow)
		x.fam = famGeneric
		s.fail(w, &x, http.StatusNotFound, "NOT_FOUND",
			fmt.Sprintf("no operation serves %s on %s: use %s", r.Method, r.URL.Path, x.allow), "")
	default:
		x.fam = famGeneric
		s.fail(w, &x, http.StatusNotFound, "NOT_FOUND", "no such resource: "+r.URL.Path+" (unknown route or API version)", "")
	}
}

// clientOf is the journal's client id: redact.ClientID of the bearer token,
// or for token requests redact.TokenRequestClientID of the form's client_id and grant
// (redact.ClientID("") for a form that does not parse), which is what
// clients.TokenRequestClient computes from the body it sent. It also sets
// the journal's token id and, for token requests, the parsed form and the
// grant type.
func (s *Server) clientOf(x *exchange, body []byte) string {
	if x.op == contract.OpToken {
		f := parseTokenForm(x.r, body)
		x.form = &f
		x.grantType = journalGrantType(f.grantType)
		if g := f.grant(); g != "" {
			x.tokenID = redact.ClientID(g)
		}
		if f.err != nil {
			return redact.ClientID("")
		}
		return redact.TokenRequestClientID(f.formClientID, f.grant())
	}
	if x.token == "" {
		return redact.ClientID("")
	}
	var c string
	if ti := s.tokens.get(x.token); ti != nil {
		c = ti.client // redact.ClientID(x.token), computed once
	} else {
		c = redact.ClientID(x.token)
	}
	x.tokenID = c
	return c
}

// journalGrantType is the grantType the journal records: the grant types
// LWA serves as they are, "other" for any other value (never the raw
// value, which the client chose), "" when absent.
func journalGrantType(g string) string {
	switch g {
	case "", "refresh_token", "authorization_code", "client_credentials":
		return g
	}
	return "other"
}

var errTooLarge = errors.New("request body too large")

// readBody reads at most MaxBodyBytes into buf.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) > MaxBodyBytes {
				return buf, errTooLarge
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > MaxBodyBytes {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// bearer returns the token of an "Authorization: Bearer <token>" header, or
// "" when there is none or it is malformed.
func bearer(r *http.Request) string {
	h := r.Header["Authorization"]
	if len(h) == 0 {
		return ""
	}
	v := h[0]
	if len(v) < 7 || !strings.EqualFold(v[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(v[7:])
}

// authenticate checks the bearer token; on failure it answers 401 and
// returns nil.
func (s *Server) authenticate(w http.ResponseWriter, x *exchange) *identity {
	h := x.r.Header["Authorization"]
	switch {
	case len(h) == 0 || h[0] == "":
		s.fail(w, x, http.StatusUnauthorized, "UNAUTHORIZED", "missing Authorization header: send Authorization: Bearer <access token>", "")
		return nil
	case x.token == "":
		s.fail(w, x, http.StatusUnauthorized, "UNAUTHORIZED", "malformed Authorization header: expected Bearer <access token>", "")
		return nil
	}
	var who *identity
	var exp time.Time
	if ti := s.tokens.get(x.token); ti != nil {
		who, exp = ti.who, ti.exp
	} else {
		sp := s.scratch.Get().(*[]byte)
		kind, id, e, ok := s.sign.parseAccess(x.token, *sp)
		if ok {
			who, exp = s.identityByID[string(id)], e
			if who != nil && who.kind != kind {
				who = nil
			}
		}
		s.scratch.Put(sp)
		if who != nil {
			s.tokens.put(x.token, &tokenInfo{who: who, exp: exp, client: x.client})
		}
	}
	if who == nil {
		s.fail(w, x, http.StatusUnauthorized, "UNAUTHORIZED", "the access token is not valid: get one from POST /auth/o2/token", "")
		return nil
	}
	if !x.arrived.Before(exp) {
		s.fail(w, x, http.StatusUnauthorized, "UNAUTHORIZED", "the access token expired: refresh it at POST /auth/o2/token", "")
		return nil
	}
	return who
}

// resetConn closes the connection without an answer.
func (s *Server) resetConn(w http.ResponseWriter, x *exchange) {
	x.status = 0
	s.record(x)
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST rather than FIN
			}
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

var ctJSON = []string{"application/json"}

// reply writes a successful answer and records it.
func (s *Server) reply(w http.ResponseWriter, x *exchange, status int, body []byte) {
	h := w.Header()
	if body != nil {
		h["Content-Type"] = ctJSON
	}
	x.answered = s.now()
	if x.retryAfter > 0 {
		if x.raDate {
			h["Retry-After"] = []string{RetryAfterDate(x.answered, x.retryAfter)}
		} else {
			h["Retry-After"] = []string{strconv.Itoa(x.retryAfter)}
		}
	}
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
	x.status = status
	s.record(x)
}

// fail writes an error answer in the dialect of the service.
func (s *Server) fail(w http.ResponseWriter, x *exchange, status int, code, message, field string) {
	s.reply(w, x, status, errorBody(x.fam, status, code, message, field))
}

// RetryAfterDate is the HTTP-date (RFC 9110 §5.6.7, http.TimeFormat) of
// a Retry-After of seconds sent at t: t + seconds rounded up to a whole
// second, so that the date is never earlier than the delay.
func RetryAfterDate(t time.Time, seconds int) string {
	d := t.Add(time.Duration(seconds) * time.Second)
	if r := d.Truncate(time.Second); !r.Equal(d) {
		d = r.Add(time.Second)
	}
	return d.UTC().Format(http.TimeFormat)
}

// record journals the exchange, counts it and logs it.
func (s *Server) record(x *exchange) {
	answered := x.answered
	if answered.IsZero() {
		answered = s.now()
	}
	s.journal.add(mockcontrol.JournalEntry{
		Time: x.arrived, AnsweredAt: answered, Operation: x.op, Method: x.r.Method, Path: x.r.URL.Path,
		Client: x.client, Key: x.key, Status: x.status, RetryAfter: x.retryAfter, Fault: x.fault,
		Reset: x.status == 0, Authorization: x.auth, Token: x.tokenID, GrantType: x.grantType,
		RetryAfterDate: x.raDate && x.retryAfter > 0,
	})
	elapsed := time.Since(x.started)
	s.metrics.observe(x.op, x.status, elapsed)
	ctx := x.r.Context()
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", x.r.Method), slog.String("path", x.r.URL.Path),
			slog.String("operation", x.op), slog.Int("status", x.status),
			slog.String("client", x.client), slog.Bool("fault", x.fault),
			slog.Int("retryAfter", x.retryAfter), slog.Bool("retryAfterDate", x.raDate && x.retryAfter > 0),
			slog.Bool("authorization", x.auth), slog.String("token", x.tokenID), slog.String("grantType", x.grantType),
			slog.Duration("elapsed", elapsed))
	}
}

// Running is a mock listening on a real socket.
type Running struct {
	URL    string // base URL, e.g. http://127.0.0.1:34567
	Addr   string // host:port listened on
	Server *Server

	srv       *http.Server
	done      chan struct{}
	err       error
	closeOnce sync.Once
	closeErr  error
}

// NewHTTPServer wraps h in an http.Server with the mock's timeouts.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second, // a fault may delay an answer by up to 60 s
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// Start builds a Server from cfg and serves it on addr (e.g.
// "127.0.0.1:0") until ctx is cancelled or Close is called; both shut down
// gracefully.
func Start(ctx context.Context, addr string, cfg Config) (*Running, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mock: listen on %s: %w", addr, err)
	}
	srv := NewHTTPServer(s)
	srv.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	run := &Running{
		URL: "http://" + ln.Addr().String(), Addr: ln.Addr().String(), Server: s,
		srv: srv, done: make(chan struct{}),
	}
	go func() {
		defer close(run.done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			run.err = err
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = run.Close(sctx)
		case <-run.done:
		}
	}()
	return run, nil
}

// Close shuts the server down gracefully: it stops accepting, waits for
// in-flight requests until ctx ends, then closes what is left.
func (r *Running) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		err := r.srv.Shutdown(ctx)
		if err != nil {
			_ = r.srv.Close()
		}
		<-r.done
		switch {
		case err != nil && !errors.Is(err, http.ErrServerClosed):
			r.closeErr = fmt.Errorf("mock: shutdown: %w", err)
		default:
			r.closeErr = r.err
		}
	})
	return r.closeErr
}

// Done is closed when the server has stopped serving.
func (r *Running) Done() <-chan struct{} { return r.done }
