package conform

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/alexa-harness/harness/features"
	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/redact"
)

// brokenServer is the mock's handler behind a middleware that breaks the
// contract in exactly one way. It stands in for a partner's staging server
// in real mode.
type brokenServer struct {
	mock     *mock.Server
	customer map[string]string // identity -> a valid access token
	control  atomic.Int64      // requests to /__harness/ (real mode must send none)
}

// serve runs r through the mock and returns what it answered.
func (b *brokenServer) serve(r *http.Request, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r2 := r.Clone(r.Context())
	r2.Body = http.NoBody
	if body != nil {
		r2.Body = readCloser(body)
		r2.ContentLength = int64(len(body))
	}
	b.mock.ServeHTTP(rec, r2)
	return rec
}

func readCloser(b []byte) *nopCloser { return &nopCloser{bytes.NewReader(b)} }

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// as returns r with another identity's token.
func (b *brokenServer) as(r *http.Request, identity string) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+b.customer[identity])
	return r2
}

func write(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func writeStatus(w http.ResponseWriter, status int, body []byte, ct string) {
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// token logs in an identity at the mock's LWA.
func token(t *testing.T, h http.Handler, refresh string) string {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"client_id": {contract.MockLWAClientID}, "client_secret": {contract.MockLWAClientSecret}}
	r := httptest.NewRequest(http.MethodPost, contract.TokenPath, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.AccessToken == "" {
		t.Fatalf("log in at the mock: %d %s", rec.Code, rec.Body.String())
	}
	return out.AccessToken
}

func isList(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == contract.ThreadNetworksPath
}

func isCreate(r *http.Request) bool {
	return r.Method == http.MethodPut && r.URL.Path == contract.ThreadNetworksPath
}

func isAPI(r *http.Request) bool { return !strings.HasPrefix(r.URL.Path, contract.ControlPrefix) }

func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(r.Body)
	return buf.Bytes()
}

// breakage is one departure from the contract.
type breakage func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte)

func editList(rec *httptest.ResponseRecorder, edit func(nets []map[string]any) []map[string]any) []byte {
	var page struct {
		ThreadNetworks []map[string]any `json:"threadNetworks"`
		NextToken      string           `json:"nextToken,omitempty"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		return rec.Body.Bytes()
	}
	page.ThreadNetworks = edit(page.ThreadNetworks)
	out, _ := json.Marshal(page)
	return out
}

var breakages = []struct {
	name string
	// mustFail names a scenario that has to fail (others may fail too).
	mustFail string
	brk      breakage
	// masked: mustFail's message quotes the server's words, with the
	// secrets it echoed masked. Such a breakage touches every operation's
	// errors, so it runs against the whole feature set; the others run only
	// the feature file that holds mustFail (featureOf).
	masked bool
}{
	{"accepts an invalid body", "An invalid property is rejected with 400 (channelNumber above 26)",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if isCreate(r) && rec.Code == 400 {
				writeStatus(w, 200, nil, "")
				return
			}
			write(w, rec)
		}, false},
	{"skips the auth check", "A request without a valid token is rejected with 401 (no Authorization header)",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if rec.Code == 401 && (isCreate(r) || isList(r)) {
				rec = b.serve(b.as(r, "customer-a"), body)
			}
			write(w, rec)
		}, false},
	{"answers errors in non-JSON", "An invalid property is rejected with 400 (networkName of 17 bytes)",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if rec.Code >= 400 && r.URL.Path != contract.TokenPath {
				writeStatus(w, rec.Code, []byte("Bad things happened\n"), "text/plain")
				return
			}
			write(w, rec)
		}, false},
	{"drops a required response field", "A created network is returned with every field",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if isList(r) && rec.Code == 200 {
				writeStatus(w, 200, editList(rec, func(ns []map[string]any) []map[string]any {
					for _, n := range ns {
						delete(n, "networkKey")
					}
					return ns
				}), "application/json")
				return
			}
			write(w, rec)
		}, false},
	{"loops on nextToken", "Pages honour maxResults and list each network exactly once",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			if isList(r) {
				q := r.URL.Query()
				q.Del("nextToken")
				r = r.Clone(r.Context())
				r.URL.RawQuery = q.Encode()
			}
			write(w, b.serve(r, body))
		}, false},
	{"ignores maxResults", "Pages honour maxResults and list each network exactly once",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			if isList(r) {
				q := r.URL.Query()
				q.Del("maxResults")
				r = r.Clone(r.Context())
				r.URL.RawQuery = q.Encode()
			}
			write(w, b.serve(r, body))
		}, false},
	{"leaks another customer's networks", "Another customer listing the same extendedPanId sees nothing",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if !isList(r) || rec.Code != 200 {
				write(w, rec)
				return
			}
			seen := map[string]bool{}
			var merged []map[string]any
			for _, res := range []*httptest.ResponseRecorder{rec, b.serve(b.as(r, "customer-a"), nil), b.serve(b.as(r, "customer-b"), nil)} {
				editList(res, func(ns []map[string]any) []map[string]any {
					for _, n := range ns {
						k := n["extendedPanId"].(string) + "/" + n["networkName"].(string) + "/" + n["networkKey"].(string)
						if !seen[k] {
							seen[k] = true
							merged = append(merged, n)
						}
					}
					return ns
				})
			}
			writeStatus(w, 200, editList(rec, func([]map[string]any) []map[string]any {
				if merged == nil {
					return []map[string]any{}
				}
				return merged
			}), "application/json")
		}, false},
	{"answers 200 to a duplicate create", "Creating the same network twice is a conflict",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if isCreate(r) && rec.Code == 409 {
				writeStatus(w, 200, nil, "")
				return
			}
			write(w, rec)
		}, false},
	{"answers an undocumented 201 to a create", "A new network is created and can be read back",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if isCreate(r) && rec.Code == 200 {
				writeStatus(w, 201, nil, "")
				return
			}
			write(w, rec)
		}, false},
	{"drops token_type from token answers", "A refresh token is exchanged for a bearer access token",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if strings.EqualFold(r.URL.Path, contract.TokenPath) && rec.Code == 200 {
				var m map[string]any
				if json.Unmarshal(rec.Body.Bytes(), &m) == nil {
					delete(m, "token_type")
					out, _ := json.Marshal(m)
					writeStatus(w, 200, out, "application/json")
					return
				}
			}
			write(w, rec)
		}, false},
	{"skips the vendor check", "Another vendor may not read the skill's credentials",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if rec.Code == 403 && strings.HasPrefix(r.URL.Path, "/v1/skills/") {
				rec = b.serve(b.as(r, "vendor"), body)
			}
			write(w, rec)
		}, false},
	{"answers 404 to a query that matches nothing", "A query that matches nothing is an empty list, not an error",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if isList(r) && rec.Code == 200 && bytes.Contains(rec.Body.Bytes(), []byte(`"threadNetworks":[]`)) {
				writeStatus(w, 404, []byte(`{"code":"NOT_FOUND","message":"no such network"}`), "application/json")
				return
			}
			write(w, rec)
		}, false},
	{"echoes the Authorization header and the token form in its errors", "An invalid property is rejected with 400 (channelNumber above 26)",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			switch {
			case isCreate(r) && rec.Code == 400:
				msg, _ := json.Marshal(map[string]string{"code": "FORBIDDEN",
					"message": "caller " + r.Header.Get("Authorization") + " may not do that"})
				writeStatus(w, 403, msg, "application/json")
			case r.URL.Path == contract.TokenPath && rec.Code == 400:
				msg, _ := json.Marshal(map[string]string{"error": "invalid_client",
					"error_description": "rejected form " + string(body)})
				writeStatus(w, 401, msg, "application/json")
			default:
				write(w, rec)
			}
		}, true},
	{"lets a customer without the Thread scope in", "A customer token without the Thread scope is forbidden",
		func(b *brokenServer, w http.ResponseWriter, r *http.Request, body []byte) {
			rec := b.serve(r, body)
			if rec.Code == 403 && (isCreate(r) || isList(r)) {
				rec = b.serve(b.as(r, "customer-a"), body)
			}
			write(w, rec)
		}, false},
}

// featureOf returns a feature set holding only the feature file of the
// scenario named name: a breakage is caught by its own feature, and running
// the others against it proves nothing more (TestRealModeAgainstConformingServer
// runs them all in real mode).
func featureOf(t *testing.T, name string) fs.FS {
	t.Helper()
	all := features.FS()
	catalog, err := Catalog(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range catalog {
		if s.Name == name {
			data, err := fs.ReadFile(all, s.URI)
			if err != nil {
				t.Fatal(err)
			}
			return fstest.MapFS{s.URI: {Data: data}}
		}
	}
	t.Fatalf("no scenario is named %q", name)
	return nil
}

// startBroken serves the mock behind brk (nil: unbroken) on loopback.
func startBroken(t *testing.T, brk breakage) (*httptest.Server, *brokenServer) {
	t.Helper()
	m, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b := &brokenServer{mock: m, customer: map[string]string{
		"customer-a": token(t, m, contract.MockCustomerARefresh),
		"customer-b": token(t, m, contract.MockCustomerBRefresh),
		"vendor":     token(t, m, contract.MockVendorRefreshToken),
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAPI(r) {
			b.control.Add(1)
		}
		body := readBody(r)
		if brk == nil {
			write(w, b.serve(r, body))
			return
		}
		brk(b, w, r, body)
	}))
	t.Cleanup(srv.Close)
	return srv, b
}

// realOptions runs real mode against url with the mock's well-known
// identities, as a partner would with its own.
func realOptions(url string) Options {
	cfg := clients.MockConfig(url)
	return Options{Target: TargetReal, Clients: cfg, AllowWrites: true, Rate: -1, MaxRequests: -1,
		Concurrency: 8, Format: "none"}
}

// TestRealModeAgainstConformingServer: real mode passes against the mock
// itself (so every failure below comes from the one breakage), skips the
// mock-only scenarios with the reason, and never calls the control API.
func TestRealModeAgainstConformingServer(t *testing.T) {
	t.Parallel()
	srv, b := startBroken(t, nil)
	res := runWithArtifacts(t, realOptions(srv.URL))
	if !res.OK() {
		for _, f := range res.Failed() {
			t.Errorf("failed: %s: %s", f.Name, f.Failure)
		}
		t.Fatalf("real mode against the mock: %s", res.Verdict())
	}
	if n := b.control.Load(); n != 0 {
		t.Errorf("real mode sent %d requests to the control API", n)
	}
	p, _, s := res.Counts()
	if p == 0 || s == 0 {
		t.Errorf("passed %d, skipped %d: want both > 0", p, s)
	}
	for _, sc := range res.Skipped() {
		if sc.HasTag("@mock-only") != strings.HasPrefix(sc.Reason, "mock-only") {
			t.Errorf("%s skipped with reason %q (tags %v)", sc.Name, sc.Reason, sc.Tags)
		}
	}
}

// TestRealModeCatchesBrokenServer: real mode, pointed at a server that
// breaks the contract in one way, fails and names the scenario; nothing it
// writes (console, cucumber JSON, JUnit, failure messages) holds a secret,
// even when the server misbehaves.
func TestRealModeCatchesBrokenServer(t *testing.T) {
	t.Parallel()
	for _, tc := range breakages {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, b := startBroken(t, tc.brk)
			opt := realOptions(srv.URL)
			if !tc.masked {
				opt.FS = featureOf(t, tc.mustFail)
			}
			res := runWithArtifacts(t, opt)
			if res.OK() {
				t.Fatalf("the run passed against a server that %s", tc.name)
			}
			var failed []string
			for _, f := range res.Failed() {
				failed = append(failed, f.Name)
			}
			if !slices.Contains(failed, tc.mustFail) {
				t.Errorf("scenario %q did not fail; failed: %q", tc.mustFail, failed)
			}
			if tc.masked {
				for _, f := range res.Failed() {
					if f.Name == tc.mustFail && !strings.Contains(f.Failure, "may not do that") {
						t.Errorf("%q fails without the server's message: %s", f.Name, f.Failure)
					}
					if f.Name == tc.mustFail && !strings.Contains(f.Failure, redact.Mask) {
						t.Errorf("%q: the echoed token is not masked: %s", f.Name, f.Failure)
					}
				}
			}
			if !strings.Contains(res.Verdict(), tc.mustFail) {
				t.Errorf("the verdict does not name %q: %s", tc.mustFail, res.Verdict())
			}
			if n := b.control.Load(); n != 0 {
				t.Errorf("real mode sent %d requests to the control API", n)
			}
			t.Logf("%d scenarios failed, e.g. %q", len(failed), tc.mustFail)
		})
	}
}
