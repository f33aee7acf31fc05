// Package redact keeps secrets (network keys, PSKc, client secrets, access and
// refresh tokens) out of logs, reports and error messages.
//
// A Secret prints as a short redaction such as "****1a2b" wherever it is
// formatted, logged through log/slog or marshalled to JSON, so a value can be
// carried through the harness without ever appearing in clear by accident.
// Reveal is the single, explicit way to get the clear text back.
package redact

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"regexp"
	"slices"
	"strings"
)

// Mask is what a redacted value starts with.
const Mask = "****"

// String returns the redaction of s: the mask followed by the last four
// characters of a SHA-256 digest of s, so two different secrets can be told
// apart in a report without either being revealed. The empty string stays
// empty so that "missing" and "present" remain distinguishable.
func String(s string) string {
	if s == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(s))
	return Mask + hex.EncodeToString(sum[:])[:4]
}

// ClientID returns a stable, non-reversible identifier for a bearer token,
// such as "client-3f9a01c2". The mock's journal and the clients' attempt log
// both use it, so the two views of one client can be joined.
func ClientID(token string) string {
	if token == "" {
		return "anonymous"
	}
	sum := sha256.Sum256([]byte(token))
	return "client-" + hex.EncodeToString(sum[:])[:8]
}

// TokenRequestClientID is the client id of an LWA token request: ClientID of
// the LWA client id and the grant's credential (refresh token or
// authorization code; empty for client_credentials) joined by a space. The
// mock's journal and the clients' attempt log both use it, so the two views
// of token requests join. It reveals neither value.
func TokenRequestClientID(lwaClientID, grantCredential string) string {
	return ClientID(lwaClientID + " " + grantCredential)
}

// GrantCredential is the credential of an LWA token request that
// TokenRequestClientID joins to the client id: the refresh_token of a
// refresh_token grant, the code of an authorization_code grant, and "" for
// any other grant (client_credentials). The mock and the clients both pick
// it this way from the form they read or sent.
func GrantCredential(grantType, refreshToken, code string) string {
	switch grantType {
	case "refresh_token":
		return refreshToken
	case "authorization_code":
		return code
	}
	return ""
}

// lwaToken matches what looks like a Login with Amazon access or refresh
// token ("Atza|…", "Atzr|…", also with the bar percent-encoded as in a form
// body) up to the next whitespace, quote, backslash or delimiter.
var lwaToken = regexp.MustCompile(`Atz[ar](?:\||%7[cC])[^\s"'\\<>&,;]+`)

// Scrub returns s with every non-empty known secret replaced by its
// redaction (String) — a secret shorter than 8 bytes only where it is not
// part of a longer word — then every base64 word that encodes a known
// secret (see scrubEncoded), then anything else that looks like an LWA
// token ("Atza|…", "Atzr|…") and the value of any HTTP Basic credential
// ("Basic <base64>", whatever it decodes to) masked the same way. Use it
// on text that came from outside (a service's error message, a response
// body, an adapter's log) before it goes into an error, a log or a report,
// since a server may echo a secret back and a client may log its
// Authorization header. Longer known secrets are replaced first, so a
// secret that contains another is not half redacted. Its time is linear in
// len(s) for a given set of known secrets.
func Scrub(s string, known ...string) string {
	if s == "" {
		return s
	}
	if len(known) > 0 {
		ks := make([]string, 0, len(known))
		for _, k := range known {
			if k != "" && strings.Contains(s, k) {
				ks = append(ks, k)
			}
		}
		slices.SortFunc(ks, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		for _, k := range ks {
			if len(k) >= minSubstring {
				s = strings.ReplaceAll(s, k, String(k))
			} else {
				s = replaceWhole(s, k, String(k))
			}
		}
		s = scrubEncoded(s, known)
	}
	s = lwaToken.ReplaceAllStringFunc(s, String)
	return scrubBasic(s)
}

// scrubBasic masks the value of every HTTP Basic credential in s — the
// scheme "Basic" (in any case, RFC 7617) not inside a longer word, blanks,
// then a token68 value (RFC 7235: letters, digits, "-._~+/", then "="s) —
// keeping the scheme ("Basic ****1a2b"). A "basic name=value"
// auth-parameter (as in `WWW-Authenticate: Basic realm="x"`: a name and
// "=" that is not padded base64, then a value) is not a credential and is
// kept. One pass over s.
func scrubBasic(s string) string {
	const scheme = "basic"
	var b strings.Builder
	last := 0
	for i := 0; i+len(scheme) < len(s); {
		j := strings.IndexAny(s[i:len(s)-len(scheme)], "bB")
		if j < 0 {
			break
		}
		i += j
		start := i
		i++
		if !strings.EqualFold(s[start:start+len(scheme)], scheme) || start > 0 && (isWordByte(s[start-1]) || s[start-1] == '_') {
			continue
		}
		v := start + len(scheme)
		for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
			v++
		}
		end := v
		for end < len(s) && isToken68Byte(s[end]) {
			end++
		}
		if v == start+len(scheme) || end == v {
			continue // no blank, or no value
		}
		for end < len(s) && s[end] == '=' {
			end++
		}
		if s[end-1] == '=' && (end-v)%4 != 0 && end < len(s) && (s[end] == '"' || isToken68Byte(s[end])) {
			continue // name=value, not a padded base64: an auth-parameter
		}
		b.WriteString(s[last:v])
		b.WriteString(String(s[v:end]))
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isToken68Byte(c byte) bool {
	return isWordByte(c) && c < 0x80 || strings.IndexByte("-._~+/", c) >= 0
}

// scrubEncoded masks every base64 word of s that encodes a known secret:
// a maximal run of base64 characters (either alphabet: standard "+/" or
// URL-safe "-_", padded with "=" or not) is replaced whole by its
// redaction when it holds the encoding of a known secret of 8 bytes or
// more at any of the three byte alignments — so the base64 of the secret
// alone, of "clientId:secret" (an HTTP Basic credential) or of a body
// holding the secret are all caught without knowing what surrounds the
// secret — or, for a shorter secret, when it is exactly the secret's
// encoding. Its time is linear in len(s) for a given set of secrets.
func scrubEncoded(s string, known []string) string {
	var inner, whole []string // inner: found anywhere in a run; whole: the run without padding
	for _, k := range known {
		switch {
		case k == "":
		case len(k) >= minSubstring:
			for a := range 3 {
				for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
					if c := encodedCore(enc, k, a); !slices.Contains(inner, c) {
						inner = append(inner, c)
					}
				}
			}
		default:
			whole = append(whole, base64.RawStdEncoding.EncodeToString([]byte(k)), base64.RawURLEncoding.EncodeToString([]byte(k)))
		}
	}
	if inner == nil && whole == nil {
		return s
	}
	shortest := len(s) + 1 // the shortest inner needle: shorter runs cannot hold one
	for _, c := range inner {
		shortest = min(shortest, len(c))
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isBase64Byte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isBase64Byte(s[j]) {
			j++
		}
		body := s[i:j]
		for j < len(s) && s[j] == '=' {
			j++
		}
		if slices.Contains(whole, body) ||
			len(body) >= shortest && slices.ContainsFunc(inner, func(c string) bool { return strings.Contains(body, c) }) {
			b.WriteString(s[last:i])
			b.WriteString(String(s[i:j]))
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// encodedCore returns the characters of the unpadded base64 encoding of k,
// preceded by align (0–2) bytes, that depend on k's bytes alone: what any
// encoding of a text holding k at that byte alignment contains.
func encodedCore(enc *base64.Encoding, k string, align int) string {
	e := enc.EncodeToString(append(make([]byte, align), k...))
	from := (8*align + 5) / 6      // the first character without a bit of the prefix
	to := 8 * (align + len(k)) / 6 // past the last character without a bit of what follows
	return e[from:to]
}

// isBase64Byte says whether c is a character of the standard or the
// URL-safe base64 alphabet (padding aside).
func isBase64Byte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/' || c == '-' || c == '_'
}

// minSubstring is the length from which Scrub replaces a known secret
// wherever it occurs; a shorter one (a test token such as "t") is replaced
// only where it stands alone, so that it does not garble every word that
// happens to contain it.
const minSubstring = 8

// replaceWhole replaces the occurrences of k in s that are not part of a
// longer run of letters and digits.
func replaceWhole(s, k, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, k)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(k)
		if (i > 0 && isWordByte(s[i-1]) && isWordByte(k[0])) || (j < len(s) && isWordByte(s[j]) && isWordByte(k[len(k)-1])) {
			b.WriteString(s[:j])
		} else {
			b.WriteString(s[:i])
			b.WriteString(with)
		}
		s = s[j:]
	}
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// Secret is a string that must never be shown in clear.
type Secret string

// Reveal returns the clear text. Call it only where the value is sent on the
// wire or where the user explicitly asked to see it.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer with the redaction.
func (s Secret) String() string { return String(string(s)) }

// GoString implements fmt.GoStringer so that %#v redacts too.
func (s Secret) GoString() string { return `redact.Secret("` + s.String() + `")` }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the redaction, never the clear text.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText writes the redaction (used by YAML, XML and text encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ScrubError returns err itself when Scrub would leave its text unchanged,
// and otherwise an error whose text is the scrubbed one and which still
// unwraps to err, so that errors.Is and errors.As keep working in-process
// while the text that reaches a log, a report or a user reveals no secret.
func ScrubError(err error, known ...string) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if clean := Scrub(s, known...); clean != s {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

// scrubbedError is an error whose text has been scrubbed of secrets.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
