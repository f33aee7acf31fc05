package loadgen

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr string
	}{
		{"0/4", Shard{0, 4}, ""},
		{"3/4", Shard{3, 4}, ""},
		{" 0/1 ", Shard{0, 1}, ""},
		{"4/4", Shard{}, "0 to N-1 = 3"},
		{"-1/4", Shard{}, "0 to N-1"},
		{"1/0", Shard{}, "N must be 1"},
		{"0/0", Shard{}, "N must be 1"},
		{"0/10001", Shard{}, "N must be 1 to 10000"},
		{"1", Shard{}, "want I/N"},
		{"a/b", Shard{}, "whole numbers"},
		{"$(JOB_COMPLETION_INDEX)/4", Shard{}, "whole numbers"},
		{"", Shard{}, "want I/N"},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseShard(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "--shard") {
			t.Errorf("ParseShard(%q) err = %v, want one naming --shard and %q", tt.in, err, tt.wantErr)
		}
	}
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/4", "3/4", "9/10000", "x/y", "1/-1", "99999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err == nil && (sh.Index < 0 || sh.Index >= sh.Count || sh.Count > MaxShards) {
			t.Fatalf("ParseShard(%q) = %v accepted out of bounds", s, sh)
		}
	})
}

func TestParseStartAt(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"2026-12-01T12:03:00Z", now.Add(3 * time.Minute), ""},
		{"2026-12-01T12:03:00.5+00:00", now.Add(3*time.Minute + 500*time.Millisecond), ""},
		{"2026-12-01T11:59:57Z", now.Add(-3 * time.Second), ""}, // within the tolerance
		{StartAtPlaceholder, time.Time{}, "placeholder"},
		{"2026-12-01T11:59:00Z", time.Time{}, "in the past"},
		{"2026-12-03T12:00:00Z", time.Time{}, "ahead"},
		{"2026-12-01T13:03:00+01:00", time.Time{}, "UTC"},
		{"2026-12-01 12:03:00", time.Time{}, "RFC 3339"},
		{"tomorrow", time.Time{}, "RFC 3339"},
	}
	for _, tt := range tests {
		got, err := ParseStartAt(tt.in, now)
		if tt.wantErr == "" {
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseStartAt(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "--start-at") {
			t.Errorf("ParseStartAt(%q) err = %v, want one naming --start-at and %q", tt.in, err, tt.wantErr)
		}
	}
}

func FuzzParseStartAt(f *testing.F) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"2026-12-01T12:03:00Z", StartAtPlaceholder, "9999-12-31T23:59:59Z", "2026-12-01T12:00:00.999999999Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, err := ParseStartAt(s, now)
		if err == nil && (at.Before(now.Add(-StartAtTolerance)) || at.After(now.Add(MaxStartAhead))) {
			t.Fatalf("ParseStartAt(%q) = %v accepted out of bounds", s, at)
		}
	})
}

// TestShardSchedulesInterleave: for every pacer type, the N shards' due
// times together are exactly the whole schedule's, and the shards' planned
// hits sum to the whole's.
func TestShardSchedulesInterleave(t *testing.T) {
	pacers := map[string]PacerSpec{
		"constant": {Type: "constant", Rate: 50},
		"fraction": {Type: "constant", Rate: 33.3},
		"linear":   {Type: "linear", Start: 10, Slope: 7},
		"step":     {Type: "step", Start: 10, Step: 15, Every: Duration(time.Second), Max: 40},
		"sine":     {Type: "sine", Mean: 40, Amplitude: 20, Period: Duration(2 * time.Second)},
	}
	const d = 4 * time.Second
	for name, ps := range pacers {
		for _, n := range []int{1, 2, 3, 7} {
			whole, err := NewSchedule(ps, 0)
			if err != nil {
				t.Fatal(err)
			}
			planned := int(math.Floor(whole.Hits(d)))
			var dues []time.Duration
			sumPlanned := 0
			for i := range n {
				p := &Profile{Pacer: ps, Duration: Duration(d), Clients: ClientsSpec{Count: n}}
				_, s, err := Shard{i, n}.plan(p)
				if err != nil {
					t.Fatal(err)
				}
				sumPlanned += int(math.Floor(s.Hits(d)))
				if r, w := s.Rate(time.Second), whole.Rate(time.Second)/float64(n); math.Abs(r-w) > 1e-9 {
					t.Errorf("%s %d/%d: rate %g, want %g", name, i, n, r, w)
				}
				for k := uint64(0); ; k++ {
					if _, stop := s.Pace(0, k); stop {
						break
					}
					dues = append(dues, s.Due(k))
				}
			}
			if sumPlanned != planned {
				t.Errorf("%s over %d shards: planned %d, whole %d", name, n, sumPlanned, planned)
			}
			slices.Sort(dues)
			if len(dues) != planned {
				t.Fatalf("%s over %d shards: %d hits sent, whole plans %d", name, n, len(dues), planned)
			}
			for k, due := range dues {
				if w := whole.Due(uint64(k)); due != w {
					t.Fatalf("%s over %d shards: hit %d due %v, whole %v", name, n, k, due, w)
				}
			}
		}
	}
}

func TestShardPlanShares(t *testing.T) {
	p := &Profile{Pacer: PacerSpec{Type: "max", Workers: 10}, Duration: Duration(time.Second), Clients: ClientsSpec{Count: 7},
		Thresholds: Thresholds{MinRate: 90}}
	workers, clients := 0, 0
	seen := map[int]bool{}
	for i := range 3 {
		sh := Shard{i, 3}
		sp, _, err := sh.plan(p)
		if err != nil {
			t.Fatal(err)
		}
		workers += sp.Pacer.Workers
		clients += sp.Clients.Count
		if sp.Thresholds.MinRate != 30 {
			t.Errorf("shard %d minRate %g, want 30", i, sp.Thresholds.MinRate)
		}
		for c := range sp.Clients.Count {
			g := sh.Client(c)
			if seen[g] || g >= 7 {
				t.Errorf("shard %d client %d → global %d: taken or out of range", i, c, g)
			}
			seen[g] = true
		}
	}
	if workers != 10 || clients != 7 {
		t.Errorf("shares sum to %d workers, %d clients; want 10, 7", workers, clients)
	}
	for _, bad := range []*Profile{
		{Pacer: PacerSpec{Type: "constant", Rate: 10}, Clients: ClientsSpec{Count: 2}},
		{Pacer: PacerSpec{Type: "max", Workers: 2}, Clients: ClientsSpec{Count: 9}},
	} {
		var ue *UsageError
		if _, _, err := (Shard{0, 3}).plan(bad); !errors.As(err, &ue) {
			t.Errorf("plan(%+v) err = %v, want a usage error", bad.Pacer, err)
		}
	}
}

func TestShardCheckCap(t *testing.T) {
	// Peak 200/s over 4 shards: each offers 50/s; --max-rate 200 (total)
	// gives each 50/s; 199 is refused, naming the total.
	sh := Shard{1, 4}
	if err := sh.checkCap(50, 200); err != nil {
		t.Errorf("50/s within 200/4: %v", err)
	}
	err := sh.checkCap(50, 199)
	if err == nil || !strings.Contains(err.Error(), "total") || !strings.Contains(err.Error(), "200") {
		t.Errorf("err = %v, want a refusal naming the total peak 200/s", err)
	}
}

func TestAwaitStart(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var waited time.Duration
	after := func(d time.Duration) <-chan time.Time {
		waited = d
		c := make(chan time.Time, 1)
		c <- at
		return c
	}
	never := func(time.Duration) <-chan time.Time { return nil }
	clock := func(t time.Time) func() time.Time { return func() time.Time { return t } }
	if err := awaitStart(context.Background(), at, clock(at.Add(-3*time.Second)), after); err != nil || waited != 3*time.Second {
		t.Errorf("early: err %v, waited %v; want 3s", err, waited)
	}
	if err := awaitStart(context.Background(), at, clock(at.Add(time.Minute)), after); err == nil || !strings.Contains(err.Error(), "--start-at") {
		t.Errorf("late by a minute: err %v, want a refusal", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := awaitStart(ctx, at, clock(at.Add(-time.Hour)), never); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while waiting: err %v", err)
	}
	if err := awaitStart(context.Background(), time.Time{}, clock(at), never); err != nil {
		t.Errorf("no start: %v", err)
	}
}

func TestSumAccounting(t *testing.T) {
	a := SumAccounting(
		Accounting{Planned: 60, Sent: 58, Answered: 57, NotSentReasons: map[string]int64{NotSentBehind: 2}},
		Accounting{Planned: 60, Sent: 59, Answered: 59, NotSentReasons: map[string]int64{NotSentQuiet: 1}},
	)
	if a.Planned != 120 || a.Sent != 117 || a.Answered != 116 || a.NotSent != 3 || a.GeneratorShare != 2.0/120 {
		t.Errorf("SumAccounting = %+v", a)
	}
}

func FuzzParseShardInfo(f *testing.F) {
	text := "name: x\n"
	good := `{"schema":"harness.shard/v1","index":1,"count":2,"profileHash":"` + ProfileHash(text) + `","profile":"name: x\n"}`
	for _, s := range []string{good, `{}`, `{"schema":"harness.shard/v1","index":5,"count":2}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseShardInfo(b)
		if err != nil {
			return
		}
		if info.Index < 0 || info.Index >= info.Count || ProfileHash(info.Profile) != info.ProfileHash {
			t.Fatalf("accepted %+v", info)
		}
	})
}

func TestParseShardInfo(t *testing.T) {
	text := "name: x\n"
	good := `{"schema":"harness.shard/v1","index":1,"count":2,"profileHash":"` + ProfileHash(text) + `","profile":"name: x\n"}`
	if info, err := ParseShardInfo([]byte(good)); err != nil || info.Shard != (Shard{1, 2}) {
		t.Fatalf("ParseShardInfo(good) = %+v, %v", info, err)
	}
	for _, bad := range []string{`{}`, `[`, strings.Replace(good, `"index":1`, `"index":2`, 1), strings.Replace(good, "harness.shard/v1", "v0", 1),
		strings.Replace(good, `name: x`, `name: y`, 1)} {
		if _, err := ParseShardInfo([]byte(bad)); err == nil {
			t.Errorf("ParseShardInfo(%s) accepted", bad)
		}
	}
}

// TestShardRealTargetCap: against a real target, --max-rate is the total:
// shard 1/4 of a 200/s profile starts under --max-rate 200 only (each shard
// 50/s of 50/s); under 199 it is refused before anything is sent, naming
// the total.
func TestShardRealTargetCap(t *testing.T) {
	p, err := ParseProfile("real.yaml", []byte("target: env\nduration: 5s\npacer: {type: constant, rate: 200}\nmix: {get: 1}\nclients: {count: 4}\n"))
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "HARNESS_LOCKER_URL" {
			return "https://credential-locker-service.amazon.com"
		}
		return ""
	}
	_, err = Run(context.Background(), Options{Profile: p, OutDir: t.TempDir(), Getenv: getenv, AllowReal: true, MaxRate: 199, Shard: Shard{1, 4}})
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "total across all 4 shards") || !strings.Contains(err.Error(), "peak rate 200/s") {
		t.Errorf("err = %v, want a usage error naming the total", err)
	}
	r := &run{opts: Options{AllowReal: true, MaxRate: 200, Shard: Shard{1, 4}, Getenv: getenv}}
	total := p.WithDefaults()
	prof, sched, err := r.opts.Shard.plan(total)
	if err != nil {
		t.Fatal(err)
	}
	r.prof, r.sched = prof, newClockedSchedule(sched)
	if err := r.resolveTarget(); err != nil {
		t.Errorf("shard 1/4 of 200/s under --max-rate 200: %v", err)
	}
}
