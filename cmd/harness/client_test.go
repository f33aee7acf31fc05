package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
)

// runHarness runs the command line as main does and returns the exit code
// and what it wrote.
func runHarness(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(""))
	err := root.ExecuteContext(context.Background())
	code := ExitOK
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		} else {
			code = ExitUsage
		}
		errb.WriteString("harness: " + err.Error() + "\n")
	}
	return code, out.String(), errb.String()
}

// mockEnv starts a mock and points the HARNESS_* variables at it.
func mockEnv(t *testing.T) (string, mock.Control) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	run, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = run.Close(context.Background()) })
	for k, v := range map[string]string{
		contract.EnvLockerURL: run.URL, contract.EnvSMAPIURL: run.URL, contract.EnvLWAURL: run.URL,
		contract.EnvLWAClientID: contract.MockLWAClientID, contract.EnvLWAClientSecret: contract.MockLWAClientSecret,
		contract.EnvCustomerRefreshToken: contract.MockCustomerARefresh, contract.EnvVendorRefreshToken: contract.MockVendorRefreshToken,
		contract.EnvSkillID: contract.MockSkillID, contract.EnvAccessToken: "",
	} {
		t.Setenv(k, v)
	}
	return run.URL, mock.Control{BaseURL: run.URL}
}

const netJSON = `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"home","networkKey":"00112233445566778899aabbccddeeff","pskc":"ffeeddccbbaa99887766554433221100","channelNumber":15}}`

func TestClientCommand(t *testing.T) {
	url, ctl := mockEnv(t)
	file := filepath.Join(t.TempDir(), "net.json")
	if err := os.WriteFile(file, []byte(`{"extendedPanId":"0123456789abcdef","networkName":"office","networkKey":"aabbccddeeff00112233445566778899"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := []string{contract.MockLWAClientSecret, contract.MockCustomerARefresh, contract.MockVendorRefreshToken,
		contract.MockSkillClientSecret, "00112233445566778899aabbccddeeff", "ffeeddccbbaa99887766554433221100", "aabbccddeeff00112233445566778899", "Atza|"}
	cases := []struct {
		name    string
		setup   func()
		args    []string
		code    int
		out     []string // substrings of stdout
		err     []string // substrings of stderr
		reveals bool
	}{
		{"token", nil, []string{"client", "token"}, ExitOK, []string{`"accessToken": "****`, `"expiresIn": 3600`}, nil, false},
		{"token vendor revealed", nil, []string{"client", "token", "--as", "vendor", "--reveal"}, ExitOK, []string{`"access_token": "Atza|`}, nil, true},
		{"token bad refresh", nil, []string{"client", "token", "--refresh-token", "Atzr|nobody"}, ExitFailed, []string{`"status": 400`}, []string{"400", "invalid_grant", "1 attempt"}, false},
		{"create", nil, []string{"client", "create-network", "--json", netJSON}, ExitOK, []string{`"created": true`, `"networkKey": "****`}, nil, false},
		{"create from file", nil, []string{"client", "create-network", "--json", "@" + file}, ExitOK, []string{`"networkName": "office"`}, nil, false},
		{"create again", nil, []string{"client", "create-network", "--json", netJSON}, ExitFailed, []string{`"status": 409`},
			[]string{"409 Conflict", "already exists", "1 attempt"}, false},
		{"create bad json", nil, []string{"client", "create-network", "--json", `{"threadNetwork":{"channelNumber":"x"}}`}, ExitUsage, nil, []string{"channelNumber"}, false},
		{"create raw invalid", nil, []string{"client", "create-network", "--raw", "--json", `{"threadNetwork":{}}`}, ExitFailed, nil, []string{"400"}, false},
		{"create missing file", nil, []string{"client", "create-network", "--json", "@/nonexistent.json"}, ExitUsage, nil, []string{"/nonexistent.json"}, false},
		{"create no body", nil, []string{"client", "create-network"}, ExitUsage, nil, []string{"--json is required"}, false},
		{"get all", nil, []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--all"}, ExitOK,
			[]string{`"networkName": "home"`, `"networkName": "office"`, `"pskc": "****`}, nil, false},
		{"get page revealed", nil, []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--max-results", "1", "--reveal"}, ExitOK,
			[]string{`"nextToken": "`, `"networkKey": "`}, nil, true},
		{"get forged token", nil, []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--next-token", "forged"}, ExitFailed,
			nil, []string{"400", "nextToken", "1 attempt"}, false},
		{"get no pan", nil, []string{"client", "get-networks"}, ExitUsage, nil, []string{"--extended-pan-id is required"}, false},
		{"get bad max", nil, []string{"client", "get-networks", "--extended-pan-id", "x", "--max-results", "0"}, ExitUsage, nil, []string{"1–100"}, false},
		{"skill", nil, []string{"client", "skill-credentials"}, ExitOK, []string{`"clientId": "` + contract.MockSkillClientID, `"clientSecret": "****`}, nil, false},
		{"skill revealed", nil, []string{"client", "skill-credentials", "--reveal"}, ExitOK, []string{`"clientSecret": "` + contract.MockSkillClientSecret}, nil, true},
		{"skill unknown", nil, []string{"client", "skill-credentials", "--skill-id", "amzn1.ask.skill.nope"}, ExitFailed, nil, []string{"404", "1 attempt"}, false},
		{"skill other vendor", nil, []string{"client", "skill-credentials", "--refresh-token", contract.MockOtherVendorRefresh}, ExitFailed, nil, []string{"403"}, false},
		{"503 burst verbose", func() {
			_, _ = ctl.AddFault(context.Background(), mock.Fault{Operation: contract.OpGetSkillCredentials, Status: 503, Count: 2, Probability: 1})
		}, []string{"client", "skill-credentials", "--verbose", "--retry-policy", "immediate"}, ExitOK, []string{`"clientSecret": "****`},
			[]string{"attempt 1 getSkillCredentials", "status=503", "-> retry in 0s", "attempt 3 getSkillCredentials", "status=200"}, false},
		{"503 throughout", func() {
			_, _ = ctl.AddFault(context.Background(), mock.Fault{Operation: contract.OpGetSkillCredentials, Status: 503, Count: 3, Probability: 1})
		}, []string{"client", "skill-credentials", "--max-attempts", "3", "--retry-policy", "immediate"}, ExitFailed, nil,
			[]string{"503 Service Unavailable", "fault injected", "3 attempts"}, false},
		{"bad policy", nil, []string{"client", "skill-credentials", "--retry-policy", "yolo"}, ExitUsage, nil, []string{"standard, no-retry"}, false},
		{"bad url", nil, []string{"client", "skill-credentials", "--smapi-url", "localhost:1"}, ExitUsage, nil, []string{"http://127.0.0.1:8080"}, false},
		{"unreachable", nil, []string{"client", "skill-credentials", "--smapi-url", "http://127.0.0.1:1", "--access-token", "x", "--max-attempts", "1"}, ExitRuntime,
			nil, []string{"no answer after 1 attempt"}, false},
		{"mock flag", nil, []string{"client", "get-networks", "--mock", url, "--extended-pan-id", "0123456789abcdef"}, ExitOK, []string{`"threadNetworks"`}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup()
			}
			code, out, errs := runHarness(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errs)
			}
			for _, w := range c.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range c.err {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if out != "" && !json.Valid([]byte(out)) {
				t.Errorf("stdout is not JSON: %s", out)
			}
			if !c.reveals {
				for _, s := range secrets {
					if strings.Contains(out+errs, s) {
						t.Errorf("output reveals %q:\n%s\n%s", s, out, errs)
					}
				}
			}
		})
	}
}

func TestClientHelpNamesTheMock(t *testing.T) {
	code, out, _ := runHarness(t, "client", "--help")
	for _, w := range []string{contract.EnvLockerURL + "=http://127.0.0.1:8080", "harness mock", "--reveal", "Exit codes"} {
		if !strings.Contains(out, w) {
			t.Errorf("help lacks %q", w)
		}
	}
	if code != ExitOK {
		t.Errorf("exit %d", code)
	}
}
