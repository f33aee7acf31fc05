//go:build unix

package loadgen

import (
	"os"
	"strconv"
	"strings"
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

// machineCPU is the machine's busy and total CPU time so far, from
// /proc/stat's "cpu" line (Linux; false elsewhere): what every process
// together used, so that a generator starved by its neighbours can say so.
func machineCPU() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, s := range f[1:] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		if i >= 8 { // guest times are already in user and nice
			break
		}
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total, total > 0
}
