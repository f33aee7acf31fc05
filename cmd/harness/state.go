package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"sync"
)

// globalState is everything the harness takes from its process, in one
// place (the k6 cmd/state way): the arguments, the environment, the standard
// streams. main builds it from the real process (newGlobalState); tests build
// one with buffers and a map (newTestState in state_test.go) and call the
// same run. Nothing below main reads os.Args, os.Getenv or os.Std* itself.
type globalState struct {
	// Args are the command-line arguments without the program name.
	Args []string
	// LookupEnv reads one environment variable (os.LookupEnv in main).
	LookupEnv func(key string) (string, bool)
	// Stdin, Stdout and Stderr are the standard streams.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Hostname names the machine (os.Hostname in main; nil: unknown),
	// for the hostname of JUnit reports.
	Hostname func() (string, error)
	// ReserveMemory tells the process that a command keeps bytes of live
	// heap by design (a large mock journal, a load run's attempts kept for
	// grading): main's (memoryReserver) raises the soft memory limit by as
	// much; nil: nothing to do (tests record the calls instead).
	ReserveMemory func(bytes int64)
}

// reserveMemory reports bytes of live heap a command keeps by design to
// ReserveMemory, when there is one.
func (s *globalState) reserveMemory(bytes int64) {
	if s.ReserveMemory != nil && bytes > 0 {
		s.ReserveMemory(bytes)
	}
}

// host returns the machine's name, "" when unknown.
func (s *globalState) host() string {
	if s.Hostname == nil {
		return ""
	}
	h, err := s.Hostname()
	if err != nil {
		return ""
	}
	return h
}

// newGlobalState returns the state of the running process.
func newGlobalState() *globalState {
	return &globalState{
		Args:      os.Args[1:],
		LookupEnv: os.LookupEnv,
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Hostname:  os.Hostname,
	}
}

// Getenv returns the value of an environment variable, "" when unset: the
// func(string) string the library packages take (clients.FromEnv,
// loadgen.Options.Getenv).
func (s *globalState) Getenv(key string) string {
	v, _ := s.LookupEnv(key)
	return v
}

// run executes the command line of st and returns the process exit code
// (exitCode is the one mapping from an error to it). main and the tests call
// it alike.
func run(ctx context.Context, st *globalState) int {
	root := newRootCmd(st)
	root.SetArgs(st.Args)
	root.SetIn(st.Stdin)
	root.SetOut(st.Stdout)
	root.SetErr(st.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(st.Stderr, "harness:", err)
	return exitCode(ctx, err)
}

// gcPercentForHarness is the GC target main sets when GOGC is unset: the
// harness's live heap is small and the load generator allocates per request,
// so fewer GC cycles leave more CPU for the load (peak RSS stays far below
// the 300 MB budget; bench/loadgen.sh).
const gcPercentForHarness = 400

// memoryLimitForHarness is the soft memory limit main sets when GOMEMLIMIT
// is unset, above the live heap the command reserves (ReserveMemory): with
// GOGC 400 the heap may grow to five times the live heap between
// collections, so a load run that churns requests at its limit (hundreds
// of thousands of hits offered per second) would pass the 300 MB budget on
// garbage alone; near the limit the GC collects sooner instead
// (bench/memory.sh). It bounds the garbage, not what the user asked to
// keep: a command that keeps a large live heap by design (harness mock
// --journal-size 1000000, about 340 MB; a load run's journal and attempts)
// reserves it, and the limit becomes this much above it. Without that, a
// live heap near or past the limit makes the GC run almost without pause
// (up to half the CPU) and the mock or the generator slows down.
const memoryLimitForHarness = 200 << 20

// tuneProcess applies the process-wide runtime settings, honouring the
// user's GOGC and GOMEMLIMIT, and sets st.ReserveMemory (memoryReserver).
// Only main calls it: a command never changes the process.
func tuneProcess(st *globalState) {
	if st.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercentForHarness)
	}
	st.ReserveMemory = memoryReserver(st, debug.SetMemoryLimit)
	if st.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimitForHarness)
	}
}

// memoryReserver returns main's ReserveMemory: each call adds its bytes to
// those reserved and sets the soft memory limit (through setLimit,
// debug.SetMemoryLimit in main) to memoryLimitForHarness above all the
// reservations. It returns nil when GOMEMLIMIT is set: the user's limit
// stands.
func memoryReserver(st *globalState, setLimit func(int64) int64) func(int64) {
	if st.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	var (
		mu       sync.Mutex
		reserved int64
	)
	return func(bytes int64) {
		if bytes <= 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		reserved = min(reserved+min(bytes, math.MaxInt64/2), math.MaxInt64/2) // saturates, never wraps
		setLimit(memoryLimitForHarness + reserved)
	}
}
