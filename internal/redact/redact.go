// Package redact keeps secrets (network keys, PSKc, client secrets, access and
// refresh tokens) out of logs, reports and error messages.
//
// A Secret prints as a short redaction such as "****1a2b" wherever it is
// formatted, logged through log/slog or marshalled to JSON, so a value can be
// carried through the harness without ever appearing in clear by accident.
// Reveal is the single, explicit way to get the clear text back.
package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
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
