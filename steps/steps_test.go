package steps

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/alexa-harness/harness/api"
	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

func TestMatchExactly(t *testing.T) {
	a := clients.ThreadNetwork{ExtendedPanID: "e", NetworkName: "a", NetworkKey: "k1", ChannelNumber: 15}
	b := clients.ThreadNetwork{ExtendedPanID: "e", NetworkName: "b", NetworkKey: "k2"}
	aOtherKey := a
	aOtherKey.NetworkKey = "secret-key-value"
	tests := []struct {
		name      string
		want, got []clients.ThreadNetwork
		errHas    string
	}{
		{"same", []clients.ThreadNetwork{a, b}, []clients.ThreadNetwork{b, a}, ""},
		{"missing", []clients.ThreadNetwork{a, b}, []clients.ThreadNetwork{a}, "missing 1 of 2 networks: b"},
		{"extra", []clients.ThreadNetwork{a}, []clients.ThreadNetwork{a, b}, `unexpected network "b"`},
		{"twice", []clients.ThreadNetwork{a}, []clients.ThreadNetwork{a, a}, "listed more than once"},
		{"field", []clients.ThreadNetwork{a}, []clients.ThreadNetwork{aOtherKey}, "networkKey differs"},
		{"none", nil, nil, ""},
	}
	for _, tc := range tests {
		err := matchExactly(tc.want, tc.got)
		switch {
		case tc.errHas == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.errHas)
		case err != nil && strings.Contains(err.Error(), "secret-key-value"):
			t.Errorf("%s: the error shows a network key: %v", tc.name, err)
		}
	}
}

// TestValidatingTransport: an answer off the contract is recorded in the
// scenario that sent the request (and fails its step), or is an error
// outside a scenario; its value never shows.
func TestValidatingTransport(t *testing.T) {
	v, err := api.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// networkKey is missing; pskc has the wrong type.
		_, _ = w.Write([]byte(`{"threadNetworks":[{"extendedPanId":"e","networkName":"n","pskc":12345678901}]}`))
	}))
	defer srv.Close()
	rt := &validating{next: http.DefaultTransport, v: v}
	get := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+contract.ThreadNetworksPath+"?extendedPanId=e", nil)
		resp, err := rt.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(context.Background()); err == nil || !strings.Contains(err.Error(), "off the contract") {
		t.Errorf("outside a scenario: %v, want an error", err)
	}
	w := newWorld(NewTarget(Target{Validator: v}), &godog.Scenario{Name: "s", Tags: []*messages.PickleTag{{Name: "@x"}}})
	ctx := context.WithValue(context.Background(), worldKey{}, w)
	w.begin(contract.OpGetThreadNetworks)
	if err := get(ctx); err != nil {
		t.Fatal(err)
	}
	x, err := w.lastExchange()
	if err != nil || x.status != 200 {
		t.Fatalf("last exchange %v %v", x, err)
	}
	verr := w.end(nil, false)
	if verr == nil || !strings.Contains(verr.Error(), "off the contract") {
		t.Fatalf("the step did not fail: %v", verr)
	}
	if strings.Contains(verr.Error(), "12345678901") {
		t.Errorf("the violation quotes a value: %v", verr)
	}
	if w.newViolations() != nil {
		t.Error("a violation was reported twice")
	}
}

func TestSkipReasons(t *testing.T) {
	cfg := clients.MockConfig("http://127.0.0.1:1")
	cfg.CustomerBRefreshToken = ""
	tags := func(ts ...string) map[string]bool {
		m := map[string]bool{}
		for _, s := range ts {
			m[s] = true
		}
		return m
	}
	tests := []struct {
		real, writes bool
		tags         map[string]bool
		want         string
	}{
		{false, true, tags("@mock-only", "@writes"), ""},
		{true, false, tags("@mock-only"), "mock-only"},
		{true, false, tags("@writes"), "--allow-writes"},
		{true, true, tags("@writes"), ""},
		{true, true, tags("@needs:customer-b"), contract.EnvCustomerBRefreshToken},
		{false, true, tags("@needs:customer-b"), contract.EnvCustomerBRefreshToken},
		{true, true, tags("@needs:noscope"), ""},
	}
	for _, tc := range tests {
		tg := NewTarget(Target{Real: tc.real, AllowWrites: tc.writes, Clients: cfg})
		got := tg.skipReason(tc.tags)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("real=%t writes=%t %v: %q, want %q", tc.real, tc.writes, tc.tags, got, tc.want)
		}
	}
	tg := NewTarget(Target{Clients: cfg, Exhausted: func() string { return "budget spent" }})
	if got := tg.skipReason(tags()); got != "budget spent" {
		t.Errorf("exhausted: %q", got)
	}
	if s := redact.Secret(cfg.ClientSecret.Reveal()); strings.Contains(missingIdentity(CustomerB), s.Reveal()) {
		t.Error("the reason shows a secret")
	}
}

// TestErrDetailScrubsEchoedSecrets: a server's error message is quoted in
// the step's failure with every token the scenario sent, the configured
// secrets and anything LWA-token-looking masked.
func TestErrDetailScrubsEchoedSecrets(t *testing.T) {
	const sent = "opaque-bearer-0123456789"
	cfg := clients.MockConfig("http://127.0.0.1:1")
	tests := []struct {
		name, body string
		secrets    []string
	}{
		{"echoed bearer", `{"code":"FORBIDDEN","message":"token ` + sent + ` may not"}`, []string{sent}},
		{"client secret", `{"error":"invalid_client","error_description":"secret ` + cfg.ClientSecret.Reveal() + ` wrong"}`,
			[]string{cfg.ClientSecret.Reveal()}},
		{"refresh token", `{"code":"X","message":"` + cfg.VendorRefreshToken.Reveal() + `"}`, []string{cfg.VendorRefreshToken.Reveal()}},
		{"LWA-looking", `{"code":"X","message":"have Atza|IwEBIunknown-token and Atzr|IwEBIother"}`,
			[]string{"Atza|IwEBIunknown-token", "Atzr|IwEBIother"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(NewTarget(Target{Clients: cfg}), &godog.Scenario{Name: "s"})
			w.noteSecret(sent)
			w.last = &exchange{method: "GET", path: "/p", status: 403, body: []byte(tc.body),
				header: http.Header{"Content-Type": {"application/json"}}}
			err := w.stepStatus(context.Background(), 200)
			if err == nil {
				t.Fatal("no failure")
			}
			if !strings.Contains(err.Error(), redact.Mask) {
				t.Errorf("nothing masked: %v", err)
			}
			for _, s := range tc.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the failure quotes %q: %v", s, err)
				}
			}
			if s := w.scrubErr(errors.New("x " + sent)); s == nil || strings.Contains(s.Error(), sent) {
				t.Errorf("scrubErr left %v", s)
			}
		})
	}
}
