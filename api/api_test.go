package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/alexa-harness/harness/internal/contract"
)

const (
	lockerURL = "http://127.0.0.1:8080" + contract.ThreadNetworksPath
	validPut  = `{"threadNetwork":{"extendedPanId":"extended.pan.id.1","networkName":"MyThreadNetwork","networkKey":"network.key.1"}}`
)

var skillURL = "http://127.0.0.1:8080/v1/skills/" + contract.MockSkillID + "/credentials"

func TestDocumentIsValidOpenAPI(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(Document())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	realServer := map[string]string{
		contract.ThreadNetworksPath:        contract.LockerBaseURL,
		"/v1/skills/{skillId}/credentials": contract.SMAPIBaseURL,
		contract.TokenPath:                 contract.LWABaseURL,
	}
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		want, ok := realServer[path]
		if !ok {
			t.Errorf("unexpected path %s", path)
			continue
		}
		if len(item.Servers) == 0 || item.Servers[0].URL != want {
			t.Errorf("%s: first server should be %s", path, want)
		}
		for _, op := range item.Operations() {
			ops[op.OperationID] = op
		}
	}
	for name, statuses := range contract.Documented() {
		op := ops[name]
		if op == nil {
			t.Errorf("operation %s missing", name)
			continue
		}
		for _, st := range statuses {
			resp := op.Responses.Status(st)
			if resp == nil {
				t.Errorf("%s: status %d not documented", name, st)
				continue
			}
			if st >= 400 {
				mt := resp.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil {
					t.Errorf("%s %d: no JSON error schema", name, st)
					continue
				}
				req := mt.Schema.Value.Required
				if !slices.Contains(req, "message") && !slices.Contains(req, "error") {
					t.Errorf("%s %d: error schema requires neither message nor error", name, st)
				}
			}
			if st == 429 || st == 503 {
				if resp.Value.Headers["Retry-After"] == nil {
					t.Errorf("%s %d: no Retry-After header", name, st)
				}
			}
		}
	}
	if len(ops) != len(contract.Operations()) {
		t.Errorf("got %d operations, want %d", len(ops), len(contract.Operations()))
	}
	if !strings.Contains(string(Document()), "x-assumption") {
		t.Error("document carries no x-assumption notes")
	}
}

func TestDocumentReturnsCopy(t *testing.T) {
	d := Document()
	d[0] = 'X'
	if Document()[0] == 'X' {
		t.Fatal("Document returned the embedded slice itself")
	}
}

func TestValidateRequest(t *testing.T) {
	v := mustValidator(t)
	longSkill := strings.Repeat("s", 256)
	tests := []struct {
		name      string
		method    string
		url       string
		ct        string
		body      string
		wantField string // "" means valid
	}{
		// createThreadNetwork
		{"create valid", "PUT", lockerURL, "application/json", validPut, ""},
		{"create valid real host", "PUT", contract.LockerBaseURL + contract.ThreadNetworksPath, "application/json", validPut, ""},
		{"create valid no content type", "PUT", lockerURL, "", validPut, ""},
		{"create valid charset", "PUT", lockerURL, "application/json; charset=utf-8", validPut, ""},
		{"create valid all fields", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":"k","pskc":"p","panId":"1234","channelNumber":11,"defaultBorderAgentId":"b"}}`, ""},
		{"create unknown properties ignored", "PUT", lockerURL, "application/json", `{"extra":1,"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":"k","future":true}}`, ""},
		{"create name 16 bytes", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"0123456789abcdef","networkKey":"k"}}`, ""},
		{"create name 17 chars", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"0123456789abcdefg","networkKey":"k"}}`, "threadNetwork.networkName"},
		{"create name 9 chars 18 bytes", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"ééééééééé","networkKey":"k"}}`, "threadNetwork.networkName"},
		{"create empty name", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"","networkKey":"k"}}`, "threadNetwork.networkName"},
		{"create missing key", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"n"}}`, "threadNetwork.networkKey"},
		{"create missing extendedPanId", "PUT", lockerURL, "application/json", `{"threadNetwork":{"networkName":"n","networkKey":"k"}}`, "threadNetwork.extendedPanId"},
		{"create key wrong type", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":7}}`, "threadNetwork.networkKey"},
		{"create channel too low", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":"k","channelNumber":10}}`, "threadNetwork.channelNumber"},
		{"create channel too high", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":"k","channelNumber":27}}`, "threadNetwork.channelNumber"},
		{"create channel fractional", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":"k","channelNumber":15.5}}`, "threadNetwork.channelNumber"},
		{"create channel string", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":"k","channelNumber":"15"}}`, "threadNetwork.channelNumber"},
		{"create panId number", "PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":"k","panId":1234}}`, "threadNetwork.panId"},
		{"create missing threadNetwork", "PUT", lockerURL, "application/json", `{"network":{}}`, "threadNetwork"},
		{"create threadNetwork not object", "PUT", lockerURL, "application/json", `{"threadNetwork":"x"}`, "threadNetwork"},
		{"create body array", "PUT", lockerURL, "application/json", `[]`, "body"},
		{"create body null", "PUT", lockerURL, "application/json", `null`, "body"},
		{"create malformed JSON", "PUT", lockerURL, "application/json", `{"threadNetwork":`, "body"},
		{"create trailing garbage", "PUT", lockerURL, "application/json", validPut + `x`, "body"},
		{"create empty body", "PUT", lockerURL, "application/json", ``, "body"},
		{"create wrong content type", "PUT", lockerURL, "text/plain", validPut, "Content-Type"},
		// getThreadNetworks
		{"get valid", "GET", lockerURL + "?extendedPanId=extended.pan.id.1", "", "", ""},
		{"get valid real host", "GET", contract.LockerBaseURL + contract.ThreadNetworksPath + "?extendedPanId=x", "", "", ""},
		{"get valid all params", "GET", lockerURL + "?extendedPanId=x&networkName=n&maxResults=100&nextToken=t", "", "", ""},
		{"get unknown param ignored", "GET", lockerURL + "?extendedPanId=x&foo=bar", "", "", ""},
		{"get maxResults 1", "GET", lockerURL + "?extendedPanId=x&maxResults=1", "", "", ""},
		{"get missing extendedPanId", "GET", lockerURL, "", "", "extendedPanId"},
		{"get empty extendedPanId", "GET", lockerURL + "?extendedPanId=", "", "", "extendedPanId"},
		{"get maxResults 0", "GET", lockerURL + "?extendedPanId=x&maxResults=0", "", "", "maxResults"},
		{"get maxResults 101", "GET", lockerURL + "?extendedPanId=x&maxResults=101", "", "", "maxResults"},
		{"get maxResults not a number", "GET", lockerURL + "?extendedPanId=x&maxResults=ten", "", "", "maxResults"},
		{"get maxResults fractional", "GET", lockerURL + "?extendedPanId=x&maxResults=1.5", "", "", "maxResults"},
		{"get maxResults twice", "GET", lockerURL + "?extendedPanId=x&maxResults=1&maxResults=200", "", "", "maxResults"},
		{"get empty nextToken", "GET", lockerURL + "?extendedPanId=x&nextToken=", "", "", "nextToken"},
		{"get bad query escape", "GET", lockerURL + "?extendedPanId=%zz", "", "", "query"},
		// getSkillCredentials
		{"skill valid", "GET", skillURL, "", "", ""},
		{"skill valid real host", "GET", contract.SMAPIBaseURL + "/v1/skills/" + contract.MockSkillID + "/credentials", "", "", ""},
		{"skill 255 chars", "GET", "http://127.0.0.1:8080/v1/skills/" + longSkill[:255] + "/credentials", "", "", ""},
		{"skill 256 chars", "GET", "http://127.0.0.1:8080/v1/skills/" + longSkill + "/credentials", "", "", "skillId"},
		{"skill empty", "GET", "http://127.0.0.1:8080/v1/skills//credentials", "", "", "skillId"},
		// token
		{"token refresh", "POST", "http://127.0.0.1:8080/auth/o2/token", "application/x-www-form-urlencoded", "grant_type=refresh_token&client_id=c&client_secret=s&refresh_token=Atzr|harness-vendor", ""},
		{"token capital O", "POST", "http://127.0.0.1:8080/auth/O2/token", "application/x-www-form-urlencoded;charset=UTF-8", "grant_type=refresh_token&client_id=c&client_secret=s&refresh_token=r", ""},
		{"token real host", "POST", contract.LWABaseURL + "/auth/o2/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&client_id=c&client_secret=s&code=x&redirect_uri=https://example.com/cb", ""},
		{"token client credentials", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=client_credentials&client_id=c&client_secret=s&scope=alexa:skill_messaging", ""},
		{"token no client (left to the service: 401)", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=refresh_token&refresh_token=r", ""},
		{"token missing grant", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "client_id=c&client_secret=s&refresh_token=r", "grant_type"},
		{"token unsupported grant", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=password&client_id=c&client_secret=s", "grant_type"},
		{"token refresh without token", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=refresh_token&client_id=c&client_secret=s", "refresh_token"},
		{"token code without code", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=authorization_code&client_id=c&client_secret=s", "code"},
		{"token client credentials without scope", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=client_credentials&client_id=c&client_secret=s", "scope"},
		{"token empty client_id", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=refresh_token&client_id=&client_secret=s&refresh_token=r", "client_id"},
		{"token repeated parameter", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=refresh_token&grant_type=refresh_token&refresh_token=r", "grant_type"},
		{"token malformed form", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=refresh_token&refresh_token=%zz", "body"},
		{"token JSON body", "POST", "http://127.0.0.1:8080/auth/o2/token", "application/json", `{"grant_type":"refresh_token"}`, "Content-Type"},
		{"token empty body", "POST", "http://127.0.0.1:8080/auth/o2/token", "", "", "body"},
		// unknown routes
		{"unknown path", "GET", "http://127.0.0.1:8080/credentiallocker/v1/threadNetworks", "", "", "path"},
		{"unknown method", "DELETE", lockerURL, "", "", "path"},
		{"token via GET", "GET", "http://127.0.0.1:8080/auth/o2/token", "", "", "path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			rawQuery := r.URL.RawQuery
			err := v.ValidateRequest(context.Background(), r, []byte(tt.body))
			if r.URL.RawQuery != rawQuery {
				t.Errorf("ValidateRequest changed the query to %q", r.URL.RawQuery)
			}
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want *ValidationError for %s, got %v", tt.wantField, err)
			}
			if ve.Field != tt.wantField {
				t.Errorf("Field = %q, want %q (%v)", ve.Field, tt.wantField, err)
			}
			if ve.Reason == "" || !strings.Contains(err.Error(), ve.Reason) {
				t.Errorf("Reason %q missing from %q", ve.Reason, err.Error())
			}
			if (tt.wantField == "path") != errors.Is(err, ErrNoRoute) {
				t.Errorf("errors.Is(err, ErrNoRoute) = %v for field %s", errors.Is(err, ErrNoRoute), ve.Field)
			}
		})
	}
}

// TestValidateRequestNoAuthentication: the validator leaves authentication to
// the service (the mock answers 401 itself), and GETs need no Content-Type
// or Accept, as Amazon's SMAPI SDK sends none.
func TestValidateRequestNoAuthentication(t *testing.T) {
	v := mustValidator(t)
	for _, auth := range []string{"", "Bearer", "Basic abc", "Bearer Atza|x"} {
		r := httptest.NewRequest(http.MethodGet, skillURL, nil)
		r.Header = http.Header{} // no Content-Type, no Accept
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if err := v.ValidateRequest(context.Background(), r, nil); err != nil {
			t.Errorf("Authorization %q: %v", auth, err)
		}
	}
}

func TestValidateResponse(t *testing.T) {
	v := mustValidator(t)
	json := http.Header{"Content-Type": {"application/json"}}
	jsonCharset := http.Header{"Content-Type": {"application/json;charset=UTF-8"}}
	retry := func(ra string) http.Header {
		return http.Header{"Content-Type": {"application/json"}, "Retry-After": {ra}}
	}
	get := lockerURL + "?extendedPanId=x"
	tokenURL := "http://127.0.0.1:8080/auth/o2/token"
	tests := []struct {
		name      string
		method    string
		url       string
		status    int
		header    http.Header
		body      string
		wantField string
	}{
		{"create 200 empty", "PUT", lockerURL, 200, http.Header{}, "", ""},
		{"create 200 with body", "PUT", lockerURL, 200, json, `{"ok":true}`, "body"},
		{"create 409", "PUT", lockerURL, 409, json, `{"code":"THREAD_NETWORK_ALREADY_EXISTS","message":"exists"}`, ""},
		{"create 400 missing message", "PUT", lockerURL, 400, json, `{"code":"INVALID_REQUEST"}`, "message"},
		{"create 400 empty message", "PUT", lockerURL, 400, json, `{"code":"INVALID_REQUEST","message":""}`, "message"},
		{"create 400 lower-case code", "PUT", lockerURL, 400, json, `{"code":"invalid","message":"m"}`, "code"},
		{"create 400 non-JSON", "PUT", lockerURL, 400, http.Header{"Content-Type": {"text/plain"}}, `Bad Request`, "Content-Type"},
		{"create 400 JSON header, text body", "PUT", lockerURL, 400, json, `Bad Request`, "body"},
		{"create 400 empty body", "PUT", lockerURL, 400, json, ``, "body"},
		{"create 413", "PUT", lockerURL, 413, json, `{"code":"PAYLOAD_TOO_LARGE","message":"too large"}`, ""},
		{"create 418 undocumented", "PUT", lockerURL, 418, json, `{"code":"TEAPOT","message":"m"}`, "status"},
		{"create 429 with Retry-After", "PUT", lockerURL, 429, retry("2"), `{"code":"TOO_MANY_REQUESTS","message":"slow down"}`, ""},
		{"create 429 HTTP-date Retry-After", "PUT", lockerURL, 429, retry("Wed, 21 Oct 2015 07:28:00 GMT"), `{"code":"TOO_MANY_REQUESTS","message":"m"}`, ""},
		{"create 429 fractional Retry-After", "PUT", lockerURL, 429, retry("1.5"), `{"code":"TOO_MANY_REQUESTS","message":"m"}`, "Retry-After"},
		{"create 429 word Retry-After", "PUT", lockerURL, 429, retry("soon"), `{"code":"TOO_MANY_REQUESTS","message":"m"}`, "Retry-After"},
		{"create 503 negative Retry-After", "PUT", lockerURL, 503, retry("-1"), `{"code":"SERVICE_UNAVAILABLE","message":"m"}`, "Retry-After"},
		{"get 200", "GET", get, 200, jsonCharset, `{"threadNetworks":[{"extendedPanId":"e","networkName":"n","networkKey":"k","pskc":"p","panId":"1","channelNumber":15,"defaultBorderAgentId":"b"}],"nextToken":"t"}`, ""},
		{"get 200 empty", "GET", get, 200, json, `{"threadNetworks":[]}`, ""},
		{"get 200 unknown property", "GET", get, 200, json, `{"threadNetworks":[],"extra":1}`, ""},
		{"get 200 dropped threadNetworks", "GET", get, 200, json, `{"nextToken":"t"}`, "threadNetworks"},
		{"get 200 threadNetworks null", "GET", get, 200, json, `{"threadNetworks":null}`, "threadNetworks"},
		{"get 200 dropped networkKey", "GET", get, 200, json, `{"threadNetworks":[{"extendedPanId":"e","networkName":"n"}]}`, "threadNetworks[0].networkKey"},
		{"get 200 dropped extendedPanId", "GET", get, 200, json, `{"threadNetworks":[{"networkName":"n","networkKey":"k"}]}`, "threadNetworks[0].extendedPanId"},
		{"get 200 dropped networkName", "GET", get, 200, json, `{"threadNetworks":[{"extendedPanId":"e","networkKey":"k"}]}`, "threadNetworks[0].networkName"},
		{"get 200 channel as string", "GET", get, 200, json, `{"threadNetworks":[{"extendedPanId":"e","networkName":"n","networkKey":"k","channelNumber":"15"}]}`, "threadNetworks[0].channelNumber"},
		{"get 200 name over 16 bytes", "GET", get, 200, json, `{"threadNetworks":[{"extendedPanId":"e","networkName":"ééééééééé","networkKey":"k"}]}`, "threadNetworks[0].networkName"},
		{"get 200 no Content-Type", "GET", get, 200, http.Header{}, `{"threadNetworks":[]}`, "Content-Type"},
		{"get 401", "GET", get, 401, json, `{"code":"UNAUTHORIZED","message":"m"}`, ""},
		{"get 409 undocumented", "GET", get, 409, json, `{"code":"CONFLICT","message":"m"}`, "status"},
		{"skill 200", "GET", skillURL, 200, json, `{"skillMessagingCredentials":{"clientId":"id","clientSecret":"s"}}`, ""},
		{"skill 200 dropped clientSecret", "GET", skillURL, 200, json, `{"skillMessagingCredentials":{"clientId":"id"}}`, "skillMessagingCredentials.clientSecret"},
		{"skill 200 dropped clientId", "GET", skillURL, 200, json, `{"skillMessagingCredentials":{"clientSecret":"s"}}`, "skillMessagingCredentials.clientId"},
		{"skill 200 flat", "GET", skillURL, 200, json, `{"clientId":"id","clientSecret":"s"}`, "skillMessagingCredentials"},
		{"skill 400 violations", "GET", skillURL, 400, json, `{"message":"bad","violations":[{"code":"X","message":"y"}]}`, ""},
		{"skill 400 bad violations", "GET", skillURL, 400, json, `{"message":"bad","violations":[{"code":"X"}]}`, "violations[0].message"},
		{"skill 403 missing message", "GET", skillURL, 403, json, `{"error":"forbidden"}`, "message"},
		{"skill 503", "GET", skillURL, 503, retry("1"), `{"message":"unavailable"}`, ""},
		{"token 200", "POST", tokenURL, 200, json, `{"access_token":"Atza|a","refresh_token":"Atzr|r","token_type":"bearer","expires_in":3600}`, ""},
		{"token 200 dropped access_token", "POST", tokenURL, 200, json, `{"token_type":"bearer","expires_in":3600}`, "access_token"},
		{"token 200 dropped token_type", "POST", tokenURL, 200, json, `{"access_token":"a","expires_in":3600}`, "token_type"},
		{"token 200 dropped expires_in", "POST", tokenURL, 200, json, `{"access_token":"a","token_type":"bearer"}`, "expires_in"},
		{"token 200 expires_in string", "POST", tokenURL, 200, json, `{"access_token":"a","token_type":"bearer","expires_in":"3600"}`, "expires_in"},
		{"token 400", "POST", "http://127.0.0.1:8080/auth/O2/token", 400, json, `{"error":"invalid_grant","error_description":"d"}`, ""},
		{"token 400 unknown error", "POST", tokenURL, 400, json, `{"error":"nope","error_description":"d"}`, "error"},
		{"token 401 message shape", "POST", tokenURL, 401, json, `{"message":"m"}`, "error"},
		{"token 503 lwa shape", "POST", tokenURL, 503, retry("1"), `{"error":"temporarily_unavailable"}`, ""},
		{"unknown route 404", "GET", "http://127.0.0.1:8080/nope", 404, json, `{"code":"NOT_FOUND","message":"not found"}`, ""},
		{"unknown route 404 text", "GET", "http://127.0.0.1:8080/nope", 404, http.Header{"Content-Type": {"text/plain"}}, `404 page not found`, "Content-Type"},
		{"unknown route 200", "GET", "http://127.0.0.1:8080/nope", 200, json, `{}`, "path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			err := v.ValidateResponse(context.Background(), r, tt.status, tt.header, []byte(tt.body))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want *ValidationError for %s, got %v", tt.wantField, err)
			}
			if ve.Field != tt.wantField {
				t.Errorf("Field = %q, want %q (%v)", ve.Field, tt.wantField, err)
			}
		})
	}
}

func TestOperationOf(t *testing.T) {
	tests := []struct {
		method, path string
		want         string
		ok           bool
	}{
		{"PUT", "/credentiallocker/v2/threadNetworks", contract.OpCreateThreadNetwork, true},
		{"GET", "/credentiallocker/v2/threadNetworks", contract.OpGetThreadNetworks, true},
		{"GET", "/credentiallocker/v2/threadNetworks?extendedPanId=x", contract.OpGetThreadNetworks, true},
		{"POST", "/credentiallocker/v2/threadNetworks", "", false},
		{"GET", "/credentiallocker/v2/threadnetworks", "", false},
		{"GET", "/credentiallocker/v2/threadNetworks/", "", false},
		{"GET", "/credentiallocker/v1/threadNetworks", "", false},
		{"GET", "/v1/skills/" + contract.MockSkillID + "/credentials", contract.OpGetSkillCredentials, true},
		{"GET", "/v1/skills//credentials", contract.OpGetSkillCredentials, true},
		{"PUT", "/v1/skills/x/credentials", "", false},
		{"GET", "/v1/skills/a/b/credentials", "", false},
		{"GET", "/v1/skills/credentials", "", false},
		{"GET", "/v1/skills/x", "", false},
		{"POST", "/auth/o2/token", contract.OpToken, true},
		{"POST", "/auth/O2/token", contract.OpToken, true},
		{"POST", "/AUTH/O2/TOKEN", contract.OpToken, true},
		{"GET", "/auth/o2/token", "", false},
		{"POST", "/auth/o2/tokens", "", false},
		{"GET", "/__harness/health", "", false},
		{"GET", "/", "", false},
		{"GET", "", "", false},
	}
	for _, tt := range tests {
		got, ok := OperationOf(tt.method, tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("OperationOf(%s, %q) = %q, %v; want %q, %v", tt.method, tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

// TestErrorsNeverContainSecrets feeds secrets in every position a request or
// response can carry them, with something else wrong, and searches the error.
func TestErrorsNeverContainSecrets(t *testing.T) {
	v := mustValidator(t)
	secrets := []string{
		"S3cr3tNetworkKey00112233445566", "S3cr3tPskc", "Atzr|S3cr3tRefresh", "Atza|S3cr3tAccess",
		"S3cr3tClientSecret", "S3cr3tCode", contract.MockLWAClientSecret, contract.MockSkillClientSecret,
	}
	json := http.Header{"Content-Type": {"application/json"}}
	type check struct {
		name string
		err  error
	}
	var checks []check
	req := func(method, url, ct, body string) error {
		r := httptest.NewRequest(method, url, nil)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		r.Header.Set("Authorization", "Bearer Atza|S3cr3tAccess")
		return v.ValidateRequest(context.Background(), r, []byte(body))
	}
	resp := func(method, url string, status int, body string) error {
		r := httptest.NewRequest(method, url, nil)
		return v.ValidateResponse(context.Background(), r, status, json, []byte(body))
	}
	for i, s := range secrets {
		n := strconv.Itoa(i)
		checks = append(checks,
			check{"key, missing extendedPanId " + n, req("PUT", lockerURL, "application/json", `{"threadNetwork":{"networkName":"n","networkKey":"`+s+`","pskc":"`+s+`"}}`)},
			check{"key as name too long " + n, req("PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"e","networkName":"`+s+s+`","networkKey":"`+s+`"}}`)},
			check{"key wrong type " + n, req("PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"e","networkName":"n","networkKey":["`+s+`"]}}`)},
			check{"pskc wrong type " + n, req("PUT", lockerURL, "application/json", `{"threadNetwork":{"extendedPanId":"e","networkName":"n","networkKey":"k","pskc":{"v":"`+s+`"}}}`)},
			check{"malformed JSON " + n, req("PUT", lockerURL, "application/json", `{"threadNetwork":{"networkKey":"`+s+`"`)},
			check{"malformed JSON at secret " + n, req("PUT", lockerURL, "application/json", `{"threadNetwork":`+s+`}`)},
			check{"nextToken with bad maxResults " + n, req("GET", lockerURL+"?extendedPanId=x&nextToken="+s+"&maxResults="+s, "", "")},
			check{"secret in maxResults " + n, req("GET", lockerURL+"?extendedPanId=x&maxResults="+s, "", "")},
			check{"secret in grant_type " + n, req("POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type="+s+"&client_secret="+s)},
			check{"refresh token, no grant " + n, req("POST", "http://127.0.0.1:8080/auth/o2/token", "", "client_id=c&client_secret="+s+"&refresh_token="+s)},
			check{"refresh token, repeated " + n, req("POST", "http://127.0.0.1:8080/auth/o2/token", "", "grant_type=refresh_token&refresh_token="+s+"&refresh_token="+s)},
			check{"malformed form " + n, req("POST", "http://127.0.0.1:8080/auth/o2/token", "", "refresh_token="+s+"%zz")},
			check{"response key, name missing " + n, resp("GET", lockerURL+"?extendedPanId=x", 200, `{"threadNetworks":[{"extendedPanId":"e","networkKey":"`+s+`","pskc":"`+s+`"}]}`)},
			check{"response key wrong type " + n, resp("GET", lockerURL+"?extendedPanId=x", 200, `{"threadNetworks":[{"extendedPanId":"e","networkName":"`+s+`","networkKey":{"k":"`+s+`"}}]}`)},
			check{"response secret, id missing " + n, resp("GET", skillURL, 200, `{"skillMessagingCredentials":{"clientSecret":"`+s+`"}}`)},
			check{"response token, type missing " + n, resp("POST", "http://127.0.0.1:8080/auth/o2/token", 200, `{"access_token":"`+s+`","refresh_token":"`+s+`","expires_in":3600}`)},
			check{"response token wrong token_type " + n, resp("POST", "http://127.0.0.1:8080/auth/o2/token", 200, `{"access_token":"`+s+`","token_type":"`+s+`","expires_in":3600}`)},
			check{"response not JSON " + n, resp("POST", "http://127.0.0.1:8080/auth/o2/token", 200, `access_token=`+s)},
			check{"response error code " + n, resp("PUT", lockerURL, 400, `{"code":"`+s+`","message":"`+s+`x"}`)},
		)
	}
	for _, c := range checks {
		if c.err == nil {
			t.Errorf("%s: want an error", c.name)
			continue
		}
		msg := c.err.Error()
		for _, s := range append(secrets, "S3cr3t") {
			if strings.Contains(msg, s) {
				t.Errorf("%s: error %q contains a secret", c.name, msg)
			}
		}
	}
}

// TestValidatorConcurrent runs validations from many goroutines; with -race it
// proves the validator is safe for concurrent use.
func TestValidatorConcurrent(t *testing.T) {
	v := mustValidator(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				r := httptest.NewRequest("PUT", lockerURL, nil)
				if err := v.ValidateRequest(context.Background(), r, []byte(validPut)); err != nil {
					errs <- err
					return
				}
				r = httptest.NewRequest("GET", lockerURL+"?extendedPanId=x&maxResults=0", nil)
				if err := v.ValidateRequest(context.Background(), r, nil); err == nil {
					errs <- errors.New("maxResults=0 accepted")
					return
				}
				if err := v.ValidateResponse(context.Background(), r, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"threadNetworks":[]}`)); err != nil {
					errs <- err
					return
				}
				h := http.Header{"Content-Type": {"application/json"}, "Retry-After": {"1"}}
				if err := v.ValidateResponse(context.Background(), r, 429, h, []byte(`{"code":"TOO_MANY_REQUESTS","message":"m"}`)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
