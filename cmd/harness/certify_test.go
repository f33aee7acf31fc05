package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
)

// TestCertifyCommand drives `harness certify` and `harness adapter` as main
// does: usage errors exit 2 before any scenario runs, a failing adapter exits
// 1 with its certificate written, and the reference adapter performs an
// operation against a mock.
func TestCertifyCommand(t *testing.T) {
	t.Parallel()
	m, err := mock.Start(context.Background(), "127.0.0.1:0", mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	mockEnv := map[string]string{
		contract.EnvLockerURL: m.URL, contract.EnvSMAPIURL: m.URL, contract.EnvLWAURL: m.URL,
		contract.EnvLWAClientID: contract.MockLWAClientID, contract.EnvLWAClientSecret: contract.MockLWAClientSecret,
		contract.EnvVendorRefreshToken: contract.MockVendorRefreshToken,
	}
	out := t.TempDir()
	taken := t.TempDir() // holds a file of the user's: never a certificate's folder
	if err := os.WriteFile(filepath.Join(taken, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    map[string]string
		stdin  string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{name: "adapter not found", args: []string{"certify", "--client", "/nonexistent/adapter --x"}, code: ExitUsage,
			stderr: []string{"--client", "no such file"}},
		{name: "adapter not on PATH", args: []string{"certify", "--client", "no-such-adapter-anywhere"}, code: ExitUsage,
			stderr: []string{"--client", "not found on PATH"}},
		{name: "unclosed quote", args: []string{"certify", "--client", "python3 'adapter.py"}, code: ExitUsage, stderr: []string{"--client", "quote"}},
		{name: "unknown operation", args: []string{"certify", "--client", "sh", "--operations", "create-network,delete-network"}, code: ExitUsage,
			stderr: []string{"--operations", "delete-network"}},
		{name: "bad max attempts", args: []string{"certify", "--client", "sh", "--max-attempts", "0"}, code: ExitUsage, stderr: []string{"--max-attempts"}},
		{name: "bad call timeout", args: []string{"certify", "--client", "sh", "--call-timeout", "-1s"}, code: ExitUsage, stderr: []string{"--call-timeout"}},
		{name: "bad format", args: []string{"certify", "--client", "sh", "--format", "html"}, code: ExitUsage, stderr: []string{"--format"}},
		{name: "--out holds other files", args: []string{"certify", "--client", "sh", "--out", taken}, code: ExitUsage, stderr: []string{taken}},
		{name: "tags select nothing", args: []string{"certify", "--client", "sh", "--tags", "@no-such-tag"}, code: ExitUsage, stderr: []string{"--tags", "selects no scenario"}},
		{name: "operations and tags select nothing", args: []string{"certify", "--client", "sh", "--operations", "skill-credentials", "--tags", "@op:get-networks"},
			code: ExitUsage, stderr: []string{"--tags \"@op:get-networks\" with --operations skill-credentials selects no scenario"}},
		{name: "reference adapter, operations and tags select nothing", args: []string{"certify", "--operations", "create-network", "--tags", "@rule:P1"},
			code: ExitUsage, stderr: []string{"--operations create-network", "selects no scenario"}},
		{name: "explicitly empty --client", args: []string{"certify", "--client", ""}, code: ExitUsage, stderr: []string{"--client ''", "leave --client out"}},
		{name: "explicitly empty --client=", args: []string{"certify", "--client="}, code: ExitUsage, stderr: []string{"--client ''"}},
		{name: "bad tag expression", args: []string{"certify", "--client", "sh", "--tags", "@a,,"}, code: ExitUsage, stderr: []string{"--tags", "is not a tag"}},
		{name: "comma in --out", args: []string{"certify", "--client", "sh", "--out", filepath.Join(out, "a,b")}, code: ExitUsage, stderr: []string{"--out", "comma"}},
		{name: "reference adapter, unknown operation", args: []string{"certify", "--operations", "bogus"}, code: ExitUsage, stderr: []string{"--operations", "bogus"}},
		{name: "a failing adapter: exit 1 and a certificate", args: []string{"certify", "--client", "sh -c 'exit 1' adapter", "--tags", "@rule:P1", "--out", out, "--format", "none"},
			code: ExitFailed, stdout: []string{"NOT CERTIFIED", "P1", "Certificate:"}, stderr: []string{"NOT CERTIFIED"}},
		{name: "adapter: unknown operation", args: []string{"adapter", "delete-network"}, stdin: "{}", code: ExitUsage, stderr: []string{"unknown operation"}},
		{name: "adapter: unknown operation, empty stdin", args: []string{"adapter", "bogus"}, code: ExitUsage, stderr: []string{"unknown operation", "bogus"}},
		{name: "adapter: skill credentials from the mock", env: mockEnv, args: []string{"adapter", "skill-credentials"},
			stdin: `{"skillId":"` + contract.MockSkillID + `"}`, code: ExitOK, stdout: []string{"skillMessagingCredentials", contract.MockSkillClientID}},
		{name: "adapter: unknown skill fails", env: mockEnv, args: []string{"adapter", "skill-credentials"},
			stdin: `{"skillId":"amzn1.ask.skill.00000000-0000-4000-8000-0000000000ff"}`, code: ExitFailed, stderr: []string{"404"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestState(t, tt.args...)
			for k, v := range tt.env {
				ts.Env[k] = v
			}
			if tt.stdin != "" {
				ts.Stdin = strings.NewReader(tt.stdin)
			}
			code := run(context.Background(), ts.globalState)
			stdout, stderr := ts.Stdout.String(), ts.Stderr.String()
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if code == ExitUsage && tt.args[0] == "certify" && stdout != "" {
				t.Errorf("a usage error printed before it was found:\n%s", stdout)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
	md, err := os.ReadFile(filepath.Join(out, "certificate.md"))
	if err != nil || !strings.Contains(string(md), "NOT CERTIFIED") || !strings.Contains(string(md), "P1") {
		t.Fatalf("certificate.md of the failing adapter: %v\n%s", err, md)
	}
}
