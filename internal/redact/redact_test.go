package redact_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/redact"
)

func TestSecretNeverPrintsInClear(t *testing.T) {
	const clear = "harness-skill1-secret"
	s := redact.Secret(clear)
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "secret", s)
	js, err := json.Marshal(struct{ S redact.Secret }{s})
	if err != nil {
		t.Fatal(err)
	}
	txt, err := s.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		out  string
	}{
		{"%v", fmt.Sprintf("%v", s)},
		{"%s", fmt.Sprintf("%s", s)}, //lint:ignore S1025 the %s verb is what is under test
		{"%+v struct", fmt.Sprintf("%+v", struct{ S redact.Secret }{s})},
		{"%#v", fmt.Sprintf("%#v", s)},
		{"%q", fmt.Sprintf("%q", s)},
		{"slog", logBuf.String()},
		{"json", string(js)},
		{"text", string(txt)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if strings.Contains(c.out, clear) {
				t.Fatalf("%s shows the secret in clear: %s", c.name, c.out)
			}
			if !strings.Contains(c.out, redact.String(clear)) {
				t.Fatalf("%s does not show the redaction %q: %s", c.name, redact.String(clear), c.out)
			}
		})
	}
	if s.Reveal() != clear {
		t.Fatalf("Reveal() = %q, want the clear text", s.Reveal())
	}
}

func TestString(t *testing.T) {
	cases := []struct {
		in       string
		wantSame string // another input that must give the same redaction ("" = none)
		wantDiff string // another input that must give a different redaction
	}{
		{in: "", wantDiff: "a"},
		{in: "Atzr|harness-customer-a", wantSame: "Atzr|harness-customer-a", wantDiff: "Atzr|harness-customer-b"},
		{in: "network.key.1", wantDiff: "network.key.2"},
	}
	for _, c := range cases {
		got := redact.String(c.in)
		if c.in == "" {
			if got != "" {
				t.Errorf("String(\"\") = %q, want empty", got)
			}
		} else {
			if !strings.HasPrefix(got, redact.Mask) || len(got) != len(redact.Mask)+4 {
				t.Errorf("String(%q) = %q, want %s followed by 4 hex digits", c.in, got, redact.Mask)
			}
			if strings.Contains(got, c.in) {
				t.Errorf("String(%q) contains its input", c.in)
			}
		}
		if c.wantSame != "" && redact.String(c.wantSame) != got {
			t.Errorf("String is not stable for %q", c.in)
		}
		if c.wantDiff != "" && redact.String(c.wantDiff) == got {
			t.Errorf("String(%q) == String(%q)", c.in, c.wantDiff)
		}
	}
}

func TestClientID(t *testing.T) {
	cases := []struct {
		token string
		want  string // exact value, or "" to check only the shape
	}{
		{"", "anonymous"},
		{"Atza|token-1", ""},
		{"Atza|token-2", ""},
	}
	seen := map[string]string{}
	for _, c := range cases {
		got := redact.ClientID(c.token)
		if c.want != "" && got != c.want {
			t.Errorf("ClientID(%q) = %q, want %q", c.token, got, c.want)
			continue
		}
		if c.want == "" {
			if !strings.HasPrefix(got, "client-") || len(got) != len("client-")+8 || strings.Contains(got, c.token) {
				t.Errorf("ClientID(%q) = %q, want client- and 8 hex digits", c.token, got)
			}
			if got != redact.ClientID(c.token) {
				t.Errorf("ClientID(%q) is not stable", c.token)
			}
		}
		if prev, ok := seen[got]; ok {
			t.Errorf("ClientID(%q) == ClientID(%q)", c.token, prev)
		}
		seen[got] = c.token
	}
}

func ExampleSecret() {
	key := redact.Secret("network.key.1")
	fmt.Println(key)          // what logs and reports show
	fmt.Println(key.Reveal()) // only where the value goes on the wire
	// Output:
	// ****8051
	// network.key.1
}

func TestScrub(t *testing.T) {
	const (
		access  = "Atza|IwEBIAccess-Token_123"
		refresh = "Atzr|IwEBIRefresh-Token_456"
		secret  = "amzn1.oa2-cs.v1.client-secret-789"
		short   = "tok"
	)
	cases := []struct {
		name   string
		in     string
		known  []string
		want   string   // exact result, when not empty
		absent []string // must not appear
		keep   []string // must still appear
	}{
		{name: "empty", in: "", want: ""},
		{name: "nothing to do", in: "bad request: extendedPanId missing", want: "bad request: extendedPanId missing"},
		{name: "known secret", in: "bad secret " + secret, known: []string{secret}, want: "bad secret " + redact.String(secret)},
		{name: "known secret twice", in: secret + "/" + secret, known: []string{secret},
			want: redact.String(secret) + "/" + redact.String(secret)},
		{name: "empty known ignored", in: "abc", known: []string{""}, want: "abc"},
		{name: "access token by pattern", in: "bad token " + access, want: "bad token " + redact.String(access)},
		{name: "refresh token by pattern", in: `invalid refresh_token "` + refresh + `"`, want: `invalid refresh_token "` + redact.String(refresh) + `"`},
		{name: "pattern stops at whitespace", in: "token Atza|abc def", want: "token " + redact.String("Atza|abc") + " def"},
		{name: "pattern stops at quote", in: `{"t":"Atzr|xyz"}`, want: `{"t":"` + redact.String("Atzr|xyz") + `"}`},
		{name: "percent-encoded bar", in: "refresh_token=Atzr%7Cxyz&x=1", want: "refresh_token=" + redact.String("Atzr%7Cxyz") + "&x=1"},
		{name: "known token not by pattern", in: "Bearer " + access, known: []string{access}, want: "Bearer " + redact.String(access)},
		{name: "non-LWA known bearer", in: "bearer " + short + " rejected", known: []string{short}, absent: []string{short}},
		{name: "longest first", in: "x " + secret + "-extra", known: []string{secret, secret + "-extra"},
			want: "x " + redact.String(secret+"-extra")},
		{name: "several", in: access + " " + refresh + " " + secret, known: []string{secret},
			absent: []string{access, refresh, secret, "IwEBI"}, keep: []string{redact.Mask}},
		{name: "short known alone", in: "bad token t.", known: []string{"t"}, want: "bad token " + redact.String("t") + "."},
		{name: "short known inside a word kept", in: "text/html", known: []string{"t"}, want: "text/html"},
		{name: "short known at both ends", in: "tok tok", known: []string{"tok"}, want: redact.String("tok") + " " + redact.String("tok")},
		{name: "bare prefix kept", in: "token must start with Atza|", want: "token must start with Atza|"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redact.Scrub(c.in, c.known...)
			if c.want != "" || c.in == "" {
				if got != c.want {
					t.Errorf("Scrub(%q) = %q, want %q", c.in, got, c.want)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(got, a) {
					t.Errorf("Scrub(%q) = %q still holds %q", c.in, got, a)
				}
			}
			for _, k := range c.keep {
				if !strings.Contains(got, k) {
					t.Errorf("Scrub(%q) = %q lacks %q", c.in, got, k)
				}
			}
			if again := redact.Scrub(got); again != got {
				t.Errorf("pattern pass not stable: %q then %q", got, again)
			}
		})
	}
}

func TestGrantCredential(t *testing.T) {
	for _, tc := range []struct {
		grantType, refresh, code, want string
	}{
		{"refresh_token", "Atzr|r", "c", "Atzr|r"},
		{"authorization_code", "Atzr|r", "c", "c"},
		{"client_credentials", "Atzr|r", "c", ""},
		{"", "Atzr|r", "c", ""},
		{"REFRESH_TOKEN", "Atzr|r", "c", ""}, // grant types are case-sensitive (RFC 6749)
	} {
		if got := redact.GrantCredential(tc.grantType, tc.refresh, tc.code); got != tc.want {
			t.Errorf("GrantCredential(%q) = %q, want %q", tc.grantType, got, tc.want)
		}
	}
}

func TestScrubError(t *testing.T) {
	base := errors.New("upstream said Atzr|leaked-token-123 and secret-xyz")
	for _, tc := range []struct {
		name    string
		err     error
		known   []string
		same    bool
		notHave []string
	}{
		{"nil", nil, nil, true, nil},
		{"clean", errors.New("connection refused"), []string{"secret-xyz"}, true, nil},
		{"known and LWA token", base, []string{"secret-xyz"}, false, []string{"Atzr|leaked-token-123", "secret-xyz"}},
		{"wrapped", fmt.Errorf("call: %w", base), nil, false, []string{"Atzr|leaked-token-123"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := redact.ScrubError(tc.err, tc.known...)
			if tc.same {
				if got != tc.err {
					t.Fatalf("ScrubError = %v, want the error itself", got)
				}
				return
			}
			for _, s := range tc.notHave {
				if strings.Contains(got.Error(), s) {
					t.Errorf("ScrubError text %q still holds %q", got, s)
				}
			}
			if !errors.Is(got, base) {
				t.Errorf("ScrubError(%v) does not unwrap to the original", tc.err)
			}
		})
	}
}
