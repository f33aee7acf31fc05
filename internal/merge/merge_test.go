package merge_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/merge"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/reports"
)

// shardProfile: a short, low-rate run of several operations; its figures are
// the whole run's (every shard offers 1/N).
const shardProfile = `
name: shards
target: env
duration: 1s
pacer: {type: constant, rate: 60}
mix: {create: 2, get: 4, get-all-pages: 1, token: 1}
data: {seed: 7, preload: 2, pageSize: 1}
clients: {count: 6, coalesce: true, retry: {policy: standard, base: 50ms, cap: 1s, maxAttempts: 3}}
thresholds:
  errorRate: 0.05
  minRate: 40
  backoff: required
`

// startMock starts one mock on loopback that every shard of a test targets.
func startMock(t *testing.T) func(string) string {
	t.Helper()
	mr, err := mock.Start(context.Background(), "127.0.0.1:0", mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = mr.Close(ctx)
	})
	c := clients.MockConfig(mr.URL)
	env := map[string]string{
		contract.EnvLockerURL: c.LockerURL, contract.EnvSMAPIURL: c.SMAPIURL, contract.EnvLWAURL: c.LWAURL,
		contract.EnvLWAClientID: c.ClientID, contract.EnvLWAClientSecret: c.ClientSecret.Reveal(),
		contract.EnvCustomerRefreshToken: c.CustomerRefreshToken.Reveal(), contract.EnvVendorRefreshToken: c.VendorRefreshToken.Reveal(),
		contract.EnvSkillID: c.SkillID,
	}
	return func(k string) string { return env[k] }
}

// runShards runs the N shards of the profile at once against the mock, with
// a common start, and returns their folders.
func runShards(t *testing.T, getenv func(string) string, prof string, n int) []string {
	t.Helper()
	p, err := loadgen.ParseProfile("shards.yaml", []byte(prof))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	startAt := time.Now().Add(300 * time.Millisecond).UTC() // a common start a little ahead: setup takes well under it
	dirs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		dirs[i] = filepath.Join(root, "shard-"+string(rune('0'+i)))
		wg.Go(func() {
			_, errs[i] = loadgen.Run(context.Background(), loadgen.Options{
				Profile: p, ProfileFile: "shards.yaml", ProfileRaw: []byte(prof), OutDir: dirs[i], Getenv: getenv,
				Shard: loadgen.Shard{Index: i, Count: n}, StartAt: startAt,
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d/%d: %v", i, n, err)
		}
	}
	return dirs
}

// union reads every shard's raw results: the oracle the merge is held to.
func union(t *testing.T, dirs []string) []*vegeta.Result {
	t.Helper()
	var all []*vegeta.Result
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, loadgen.FileResults))
		if err != nil {
			t.Fatal(err)
		}
		_, dmg := loadgen.DecodeResults(f, func(r *vegeta.Result) { all = append(all, r) })
		f.Close()
		if dmg != nil {
			t.Fatalf("%s: %v", d, dmg.Err)
		}
	}
	return all
}

// oracle is one HDR histogram (1 µs to 1 h, 3 significant figures, the
// generator's documented configuration) fed every result, with percentiles
// clamped to the exact maximum: what the merged summary must equal.
func oracle(rs []*vegeta.Result) loadgen.Latency {
	h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	var mx time.Duration
	for _, r := range rs {
		us := min(max(r.Latency.Microseconds(), 1), int64(time.Hour/time.Microsecond))
		_ = h.RecordValue(us)
		mx = max(mx, r.Latency)
	}
	q := func(p float64) time.Duration { return min(time.Duration(h.ValueAtQuantile(p))*time.Microsecond, mx) }
	return loadgen.Latency{P50: q(50), P90: q(90), P99: q(99), Max: mx}
}

// maxProfile: the closed model, 4 workers in total shared by the shards.
const maxProfile = `
name: shards-max
target: env
duration: 1s
pacer: {type: max, workers: 4}
mix: {create: 1, get: 3}
data: {seed: 9, preload: 1}
clients: {count: 4, retry: {policy: standard}}
`

// stepProfile: a step ramp, 20/s then 40/s in total, half a second each.
const stepProfile = `
name: shards-step
target: env
duration: 1s
pacer: {type: step, start: 20, step: 20, every: 500ms, max: 40}
mix: {get: 1}
data: {seed: 5, preload: 1}
clients: {count: 4, retry: {policy: standard}}
`

// TestMergeShardsExact: N shards of a run merge into the whole run's
// figures: the union's hits and one histogram's percentiles, the whole
// schedule's plan and steps. The two-shard constant run is checked by
// TestMergeRefuses, on the shards it shares with the refusal cases.
func TestMergeShardsExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		profile string
		n       int
		planned int64 // the whole schedule's (0: the max pacer has none)
		steps   []int // hits due per step of a step ramp, whole run
	}{
		{"constant, 3 shards", shardProfile, 3, 60, nil},
		{"max, 2 shards", maxProfile, 2, 0, nil},
		{"step, 2 shards", stepProfile, 2, 30, []int{10, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A fresh mock: the shards' created networks are new to it, so
			// a 409 would be two shards colliding.
			checkExact(t, runShards(t, startMock(t), tt.profile, tt.n), tt.planned, tt.steps)
		})
	}
}

// checkExact merges the shard folders dirs and holds the merge to the
// union of their results; planned is the whole schedule's hits (0: not
// checked), steps the whole ramp's hits due per step (nil: no ramp).
func checkExact(t *testing.T, dirs []string, wantPlanned int64, wantSteps []int) {
	t.Helper()
	out := t.TempDir()
	sum, err := merge.Merge(dirs, out)
	if err != nil {
		t.Fatal(err)
	}
	rs := union(t, dirs)
	var sent, requests int
	var planned int64
	for _, d := range dirs {
		s := readSummary(t, d)
		requests += s.All.Requests
		sent += s.All.Requests + s.All.Cancelled
		planned += s.Accounting.Planned
	}
	if sum.All.Requests != requests || sent != len(rs) || sum.Accounting.Sent != int64(sent) {
		t.Errorf("merged requests %d, sent %d; shards' sum %d requests, %d results on record", sum.All.Requests, sum.Accounting.Sent, requests, len(rs))
	}
	if sum.Accounting.Planned != planned || (wantPlanned > 0 && planned != wantPlanned) { // 60/s × 1 s, whatever N
		t.Errorf("planned: shards sum %d, merged %d, the whole schedule %d", planned, sum.Accounting.Planned, wantPlanned)
	}
	want := oracle(rs)
	got := sum.All.Latency
	if got.P50 != want.P50 || got.P90 != want.P90 || got.P99 != want.P99 || got.Max != want.Max {
		t.Errorf("merged latency p50/p90/p99/max %v/%v/%v/%v, one histogram of the union %v/%v/%v/%v",
			got.P50, got.P90, got.P99, got.Max, want.P50, want.P90, want.P99, want.Max)
	}
	if wantSteps != nil {
		// Every hit due in a step is in it, sent or not sent (how many
		// were sent depends on the machine's load), and the steps' requests
		// are all the merged run's.
		var due []int
		reqs := 0
		for _, st := range sum.Steps {
			n := st.Op.Requests + st.Op.Cancelled
			for _, k := range st.Op.NotSent {
				n += k
			}
			due = append(due, n)
			reqs += st.Op.Requests
		}
		if !slices.Equal(due, wantSteps) || reqs != sum.All.Requests {
			t.Errorf("merged steps' hits due %v, %d sent; want the whole ramp's %v, the run's %d (steps %+v)", due, reqs, wantSteps, sum.All.Requests, sum.Steps)
		}
	}
	statuses := 0
	for _, c := range sum.All.Statuses {
		statuses += c
	}
	if statuses != sum.All.Requests+sum.All.Cancelled {
		t.Errorf("statuses sum to %d, want %d", statuses, sum.All.Requests)
	}
	if c := sum.All.Statuses["409"]; c > 0 {
		t.Errorf("%d creates answered 409: shards created the same network", c)
	}
	if sum.All.Statuses["200"] == 0 {
		t.Errorf("no hit answered 200: %v", sum.All.Statuses)
	}
	if sum.Compliance == nil || sum.Compliance.Client == nil {
		t.Fatalf("no back-off verdict over the union: %+v", sum.Compliance)
	}
	if len(sum.Damage) > 0 || sum.Partial {
		t.Errorf("merged run damaged/partial: %v %v", sum.Damage, sum.Notes)
	}
	// The HTML report renders the merged folder.
	var html strings.Builder
	if err := reports.WriteLoadHTML(&html, reports.NewLoadReport(sum, out, time.Now())); err != nil || !strings.Contains(html.String(), sum.Profile) {
		t.Errorf("HTML report of the merged run: %v (%d bytes)", err, html.Len())
	}
	// harness report on the merged folder reads the same figures.
	re, err := loadgen.Replay(out)
	if err != nil {
		t.Fatal(err)
	}
	if re.All.Latency != sum.All.Latency || re.All.Requests != sum.All.Requests || re.Accounting.Planned != sum.Accounting.Planned || len(re.Damage) > 0 {
		t.Errorf("report of the merged folder %+v differs from the merge's %+v (damage %v)", re.All, sum.All, re.Damage)
	}
}

// checkDisjoint: no two shards create a network with the same
// extendedPanId or name, or query another's preloaded networks.
func checkDisjoint(t *testing.T, dirs []string) {
	t.Helper()
	seen := map[string]int{}
	for i, rs := range [][]*vegeta.Result{union(t, dirs[:1]), union(t, dirs[1:])} {
		for _, r := range rs {
			hi := loadgen.ParseHit(r.Method, r.URL)
			if hi.Op == loadgen.MixGet || hi.Op == loadgen.MixGetAllPages {
				_, q, _ := strings.Cut(r.URL, "extendedPanId=")
				pan, _, _ := strings.Cut(q, "&")
				if j, ok := seen[pan]; ok && j != i {
					t.Fatalf("shards %d and %d both query extendedPanId %s", j, i, pan)
				}
				seen[pan] = i
			}
		}
	}
	if len(seen) < 2 {
		t.Fatalf("too few queries to compare: %v", seen)
	}
}

func readSummary(t *testing.T, dir string) *loadgen.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, loadgen.FileSummary))
	if err != nil {
		t.Fatal(err)
	}
	s, err := loadgen.ParseSavedSummary(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// copyDir copies a shard folder so that a refusal case can alter it.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(dir))
	if err := os.CopyFS(dst, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func editShard(t *testing.T, dir string, edit func(*loadgen.ShardInfo)) {
	t.Helper()
	p := filepath.Join(dir, loadgen.FileShard)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var info loadgen.ShardInfo
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	edit(&info)
	b, _ = json.Marshal(info)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMergeRefuses: each damaged or mismatched set of shard folders is
// refused with an InputError naming the problem. One pair of real shard
// runs serves every case (a case alters a copy, never the pair) and, first,
// the exact merge of two constant-rate shards and the check that the shards
// kept to disjoint data.
func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	dirs := runShards(t, startMock(t), shardProfile, 2)
	t.Run("constant, 2 shards, merged exactly", func(t *testing.T) { checkExact(t, dirs, 60, nil) })
	t.Run("shards are disjoint", func(t *testing.T) { checkDisjoint(t, dirs) })
	tests := []struct {
		name  string
		dirs  func() []string
		wants []string
	}{
		{"no folders", func() []string { return nil }, []string{"no shard folders"}},
		{"missing shard", func() []string { return dirs[:1] }, []string{"shard 1/2 missing"}},
		{"duplicated shard", func() []string { return []string{dirs[0], copyDir(t, dirs[0]), dirs[1]} }, []string{"shard 0/2 is given twice"}},
		{"not a shard", func() []string {
			d := copyDir(t, dirs[1])
			os.Remove(filepath.Join(d, loadgen.FileShard))
			return []string{dirs[0], d}
		},
			[]string{"not a shard run"}},
		{"different N", func() []string {
			d := copyDir(t, dirs[1])
			editShard(t, d, func(i *loadgen.ShardInfo) { i.Count = 3 })
			return []string{dirs[0], d}
		}, []string{"different N"}},
		{"different profile", func() []string {
			d := copyDir(t, dirs[1])
			editShard(t, d, func(i *loadgen.ShardInfo) {
				i.Profile = strings.Replace(i.Profile, "seed: 7", "seed: 8", 1)
				i.ProfileHash = loadgen.ProfileHash(i.Profile)
			})
			return []string{dirs[0], d}
		}, []string{"another profile"}},
		{"different start", func() []string {
			d := copyDir(t, dirs[1])
			editShard(t, d, func(i *loadgen.ShardInfo) { i.StartAt = i.StartAt.Add(time.Minute) })
			return []string{dirs[0], d}
		}, []string{"different runs"}},
		{"tampered profile", func() []string {
			d := copyDir(t, dirs[1])
			editShard(t, d, func(i *loadgen.ShardInfo) { i.Profile += "# x\n" })
			return []string{dirs[0], d}
		}, []string{"does not hash"}},
		{"damaged shard", func() []string {
			d := copyDir(t, dirs[1])
			f, err := os.OpenFile(filepath.Join(d, loadgen.FileResults), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.Write([]byte("not a gob record"))
			f.Close()
			return []string{dirs[0], d}
		}, []string{"is damaged", "shard 1/2"}},
		{"unfinished shard", func() []string {
			d := copyDir(t, dirs[1])
			os.Remove(filepath.Join(d, loadgen.FileSummary))
			return []string{dirs[0], d}
		},
			[]string{"did not finish"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := merge.Merge(tt.dirs(), t.TempDir())
			var ie *merge.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an InputError", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to say %q", err, w)
				}
			}
		})
	}
}
