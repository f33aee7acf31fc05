package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// skillID returns the skill under test.
func (w *world) skillID() (string, error) {
	if w.cfg.SkillID == "" {
		return "", w.skip("needs the skill's id: set " + contract.EnvSkillID)
	}
	return w.cfg.SkillID, nil
}

func (w *world) getCredentials(ctx context.Context, id string) error {
	s, err := w.smapi(w.caller)
	if err != nil {
		return w.end(err, true)
	}
	w.begin(contract.OpGetSkillCredentials)
	c, err := s.GetSkillCredentials(ctx, id)
	w.creds = c
	return w.end(err, false)
}

func (w *world) stepGetCredentials(ctx context.Context) error {
	id, err := w.skillID()
	if err != nil {
		return err
	}
	return w.getCredentials(ctx, id)
}

func (w *world) stepGetCredentialsOf(ctx context.Context, id string) error {
	return w.getCredentials(ctx, id)
}

// stepGetCredentialsLength asks for a skill id of exactly n characters.
func (w *world) stepGetCredentialsLength(ctx context.Context, n int) error {
	id := "amzn1.ask.skill."
	if n < len(id) {
		id = id[:n]
	} else {
		id += strings.Repeat("0", n-len(id))
	}
	return w.getCredentials(ctx, id)
}

func (w *world) smapiURL(id string) string {
	return strings.TrimRight(w.cfg.SMAPIURL, "/") + fmt.Sprintf(contract.SkillCredentialsFmt, url.PathEscape(id))
}

func (w *world) stepGetCredentialsWithHeader(ctx context.Context, header string) error {
	id, err := w.skillID()
	if err != nil {
		return err
	}
	return w.send(ctx, contract.OpGetSkillCredentials, http.MethodGet, w.smapiURL(id), nil, "", headerAuth(header))
}

func (w *world) stepGetCredentialsWithHeld(ctx context.Context) error {
	id, err := w.skillID()
	if err != nil {
		return err
	}
	if w.held == "" {
		return errors.New("no access token is held")
	}
	return w.send(ctx, contract.OpGetSkillCredentials, http.MethodGet, w.smapiURL(id), nil, "",
		authMode{header: "Bearer " + w.held})
}

// stepTokenForm posts a form to LWA, filling in the placeholders.
func (w *world) stepTokenForm(ctx context.Context, form string) error {
	repl := map[string]func() (string, error){
		"{client_id}":     func() (string, error) { return w.cfg.ClientID, nil },
		"{client_secret}": func() (string, error) { return w.cfg.ClientSecret.Reveal(), nil },
		"{refresh_token}": func() (string, error) {
			s := identityTable()[CustomerA].secret(w.cfg)
			if s == "" {
				return "", w.skip(missingIdentity(CustomerA))
			}
			return s.Reveal(), nil
		},
		"{authorization_code}": func() (string, error) {
			if w.t.Real {
				return "", errors.New("{authorization_code} is the mock's well-known code: tag the scenario @mock-only")
			}
			return mock.CodeCustomerA, nil
		},
	}
	for ph, f := range repl {
		if !strings.Contains(form, ph) {
			continue
		}
		v, err := f()
		if err != nil {
			return err
		}
		if v == "" && (ph == "{client_id}" || ph == "{client_secret}") {
			return w.skip("needs the LWA client: set " + contract.EnvLWAClientID + " and " + contract.EnvLWAClientSecret)
		}
		form = strings.ReplaceAll(form, ph, url.QueryEscape(v))
	}
	u := strings.TrimRight(w.cfg.LWAURL, "/") + contract.TokenPath
	return w.send(ctx, contract.OpToken, http.MethodPost, u, []byte(form), "application/x-www-form-urlencoded", authMode{})
}

// stepHoldToken gets the caller's current access token from its token
// source and keeps it as is.
func (w *world) stepHoldToken(ctx context.Context, who string) error {
	if who == "customer A" {
		w.caller = CustomerA
	}
	l, err := w.tokenSource(w.caller)
	if err != nil {
		return w.end(err, true)
	}
	tok, err := l.Token(ctx)
	if err := w.end(err, true); err != nil {
		return err
	}
	w.held = tok
	return nil
}

// Mock control steps (only @mock-only scenarios, only against the mock).

func (w *world) stepFault(ctx context.Context, count, op string, status, retryAfter int) error {
	if err := w.needMock(); err != nil {
		return err
	}
	n := 1
	if count != "" {
		if _, err := fmt.Sscan(count, &n); err != nil {
			return err
		}
	}
	_, err := w.control.AddFault(ctx, mockcontrol.Fault{Operation: op, Status: status, Count: n, Probability: 1, RetryAfter: retryAfter})
	return err
}

func (w *world) stepClock(_ context.Context, n int, unit string) error {
	if err := w.needMock(); err != nil {
		return err
	}
	d := time.Duration(n) * time.Second
	if unit == "hours" {
		d = time.Duration(n) * time.Hour
	}
	w.clock.Advance(d)
	return nil
}
