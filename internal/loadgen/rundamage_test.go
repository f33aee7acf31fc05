package loadgen_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/loadgen"
)

// seedRun is a small real run (embedded mock, backoff: required, two
// injected 503s) whose files seed the fuzz targets of harness report's
// readers and the damage cases below.
const seedRun = "testdata/replay"

func seedFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(seedRun, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeRun writes a run folder holding the seed profile and the given
// files (nil: left out).
func writeRun(t testing.TB, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{loadgen.FileProfile} {
		if err := os.WriteFile(filepath.Join(dir, name), seedFile(t, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range files {
		if b == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func seedFiles(t testing.TB) map[string][]byte {
	m := map[string][]byte{}
	for _, n := range []string{loadgen.FileResults, loadgen.FileAttempts, loadgen.FileJournal, loadgen.FileSummary} {
		m[n] = seedFile(t, n)
	}
	return m
}

// firstLines is the first n lines of b.
func firstLines(b []byte, n int) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	return bytes.Join(lines[:n], nil)
}

// TestReplayFindings: each kind of damage to a saved run is named with its
// file (and line or record), and makes the run partial; only damage, not a
// run cut short, lands in Summary.Damage.
func TestReplayFindings(t *testing.T) {
	t.Parallel()
	seed := seedFiles(t)
	cut := func(b []byte, n int) []byte { return append([]byte(nil), b[:len(b)-n]...) }
	tests := []struct {
		name    string
		change  map[string][]byte // replaces seed files; a nil value removes one
		damage  []string          // substrings of Summary.Damage, in order
		notes   []string          // substrings of Summary.Notes
		partial bool
	}{
		{"intact", nil, nil, nil, false},
		{"results cut mid-record, summary present", map[string][]byte{loadgen.FileResults: cut(seed[loadgen.FileResults], 7)},
			[]string{"results.bin: ends in a record cut short although summary.json says the run finished"}, nil, true},
		{"results cut mid-record, no summary", map[string][]byte{loadgen.FileResults: cut(seed[loadgen.FileResults], 7), loadgen.FileSummary: nil},
			nil, []string{"summary.json: missing", "results.bin: ends in a record cut short (the run was killed"}, true},
		{"results claiming a huge record", map[string][]byte{loadgen.FileResults: bytes.Repeat([]byte{0xff}, 64)},
			[]string{"results.bin: ends in a record cut short although", "results.bin: holds 0 hits but summary.json counts"}, nil, true},
		{"results garbage", map[string][]byte{loadgen.FileResults: []byte("\x10this is not a gob stream at all")},
			[]string{"results.bin: damaged at byte", "results.bin: holds 0 hits but summary.json counts"}, nil, true},
		{"attempts: a damaged line", map[string][]byte{loadgen.FileAttempts: bytes.Replace(seed[loadgen.FileAttempts], []byte(`"operation"`), []byte(`"operaXion"`), 1)},
			[]string{"attempts.jsonl: 1 damaged line not used (line 1); line 1: no operation"}, nil, true},
		{"attempts: last line cut, no summary", map[string][]byte{loadgen.FileAttempts: cut(seed[loadgen.FileAttempts], 5), loadgen.FileSummary: nil},
			nil, []string{"attempts.jsonl: its last line", "is cut short"}, true},
		{"journal: a line too long", map[string][]byte{loadgen.FileJournal: append([]byte(strings.Repeat("x", 2<<20)+"\n"), seed[loadgen.FileJournal]...)},
			[]string{"journal.jsonl: 1 damaged line not used (line 1); line 1: longer than"}, nil, true},
		{"journal: wrong status", map[string][]byte{loadgen.FileJournal: append([]byte(`{"time":"2026-01-01T00:00:00Z","method":"GET","status":7}`+"\n"), seed[loadgen.FileJournal]...)},
			[]string{"journal.jsonl: 1 damaged line not used (line 1); line 1: status 7 out of range"}, nil, true},
		{"summary: two objects", map[string][]byte{loadgen.FileSummary: append(append([]byte(nil), seed[loadgen.FileSummary]...), []byte("{}")...)},
			[]string{"summary.json: damaged, not used: not a summary: text after the JSON object"}, nil, true},
		{"summary missing", map[string][]byte{loadgen.FileSummary: nil}, nil, []string{"summary.json: missing: the run did not finish"}, true},
		{"attempts missing", map[string][]byte{loadgen.FileAttempts: nil}, nil, []string{"attempts.jsonl: missing"}, true},
		{"attempts: whole lines removed, summary present", map[string][]byte{loadgen.FileAttempts: firstLines(seed[loadgen.FileAttempts], 3)},
			[]string{"attempts.jsonl: holds 3 attempts but summary.json counts"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := seedFiles(t)
			for k, v := range tt.change {
				files[k] = v
			}
			sum, err := loadgen.Replay(writeRun(t, files))
			if err != nil {
				t.Fatal(err)
			}
			if sum.Partial != tt.partial {
				t.Errorf("partial = %v, want %v (notes %q, damage %q)", sum.Partial, tt.partial, sum.Notes, sum.Damage)
			}
			all := strings.Join(sum.Damage, "\n")
			for _, d := range tt.damage {
				if !strings.Contains(all, d) {
					t.Errorf("damage %q does not say %q", sum.Damage, d)
				}
			}
			if len(tt.damage) == 0 && len(sum.Damage) > 0 {
				t.Errorf("damage %q, want none", sum.Damage)
			}
			notes := strings.Join(sum.Notes, "\n")
			for _, n := range tt.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes %q do not say %q", sum.Notes, n)
				}
			}
			if tt.name == "intact" && (!sum.Pass || sum.All.Requests == 0) {
				t.Errorf("the intact seed run does not pass: %+v", sum.Thresholds)
			}
			// A partial or damaged run never passes, whatever its
			// thresholds; the verdict line keeps what they said.
			if (sum.Partial || len(sum.Damage) > 0) && (sum.Pass || sum.Verdict == "PASS" || sum.Verdict == "FAIL") {
				t.Errorf("partial %v, damage %q: pass %v, verdict %q; want pass false and a qualified verdict", sum.Partial, sum.Damage, sum.Pass, sum.Verdict)
			}
		})
	}
}

// FuzzDecodeResults: any bytes as results.bin decode without a panic or an
// unbounded allocation, and every record the reader keeps passes the record
// check.
func FuzzDecodeResults(f *testing.F) {
	seed := seedFile(f, loadgen.FileResults)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, b []byte) {
		kept := 0
		n, d := loadgen.DecodeResults(bytes.NewReader(b), func(r *vegeta.Result) {
			if loadgen.ValidateResult(r, time.Time{}, time.Time{}) == nil {
				kept++
			}
		})
		if n < 0 || kept > n || (d != nil && (d.Offset < 0 || d.Offset > int64(len(b)))) {
			t.Fatalf("n=%d kept=%d damage=%+v for %d bytes", n, kept, d, len(b))
		}
	})
}

// FuzzParseRunLines: any bytes as attempts.jsonl or journal.jsonl are read
// line by line without a panic; a rejected line is an error, never a
// zero-valued record taken for a real one.
func FuzzParseRunLines(f *testing.F) {
	for _, n := range []string{loadgen.FileAttempts, loadgen.FileJournal} {
		for line := range bytes.SplitSeq(seedFile(f, n), []byte("\n")) {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"operation":"token","attempt":-1}`))
	f.Add([]byte(`{"time":"0001-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := loadgen.ParseAttemptLine(b); err == nil && (a.Operation == "" || a.Number < 1 || a.Sent.IsZero()) {
			t.Fatalf("attempt accepted without its fields: %+v", a)
		}
		if j, err := loadgen.ParseJournalLine(b); err == nil && (j.Time.IsZero() || j.Status < 100) {
			t.Fatalf("journal entry accepted without its fields: %+v", j)
		}
	})
}

// compactSummary is the seed run's summary.json with only what Replay
// reads from it: a small seed keeps the fuzzer fast (its cost grows with
// the size of the inputs it mutates and minimizes).
func compactSummary(t testing.TB) []byte {
	t.Helper()
	s, err := loadgen.ParseSavedSummary(seedFile(t, loadgen.FileSummary))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"profile": s.Profile, "started": s.Started, "ended": s.Ended, "elapsed": s.Elapsed,
		"interrupted": s.Interrupted, "policy": s.Policy, "notes": s.Notes,
		"all": map[string]any{"requests": s.All.Requests, "cancelled": s.All.Cancelled}, "attempts": s.Attempts,
		"accounting": s.Accounting})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzParseSavedSummary: any bytes as summary.json parse or are refused
// without a panic; an accepted summary has what a finished run writes.
func FuzzParseSavedSummary(f *testing.F) {
	seed := compactSummary(f)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte(`{"profile":"x","started":"2026-01-01T00:00:00Z","ended":"2026-01-01T00:00:01Z","elapsed":-1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := loadgen.ParseSavedSummary(b)
		if err == nil && (s.Profile == "" || s.Started.IsZero() || s.Elapsed < 0) {
			t.Fatalf("summary accepted without its fields: %+v", s)
		}
	})
}

// FuzzReplay: harness report's whole reader over a run folder whose four
// data files are fuzzed: no panic, no error (the folder's profile is
// intact), and a run whose files differ from the seed's in a way the
// readers see is never a plain, complete PASS.
func FuzzReplay(f *testing.F) {
	seed := seedFiles(f)
	sum := compactSummary(f)
	f.Add(seed[loadgen.FileResults], seed[loadgen.FileAttempts], seed[loadgen.FileJournal], sum)
	f.Add(seed[loadgen.FileResults][:100], firstLines(seed[loadgen.FileAttempts], 2), []byte("{}\n"), []byte("{"))
	dir := writeRun(f, nil) // one folder per fuzzing process, its data files rewritten per input
	f.Fuzz(func(t *testing.T, results, attempts, journal, summary []byte) {
		for name, b := range map[string][]byte{loadgen.FileResults: results, loadgen.FileAttempts: attempts,
			loadgen.FileJournal: journal, loadgen.FileSummary: summary} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := loadgen.Replay(dir)
		if err != nil {
			t.Fatalf("Replay: %v", err)
		}
		if _, perr := loadgen.ParseSavedSummary(summary); perr != nil && !sum.Partial {
			t.Fatalf("damaged summary.json (%v) but the run is not partial", perr)
		}
	})
}
