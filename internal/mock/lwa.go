package mock

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/alexa-harness/harness/internal/redact"
)

// tokenForm is the part of a token request the mock reads.
type tokenForm struct {
	grantType, clientID, clientSecret, refreshToken, code string
	formClientID                                          string // client_id of the form itself (not of HTTP Basic)
	basic                                                 bool
	err                                                   error
}

// grant is the grant's own credential: the refresh token or the code.
func (f tokenForm) grant() string {
	return redact.GrantCredential(f.grantType, f.refreshToken, f.code)
}

// parseTokenForm reads the form body (with or without a Content-Type:
// Amazon's SDK sends values without URL-encoding them, which ParseQuery
// reads fine as long as they hold no '+', '&', '=' or '%'). Client
// credentials may also come as HTTP Basic (RFC 6749 §2.3.1).
func parseTokenForm(r *http.Request, body []byte) tokenForm {
	var f tokenForm
	v, err := url.ParseQuery(string(body))
	f.err = err
	f.grantType = v.Get("grant_type")
	f.clientID = v.Get("client_id")
	f.formClientID = f.clientID
	f.clientSecret = v.Get("client_secret")
	f.refreshToken = v.Get("refresh_token")
	f.code = v.Get("code")
	if f.clientID == "" {
		if id, secret, ok := r.BasicAuth(); ok {
			if uid, err := url.QueryUnescape(id); err == nil {
				id = uid
			}
			if us, err := url.QueryUnescape(secret); err == nil {
				secret = us
			}
			f.clientID, f.clientSecret, f.basic = id, secret, true
		}
	}
	return f
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
}

// token serves POST /auth/o2/token (any case).
func (s *Server) token(w http.ResponseWriter, x *exchange, body []byte) {
	var f tokenForm
	if x.form != nil {
		f = *x.form // parsed once by clientOf
	} else {
		f = parseTokenForm(x.r, body)
	}
	lwaFail := func(status int, oauthErr, desc string) {
		s.reply(w, x, status, errorBody(famLWA, status, oauthErr, desc, ""))
	}
	switch {
	case f.err != nil:
		lwaFail(http.StatusBadRequest, "invalid_request", "the body is not a valid form: send application/x-www-form-urlencoded fields")
		return
	case f.grantType == "":
		lwaFail(http.StatusBadRequest, "invalid_request", "grant_type: is required (refresh_token, authorization_code or client_credentials)")
		return
	case f.grantType != "refresh_token" && f.grantType != "authorization_code" && f.grantType != "client_credentials":
		lwaFail(http.StatusBadRequest, "unsupported_grant_type", "grant_type: use refresh_token, authorization_code or client_credentials")
		return
	}
	cl, ok := s.clients[f.clientID]
	if f.clientID == "" || !ok || subtle.ConstantTimeCompare([]byte(cl.secret), []byte(f.clientSecret)) != 1 {
		if f.basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="lwa"`)
		}
		lwaFail(http.StatusUnauthorized, "invalid_client", "client authentication failed: unknown client_id or wrong client_secret")
		return
	}
	if fe := s.validate(x, body); fe != nil {
		lwaFail(http.StatusBadRequest, "invalid_request", fe.Field+": "+fe.Reason)
		return
	}
	var who *identity
	switch f.grantType {
	case "refresh_token":
		if f.refreshToken == "" {
			lwaFail(http.StatusBadRequest, "invalid_request", "refresh_token: is required for grant_type refresh_token")
			return
		}
		if who = s.refresh[f.refreshToken]; who == nil || s.revoked.has(f.refreshToken) {
			lwaFail(http.StatusBadRequest, "invalid_grant", "the refresh token is unknown, expired or revoked")
			return
		}
	case "authorization_code":
		if f.code == "" {
			lwaFail(http.StatusBadRequest, "invalid_request", "code: is required for grant_type authorization_code")
			return
		}
		if who = s.codes[f.code]; who == nil {
			lwaFail(http.StatusBadRequest, "invalid_grant", "the authorization code is unknown, expired or already used")
			return
		}
	default: // client_credentials: the client acts as itself
		who = cl.self
	}
	exp := x.arrived.Add(s.tokenTTL)
	out := tokenResponse{
		AccessToken:  s.sign.issueAccess(who.kind, who.id, exp),
		RefreshToken: who.refresh,
		TokenType:    "bearer",
		ExpiresIn:    int(s.tokenTTL.Seconds()),
	}
	if out.ExpiresIn < 1 {
		out.ExpiresIn = 1
	}
	b, _ := json.Marshal(out)
	w.Header()["Cache-Control"] = []string{"no-store"}
	w.Header()["Pragma"] = []string{"no-cache"}
	s.reply(w, x, http.StatusOK, b)
}

// revokedSet holds the refresh tokens revoked through POST
// /__harness/revoke until a reset. The token endpoint reads one atomic
// counter when none is revoked.
type revokedSet struct {
	n  atomic.Int32
	mu sync.RWMutex
	m  map[string]struct{}
}

func (r *revokedSet) has(refresh string) bool {
	if r.n.Load() == 0 {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.m[refresh]
	return ok
}

func (r *revokedSet) add(refresh string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]struct{}{}
	}
	r.m[refresh] = struct{}{}
	r.n.Store(int32(len(r.m)))
}

func (r *revokedSet) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.m)
	r.n.Store(0)
}
