package clients_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// TestSecretsRedacted prints, logs and marshals every type that holds a
// secret and searches the output for the clear values.
func TestSecretsRedacted(t *testing.T) {
	const (
		key     = "NETWORKKEY-00112233445566778899"
		pskc    = "PSKC-ffeeddccbbaa998877"
		secret  = "CLIENTSECRET-abcdef"
		access  = "Atza|ACCESSTOKEN-123456"
		refresh = "Atzr|REFRESHTOKEN-654321"
	)
	secrets := []string{key, pskc, secret, access, refresh}
	n := clients.ThreadNetwork{ExtendedPanID: "0123456789abcdef", NetworkName: "home", NetworkKey: key, PSKc: pskc, ChannelNumber: 15}
	cfg := clients.Config{ClientID: "id", ClientSecret: secret, CustomerRefreshToken: refresh, VendorRefreshToken: refresh,
		AccessToken: access, CustomerBRefreshToken: refresh, NoScopeRefreshToken: refresh, OtherVendorRefreshToken: refresh}
	values := map[string]any{
		"ThreadNetwork":    n,
		"*ThreadNetwork":   &n,
		"NetworkPage":      clients.NetworkPage{Networks: []clients.ThreadNetwork{n}, NextToken: "tok"},
		"SkillCredentials": clients.SkillCredentials{ClientID: "amzn1.application-oa2-client.x", ClientSecret: secret},
		"Token":            clients.Token{AccessToken: access, RefreshToken: refresh, TokenType: "bearer", ExpiresIn: 3600, Expiry: t0},
		"Config":           cfg,
		"*Config":          &cfg,
		"StaticToken":      clients.StaticToken(access),
		"LWAConfig":        clients.LWAConfig{ClientID: "id", ClientSecret: secret, RefreshToken: refresh},
	}
	for name, v := range values {
		outputs := map[string]string{
			"%v":  fmt.Sprintf("%v", v),
			"%+v": fmt.Sprintf("%+v", v),
			"%#v": fmt.Sprintf("%#v", v),
			"%s":  fmt.Sprintf("%s", v),
		}
		if b, err := json.Marshal(v); err != nil {
			t.Errorf("%s: json: %v", name, err)
		} else {
			outputs["json"] = string(b)
		}
		var jb, tb bytes.Buffer
		slog.New(slog.NewJSONHandler(&jb, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&tb, nil)).Info("x", "v", v)
		outputs["slog json"], outputs["slog text"] = jb.String(), tb.String()
		for form, out := range outputs {
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s in %s reveals %q: %s", name, form, s, out)
				}
			}
		}
		if !strings.Contains(outputs["json"], redact.Mask) {
			t.Errorf("%s: JSON shows no redaction: %s", name, outputs["json"])
		}
	}

	// Reveal is the explicit way back, and the create body carries it.
	if w := n.Reveal(); w.NetworkKey != key || w.PSKc != pskc {
		t.Errorf("Reveal %+v", w)
	}
	b, _ := json.Marshal(n.Reveal())
	if !strings.Contains(string(b), key) {
		t.Errorf("wire JSON %s lacks the key", b)
	}
	if w := (clients.SkillCredentials{ClientSecret: secret}).Reveal(); w.ClientSecret != secret {
		t.Errorf("Reveal %+v", w)
	}
	if w := (clients.Token{AccessToken: access}).Reveal(); w.AccessToken != access {
		t.Errorf("Reveal %+v", w)
	}

	// Errors and attempts never carry a secret either.
	e := &clients.APIError{Operation: contract.OpToken, Status: 400, Code: "invalid_grant", Message: "bad", Attempts: 2, RetryAfter: time.Second}
	for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e)} {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("error %q reveals %q", s, sec)
			}
		}
	}
}

func TestParseThreadNetwork(t *testing.T) {
	cases := []struct {
		in, want, err string
	}{
		{`{"threadNetwork":{"extendedPanId":"a","networkName":"n","networkKey":"k","channelNumber":11}}`, "a/n/k/11", ""},
		{`{"extendedPanId":"a","networkName":"n","networkKey":"k"}`, "a/n/k/0", ""},
		{`{"threadNetwork":{"networkKey":"SECRET","channelNumber":"eleven"}}`, "", `field "channelNumber" must be a JSON int`},
		{`{"threadNetwork":`, "", "malformed JSON"},
		{`[1]`, "", "must be a JSON"},
	}
	for _, c := range cases {
		n, err := clients.ParseThreadNetwork([]byte(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("ParseThreadNetwork(%s) error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if got := fmt.Sprintf("%s/%s/%s/%d", n.ExtendedPanID, n.NetworkName, n.NetworkKey.Reveal(), n.ChannelNumber); err != nil || got != c.want {
			t.Errorf("ParseThreadNetwork(%s) = %s, %v", c.in, got, err)
		}
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{
		contract.EnvLockerURL: "http://127.0.0.1:8080", contract.EnvSMAPIURL: "http://127.0.0.1:8081", contract.EnvLWAURL: "http://127.0.0.1:8082",
		contract.EnvLWAClientID: "cid", contract.EnvLWAClientSecret: "csecret", contract.EnvCustomerRefreshToken: "crt",
		contract.EnvVendorRefreshToken: "vrt", contract.EnvSkillID: "skill", contract.EnvCustomerBRefreshToken: "brt",
		contract.EnvNoScopeRefreshToken: "nrt", contract.EnvOtherVendorRefreshToken: "ovrt",
	}
	cfg := clients.FromEnv(func(k string) string { return env[k] })
	got := fmt.Sprintf("%s %s %s %s %s %s %s %s %s %s %s", cfg.LockerURL, cfg.SMAPIURL, cfg.LWAURL, cfg.ClientID, cfg.ClientSecret.Reveal(),
		cfg.CustomerRefreshToken.Reveal(), cfg.VendorRefreshToken.Reveal(), cfg.SkillID, cfg.CustomerBRefreshToken.Reveal(),
		cfg.NoScopeRefreshToken.Reveal(), cfg.OtherVendorRefreshToken.Reveal())
	if want := "http://127.0.0.1:8080 http://127.0.0.1:8081 http://127.0.0.1:8082 cid csecret crt vrt skill brt nrt ovrt"; got != want {
		t.Errorf("FromEnv = %s", got)
	}
	if tp, err := cfg.CustomerTokens(); err != nil {
		t.Error(err)
	} else if _, ok := tp.(*clients.LWA); !ok {
		t.Errorf("customer tokens %T, want *LWA", tp)
	}
	cfg.AccessToken = "direct"
	if tp, err := cfg.VendorTokens(); err != nil || tp.(clients.StaticToken) != "direct" {
		t.Errorf("with an access token: %T %v", tp, err)
	}

	empty := clients.Config{}
	_, err := empty.Locker()
	for _, w := range []string{contract.EnvCustomerRefreshToken, contract.EnvAccessToken} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v does not name %s", err, w)
		}
	}
	_, err = clients.Config{CustomerRefreshToken: "r"}.Locker()
	if err == nil || !strings.Contains(err.Error(), contract.EnvLWAClientID) {
		t.Errorf("missing client: %v", err)
	}
	bad := clients.Config{LockerURL: "localhost:8080", LWAURL: "ftp://x"}
	err = bad.Validate()
	for _, w := range []string{contract.EnvLockerURL, contract.EnvLWAURL, "http://127.0.0.1:8080"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate: %v lacks %q", err, w)
		}
	}
	if err := (clients.Config{}).Validate(); err != nil {
		t.Errorf("empty config (real endpoints): %v", err)
	}
	if _, err := clients.StaticToken("").Token(context.Background()); err == nil {
		t.Error("empty static token accepted")
	}
}
