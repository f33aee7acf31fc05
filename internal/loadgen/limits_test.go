package loadgen

import (
	"runtime"
	"testing"
	"time"
)

// TestInFlightCap: the default cap on hits in flight is what the
// file-descriptor limit leaves after a reserve (two descriptors a hit with
// the embedded mock), at least 16 and at most defaultInFlightCeiling.
func TestInFlightCap(t *testing.T) {
	tests := []struct {
		l         FDLimit
		fdsPerHit int
		want      int
	}{
		{FDLimit{Soft: 1024}, 2, (1024 - fdReserve) / 2},
		{FDLimit{Soft: 1024}, 1, 1024 - fdReserve},
		{FDLimit{Soft: 1 << 20}, 2, defaultInFlightCeiling},
		{FDLimit{Soft: 100}, 2, 16},
		{FDLimit{Soft: 1 << 62}, 1, defaultInFlightCeiling},
		{FDLimit{}, 2, defaultInFlightCeiling}, // unknown limit
	}
	for _, tt := range tests {
		if got := inFlightCap(tt.l, tt.fdsPerHit); got != tt.want {
			t.Errorf("inFlightCap(%+v, %d) = %d, want %d", tt.l, tt.fdsPerHit, got, tt.want)
		}
	}
}

// TestRaiseFDLimit: on Unix the soft limit ends at the hard one (Go's
// runtime may have raised it already) and never below what it was.
func TestRaiseFDLimit(t *testing.T) {
	l := raiseFDLimit()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		if l.Error == "" {
			t.Errorf("%+v: want an error saying the platform cannot tell", l)
		}
		return
	}
	if l.Error != "" || l.Soft != l.Hard || l.Soft < l.Before || l.Soft == 0 {
		t.Errorf("raiseFDLimit() = %+v: want soft raised to hard", l)
	}
}

// TestCPUMeter: the process's CPU use over an interval of busy work is
// above zero and within GOMAXPROCS.
func TestCPUMeter(t *testing.T) {
	t0 := time.Now()
	m := newCPUMeter(t0)
	x := 0
	for time.Since(t0) < 50*time.Millisecond { // busy on purpose: something to measure
		x++
	}
	busy, ok := m.read(time.Now())
	if !ok {
		t.Skip("LOUD SKIP: getrusage is not available on this platform; the CPU meter reports nothing here")
	}
	if busy <= 0 || busy > 1.5 || x == 0 {
		t.Errorf("CPU use %g over a busy loop, want in (0, 1]", busy)
	}
}

func TestNotSentAllowance(t *testing.T) {
	tests := []struct {
		lim     float64
		planned int64
		gen     int64
		pass    bool
	}{
		{0.01, 90, 1, true},        // one hit's slack on a short run
		{0.01, 90, 2, false},       // 2.2 %: material
		{0.01, 100000, 1000, true}, // exactly the fraction
		{0.01, 100000, 1001, false},
		{0, 90, 0, true},  // a limit of 0 means none at all
		{0, 90, 1, false}, // ... with no slack
	}
	for _, tt := range tests {
		if got := float64(tt.gen) <= notSentAllowance(tt.lim, tt.planned); got != tt.pass {
			t.Errorf("lim %g, planned %d, not sent %d: pass = %v, want %v", tt.lim, tt.planned, tt.gen, got, tt.pass)
		}
	}
}
