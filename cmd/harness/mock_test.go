package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// TestMockCommand starts `harness mock` on a free port, uses it, stops it
// through its context (as SIGINT does) and checks that neither the banner
// nor the request log shows a secret in clear.
func TestMockCommand(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	pr, pw := io.Pipe()
	urls := make(chan string, 1)
	copied := make(chan struct{})
	go func() { // copies the banner, reporting the URL as soon as it is printed
		re := regexp.MustCompile(`listening on (http://\S+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			_, _ = out.Write(append(sc.Bytes(), '\n'))
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		close(copied)
	}()
	ts := newTestState(t, "mock", "--addr", "127.0.0.1:0", "--log-format", "json", "--fixtures", "../../internal/mock/testdata/fixtures.yaml")
	ts.globalState.Stdout = pw // the banner is read as it comes
	errOut := ts.Stderr
	done := make(chan int, 1)
	go func() { done <- run(ctx, ts.globalState) }()

	var base string
	select {
	case base = <-urls:
	case code := <-done:
		t.Fatalf("mock exited early with %d\n%s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("no banner")
	}
	ctl := mockcontrol.Control{BaseURL: base}
	if err := ctl.Health(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := http.PostForm(base+contract.TokenPath, map[string][]string{
		"grant_type": {"refresh_token"}, "client_id": {contract.MockLWAClientID},
		"client_secret": {contract.MockLWAClientSecret}, "refresh_token": {contract.MockCustomerARefresh},
	})
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("token: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("mock exited %d after a requested stop\n%s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("mock did not stop on cancellation")
	}
	_ = pw.Close()
	<-copied
	banner, logs := out.String(), errOut.String()
	for _, want := range []string{contract.MockSkillID, "customer-noscope", "customer-seeded", "/__harness/", "no Thread scope"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if !strings.Contains(logs, `"operation":"token"`) {
		t.Errorf("request not logged:\n%s", logs)
	}
	for _, secret := range []string{contract.MockLWAClientSecret, contract.MockSkillClientSecret, contract.MockCustomerARefresh,
		contract.MockVendorRefreshToken, contract.MockCustomerNoScopeRefresh, "partner-client-secret", "partner-skill2-secret",
		"Atzr|partner-customer-seeded", "00112233445566778899aabbccddeeff"} {
		if strings.Contains(banner, secret) || strings.Contains(logs, secret) {
			t.Errorf("secret %q printed in clear", secret)
		}
	}
}

func TestMockCommandBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"mock", "--addr", "0.0.0.0:8080"}, "--allow-remote"},
		{[]string{"mock", "--addr", "8080"}, "host:port"},
		{[]string{"mock", "--log-format", "xml"}, "text or json"},
		{[]string{"mock", "--log-level", "loud"}, "debug, info"},
		{[]string{"mock", "--journal-size", "-1"}, "journal-size"},
		{[]string{"mock", "--journal-size", "0"}, "journal-size"},
		{[]string{"mock", "--journal-size", "99999999999"}, "1 to 1000000"},
		{[]string{"mock", "--addr", "127.0.0.1:0", "--fixtures", "/dev/zero"}, "not a regular file"},
		{[]string{"mock", "--addr", "127.0.0.1:0", "--fixtures", "/nonexistent/fixtures.yaml"}, "fixtures"},
	}
	for _, tc := range tests {
		code, _, errs := runHarness(t, nil, tc.args...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, want %d with an error mentioning %q:\n%s", tc.args, code, ExitUsage, tc.want, errs)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:0": true, "localhost:1": true, "127.1.2.3:9": true,
		"0.0.0.0:8080": false, ":8080": false, "10.0.0.1:80": false, "example.com:80": false,
	} {
		if err := checkLoopback(addr, false); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v", addr, err)
		}
	}
	if err := checkLoopback("0.0.0.0:8080", true); err != nil {
		t.Errorf("--allow-remote: %v", err)
	}
}
