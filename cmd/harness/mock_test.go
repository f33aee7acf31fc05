package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMockCommand starts `harness mock` on a free port, uses it, stops it
// through its context (as SIGINT does) and checks that neither the banner
// nor the request log shows a secret in clear.
func TestMockCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
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
	root := newRootCmd()
	root.SetOut(pw)
	root.SetErr(&errOut)
	root.SetArgs([]string{"mock", "--addr", "127.0.0.1:0", "--log-format", "json", "--fixtures", "../../internal/mock/testdata/fixtures.yaml"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("mock exited early: %v\n%s", err, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("no banner")
	}
	ctl := mock.Control{BaseURL: base}
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
	case err := <-done:
		if err != nil {
			t.Fatalf("mock returned %v after a requested stop", err)
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
		{[]string{"mock", "--addr", "127.0.0.1:0", "--fixtures", "/nonexistent/fixtures.yaml"}, "fixtures"},
	}
	for _, tc := range tests {
		root := newRootCmd()
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(tc.args)
		err := root.ExecuteContext(context.Background())
		var ee *exitError
		if err == nil || !errors.As(err, &ee) || ee.code != ExitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error mentioning %q", tc.args, err, tc.want)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
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
