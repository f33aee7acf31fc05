package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/alexa-harness/harness/features"
	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
)

// conformCmd runs `harness conform args...` with env through run and
// returns the exit code and the combined output.
func conformCmd(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	code, out, errs := runHarness(t, env, append([]string{"conform"}, args...)...)
	return code, out + errs
}

func TestConformCmdUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string // in the output
	}{
		{[]string{"--target", "staging"}, "--target"},
		{[]string{"--format", "html"}, "--format"},
		{[]string{"--concurrency", "-1"}, "--concurrency"},
		{[]string{"--rate", "-2"}, "--rate"},
		{[]string{"--rate", "0"}, "--rate"},
		{[]string{"--rate", "NaN"}, "--rate NaN"},
		{[]string{"--rate", "+Inf"}, "--rate +Inf"},
		{[]string{"--target", "real", "--rate", "NaN"}, "--rate NaN"},
		{[]string{"--timeout", "0s"}, "--timeout"},
		{[]string{"--scenario-timeout", "-1s"}, "--scenario-timeout"},
		{[]string{"--tags", "@op:token &&"}, "@op:token &&"},
		{[]string{"--format", "none", "--tags", "@no-such-tag"}, `tag expression "@no-such-tag" selects no scenario`},
		{[]string{"extra-arg"}, "extra-arg"},
	}
	for _, tc := range tests {
		code, out := conformCmd(t, nil, tc.args...)
		if code != ExitUsage {
			t.Errorf("conform %v: exit %d, want %d\n%s", tc.args, code, ExitUsage, out)
		}
		if !strings.Contains(out, tc.want) {
			t.Errorf("conform %v: the error does not say %q\n%s", tc.args, tc.want, out)
		}
	}
}

// testConformCmdJUnit (TestSharedRuns): junit.xml of the shared conform
// run is the runner's, one testsuite per feature, skipped scenarios with
// their reason and no <error>.
func testConformCmdJUnit(t *testing.T, shared sharedRuns) {
	dir, code, out := shared.conform, shared.conformCode, shared.conformOut
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name    string `xml:"name,attr"`
			Skipped int    `xml:"skipped,attr"`
			Cases   []struct {
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				Error *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var cj []struct{ Elements []any }
	c, err := os.ReadFile(filepath.Join(dir, "cucumber.json"))
	if err != nil || json.Unmarshal(c, &cj) != nil {
		t.Fatalf("cucumber.json: %v", err)
	}
	suitesSkipped := 0
	for _, s := range doc.Suites {
		suitesSkipped += s.Skipped
	}
	catalog, err := conform.Catalog(features.FS())
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) < 5 || doc.Tests != len(catalog) || doc.Failures != 0 || suitesSkipped == 0 || suitesSkipped >= doc.Tests {
		t.Errorf("junit.xml: %d suites, tests=%d failures=%d skipped=%d: want one suite per feature, every scenario (%d), some skipped",
			len(doc.Suites), doc.Tests, doc.Failures, suitesSkipped, len(catalog))
	}
	var skipped int
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Error != nil {
				t.Errorf("%s: a test case with <error>", s.Name)
			}
			if c.Skipped != nil {
				skipped++
				if !strings.HasPrefix(c.Skipped.Message, "not selected by --tags @op:token") {
					t.Errorf("%s: skipped with %q", s.Name, c.Skipped.Message)
				}
			}
		}
	}
	if skipped != suitesSkipped {
		t.Errorf("%d skipped test cases, the suites say %d", skipped, suitesSkipped)
	}
}

// testConformCmdMock (TestSharedRuns): the shared conform run of the
// @op:token scenarios against the embedded mock passes, says what it ran
// and skipped, writes its files, and no secret is in clear in them or on
// the console.
func testConformCmdMock(t *testing.T, shared sharedRuns) {
	dir, code, out := shared.conform, shared.conformCode, shared.conformOut
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

// realEnv is an environment whose HARNESS_* variables point at url with the
// mock's identities.
func realEnv(url string) map[string]string {
	return map[string]string{
		contract.EnvLockerURL: url, contract.EnvSMAPIURL: url, contract.EnvLWAURL: url,
		contract.EnvLWAClientID: contract.MockLWAClientID, contract.EnvLWAClientSecret: contract.MockLWAClientSecret,
		contract.EnvCustomerRefreshToken: contract.MockCustomerARefresh, contract.EnvVendorRefreshToken: contract.MockVendorRefreshToken,
		contract.EnvSkillID: contract.MockSkillID,
	}
}

func TestConformCmdReal(t *testing.T) {
	t.Parallel()
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
	env := realEnv(srv.URL)

	code, out := conformCmd(t, env, "--target", "real", "--format", "none", "--rate", "1000", "--tags", "@op:createThreadNetwork")
	if code != ExitOK {
		t.Fatalf("conforming server: exit %d\n%s", code, out)
	}
	for _, want := range []string{"writes data: run with --allow-writes", "mock-only:", contract.EnvNoScopeRefreshToken} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}

	duplicateOK.Store(true)
	code, out = conformCmd(t, env, "--target", "real", "--format", "none", "--rate", "1000", "--allow-writes", "--tags", "@op:createThreadNetwork")
	if code != ExitFailed {
		t.Fatalf("server answering 200 to a duplicate: exit %d, want %d\n%s", code, ExitFailed, out)
	}
	if !strings.Contains(out, "Creating the same network twice is a conflict") {
		t.Errorf("the failing scenario is not named\n%s", out)
	}
}
