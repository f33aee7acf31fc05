package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Fault is the body of POST /__harness/faults (and an entry of a load
// profile's mock.faults): the next Count requests to
// Operation (or "*" for any), each with Probability, answer Status (with
// Retry-After when RetryAfter > 0) after DelayMs; with Reset the connection is
// closed instead of answered.
type Fault struct {
	Operation   string  `yaml:"operation" json:"operation"`
	Status      int     `yaml:"status,omitempty" json:"status,omitempty"`
	Count       int     `yaml:"count,omitempty" json:"count,omitempty"`
	Probability float64 `yaml:"probability,omitempty" json:"probability,omitempty"`
	RetryAfter  int     `yaml:"retryAfter,omitempty" json:"retryAfter,omitempty"`
	DelayMs     int     `yaml:"delayMs,omitempty" json:"delayMs,omitempty"`
	Reset       bool    `yaml:"reset,omitempty" json:"reset,omitempty"`
}

// RateLimit is the body of PUT /__harness/ratelimit (and a load profile's
// mock.rateLimit): a per-token token bucket
// of Rate requests per second and Burst for Operation (or "*"); over it the
// mock answers 429 with Retry-After: RetryAfter. Rate 0 removes the limit.
type RateLimit struct {
	Operation  string  `yaml:"operation" json:"operation"`
	Rate       float64 `yaml:"rate" json:"rate"`
	Burst      int     `yaml:"burst" json:"burst"`
	RetryAfter int     `yaml:"retryAfter" json:"retryAfter"`
}

// JournalEntry is one request the mock saw, as GET /__harness/journal lists
// it. Client is redact.ClientID of the bearer token (or of the LWA client id
// for token requests); Key is contract.RequestKey of the request.
type JournalEntry struct {
	Time       time.Time `json:"time"`
	AnsweredAt time.Time `json:"answeredAt"`
	Operation  string    `json:"operation"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Client     string    `json:"client"`
	Key        string    `json:"key"`
	Status     int       `json:"status"`
	RetryAfter int       `json:"retryAfter,omitempty"`
	Fault      bool      `json:"fault,omitempty"`
	Reset      bool      `json:"reset,omitempty"`
}

// Control steers a running mock through its HTTP control API under
// /__harness/. The zero HTTP client means http.DefaultClient.
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
		hc = http.DefaultClient
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
