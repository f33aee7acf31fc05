package testrun

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestMain(m *testing.M) { Exit(WaitBound(m)) }

// childEnv selects what TestChild does when TestExit runs this binary again.
const childEnv = "TESTRUN_CHILD"

// TestChild is run only as TestExit's child: it passes, fails, or races as
// childEnv says.
func TestChild(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "":
		t.Skip("SKIPPED: runs only as the child process of TestExit")
	case "fail":
		t.Error("failing as asked")
	case "race":
		var wg sync.WaitGroup
		n := 0
		for range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); n++ }()
		}
		wg.Wait()
		t.Log(n)
	}
}

// TestExit: a test binary ending through Exit keeps its exit status: 0 when
// its tests pass, non-zero when one fails and, under -race, when a test
// races (the race runtime's finalizer, which Exit skips, is not what
// catches it).
func TestExit(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode string
		code int    // 0, or any failing code when 1
		out  string // in the child's output
	}{
		{"pass", 0, "PASS"},
		{"fail", 1, "failing as asked"},
		{"race", 1, "race detected during execution of test"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			if tt.mode == "race" && !raceEnabled {
				t.Skip("SKIPPED LOUDLY: the race case needs a -race build (go test -race ./internal/testrun)")
			}
			cmd := exec.Command(exe, "-test.run", "^TestChild$", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"="+tt.mode)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			code := 0
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if (code == 0) != (tt.code == 0) || !strings.Contains(string(out), tt.out) {
				t.Errorf("exit %d, want %s; output:\n%s", code, map[bool]string{true: "0", false: "non-zero"}[tt.code == 0], out)
			}
		})
	}
}

// TestWaitBound: in this binary (no -parallel on the command line unless a
// developer gave one) WaitBound raised -parallel.
func TestWaitBound(t *testing.T) {
	f := flag.Lookup("test.parallel")
	if f == nil {
		t.Fatal("no test.parallel flag")
	}
	explicit := false
	flag.Visit(func(g *flag.Flag) { explicit = explicit || g.Name == "test.parallel" })
	got, err := strconv.Atoi(f.Value.String())
	if err != nil {
		t.Fatal(err)
	}
	if want := max(WaitBoundParallel, runtime.GOMAXPROCS(0)); got < want && !explicit {
		t.Errorf("-parallel = %d, want at least %d", got, want)
	}
}
