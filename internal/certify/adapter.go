package certify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/kballard/go-shellquote"

	"github.com/alexa-harness/harness/internal/redact"
)

// The operations an adapter implements (docs/certify.md), given
// as its last argument.
const (
	OpCreateNetwork    = "create-network"
	OpGetNetworks      = "get-networks"
	OpSkillCredentials = "skill-credentials"
)

// Operations returns the adapter operations, in the order of the interface.
func Operations() []string {
	return []string{OpCreateNetwork, OpGetNetworks, OpSkillCredentials}
}

// Limits of one call.
const (
	// DefaultCallTimeout is the time limit of one adapter invocation
	// (--call-timeout).
	DefaultCallTimeout = 120 * time.Second
	// DefaultMaxStdout bounds the stdout kept from one invocation.
	DefaultMaxStdout = 4 << 20
	// DefaultMaxStderr bounds the stderr kept from one invocation.
	DefaultMaxStderr = 256 << 10
	// MaxCommandLen bounds the --client string.
	MaxCommandLen = 64 << 10
	// waitDelay is how long Call waits, once the adapter has exited or been
	// killed, for processes it left behind to close its stdout and stderr.
	waitDelay = 500 * time.Millisecond
)

// flag is the name of the option the command comes from, for errors.
const flag = "--client"

// Adapter is a team's adapter command: the program and the arguments that
// come before the operation.
type Adapter struct {
	Argv []string
}

// ParseCommand splits s into words as a POSIX shell does (blanks separate
// words; single quotes, double quotes and backslashes quote), without running
// a shell and without any expansion ($VAR, globs, ~ are kept as written).
func ParseCommand(s string) (Adapter, error) {
	if len(s) > MaxCommandLen {
		return Adapter{}, fmt.Errorf("%s: the command is %d bytes long, more than %d: give the adapter's program and its arguments only",
			flag, len(s), MaxCommandLen)
	}
	if strings.ContainsRune(s, 0) {
		return Adapter{}, fmt.Errorf("%s: the command contains a NUL byte: remove it", flag)
	}
	words, err := shellquote.Split(s)
	if err != nil {
		return Adapter{}, fmt.Errorf("%s %q: %w: close every quote and do not end with a lone backslash", flag, s, err)
	}
	if len(words) == 0 {
		return Adapter{}, fmt.Errorf("%s: empty command: give the adapter to run, for example %s 'python3 examples/clients/python/adapter.py'",
			flag, flag)
	}
	if words[0] == "" {
		return Adapter{}, fmt.Errorf("%s %q: the program name is empty: give the adapter's program first", flag, s)
	}
	return Adapter{Argv: words}, nil
}

// String returns the command quoted so that ParseCommand gives it back.
func (a Adapter) String() string { return shellquote.Join(a.Argv...) }

// Check says whether the program can be run: found on PATH (a bare name) or
// at the path given (a name with a slash), a regular file or a link to one,
// and executable. The error names --client and the fix.
func (a Adapter) Check() error {
	_, err := a.resolve()
	return err
}

// resolve returns the path of the program to run.
func (a Adapter) resolve() (string, error) {
	if len(a.Argv) == 0 || a.Argv[0] == "" {
		return "", fmt.Errorf("%s: no command: give the adapter to run", flag)
	}
	prog := a.Argv[0]
	if !strings.Contains(prog, "/") {
		p, err := exec.LookPath(prog)
		switch {
		case errors.Is(err, exec.ErrDot):
			return "", fmt.Errorf("%s: %q is found only in the current directory through PATH: write ./%s", flag, prog, prog)
		case errors.Is(err, exec.ErrNotFound):
			return "", fmt.Errorf("%s: %q not found on PATH: install it, or give its path (./adapter or /full/path/adapter)", flag, prog)
		case err != nil:
			// Found on PATH but not executable, or PATH names a directory.
			return "", fmt.Errorf("%s: %q: %w: give the path of an executable file", flag, prog, err)
		}
		return p, nil
	}
	fi, err := os.Stat(prog)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%s: %s: no such file: check the path (relative paths are from the current directory)", flag, prog)
	case err != nil:
		return "", fmt.Errorf("%s: %s: %w: give a path the harness can read", flag, prog, err)
	case fi.IsDir():
		return "", fmt.Errorf("%s: %s is a directory: give the adapter program inside it", flag, prog)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("%s: %s is not a regular file: give the adapter program", flag, prog)
	case fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("%s: %s is not executable: run chmod +x %s, or name its interpreter first (for example 'python3 %s')",
			flag, prog, prog, prog)
	}
	return prog, nil
}

// Call is one invocation of the adapter.
type Call struct {
	// Operation is the adapter operation (OpCreateNetwork, ...), passed as
	// the last argument.
	Operation string
	// Input is marshalled to JSON and written to stdin; a json.RawMessage or
	// []byte is written as is.
	Input any
	// Env is the adapter's whole environment: the HARNESS_* variables plus
	// what BaseEnv gives. Nothing else of the harness's environment is
	// passed.
	Env map[string]string
	// Timeout is the time limit of the invocation (0 = DefaultCallTimeout).
	Timeout time.Duration
	// Secrets are masked in the stderr kept (redact.Scrub: in clear and in
	// base64, and anything that looks like an LWA token or an HTTP Basic
	// credential).
	Secrets []string
	// MaxStdout and MaxStderr bound the output kept (0 = the defaults);
	// the rest is read and dropped, and the outcome says so.
	MaxStdout, MaxStderr int
}

// Outcome is what one invocation did.
type Outcome struct {
	// ExitCode is the exit status, or -1 when the process ended by a signal
	// (see Killed).
	ExitCode int
	// Stdout is what the adapter wrote to stdout, up to the bound.
	Stdout []byte
	// Stderr is what it wrote to stderr, up to the bound, secrets masked.
	Stderr string
	// StdoutTruncated and StderrTruncated say that more was written than
	// was kept.
	StdoutTruncated, StderrTruncated bool
	// Started and Ended are when the process started and when it was
	// reaped.
	Started, Ended time.Time
	// TimedOut: the time limit passed and the process group was killed.
	TimedOut bool
	// Killed: the process group was killed (time limit or the caller's
	// context), or the process died of a signal.
	Killed bool
}

// Success says whether the operation succeeded: exit status 0, not killed.
func (o Outcome) Success() bool { return o.ExitCode == 0 && !o.Killed }

// BaseEnv returns the variables of the harness's environment an adapter
// gets besides the HARNESS_* ones: PATH, HOME, TMPDIR and LANG, those that
// are set.
func BaseEnv(getenv func(string) string) map[string]string {
	m := map[string]string{}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG"} {
		if v := getenv(k); v != "" {
			m[k] = v
		}
	}
	return m
}

// Call runs the adapter once: `ARGV... OPERATION`, c.Input on stdin. A
// non-zero exit, a timeout or a kill is reported in the Outcome, not as an
// error; the error is for a call that could not be made (bad call, program
// gone, input not encodable) or whose context ended (the Outcome is then
// filled in too).
func (a Adapter) Call(ctx context.Context, c Call) (Outcome, error) {
	if !slices.Contains(Operations(), c.Operation) {
		return Outcome{}, fmt.Errorf("adapter call: unknown operation %q: use one of %s", c.Operation, strings.Join(Operations(), ", "))
	}
	if c.Timeout < 0 {
		return Outcome{}, fmt.Errorf("adapter call: negative timeout %s: use a positive --call-timeout", c.Timeout)
	}
	prog, err := a.resolve()
	if err != nil {
		return Outcome{}, err
	}
	var in []byte
	switch v := c.Input.(type) {
	case json.RawMessage:
		in = v
	case []byte:
		in = v
	default:
		if in, err = json.Marshal(c.Input); err != nil {
			return Outcome{}, fmt.Errorf("adapter call %s: encode the input: %w", c.Operation, err)
		}
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultCallTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	stdout := &boundedBuffer{max: orDefault(c.MaxStdout, DefaultMaxStdout)}
	stderr := &boundedBuffer{max: orDefault(c.MaxStderr, DefaultMaxStderr)}
	cmd := exec.CommandContext(tctx, prog)
	cmd.Args = append(slices.Clone(a.Argv), c.Operation)
	cmd.Env = environ(c.Env)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	killed := false
	cmd.Cancel = func() error {
		killed = true
		return killGroup(cmd.Process.Pid)
	}
	cmd.WaitDelay = waitDelay

	var o Outcome
	o.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return Outcome{}, fmt.Errorf("%s: start %s: %w", flag, a, err)
	}
	werr := cmd.Wait()
	o.Ended = time.Now()
	// Whatever the adapter left behind in its group goes with it.
	_ = killGroup(cmd.Process.Pid)

	o.Stdout = stdout.buf.Bytes()
	o.StdoutTruncated = stdout.dropped > 0
	o.Stderr = redact.Scrub(stderr.buf.String(), c.Secrets...)
	o.StderrTruncated = stderr.dropped > 0
	o.ExitCode = -1
	if ps := cmd.ProcessState; ps != nil {
		o.ExitCode = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			o.Killed = true
		}
	}
	o.Killed = o.Killed || killed
	if ctx.Err() != nil {
		return o, fmt.Errorf("adapter call %s: %w", c.Operation, ctx.Err())
	}
	o.TimedOut = killed && errors.Is(tctx.Err(), context.DeadlineExceeded)
	if werr != nil && !errors.Is(werr, exec.ErrWaitDelay) {
		var ee *exec.ExitError
		if !errors.As(werr, &ee) {
			return o, fmt.Errorf("adapter call %s: %w", c.Operation, werr)
		}
	}
	return o, nil
}

// killGroup sends SIGKILL to the process group led by pid; a group that is
// already gone is not an error.
func killGroup(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// environ turns env into the KEY=VALUE list, sorted for reproducibility.
func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// boundedBuffer keeps the first max bytes written and counts the rest, so
// that a flooding adapter is neither blocked nor kept in memory.
type boundedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int64
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.buf.Len()
	if room >= len(p) {
		return b.buf.Write(p)
	}
	if room > 0 {
		b.buf.Write(p[:room])
	}
	b.dropped += int64(len(p) - max(room, 0))
	return len(p), nil
}
