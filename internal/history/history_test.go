package history

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "state", "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

func sampleRun(kind, profile string, start time.Time, p50 ...float64) Run {
	r := Run{
		Kind: kind, StartedAt: start, ProfileName: profile, ProfileText: "rate: 50\nduration: 60s\n",
		Env:     Env{GitRevision: "abc123", Host: "ci-1", HarnessVersion: "v0.3.0"},
		Summary: json.RawMessage(`{"schema":1,"ok":true}`),
	}
	for i, v := range p50 {
		at := start.Add(time.Duration(i) * time.Second)
		r.Samples = append(r.Samples,
			Sample{IntervalStart: at, Operation: "get", Metric: "p50", Value: v},
			Sample{IntervalStart: at, Operation: "get", Metric: "errors", Value: 0},
		)
	}
	return r
}

func TestRecordGetRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	want := sampleRun(KindLoad, "nightly", t0, 0.005, 0.006, 0.004)
	id, err := s.Record(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Kind != want.Kind || !got.StartedAt.Equal(want.StartedAt) || got.ProfileName != want.ProfileName ||
		got.ProfileText != want.ProfileText || got.Env != want.Env || string(got.Summary) != string(want.Summary) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if len(got.Samples) != len(want.Samples) {
		t.Fatalf("got %d samples, want %d", len(got.Samples), len(want.Samples))
	}
	for i, smp := range got.Samples {
		w := want.Samples[i]
		if !smp.IntervalStart.Equal(w.IntervalStart) || smp.Operation != w.Operation || smp.Metric != w.Metric || smp.Value != w.Value {
			// Get orders by interval, operation, metric: errors before p50.
			found := false
			for _, w2 := range want.Samples {
				if smp.IntervalStart.Equal(w2.IntervalStart) && smp.Metric == w2.Metric && smp.Value == w2.Value {
					found = true
				}
			}
			if !found {
				t.Errorf("sample %d = %+v not recorded", i, smp)
			}
		}
	}
	if _, err := s.Get(ctx, id+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(unknown) err = %v, want ErrNotFound", err)
	}
	// The file is in WAL mode.
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestPersistsAcrossOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Record(ctx, sampleRun(KindConform, "smoke", t0, 1))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	r, err := s2.Get(ctx, id)
	if err != nil || r.Kind != KindConform {
		t.Fatalf("after reopen: %+v, %v", r, err)
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	runs := []Run{
		sampleRun(KindLoad, "nightly", t0, 1),
		sampleRun(KindLoad, "nightly", t0.Add(24*time.Hour), 1, 2),
		sampleRun(KindConform, "smoke", t0.Add(48*time.Hour)),
		sampleRun(KindCertify, "cert", t0.Add(72*time.Hour)),
	}
	ids := make([]int64, len(runs))
	for i, r := range runs {
		id, err := s.Record(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	tests := []struct {
		name    string
		f       Filter
		want    []int64
		wantErr string
	}{
		{"all newest first", Filter{}, []int64{ids[3], ids[2], ids[1], ids[0]}, ""},
		{"kind", Filter{Kind: KindLoad}, []int64{ids[1], ids[0]}, ""},
		{"profile", Filter{Profile: "smoke"}, []int64{ids[2]}, ""},
		{"since", Filter{Since: t0.Add(24 * time.Hour)}, []int64{ids[3], ids[2], ids[1]}, ""},
		{"until", Filter{Until: t0.Add(24 * time.Hour)}, []int64{ids[0]}, ""},
		{"limit", Filter{Limit: 2}, []int64{ids[3], ids[2]}, ""},
		{"none", Filter{Profile: "absent"}, nil, ""},
		{"bad kind", Filter{Kind: "soak"}, nil, "kind"},
		{"bad limit", Filter{Limit: MaxList + 1}, nil, "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.List(ctx, tc.f)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []int64
			for _, ri := range got {
				gotIDs = append(gotIDs, ri.ID)
			}
			if len(gotIDs) != len(tc.want) {
				t.Fatalf("ids %v, want %v", gotIDs, tc.want)
			}
			for i := range gotIDs {
				if gotIDs[i] != tc.want[i] {
					t.Fatalf("ids %v, want %v", gotIDs, tc.want)
				}
			}
		})
	}
	all, _ := s.List(ctx, Filter{Profile: "nightly"})
	if all[0].SampleCount != 4 || all[0].Env.Host != "ci-1" {
		t.Errorf("run info %+v", all[0])
	}
}

func TestSeries(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	// Recorded out of order; Series returns oldest first.
	for _, r := range []Run{
		sampleRun(KindLoad, "nightly", t0.Add(48*time.Hour), 7, 9, 8), // median 8
		sampleRun(KindLoad, "nightly", t0, 1, 3, 2, 10),               // median 2.5
		sampleRun(KindLoad, "other", t0.Add(time.Hour), 100),
		sampleRun(KindLoad, "nightly", t0.Add(24*time.Hour)), // no samples
	} {
		if _, err := s.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name                      string
		metric, operation, profil string
		want                      []float64
	}{
		{"p50", "p50", "get", "nightly", []float64{2.5, 8}},
		{"errors", "errors", "get", "nightly", []float64{0, 0}},
		{"other profile", "p50", "get", "other", []float64{100}},
		{"unknown operation", "p50", "put", "nightly", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pts, err := s.Series(ctx, tc.metric, tc.operation, tc.profil)
			if err != nil {
				t.Fatal(err)
			}
			if len(pts) != len(tc.want) {
				t.Fatalf("points %+v, want values %v", pts, tc.want)
			}
			for i, p := range pts {
				if p.Value != tc.want[i] {
					t.Errorf("point %d = %v, want %v", i, p.Value, tc.want[i])
				}
				if i > 0 && p.StartedAt.Before(pts[i-1].StartedAt) {
					t.Errorf("points out of order: %v", pts)
				}
			}
		})
	}
	if _, err := s.Series(ctx, "", "get", "nightly"); err == nil {
		t.Error("empty metric accepted")
	}
}

func TestRecordRejectsBadRuns(t *testing.T) {
	ok := func() Run { return sampleRun(KindLoad, "p", t0, 1) }
	tests := []struct {
		name    string
		mutate  func(*Run)
		wantErr string
	}{
		{"kind", func(r *Run) { r.Kind = "soak" }, `kind "soak"`},
		{"zero start", func(r *Run) { r.StartedAt = time.Time{} }, "StartedAt"},
		{"no profile", func(r *Run) { r.ProfileName = "" }, "profile name is empty"},
		{"long profile name", func(r *Run) { r.ProfileName = strings.Repeat("x", MaxName+1) }, "profile name"},
		{"huge profile", func(r *Run) { r.ProfileText = strings.Repeat("x", MaxProfileText+1) }, "profile text"},
		{"bad summary", func(r *Run) { r.Summary = json.RawMessage("{") }, "JSON"},
		{"NaN sample", func(r *Run) { r.Samples[0].Value = math.NaN() }, "not finite"},
		{"Inf sample", func(r *Run) { r.Samples[1].Value = math.Inf(1) }, "sample 1"},
		{"empty metric", func(r *Run) { r.Samples[0].Metric = "" }, "metric"},
		{"too many samples", func(r *Run) { r.Samples = make([]Sample, MaxSamples+1) }, "coarser intervals"},
	}
	s := openTemp(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ok()
			tc.mutate(&r)
			_, err := s.Record(context.Background(), r)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	if got, _ := s.List(context.Background(), Filter{}); len(got) != 0 {
		t.Errorf("rejected runs were stored: %+v", got)
	}
}

func TestOpenRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	// A real database whose pages are then overwritten with garbage.
	damaged := filepath.Join(dir, "damaged.db")
	{
		s, err := Open(ctx, damaged)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Record(ctx, sampleRun(KindLoad, "p", t0, 1, 2, 3)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		b, err := os.ReadFile(damaged)
		if err != nil {
			t.Fatal(err)
		}
		for i := 100; i < len(b); i++ {
			b[i] = 0xA5
		}
		if err := os.WriteFile(damaged, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	newer := filepath.Join(dir, "newer.db")
	{
		s, err := Open(ctx, newer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, "UPDATE schema_version SET version = 99"); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("this is not a database, it is a shopping list\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, wantErr string
	}{
		{"text file", text, "not a SQLite history database"},
		{"damaged", damaged, "damaged"},
		{"newer schema", newer, "schema version 99"},
		{"empty path", "", "empty database path"},
		{"question mark", filepath.Join(dir, "a?b.db"), "contains '?'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", tc.path)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || (tc.path != "" && !strings.Contains(err.Error(), filepath.Base(tc.path))) {
				t.Errorf("err = %v, want one containing %q and the file name", err, tc.wantErr)
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"xdg", map[string]string{"XDG_STATE_HOME": "/s", "HOME": "/h"}, "/s/harness/history.db", false},
		{"home", map[string]string{"HOME": "/h"}, "/h/.local/state/harness/history.db", false},
		{"relative xdg ignored", map[string]string{"XDG_STATE_HOME": "rel", "HOME": "/h"}, "/h/.local/state/harness/history.db", false},
		{"nothing", map[string]string{}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DefaultPath(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("DefaultPath = %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
