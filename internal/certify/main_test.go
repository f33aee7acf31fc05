package certify

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/testrun"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv names the behaviour the test binary plays when it is run as an
// adapter by the tests (the binary re-executes itself, so no build step and
// no outside tool is needed).
const childEnv = "HARNESS_TEST_ADAPTER"

// noExitSleep is the GORACE setting of the re-executed test binary: a -race
// binary otherwise sleeps a second at exit (ThreadSanitizer's
// atexit_sleep_ms), which would add a second to every adapter call.
const noExitSleep = "atexit_sleep_ms=0"

// The back-off of the reference-fast adapter: base 100 ms, cap 800 ms, the
// figures of the team adapter's variants (internal/teamadapter). A smaller
// base drowns in the scheduling noise of hundreds of adapter processes on
// two cores.
const (
	fastBase = 100 * time.Millisecond
	fastCap  = 800 * time.Millisecond
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode, os.Args[len(os.Args)-1]))
	}
	testrun.Exit(testrun.WaitBound(m))
}

// child is the adapter behaviour named mode, for operation op.
func child(mode, op string) int {
	switch mode {
	case "echo": // stdin, args and environment back on stdout; a secret on stderr
		in, _ := io.ReadAll(os.Stdin)
		out, _ := json.Marshal(map[string]any{"op": op, "args": os.Args[1:], "input": json.RawMessage(in), "env": os.Environ()})
		os.Stdout.Write(out)
		fmt.Fprintf(os.Stderr, "using token Atza|child-access-token and secret %s\n", os.Getenv("HARNESS_LWA_CLIENT_SECRET"))
		code := 0
		fmt.Sscan(os.Getenv("HARNESS_TEST_EXIT"), &code)
		return code
	case "flood": // more output than is kept
		chunk := []byte(strings.Repeat("x", 64<<10))
		for range 80 { // 5 MiB
			os.Stdout.Write(chunk)
		}
		for range 8 { // 512 KiB
			os.Stderr.Write(chunk)
		}
		return 0
	case "hang", "linger": // start a grandchild, print its pid; hang or exit at once
		gc := exec.Command(os.Args[0], op)
		gc.Env = []string{childEnv + "=sleep"}
		gc.Stdout = os.Stdout // holds the adapter's stdout open
		if err := gc.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 9
		}
		fmt.Printf("%d\n", gc.Process.Pid)
		if mode == "linger" {
			return 0
		}
		time.Sleep(time.Hour)
		return 0
	case "reference": // the harness's own client, as `harness adapter` runs it
		return RunReferenceAdapter(context.Background(), op, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	case "reference-fast": // the same with a small back-off, to certify it quickly
		return RunReferenceAdapter(context.Background(), op, os.Stdin, os.Stdout, os.Stderr, os.Getenv,
			WithAdapterPolicy(clients.Standard(clients.PolicyParams{Base: fastBase, Cap: fastCap})))
	case "sleep":
		time.Sleep(time.Hour)
		return 0
	case "signal": // dies of a signal of its own
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		time.Sleep(time.Hour)
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown %s=%s\n", childEnv, mode)
	return 99
}
