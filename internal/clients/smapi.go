package clients

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// SkillCredentials are a skill's messaging credentials. ClientSecret
// redacts itself in fmt, slog and JSON; Reveal gives the clear form.
type SkillCredentials struct {
	ClientID     string        `json:"clientId"`
	ClientSecret redact.Secret `json:"clientSecret"`
}

// SkillCredentialsWire is SkillCredentials as SMAPI sends them, secret in
// clear. Build it only to print at the user's explicit request (--reveal).
type SkillCredentialsWire struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// Reveal returns c with the secret in clear.
func (c SkillCredentials) Reveal() SkillCredentialsWire {
	return SkillCredentialsWire{ClientID: c.ClientID, ClientSecret: c.ClientSecret.Reveal()}
}

// LogValue implements slog.LogValuer with the secret redacted.
func (c SkillCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("clientId", c.ClientID), slog.String("clientSecret", c.ClientSecret.String()))
}

// SMAPI is a client of the Skill Management API's skill credentials
// operation. Build its HTTP client with a *Transport (see Config.SMAPI).
type SMAPI struct {
	base string
	hc   *http.Client
}

// NewSMAPI returns a client for baseURL (contract.SMAPIBaseURL when empty)
// over hc (http.DefaultClient when nil).
func NewSMAPI(baseURL string, hc *http.Client) (*SMAPI, error) {
	if baseURL == "" {
		baseURL = contract.SMAPIBaseURL
	}
	if err := checkBaseURL("SMAPI", baseURL); err != nil {
		return nil, err
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &SMAPI{base: strings.TrimRight(baseURL, "/"), hc: hc}, nil
}

// GetSkillCredentials returns the messaging credentials of skillID. The id
// is sent as given (path-escaped), so that conformance tests can send
// invalid ones; the service checks it.
func (s *SMAPI) GetSkillCredentials(ctx context.Context, skillID string) (SkillCredentials, error) {
	u := s.base + fmt.Sprintf(contract.SkillCredentialsFmt, url.PathEscape(skillID))
	var w struct {
		Creds *SkillCredentialsWire `json:"skillMessagingCredentials"`
	}
	if _, err := call(ctx, s.hc, contract.OpGetSkillCredentials, http.MethodGet, u, nil, &w); err != nil {
		return SkillCredentials{}, err
	}
	if w.Creds == nil {
		return SkillCredentials{}, &DecodeError{Operation: contract.OpGetSkillCredentials, Status: http.StatusOK,
			Err: errors.New(`no "skillMessagingCredentials" object in the answer`)}
	}
	return SkillCredentials{ClientID: w.Creds.ClientID, ClientSecret: redact.Secret(w.Creds.ClientSecret)}, nil
}
