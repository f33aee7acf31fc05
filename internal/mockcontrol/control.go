package mockcontrol

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Control steers a running mock through its HTTP control API under
// /__harness/. With the zero HTTP client each call has a connection of its
// own, closed after it (see oneShot).
type Control struct {
	BaseURL string
	HTTP    *http.Client
}

// AddFault installs a fault and returns its id.
func (c Control) AddFault(ctx context.Context, f Fault) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "faults", f, http.StatusCreated, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// ClearFaults removes every fault.
func (c Control) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "faults", nil, 0, nil)
}

// SetRateLimit installs (or, with Rate 0, removes) a per-token rate limit.
func (c Control) SetRateLimit(ctx context.Context, l RateLimit) error {
	return c.do(ctx, http.MethodPut, "ratelimit", l, 0, nil)
}

// MintToken mints an access token for the identity whose refresh token is
// refreshToken, living expiresInSeconds from now by the mock's clock
// (negative or 0: already expired), through POST /__harness/tokens.
func (c Control) MintToken(ctx context.Context, refreshToken string, expiresInSeconds int) (MintedToken, error) {
	var out MintedToken
	in := MintRequest{RefreshToken: refreshToken, ExpiresIn: &expiresInSeconds}
	if err := c.do(ctx, http.MethodPost, "tokens", in, http.StatusCreated, &out); err != nil {
		return MintedToken{}, err
	}
	return out, nil
}

// Revoke revokes refreshToken through POST /__harness/revoke: later
// refresh_token grants with it answer 400 invalid_grant until Reset.
func (c Control) Revoke(ctx context.Context, refreshToken string) error {
	return c.do(ctx, http.MethodPost, "revoke", RevokeRequest{RefreshToken: refreshToken}, http.StatusNoContent, nil)
}

// Journal returns every request the mock has seen, oldest first.
func (c Control) Journal(ctx context.Context) ([]JournalEntry, error) {
	var out []JournalEntry
	if err := c.do(ctx, http.MethodGet, "journal", nil, http.StatusOK, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Reset puts the mock back to its starting fixtures, with no faults, no
// limits and an empty journal.
func (c Control) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "reset", nil, 0, nil)
}

// Health returns nil when the mock answers 200 on /__harness/health.
func (c Control) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "health", nil, http.StatusOK, nil)
}

func (c Control) do(ctx context.Context, method, name string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("mock control %s %s: encode: %w", method, name, err)
		}
		body = bytes.NewReader(b)
	}
	url := strings.TrimRight(c.BaseURL, "/") + "/__harness/" + name
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return fmt.Errorf("mock control %s %s: %w", method, name, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Transport: oneShot()}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("mock control %s %s: %w", method, name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("mock control %s %s: read: %w", method, name, err)
	}
	if (want != 0 && resp.StatusCode != want) || resp.StatusCode >= 300 {
		return fmt.Errorf("mock control %s %s: status %d: %s", method, name, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("mock control %s %s: decode: %w", method, name, err)
		}
	}
	return nil
}

// Faults lists the installed faults, in the order they are matched.
func (c Control) Faults(ctx context.Context) ([]InstalledFault, error) {
	var out []InstalledFault
	if err := c.do(ctx, http.MethodGet, "faults", nil, http.StatusOK, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// oneShot is the zero Control's transport: one connection per call, closed
// after it. Mocks come and go on loopback ports the kernel hands out again;
// a pooled keep-alive connection to a mock that has shut down can be picked
// for a new mock on the same port before its close is noticed, and a POST
// sent on it fails with EOF (Go retries only idempotent requests): seen in
// CI, minting a token in one of 47 certification scenarios, each with its
// own mock. Control calls are few, so a connection each costs nothing.
func oneShot() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableKeepAlives = true
	return t
}
