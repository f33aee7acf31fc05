package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/alexa-harness/harness/api"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/mock"
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
// so tests need no t.Setenv and can run in parallel), an empty stdin,
// buffers for stdout and stderr, and a ReserveMemory that records its
// calls (Reserved) instead of changing the process.
type testState struct {
	*globalState
	Env            map[string]string
	Stdout, Stderr *lockedBuffer

	mu       sync.Mutex
	reserved []int64
}

// Reserved returns the bytes the command passed to ReserveMemory, in order.
func (ts *testState) Reserved() []int64 {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.reserved)
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
		ReserveMemory: func(bytes int64) {
			ts.mu.Lock()
			defer ts.mu.Unlock()
			ts.reserved = append(ts.reserved, bytes)
		},
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

// TestTuneProcess: main's GC setting applies only when GOGC is unset, its
// memory limit and ReserveMemory only when GOMEMLIMIT is unset.
func TestTuneProcess(t *testing.T) {
	// Not parallel: the GC percent and the memory limit are process-wide.
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	prevLimit := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prevLimit)
	const unchanged = math.MaxInt64 - 1 // a limit tuneProcess never sets
	for _, tt := range []struct {
		env       map[string]string
		want      int
		wantLimit int64 // after a reservation of 1 MiB
	}{
		{map[string]string{}, gcPercentForHarness, memoryLimitForHarness + 1<<20},
		{map[string]string{"GOGC": "50"}, 100, memoryLimitForHarness + 1<<20},
		{map[string]string{"GOGC": ""}, gcPercentForHarness, memoryLimitForHarness + 1<<20}, // empty is unset, as for the runtime
		{map[string]string{"GOMEMLIMIT": "1GiB"}, gcPercentForHarness, unchanged},
		{map[string]string{"GOMEMLIMIT": ""}, gcPercentForHarness, memoryLimitForHarness + 1<<20},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(unchanged)
		ts := newTestState(t)
		ts.Env = tt.env
		tuneProcess(ts.globalState)
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("%v: GC percent %d, want %d", tt.env, got, tt.want)
		}
		if tt.wantLimit == unchanged {
			if ts.ReserveMemory != nil {
				t.Errorf("%v: main's ReserveMemory is set: the user's GOMEMLIMIT would be overridden", tt.env)
			}
		} else {
			if got := debug.SetMemoryLimit(-1); got != memoryLimitForHarness {
				t.Errorf("%v: memory limit %d, want %d", tt.env, got, memoryLimitForHarness)
			}
			ts.reserveMemory(1 << 20)
		}
		if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
			t.Errorf("%v: memory limit %d after a reservation of 1 MiB, want %d", tt.env, got, tt.wantLimit)
		}
	}
}

// TestMemoryReserver: main's ReserveMemory keeps the soft memory limit
// memoryLimitForHarness above everything reserved so far, ignores what is
// not a reservation, never wraps around, and leaves a user's GOMEMLIMIT
// alone (it does not exist then).
func TestMemoryReserver(t *testing.T) {
	t.Parallel()
	const half = math.MaxInt64 / 2
	for _, tt := range []struct {
		name    string
		env     map[string]string
		reserve []int64
		want    []int64 // the limits set, in order
	}{
		{"one reservation", nil, []int64{300 << 20}, []int64{memoryLimitForHarness + 300<<20}},
		{"they add up", nil, []int64{100, 50}, []int64{memoryLimitForHarness + 100, memoryLimitForHarness + 150}},
		{"nothing and less than nothing are ignored", nil, []int64{0, -5, 7}, []int64{memoryLimitForHarness + 7}},
		{"saturates instead of wrapping", nil, []int64{math.MaxInt64, math.MaxInt64}, []int64{memoryLimitForHarness + half, memoryLimitForHarness + half}},
		{"GOMEMLIMIT set: the user's limit stands", map[string]string{"GOMEMLIMIT": "512MiB"}, []int64{300 << 20}, nil},
		{"GOMEMLIMIT=off is set too", map[string]string{"GOMEMLIMIT": "off"}, []int64{1}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestState(t)
			maps.Copy(ts.Env, tt.env)
			var set []int64
			reserve := memoryReserver(ts.globalState, func(n int64) int64 { set = append(set, n); return 0 })
			if (reserve == nil) != (tt.want == nil) {
				t.Fatalf("memoryReserver is nil: %v, want %v", reserve == nil, tt.want == nil)
			}
			ts.ReserveMemory = reserve
			for _, n := range tt.reserve {
				ts.reserveMemory(n)
			}
			if !slices.Equal(set, tt.want) {
				t.Errorf("limits set %v, want %v", set, tt.want)
			}
		})
	}
}

// cancelOnWrite cancels a context on the first write: a mock command's
// banner, printed once it listens, stops it.
type cancelOnWrite struct {
	once   sync.Once
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.once.Do(c.cancel)
	return len(p), nil
}

// TestCommandsReserveMemory: harness mock reserves its journal
// (journal size × mock.JournalEntryBytes) and harness load what the run
// keeps (the embedded mock's journal when the target is the mock, the
// attempts kept when back-off compliance is graded, loadgen.AttemptBytes
// each), once and before it starts; bad input reserves nothing. The load
// runs start interrupted (their reservation comes before the attack, so
// they exit 130 at once); the mocks stop when their banner is printed.
func TestCommandsReserveMemory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, _, _ := mockEnv(t)
	profile := func(name, target, backoff string) string {
		p := filepath.Join(dir, name+".yaml")
		body := fmt.Sprintf("name: %s\ntarget: %s\nduration: 1s\npacer: {type: constant, rate: 5}\nmix: {get: 1}\nclients: {count: 1}\nthresholds: {backoff: %s}\n", name, target, backoff)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const journal = int64(mock.JournalEntryBytes)
	const attempt = int64(loadgen.AttemptBytes)
	const defaultJournal = 10000 // the embedded mock's smallest journal (a 1 s run at 5/s needs fewer)
	tests := []struct {
		name string
		args []string
		code int
		want []int64
	}{
		{"mock, default journal", []string{"mock", "--addr", "127.0.0.1:0"}, ExitOK, []int64{mock.DefaultJournalSize * journal}},
		{"mock, largest journal", []string{"mock", "--addr", "127.0.0.1:0", "--journal-size", strconv.Itoa(mock.MaxJournalSize)}, ExitOK, []int64{mock.MaxJournalSize * journal}},
		{"mock, bad journal size", []string{"mock", "--addr", "127.0.0.1:0", "--journal-size", "0"}, ExitUsage, nil},
		{"mock, bad address", []string{"mock", "--addr", "0.0.0.0:0"}, ExitUsage, nil},
		{"load of the mock, back-off required", []string{"load", "--profile", profile("mock-required", "mock", "required")}, ExitInterrupted,
			[]int64{defaultJournal*journal + 300000*attempt}},
		{"load of the mock, back-off reported", []string{"load", "--profile", profile("mock-report", "mock", "report")}, ExitInterrupted,
			[]int64{defaultJournal*journal + 100000*attempt}},
		{"load of the mock, back-off off", []string{"load", "--profile", profile("mock-off", "mock", "off")}, ExitInterrupted,
			[]int64{defaultJournal * journal}},
		{"load of env, back-off required", []string{"load", "--profile", profile("env-required", "env", "required")}, ExitInterrupted,
			[]int64{300000 * attempt}},
		{"load of env, back-off off: nothing kept", []string{"load", "--profile", profile("env-off", "env", "off")}, ExitInterrupted, nil},
		{"load, bad profile", []string{"load", "--profile", filepath.Join(dir, "missing.yaml")}, ExitUsage, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestState(t, tt.args...)
			maps.Copy(ts.Env, env)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.args[0] == "load" {
				ts.Args = append(ts.Args, "--out", filepath.Join(dir, fmt.Sprintf("run-%d", i)))
				cancel() // interrupted from the start: the reservation comes first
			} else {
				ts.globalState.Stdout = &cancelOnWrite{cancel: cancel}
			}
			if code := run(ctx, ts.globalState); code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tt.code, ts.Stderr.String())
			}
			if got := ts.Reserved(); !slices.Equal(got, tt.want) {
				t.Errorf("reserved %v bytes, want %v", got, tt.want)
			}
		})
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
