package loadgen

import (
	"math"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestStepPacerMath(t *testing.T) {
	tests := []struct {
		name  string
		p     StepPacer
		at    time.Duration
		hits  float64 // H(at)
		rate  float64 // Rate(at)
		due   uint64  // a hit index whose Due is checked against H
		dueAt time.Duration
	}{
		// 10/s for 1 s, then 20/s: by 1.5 s, 10 + 10 = 20 hits.
		{"two steps", StepPacer{Start: 10, Step: 10, Every: time.Second}, 1500 * time.Millisecond, 20, 20, 19, 1500 * time.Millisecond},
		// Hit 9 (the 10th) is due at the end of the first step.
		{"step boundary", StepPacer{Start: 10, Step: 10, Every: time.Second}, time.Second, 10, 20, 9, time.Second},
		// Capped at 15/s from step 1 on: 10 + 15 + 15 = 40 by 3 s.
		{"capped", StepPacer{Start: 10, Step: 10, Every: time.Second, Max: 15}, 3 * time.Second, 40, 15, 39, 3 * time.Second},
		// No increment: constant 4/s.
		{"flat", StepPacer{Start: 4, Every: time.Second}, 2500 * time.Millisecond, 10, 4, 9, 2500 * time.Millisecond},
		{"start", StepPacer{Start: 100, Step: 100, Every: 5 * time.Second}, 0, 0, 100, 0, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			if got := p.Hits(tt.at); math.Abs(got-tt.hits) > 1e-6 {
				t.Errorf("Hits(%s) = %g, want %g", tt.at, got, tt.hits)
			}
			if got := p.Rate(tt.at); got != tt.rate {
				t.Errorf("Rate(%s) = %g, want %g", tt.at, got, tt.rate)
			}
			if got := p.Due(tt.due); (got - tt.dueAt).Abs() > time.Microsecond {
				t.Errorf("Due(%d) = %s, want %s", tt.due, got, tt.dueAt)
			}
		})
	}
}

// TestSchedulesInvert checks Due against Hits for every pacer type: hit n
// is due exactly when H(t) reaches n+1.
func TestSchedulesInvert(t *testing.T) {
	specs := []PacerSpec{
		{Type: "constant", Rate: 37},
		{Type: "constant", Rate: 0.5},
		{Type: "linear", Start: 10, Slope: 7},
		{Type: "linear", Start: 3, Slope: 0},
		{Type: "step", Start: 50, Step: 25, Every: Duration(2 * time.Second)},
		{Type: "step", Start: 50, Step: 25, Every: Duration(time.Second), Max: 120},
		{Type: "sine", Mean: 100, Amplitude: 60, Period: Duration(7 * time.Second), StartAt: "trough"},
	}
	for _, sp := range specs {
		s, err := NewSchedule(sp, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(s.String(), func(t *testing.T) {
			prev := time.Duration(-1)
			for _, n := range []uint64{0, 1, 2, 9, 10, 99, 100, 101, 499, 1000, 4321} {
				d := s.Due(n)
				if d <= prev {
					t.Fatalf("Due not increasing: Due(%d) = %s after %s", n, d, prev)
				}
				prev = d
				if h := s.Hits(d); math.Abs(h-float64(n+1)) > 1e-3*float64(n+1) {
					t.Errorf("Hits(Due(%d) = %s) = %g, want %d", n, d, h, n+1)
				}
			}
		})
	}
}

// TestStepPacerPace drives Pace as vegeta's attack loop does, on a virtual
// clock, and checks the hits land on the schedule.
func TestStepPacerPace(t *testing.T) {
	p := &StepPacer{Start: 10, Step: 10, Every: time.Second, Max: 30}
	var elapsed time.Duration
	var sent uint64
	perSecond := map[int]int{}
	for elapsed < 4*time.Second {
		wait, stop := p.Pace(elapsed, sent)
		if stop {
			t.Fatal("step pacer stopped")
		}
		elapsed += wait
		if elapsed >= 4*time.Second {
			break
		}
		perSecond[int(elapsed/time.Second)]++
		sent++
	}
	want := map[int]int{0: 10, 1: 20, 2: 30, 3: 30}
	for s, n := range want {
		if d := perSecond[s] - n; d < -1 || d > 1 {
			t.Errorf("second %d: %d hits, want %d", s, perSecond[s], n)
		}
	}
	// Behind schedule: send at once.
	if wait, _ := p.Pace(3*time.Second, 5); wait != 0 {
		t.Errorf("behind schedule: wait %s, want 0", wait)
	}
	var _ vegeta.Pacer = p
}

// TestIntendedClamp: the intended time is began + Due(seq), never after the
// actual send.
func TestIntendedClamp(t *testing.T) {
	c := newClockedSchedule(constantSchedule{vegeta.Rate{Freq: 10, Per: time.Second}})
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return base.Add(50 * time.Millisecond) }
	c.Pace(50*time.Millisecond, 0) // began = base
	if got := c.Intended(4, base.Add(2*time.Second)); !got.Equal(base.Add(500 * time.Millisecond)) {
		t.Errorf("late hit: intended %s, want began+500ms", got.Sub(base))
	}
	if got := c.Intended(4, base.Add(300*time.Millisecond)); !got.Equal(base.Add(300 * time.Millisecond)) {
		t.Errorf("early send: intended %s, want the send time", got.Sub(base))
	}
}

func TestScalePacer(t *testing.T) {
	got := scalePacer(PacerSpec{Type: "step", Start: 100, Step: 50, Max: 400}, 200)
	if got.Start != 200 || got.Step != 100 || got.Max != 800 {
		t.Errorf("step scaled: %+v", got)
	}
	got = scalePacer(PacerSpec{Type: "sine", Mean: 100, Amplitude: 50}, 10)
	if got.Mean != 10 || got.Amplitude != 5 {
		t.Errorf("sine scaled: %+v", got)
	}
}
