package loadgen

import (
	"runtime"
	"time"
)

// FDLimit is the process's file-descriptor limit (RLIMIT_NOFILE) as the run
// found and left it: the soft limit is raised to the hard one at start.
type FDLimit struct {
	Before uint64 `json:"before"` // soft limit found
	Soft   uint64 `json:"soft"`   // soft limit in force during the run
	Hard   uint64 `json:"hard"`
	Error  string `json:"error,omitempty"` // why it could not be read or raised
}

// fdReserve is the descriptors kept out of the in-flight cap: the run's
// files, the mock's listener, the runtime's own.
const fdReserve = 128

// inFlightCap is the default cap on hits in flight: what the
// file-descriptor limit allows (fdsPerHit descriptors each: the client's
// socket, and the embedded mock's end of it), at most
// defaultInFlightCeiling.
func inFlightCap(l FDLimit, fdsPerHit int) int {
	if l.Soft == 0 {
		return defaultInFlightCeiling
	}
	n := (int64(min(l.Soft, 1<<30)) - fdReserve) / int64(fdsPerHit)
	return int(max(16, min(n, defaultInFlightCeiling)))
}

// cpuMeter measures the process's CPU use (user + system) as a fraction of
// GOMAXPROCS over the wall time between two reads.
// It also reads the whole machine's CPU use over the same interval.
type cpuMeter struct {
	lastCPU  time.Duration
	lastWall time.Time
	procs    int
	ok       bool
	// the machine's busy and total CPU time at the last read
	mBusy, mTotal uint64
	mOK           bool
	machine       float64 // its use over the last interval read
}

func newCPUMeter(now time.Time) *cpuMeter {
	cpu, ok := processCPU()
	m := &cpuMeter{lastCPU: cpu, lastWall: now, procs: runtime.GOMAXPROCS(0), ok: ok}
	m.mBusy, m.mTotal, m.mOK = machineCPU()
	return m
}

// read returns the CPU use since the previous read (false when the
// platform cannot tell).
func (m *cpuMeter) read(now time.Time) (float64, bool) {
	if b, t, ok := machineCPU(); ok && m.mOK && t > m.mTotal {
		m.machine = float64(b-m.mBusy) / float64(t-m.mTotal)
		m.mBusy, m.mTotal = b, t
	}
	cpu, ok := processCPU()
	if !ok || !m.ok {
		return 0, false
	}
	wall := now.Sub(m.lastWall)
	busy := float64(cpu-m.lastCPU) / (float64(wall) * float64(m.procs))
	m.lastCPU, m.lastWall = cpu, now
	if wall <= 0 {
		return 0, false
	}
	return busy, true
}
