//go:build unix

package loadgen

import (
	"syscall"
	"time"
)

// raiseFDLimit raises the soft RLIMIT_NOFILE to the hard limit (Go's
// runtime does the same at start on Linux; this makes it explicit, and
// reports what the run has).
func raiseFDLimit() FDLimit {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return FDLimit{Error: "getrlimit: " + err.Error()}
	}
	l := FDLimit{Before: rl.Cur, Soft: rl.Cur, Hard: rl.Max}
	if rl.Cur < rl.Max {
		want := rl
		want.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			l.Error = "setrlimit: " + err.Error()
		} else {
			l.Soft = rl.Max
		}
	}
	return l
}

// processCPU is the process's user + system CPU time so far.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
