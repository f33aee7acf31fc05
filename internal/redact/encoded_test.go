package redact_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/redact"
)

// encodings are the base64 forms a client may log a secret in.
var encodings = []struct {
	name string
	enc  *base64.Encoding
}{
	{"std", base64.StdEncoding},
	{"std unpadded", base64.RawStdEncoding},
	{"url-safe", base64.URLEncoding},
	{"url-safe unpadded", base64.RawURLEncoding},
}

// TestScrubEncoded checks that a known secret is masked in every base64
// form a client would log it in: alone and as an HTTP Basic "id:secret",
// in each alphabet, padded and not, at each byte alignment, whatever
// surrounds it.
func TestScrubEncoded(t *testing.T) {
	const (
		id = "amzn1.application-oa2-client.harness"
		// "?>?" in the secret gives "+"/"/" in the standard alphabet and
		// "-"/"_" in the URL-safe one, so the two alphabets differ.
		secret = "harness-client-secret?>?~~"
	)
	type tc struct {
		name, in string
		known    []string
		absent   string // must not appear in the result
	}
	var cases []tc
	for _, e := range encodings {
		for _, payload := range []struct{ name, text string }{
			{"secret", secret},
			{"id:secret", id + ":" + secret},
			{"secret:id", secret + ":" + id},
			{"1-byte prefix", "x" + secret},
			{"2-byte prefix", "xy" + secret},
			{"json body", `{"client_secret":"` + secret + `"}`},
		} {
			enc := e.enc.EncodeToString([]byte(payload.text))
			for _, ctx := range []struct{ name, before, after string }{
				{"alone", "", ""},
				{"in a line", "client auth ", " sent\n"},
				{"quoted", `{"auth":"`, `"}`},
				{"query", "GET /token?auth=", "&x=1"},
			} {
				cases = append(cases, tc{name: e.name + "/" + payload.name + "/" + ctx.name,
					in: ctx.before + enc + ctx.after, known: []string{secret}, absent: enc})
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redact.Scrub(c.in, c.known...)
			if strings.Contains(got, c.absent) {
				t.Fatalf("Scrub(%q) = %q still holds the encoded secret", c.in, got)
			}
			if !strings.Contains(got, redact.String(c.absent)) {
				t.Fatalf("Scrub(%q) = %q, want the encoding masked whole as %s", c.in, got, redact.String(c.absent))
			}
			if again := redact.Scrub(got, c.known...); again != got {
				t.Errorf("not stable: %q then %q", got, again)
			}
		})
	}
}

// TestScrubEncodedKeeps checks what the encoded pass must not touch.
func TestScrubEncodedKeeps(t *testing.T) {
	const secret = "harness-client-secret"
	cases := []struct {
		name, in string
		known    []string
		want     string
	}{
		{"other base64", "hash " + base64.StdEncoding.EncodeToString([]byte("harness-client-public")), []string{secret},
			"hash " + base64.StdEncoding.EncodeToString([]byte("harness-client-public"))},
		{"plain words", "the adapter got 200 from /v1/skills/x/credentials", []string{secret},
			"the adapter got 200 from /v1/skills/x/credentials"},
		{"short secret inside a longer word", "dG9rZW4gYW5kIG1vcmU=", []string{"tok"}, "dG9rZW4gYW5kIG1vcmU="},
		{"short secret alone", "auth dG9r.", []string{"tok"}, "auth " + redact.String("dG9r") + "."},
		{"short secret padded", "auth dG8=.", []string{"to"}, "auth " + redact.String("dG8=") + "."},
		{"no known secret", base64.StdEncoding.EncodeToString([]byte(secret)), nil, base64.StdEncoding.EncodeToString([]byte(secret))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := redact.Scrub(c.in, c.known...); got != c.want {
				t.Errorf("Scrub(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestScrubBasic checks that the value of any HTTP Basic credential is
// masked, whatever it decodes to, and that other uses of the word are not.
func TestScrubBasic(t *testing.T) {
	unknown := base64.StdEncoding.EncodeToString([]byte("someone:whatever-it-is"))
	cases := []struct{ name, in, want string }{
		{"header", "Authorization: Basic " + unknown + "\n", "Authorization: Basic " + redact.String(unknown) + "\n"},
		{"lower case scheme", "authorization: basic " + unknown, "authorization: basic " + redact.String(unknown)},
		{"tab", "Basic\t" + unknown, "Basic\t" + redact.String(unknown)},
		{"json", `{"Authorization":"Basic ` + unknown + `"}`, `{"Authorization":"Basic ` + redact.String(unknown) + `"}`},
		{"python repr", `{'Authorization': 'Basic ` + unknown + `'}`, `{'Authorization': 'Basic ` + redact.String(unknown) + `'}`},
		{"url-safe unpadded", "Basic " + strings.TrimRight(base64.URLEncoding.EncodeToString([]byte("a:b?>")), "="),
			"Basic " + redact.String(strings.TrimRight(base64.URLEncoding.EncodeToString([]byte("a:b?>")), "="))},
		{"not base64 either", "Basic opaque-credential", "Basic " + redact.String("opaque-credential")},
		{"auth-param kept", `WWW-Authenticate: Basic realm="harness"`, `WWW-Authenticate: Basic realm="harness"`},
		{"auth-param token kept", `WWW-Authenticate: Basic realm=harness`, `WWW-Authenticate: Basic realm=harness`},
		{"word inside another kept", "nonbasic " + unknown, "nonbasic " + unknown},
		{"scheme alone kept", "uses Basic.", "uses Basic."},
		{"LWA token after Basic masked whole", "Basic Atza|abc-def", "Basic " + redact.String("Atza|abc-def")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redact.Scrub(c.in)
			if got != c.want {
				t.Errorf("Scrub(%q) = %q, want %q", c.in, got, c.want)
			}
			if again := redact.Scrub(got); again != got {
				t.Errorf("not stable: %q then %q", got, again)
			}
		})
	}
}

// FuzzScrub checks, for any text around them, that no base64 form of a
// known secret (alone or as "id:secret") and no Basic credential survives
// Scrub, and that the pattern passes are stable.
func FuzzScrub(f *testing.F) {
	f.Add("Authorization: Basic ", "amzn1.application-oa2-client.harness", "harness-client-secret", "\n")
	f.Add("x=", "id", "s3cr3t?>?~~~", "&y")
	f.Add("", "", "tok", "")
	f.Add("basic", "a", "Atzr|harness-vendor", "==")
	f.Fuzz(func(t *testing.T, before, id, secret, after string) {
		for _, e := range encodings {
			forms := []string{e.enc.EncodeToString([]byte(secret)), e.enc.EncodeToString([]byte(id + ":" + secret))}
			for _, form := range forms {
				in := before + " " + form + " " + after
				got := redact.Scrub(in, secret)
				if len(secret) >= 8 && strings.Contains(got, form) {
					t.Fatalf("Scrub(%q, %q) = %q still holds %q", in, secret, got, form)
				}
				if again := redact.Scrub(got); again != redact.Scrub(again) {
					t.Fatalf("pattern passes not stable on %q", got)
				}
				if b := redact.Scrub("Basic " + form); form != "" && strings.Contains(b, form) {
					t.Fatalf("Scrub(Basic %s) = %q", form, b)
				}
			}
		}
	})
}

// BenchmarkScrub scrubs an adapter's whole kept stderr (256 KiB of log
// lines, some with encoded secrets) with the eight secrets a certification
// knows: the time must grow linearly with the text.
func BenchmarkScrub(b *testing.B) {
	known := []string{"harness-client-secret", "Atzr|harness-vendor", "Atzr|harness-vendor-other", "Atzr|harness-customer-a",
		"Atzr|harness-customer-b", "Atzr|harness-customer-noscope", "harness-skill1-secret", "Atza|some-access-token-123"}
	line := "attempt 1: 503, retry in 120ms Authorization: Basic " +
		base64.StdEncoding.EncodeToString([]byte("id:harness-client-secret")) + " path=/v1/skills/x/credentials\n"
	text := strings.Repeat(line, (256<<10)/len(line))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		redact.Scrub(text, known...)
	}
}
