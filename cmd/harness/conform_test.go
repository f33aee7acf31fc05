package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
)

// conformCmd runs `harness conform args...` and returns the exit code and
// the combined output.
func conformCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs(append([]string{"conform"}, args...))
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return ExitOK, out.String()
	}
	out.WriteString("harness: " + err.Error() + "\n")
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, out.String()
	}
	return ExitUsage, out.String()
}

func TestConformCmdUsage(t *testing.T) {
	tests := [][]string{
		{"--target", "staging"},
		{"--format", "html"},
		{"--concurrency", "-1"},
		{"--rate", "-2"},
		{"--tags", "@op:token &&"},
		{"extra-arg"},
	}
	for _, args := range tests {
		if code, out := conformCmd(t, args...); code != ExitUsage {
			t.Errorf("conform %v: exit %d, want %d\n%s", args, code, ExitUsage, out)
		}
	}
}

func TestConformCmdMock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, out := conformCmd(t, "--format", "none", "--tags", "@op:token", "--out", dir)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"OPERATION", "token", "pass", "skip", "not selected by --tags @op:token", "PASS (target mock"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}
	secrets := []string{contract.MockLWAClientSecret, contract.MockCustomerARefresh, contract.MockVendorRefreshToken,
		contract.MockSkillClientSecret, "Atza|"}
	for _, f := range []string{"cucumber.json", "junit.xml", "coverage.xml", "conform.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret in clear", f)
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Error("the console output holds a secret in clear")
		}
	}
}

// realEnv points the HARNESS_* variables at url with the mock's identities.
func realEnv(t *testing.T, url string) {
	for k, v := range map[string]string{
		contract.EnvLockerURL: url, contract.EnvSMAPIURL: url, contract.EnvLWAURL: url,
		contract.EnvLWAClientID: contract.MockLWAClientID, contract.EnvLWAClientSecret: contract.MockLWAClientSecret,
		contract.EnvCustomerRefreshToken: contract.MockCustomerARefresh, contract.EnvVendorRefreshToken: contract.MockVendorRefreshToken,
		contract.EnvSkillID: contract.MockSkillID, contract.EnvCustomerBRefreshToken: "", contract.EnvNoScopeRefreshToken: "",
		contract.EnvOtherVendorRefreshToken: "", contract.EnvAccessToken: "",
	} {
		t.Setenv(k, v)
	}
}

func TestConformCmdReal(t *testing.T) {
	m, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var duplicateOK atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if duplicateOK.Load() && r.Method == http.MethodPut {
			rec := httptest.NewRecorder()
			m.ServeHTTP(rec, r)
			if rec.Code == http.StatusConflict {
				w.WriteHeader(http.StatusOK)
				return
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		m.ServeHTTP(w, r)
	}))
	defer srv.Close()
	realEnv(t, srv.URL)

	code, out := conformCmd(t, "--target", "real", "--format", "none", "--rate", "1000", "--tags", "@op:createThreadNetwork")
	if code != ExitOK {
		t.Fatalf("conforming server: exit %d\n%s", code, out)
	}
	for _, want := range []string{"writes data: run with --allow-writes", "mock-only:", contract.EnvNoScopeRefreshToken} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}

	duplicateOK.Store(true)
	code, out = conformCmd(t, "--target", "real", "--format", "none", "--rate", "1000", "--allow-writes", "--tags", "@op:createThreadNetwork")
	if code != ExitFailed {
		t.Fatalf("server answering 200 to a duplicate: exit %d, want %d\n%s", code, ExitFailed, out)
	}
	if !strings.Contains(out, "Creating the same network twice is a conflict") {
		t.Errorf("the failing scenario is not named\n%s", out)
	}
}
