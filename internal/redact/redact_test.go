package redact_test

import (
	"bytes"
	"encoding/json"
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
		{"%s", fmt.Sprintf("%s", s)},
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
