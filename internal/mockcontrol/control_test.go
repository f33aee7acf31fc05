package mockcontrol_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// TestControl drives a real mock over loopback: every call of the client,
// and the mock refusing what Validate refuses with Validate's message.
func TestControl(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = run.Close(context.Background()) }()
	c := mockcontrol.Control{BaseURL: run.URL + "/"}
	if err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := c.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpGetThreadNetworks, Status: 503, Count: 2, RetryAfter: 3})
	if err != nil || id == "" {
		t.Fatalf("AddFault = %q, %v", id, err)
	}
	fs, err := c.Faults(ctx)
	if err != nil || len(fs) != 1 || fs[0].ID != id || fs[0].Remaining != 2 || fs[0].Status != 503 {
		t.Fatalf("Faults = %+v, %v", fs, err)
	}
	for _, bad := range []mockcontrol.Fault{
		{Operation: contract.OpToken, Status: 503, Reset: true},
		{Operation: contract.OpToken, Status: 503, Probability: 2},
		{Operation: "nope", Status: 503},
	} {
		_, err := c.AddFault(ctx, bad)
		want := bad.Validate()
		if err == nil || want == nil || !strings.Contains(err.Error(), strings.ReplaceAll(want.Error(), `"`, `\"`)) {
			t.Errorf("AddFault(%+v) = %v, want the mock to refuse with %v", bad, err, want)
		}
	}
	if err := c.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: "*", Rate: 1000}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRateLimit(ctx, mockcontrol.RateLimit{Operation: "*", Rate: -1}); err == nil || !strings.Contains(err.Error(), "rate: ") {
		t.Errorf("SetRateLimit(rate -1) = %v, want a rate error", err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, run.URL+contract.ThreadNetworksPath, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	js, err := c.Journal(ctx)
	if err != nil || len(js) != 1 {
		t.Fatalf("Journal = %+v, %v", js, err)
	}
	ev := mockcontrol.Events(js)
	if len(ev) != 1 || ev[0].Operation != contract.OpGetThreadNetworks || ev[0].Status != js[0].Status || ev[0].Key != js[0].Key {
		t.Errorf("Events = %+v from %+v", ev, js)
	}
	if err := c.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := c.MintToken(ctx, contract.MockCustomerARefresh, -60)
	if err != nil || m.AccessToken == "" || !m.ExpiresAt.Before(time.Now()) {
		t.Fatalf("MintToken(-60) = %+v, %v", m, err)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, run.URL+contract.ThreadNetworksPath+"?extendedPanId=p", nil)
	req.Header.Set("Authorization", "Bearer "+m.AccessToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET with an expired minted token = %v, %v; want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	if _, err := c.MintToken(ctx, "Atzr|unknown", 60); err == nil || !strings.Contains(err.Error(), "refreshToken: ") {
		t.Errorf("MintToken(unknown) = %v, want a refreshToken error", err)
	}
	if err := c.Revoke(ctx, contract.MockCustomerBRefresh); err != nil {
		t.Fatal(err)
	}
	if err := c.Revoke(ctx, ""); err == nil || !strings.Contains(err.Error(), "refreshToken: ") {
		t.Errorf("Revoke(\"\") = %v, want a refreshToken error", err)
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if js, err := c.Journal(ctx); err != nil || len(js) != 0 {
		t.Errorf("Journal after Reset = %d entries, %v", len(js), err)
	}
}

func TestJournalEntryEvent(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		j          mockcontrol.JournalEntry
		wantStatus int
	}{
		{"answered", mockcontrol.JournalEntry{Time: t0, AnsweredAt: t0.Add(time.Millisecond), Operation: contract.OpToken, Client: "c", Key: "k", Status: 503, RetryAfter: 2}, 503},
		{"reset", mockcontrol.JournalEntry{Time: t0, Status: 200, Reset: true}, 0},
		{"HTTP-date", mockcontrol.JournalEntry{Time: t0, AnsweredAt: t0, Operation: contract.OpGetThreadNetworks, Status: 429, RetryAfter: 3, RetryAfterDate: true}, 429},
	} {
		e := tc.j.Event()
		if e.Status != tc.wantStatus || e.Arrived != tc.j.Time || e.Answered != tc.j.AnsweredAt || e.Client != tc.j.Client ||
			e.Key != tc.j.Key || e.Operation != tc.j.Operation || e.RetryAfter != time.Duration(tc.j.RetryAfter)*time.Second ||
			e.RetryAfterDate != tc.j.RetryAfterDate {
			t.Errorf("%s: Event() = %+v from %+v", tc.name, e, tc.j)
		}
	}
}
