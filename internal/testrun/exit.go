package testrun

import (
	"os"
	"syscall"
)

// Exit ends a test binary with code, as os.Exit(code) does, except that a
// binary built with -race and passing skips the race runtime's finalizer.
// That finalizer (ThreadSanitizer's atexit_sleep_ms, 1 s by default) sleeps
// a second whenever other goroutines exist, so every package of
// `go test -race ./...` took at least a second longer than its tests: 29
// packages, about 13 s of the suite's wall time on 2 cores.
//
// Nothing that detects a race is skipped: the testing package fails a test
// during which a race was reported, and fails the binary for a race
// reported outside any test, before m.Run returns; coverage and profiles are
// written by m.Run too. A failing code goes through os.Exit unchanged (the
// runtime skips the finalizer for it anyway).
//
// Call it from a package's TestMain:
//
//	func TestMain(m *testing.M) { testrun.Exit(m.Run()) }
func Exit(code int) {
	if raceEnabled && code == 0 {
		syscall.Exit(0)
	}
	os.Exit(code)
}
