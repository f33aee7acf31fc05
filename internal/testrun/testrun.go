// Package testrun holds what the harness's own test binaries share: how they
// end (Exit, called by every package's TestMain), how many tests run at
// once in packages whose tests mostly wait (WaitBound), and the helpers
// several packages' tests use: a writer that interrupts a run after N
// writes (CancelAfter), JUnit files validated against the Jenkins schema
// and counted (ReadJUnit, ValidateJUnit), rendered reports free of
// non-finite figures and repeated warnings (CheckFiniteText,
// WarningsOnce), and the heap measures behind the memory constants
// (LiveHeap, AppendOvershoot). It imports only the standard library.
//
// Tests that drive real traffic over loopback (load runs, shard runs, adapter
// processes, Retry-After waits) spend most of their wall time waiting, not
// computing. `go test` runs at most GOMAXPROCS parallel tests at a time (2 on
// the CI machine), which leaves those waits in series. A package whose tests
// wait calls WaitBound from its TestMain to run more of them at once. An
// explicit -parallel on the command line always wins.
package testrun

import (
	"flag"
	"runtime"
	"strconv"
	"testing"
)

// WaitBoundParallel is how many parallel tests WaitBound allows at once.
const WaitBoundParallel = 4

// WaitBound raises the test binary's -parallel to WaitBoundParallel (or
// GOMAXPROCS, if larger) unless the command line set it, and runs the tests.
// Call it from a package's TestMain: func TestMain(m *testing.M) { testrun.Exit(testrun.WaitBound(m)) }.
func WaitBound(m *testing.M) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		n := max(WaitBoundParallel, runtime.GOMAXPROCS(0))
		_ = flag.Set("test.parallel", strconv.Itoa(n)) // the flag exists in every test binary
	}
	return m.Run()
}
