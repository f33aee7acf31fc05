package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alexa-harness/harness/internal/contract"
)

// The fuzz targets drive the handler in process (no socket, so that each
// input costs microseconds) with arbitrary input and check that it never
// panics, always answers a documented status with a JSON body that
// api/openapi.yaml accepts, and agrees with the OpenAPI validator: a request
// the validator rejects gets 400. CI runs the seed corpus (testdata/fuzz and
// the f.Add seeds) as ordinary tests; `go test -fuzz FuzzGetQuery
// ./internal/mock` explores further.

// fuzzServer is a server and tokens for the fuzz targets.
type fuzzServer struct {
	s        *Server
	customer string
	vendor   string
}

func newFuzzServer(f *testing.F) *fuzzServer {
	f.Helper()
	s, err := New(Config{JournalSize: 16})
	if err != nil {
		f.Fatal(err)
	}
	fs := &fuzzServer{s: s}
	fs.customer = fs.token(f, contract.MockCustomerARefresh)
	fs.vendor = fs.token(f, contract.MockVendorRefreshToken)
	return fs
}

func (fs *fuzzServer) token(f *testing.F, refresh string) string {
	rec := fs.serve(http.MethodPost, contract.TokenPath, "", "", form("grant_type", "refresh_token",
		"client_id", contract.MockLWAClientID, "client_secret", contract.MockLWAClientSecret, "refresh_token", refresh), "application/x-www-form-urlencoded")
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || m["access_token"] == nil {
		f.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	return m["access_token"].(string)
}

// serve runs one request through the handler. path is used as is (it may
// hold anything), rawQuery too.
func (fs *fuzzServer) serve(method, path, rawQuery, token string, body []byte, contentType string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Method = method
	r.URL = &url.URL{Path: path, RawQuery: rawQuery}
	r.RequestURI = r.URL.RequestURI()
	if body != nil {
		r.Body = ioNopCloser(body)
		r.ContentLength = int64(len(body))
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	fs.s.ServeHTTP(rec, r)
	return rec
}

// check asserts the invariants every answer must hold.
func (fs *fuzzServer) check(t *testing.T, op string, rec *httptest.ResponseRecorder, method, path, rawQuery string) {
	t.Helper()
	allowed := append(slices.Clone(contract.Documented()[op]), http.StatusRequestEntityTooLarge)
	if !slices.Contains(allowed, rec.Code) {
		t.Fatalf("%s: status %d not in %v: %s", op, rec.Code, allowed, rec.Body)
	}
	body := rec.Body.Bytes()
	if !(op == contract.OpCreateThreadNetwork && rec.Code == 200) {
		if !json.Valid(body) {
			t.Fatalf("%s %d: body is not JSON: %q", op, rec.Code, body)
		}
	}
	req := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}}
	if err := validator(t).ValidateResponse(context.Background(), req, rec.Code, rec.Header(), body); err != nil {
		t.Fatalf("%s %d: answer breaks the contract: %v: %s", op, rec.Code, err, body)
	}
}

func ioNopCloser(b []byte) *nopCloser { return &nopCloser{bytes.NewReader(b)} }

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func FuzzGetQuery(f *testing.F) {
	for _, q := range []string{
		"extendedPanId=p", "extendedPanId=p&networkName=n&maxResults=10", "", "maxResults=5",
		"extendedPanId=p&maxResults=0", "extendedPanId=p&maxResults=1e1", "extendedPanId=p&maxResults=010",
		"extendedPanId=p&extendedPanId=q", "extendedPanId=%zz", "extendedPanId=a;b", "extendedPanId=p&nextToken=",
		"extendedPanId=p+q&networkName=%C3%A9", "extendedPanId=p&maxResults=+5", "extendedPanId=&maxResults=3",
		"extendedPanId=p&nextToken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		f.Add(q)
	}
	fs := newFuzzServer(f)
	v := validator(f)
	f.Fuzz(func(t *testing.T, q string) {
		rec := fs.serve(http.MethodGet, contract.ThreadNetworksPath, q, fs.customer, nil, "")
		fs.check(t, contract.OpGetThreadNetworks, rec, http.MethodGet, contract.ThreadNetworksPath, q)
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: contract.ThreadNetworksPath, RawQuery: q}, Header: http.Header{}}
		verr := v.ValidateRequest(context.Background(), req, nil)
		switch {
		case verr != nil && rec.Code != 400:
			t.Fatalf("validator rejects %q (%v) but the mock answered %d", q, verr, rec.Code)
		case verr == nil && rec.Code == 400 && !strings.Contains(rec.Body.String(), "nextToken"):
			t.Fatalf("validator accepts %q but the mock answered 400: %s", q, rec.Body)
		case verr == nil && rec.Code != 400 && rec.Code != 200:
			t.Fatalf("query %q: status %d", q, rec.Code)
		}
	})
}

func FuzzCreateBody(f *testing.F) {
	for _, b := range []string{
		`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"k"}}`,
		`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"k","channelNumber":16.0,"pskc":"s","panId":"1","defaultBorderAgentId":"b"}}`,
		`{"threadNetwork":{"extendedPanId":"p","networkName":"ééééééééé","networkKey":"k"}}`,
		`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"k","channelNumber":"16"}}`,
		`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"k","channelNumber":null}}`,
		`{"threadNetwork":{"extendedPanId":"p","networkName":"n","networkKey":"k","pskc":null}}`,
		`{"threadNetwork":null}`, `[]`, `null`, `"x"`, `{`, ``, `{"threadNetwork":{}} trailing`,
		"{\"threadNetwork\":{\"extendedPanId\":\"p\",\"networkName\":\"\xff\xfe\",\"networkKey\":\"k\"}}",
	} {
		f.Add([]byte(b))
	}
	fs := newFuzzServer(f)
	v := validator(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fs.serve(http.MethodPut, contract.ThreadNetworksPath, "", fs.customer, body, "application/json")
		fs.check(t, contract.OpCreateThreadNetwork, rec, http.MethodPut, contract.ThreadNetworksPath, "")
		req := &http.Request{Method: http.MethodPut, URL: &url.URL{Path: contract.ThreadNetworksPath}, Header: http.Header{"Content-Type": {"application/json"}}}
		verr := v.ValidateRequest(context.Background(), req, body)
		switch {
		case verr != nil && rec.Code != 400:
			t.Fatalf("validator rejects %q (%v) but the mock answered %d", body, verr, rec.Code)
		case verr == nil && rec.Code != 200 && rec.Code != 409 && !(rec.Code == 400 && !utf8.Valid(body)):
			t.Fatalf("validator accepts %q but the mock answered %d: %s", body, rec.Code, rec.Body)
		}
		if rec.Code == 200 {
			fs.s.Reset() // keep the store small and 409s rare
		}
	})
}

func FuzzTokenForm(f *testing.F) {
	c := "&client_id=" + contract.MockLWAClientID + "&client_secret=" + contract.MockLWAClientSecret
	for _, b := range []string{
		"grant_type=refresh_token&refresh_token=Atzr|harness-vendor" + c,
		"grant_type=refresh_token&refresh_token=Atzr%7Charness-customer-a" + c,
		"grant_type=authorization_code&code=" + CodeVendorA + c,
		"grant_type=client_credentials&scope=alexa::skill_messaging" + c,
		"grant_type=client_credentials" + c, "grant_type=password" + c, "grant_type=refresh_token" + c,
		"grant_type=refresh_token&grant_type=refresh_token" + c, "", "%", "a=b;c=d", "grant_type=refresh_token&refresh_token=x",
	} {
		f.Add(b, "/auth/O2/token")
	}
	f.Add("grant_type=refresh_token", "/auth/o2/token")
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body, path string) {
		if !strings.EqualFold(path, contract.TokenPath) {
			path = contract.TokenPath
		}
		rec := fs.serve(http.MethodPost, path, "", "", []byte(body), "")
		fs.check(t, contract.OpToken, rec, http.MethodPost, path, "")
		if rec.Code == 200 {
			var m map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &m)
			tok, _ := m["access_token"].(string)
			if r := fs.serve(http.MethodGet, contract.ThreadNetworksPath, "extendedPanId=p", tok, nil, ""); r.Code != 200 && r.Code != 403 {
				t.Fatalf("token from %q does not authenticate: %d %s", body, r.Code, r.Body)
			}
		}
	})
}

// FuzzRequest sends an arbitrary method, path and query: no panic, a JSON
// body, and 404 for anything that is not an operation.
func FuzzRequest(f *testing.F) {
	for _, s := range [][3]string{
		{"GET", "/v1/skills/" + contract.MockSkillID + "/credentials", ""},
		{"GET", "/v1/skills//credentials", ""}, {"GET", "/v1/skills/a/b/credentials", ""},
		{"DELETE", contract.ThreadNetworksPath, ""}, {"PATCH", "/auth/o2/token", ""}, {"GET", "/", "x=1"},
		{"GET", "/credentiallocker/v1/threadNetworks", "extendedPanId=p"}, {"OPTIONS", "*", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, method, path, q string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n") || strings.HasPrefix(path, "/__harness") || path == "/metrics" {
			return
		}
		rec := fs.serve(method, path, q, fs.vendor, nil, "")
		if !json.Valid(rec.Body.Bytes()) && !(rec.Code == 200 && rec.Body.Len() == 0) {
			t.Fatalf("%s %s?%s: %d non-JSON body %q", method, path, q, rec.Code, rec.Body)
		}
		if rec.Code == 0 || rec.Code >= 600 {
			t.Fatalf("status %d", rec.Code)
		}
	})
}
