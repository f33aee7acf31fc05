package mock

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// goTypeWords are Go's words that a control-API error must not show.
var goTypeWords = regexp.MustCompile(`Go struct field|Go value|mockcontrol\.|\bof type (u?int|string|float|bool|\*)|json: `)

// TestControlBodies: every control endpoint that reads a body decodes it
// the one way (decodeControl), over a real socket: exactly one JSON
// object, no unknown field, each value of its JSON type; the 400 names the
// JSON field and the expected type in the user's terms, and nothing is
// installed.
func TestControlBodies(t *testing.T) {
	t.Parallel()
	e := start(t, Config{})
	ctx := context.Background()
	refresh := contract.MockVendorRefreshToken
	tests := []struct {
		name, method, path, body string
		want                     []string
	}{
		{"fault with trailing object", http.MethodPost, "faults", `{"operation":"*","status":500}{"x":1}`, []string{"more data after the JSON object", "byte 30", "exactly one JSON object"}},
		{"fault with trailing garbage", http.MethodPost, "faults", `{"operation":"*","status":500} x`, []string{"more data after the JSON object"}},
		{"fault with a trailing array", http.MethodPost, "faults", "{\"operation\":\"*\",\"status\":500}\n[]", []string{"more data after the JSON object"}},
		{"ratelimit with trailing data", http.MethodPut, "ratelimit", `{"operation":"*","rate":1}{}`, []string{"more data after the JSON object"}},
		{"tokens with trailing data", http.MethodPost, "tokens", `{"refreshToken":"` + refresh + `"}1`, []string{"more data after the JSON object"}},
		{"revoke with trailing data", http.MethodPost, "revoke", `{"refreshToken":"` + refresh + `"}{}`, []string{"more data after the JSON object"}},
		{"expiresIn of the wrong type", http.MethodPost, "tokens", `{"refreshToken":"` + refresh + `","expiresIn":"60"}`, []string{"expiresIn: must be a whole number, not a JSON string"}},
		{"expiresIn not whole", http.MethodPost, "tokens", `{"refreshToken":"` + refresh + `","expiresIn":1.5}`, []string{"expiresIn: must be a whole number, not a JSON number"}},
		{"status of the wrong type", http.MethodPost, "faults", `{"operation":"*","status":"500"}`, []string{"status: must be a whole number, not a JSON string"}},
		{"operation of the wrong type", http.MethodPost, "faults", `{"operation":5,"status":500}`, []string{"operation: must be a string, not a JSON number"}},
		{"reset of the wrong type", http.MethodPost, "faults", `{"operation":"*","reset":"yes"}`, []string{"reset: must be true or false, not a JSON string"}},
		{"a list, not an object", http.MethodPost, "faults", `[1]`, []string{"must be a JSON object, not a JSON array"}},
		{"empty body", http.MethodPost, "faults", ``, []string{"the body is empty"}},
		{"null", http.MethodPost, "revoke", ` null `, []string{"must be a JSON object, not null"}},
		{"cut short", http.MethodPost, "faults", `{"operation":"*"`, []string{"cut short"}},
		{"malformed", http.MethodPut, "ratelimit", `{"operation" "*"}`, []string{"malformed JSON at byte"}},
		{"unknown field", http.MethodPost, "revoke", `{"refreshToken":"` + refresh + `","colour":1}`, []string{`unknown field "colour"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, "/__harness/"+tt.path, "", []byte(tt.body))
			msg, _ := r.json(t)["message"].(string)
			if r.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400: %s", r.status, r.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if goTypeWords.MatchString(msg) {
				t.Errorf("message %q shows Go's words", msg)
			}
		})
	}
	// nothing was installed or revoked by a refused body
	faults, err := e.ctl.Faults(ctx)
	if err != nil || len(faults) != 0 {
		t.Errorf("faults after refused bodies: %v %+v", err, faults)
	}
	if r := e.do(http.MethodGet, "/__harness/ratelimit", "", nil); strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("rate limits after refused bodies: %d %s", r.status, r.body)
	}
	// the same bodies without the trailing data are accepted
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "faults", `{"operation":"*","status":500}` + "\n"},
		{http.MethodPut, "ratelimit", ` {"operation":"*","rate":1} `},
		{http.MethodPost, "tokens", `{"refreshToken":"` + refresh + `","expiresIn":60}`},
	} {
		if r := e.do(c.method, "/__harness/"+c.path, "", []byte(c.body)); r.status/100 != 2 {
			t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, r.status, r.body)
		}
	}
}

// FuzzControlBody: decodeControlBody never panics, accepts only a body
// that is exactly one valid JSON object, and words every refusal in the
// user's terms (no Go type names).
func FuzzControlBody(f *testing.F) {
	for _, s := range []string{`{"operation":"*","status":500}`, `{"operation":"*","status":500}{"x":1}`, `{"expiresIn":"1"}`, `[]`, ``, ` {} `, `{"rate":1e400}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, v := range []any{&mockcontrol.Fault{}, &mockcontrol.RateLimit{}, &mockcontrol.MintRequest{}, &mockcontrol.RevokeRequest{}} {
			err := decodeControlBody(raw, v)
			if err == nil {
				var obj map[string]json.RawMessage
				if json.Unmarshal(raw, &obj) != nil || obj == nil {
					t.Fatalf("accepted %q, which is not one JSON object", raw)
				}
				continue
			}
			if goTypeWords.MatchString(err.Error()) {
				t.Fatalf("%q: error %q shows Go's words", raw, err)
			}
		}
	})
}
