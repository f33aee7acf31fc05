package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/alexa-harness/harness/api"
)

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a
// command's goroutines (the mock's request log, a progress line).
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

// testState is a globalState for tests: an environment of its own (a map,
// so tests need no t.Setenv and can run in parallel), an empty stdin and
// buffers for stdout and stderr.
type testState struct {
	*globalState
	Env            map[string]string
	Stdout, Stderr *lockedBuffer
}

// newTestState returns the state of a harness run with args and an empty
// environment.
func newTestState(t *testing.T, args ...string) *testState {
	t.Helper()
	ts := &testState{Env: map[string]string{}, Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}}
	ts.globalState = &globalState{
		Args: args,
		LookupEnv: func(k string) (string, bool) {
			v, ok := ts.Env[k]
			return v, ok
		},
		Stdin:  strings.NewReader(""),
		Stdout: ts.Stdout,
		Stderr: ts.Stderr,
	}
	return ts
}

// runHarness runs the command line with env exactly as main does (the same
// run) and returns the exit code, stdout and stderr.
func runHarness(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ts := newTestState(t, args...)
	for k, v := range env {
		ts.Env[k] = v
	}
	code := run(context.Background(), ts.globalState)
	return code, ts.Stdout.String(), ts.Stderr.String()
}

// TestRun drives run as main does: usage, help, errors and a quick command,
// each with its exit code and what it prints where.
func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    []string // substrings of stdout
		stderr    []string // substrings of stderr
		emptyOut  bool     // nothing on stdout
		exactYAML bool     // stdout is the embedded contract, byte for byte
	}{
		{name: "no command prints help and fails", args: nil, code: ExitUsage, emptyOut: true, stderr: []string{"Usage:", "Available Commands:", "conform", "Exit codes: 0 success", "harness needs a command"}},
		{name: "client with no command prints help and fails", args: []string{"client"}, code: ExitUsage, emptyOut: true, stderr: []string{"Usage:", "get-networks", "harness client needs a command"}},
		{name: "--version", args: []string{"--version"}, code: ExitOK, stdout: []string{"harness ", " go1."}},
		{name: "--help", args: []string{"--help"}, code: ExitOK, stdout: []string{"Usage:", "harness [command]", "130 interrupted"}},
		{name: "help of a command", args: []string{"load", "--help"}, code: ExitOK, stdout: []string{"--profile", "harness report DIR"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: ExitUsage, emptyOut: true, stderr: []string{`harness: unknown command "frobnicate"`}},
		{name: "unknown flag", args: []string{"--frobnicate"}, code: ExitUsage, emptyOut: true, stderr: []string{"harness: unknown flag: --frobnicate"}},
		{name: "bad flag value", args: []string{"conform", "--concurrency", "many"}, code: ExitUsage, emptyOut: true, stderr: []string{`invalid argument "many" for "--concurrency"`}},
		{name: "usage error from a command", args: []string{"contract", "--format", "xml"}, code: ExitUsage, emptyOut: true, stderr: []string{`harness: --format: "xml" is not a format`}},
		{name: "stray argument", args: []string{"contract", "extra"}, code: ExitUsage, emptyOut: true, stderr: []string{`unknown command "extra"`}},
		{name: "contract", args: []string{"contract"}, code: ExitOK, exactYAML: true},
		{name: "contract as JSON", args: []string{"contract", "--format", "json"}, code: ExitOK, stdout: []string{`"openapi": "3.0.3"`, `"/auth/o2/token"`}},
		{name: "report of no run", args: []string{"report", t.TempDir()}, code: ExitUsage, emptyOut: true, stderr: []string{"not a load run directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runHarness(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if tt.emptyOut && out != "" {
				t.Errorf("stdout should be empty on an error:\n%s", out)
			}
			if tt.exactYAML && out != string(api.Document()) {
				t.Errorf("stdout is not the embedded contract (%d bytes, want %d)", len(out), len(api.Document()))
			}
			if tt.code == ExitOK && errs != "" {
				t.Errorf("stderr should be empty on success:\n%s", errs)
			}
		})
	}
}

// TestRunReadsEnvironmentThroughState: the environment a command sees is the
// state's, not the process's: a HARNESS_* URL given only in the state's
// environment is the one the client refuses.
func TestRunReadsEnvironmentThroughState(t *testing.T) {
	t.Parallel()
	ts := newTestState(t, "client", "skill-credentials", "--access-token", "x")
	ts.Env["HARNESS_SMAPI_URL"] = "not-a-url-from-the-state"
	ts.Env["HARNESS_SKILL_ID"] = "amzn1.ask.skill.x"
	code := run(context.Background(), ts.globalState)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d\n%s", code, ExitUsage, ts.Stderr.String())
	}
	if !strings.Contains(ts.Stderr.String(), "not-a-url-from-the-state") {
		t.Errorf("the error does not name the state's HARNESS_SMAPI_URL:\n%s", ts.Stderr.String())
	}
}

// TestExitCode: the one mapping from a command's error to the exit code.
func TestExitCode(t *testing.T) {
	t.Parallel()
	live := context.Background()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"success", live, nil, ExitOK},
		{"attached code", live, withCode(ExitFailed, errors.New("threshold")), ExitFailed},
		{"attached code, wrapped", live, fmt.Errorf("load: %w", withCode(ExitRuntime, io.ErrUnexpectedEOF)), ExitRuntime},
		{"attached code wins over an interruption", done, withCode(ExitFailed, errors.New("x")), ExitFailed},
		{"plain error after an interruption", done, context.Canceled, ExitInterrupted},
		{"cobra's own error", live, errors.New(`unknown flag: --x`), ExitUsage},
	}
	for _, tt := range tests {
		if got := exitCode(tt.ctx, tt.err); got != tt.want {
			t.Errorf("%s: exitCode = %d, want %d", tt.name, got, tt.want)
		}
	}
	if withCode(ExitFailed, nil) != nil {
		t.Error("withCode(nil) is not nil")
	}
}

// TestTuneProcess: main's GC setting applies only when GOGC is unset.
func TestTuneProcess(t *testing.T) {
	// Not parallel: the GC percent is process-wide.
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	for _, tt := range []struct {
		env  map[string]string
		want int
	}{
		{map[string]string{}, gcPercentForHarness},
		{map[string]string{"GOGC": "50"}, 100},
		{map[string]string{"GOGC": ""}, gcPercentForHarness}, // empty is unset, as for the runtime
	} {
		debug.SetGCPercent(100)
		ts := newTestState(t)
		ts.Env = tt.env
		tuneProcess(ts.globalState)
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("GOGC %v: GC percent %d, want %d", tt.env, got, tt.want)
		}
	}
}

// assertSays checks that text (named what, e.g. "stderr") contains every
// string of want and none of never.
func assertSays(t *testing.T, what, text string, want, never []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, text)
		}
	}
	for _, n := range never {
		if strings.Contains(text, n) {
			t.Errorf("%s says %q:\n%s", what, n, text)
		}
	}
}
