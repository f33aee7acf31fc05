// Package merge makes one load run of the N shard runs of
// "harness load --shard I/N" (harness merge DIR... --out DIR).
//
// The merge is exact where it can be: the shards' raw results (results.bin)
// are written into one results.bin, each hit renumbered to its index in the
// whole run's schedule and its simulated client to the whole run's, and the
// merged summary is rebuilt from that union by loadgen.Replay, the same
// reader and HDR histograms (same configuration) that "harness report"
// uses. So the merged percentiles are those of one histogram fed every
// result, not a blend of the shards' percentiles. Counts and statuses come
// from the same union; the planned/sent/unsent accounting is the sum of the
// shards' (loadgen.SumAccounting); back-off compliance is graded over the
// union of the shards' attempt logs (and journals). The time series
// (timeseries.jsonl) is merged interval by interval: counts exact, the
// per-interval percentiles an upper bound (the largest shard's).
//
// Merge refuses (an *InputError) a folder that is not a finished shard run,
// shards of different runs (profile hash, N or start), and a missing or
// duplicated shard, naming it.
package merge

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/userfile"
)

// FileMerged records, in the merged folder, which shards it was made of.
const FileMerged = "merged.json"

// InputError is a refusal of the inputs (exit 2): not shards, or not the
// shards of one run.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func refuse(format string, a ...any) error { return &InputError{fmt.Errorf(format, a...)} }

// Record is merged.json.
type Record struct {
	Schema      string    `json:"schema"`
	Count       int       `json:"count"`
	ProfileHash string    `json:"profileHash"`
	StartAt     time.Time `json:"startAt,omitzero"`
	Shards      []Source  `json:"shards"`
}

// Source is one merged shard.
type Source struct {
	Index int    `json:"index"`
	Dir   string `json:"dir"`
}

// shard is one input folder, checked.
type shard struct {
	dir   string
	info  *loadgen.ShardInfo
	saved *loadgen.Summary
}

// check reads and checks the shard folders: every one a finished,
// undamaged shard run, all of one run (same profile hash, N and start),
// every index 0..N-1 exactly once. They are returned in index order.
func check(dirs []string) ([]shard, error) {
	if len(dirs) == 0 {
		return nil, refuse("merge: no shard folders given")
	}
	var out []shard
	for _, d := range dirs {
		info, err := loadgen.ReadShardInfo(d)
		if err != nil {
			return nil, refuse("merge: %w", err)
		}
		b, err := userfile.Read(filepath.Join(d, loadgen.FileSummary), loadgen.MaxSummaryBytes)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, refuse("merge: %s (shard %s) has no %s: the shard did not finish; harness report %s shows what it has", d, info.Shard, loadgen.FileSummary, d)
		}
		if err != nil {
			return nil, refuse("merge: %s (shard %s): %w", d, info.Shard, err)
		}
		saved, err := loadgen.ParseSavedSummary(b)
		if err != nil {
			return nil, refuse("merge: %s (shard %s): %s: %w", d, info.Shard, loadgen.FileSummary, err)
		}
		out = append(out, shard{dir: d, info: info, saved: saved})
	}
	first := out[0]
	byIndex := map[int]string{}
	for _, s := range out {
		switch {
		case s.info.ProfileHash != first.info.ProfileHash:
			return nil, refuse("merge: %s (shard %s) ran another profile than %s (profile hash %.12s… vs %.12s…): shards of different runs", s.dir, s.info.Shard, first.dir, s.info.ProfileHash, first.info.ProfileHash)
		case s.info.Count != first.info.Count:
			return nil, refuse("merge: %s is shard %s but %s is shard %s: different N", s.dir, s.info.Shard, first.dir, first.info.Shard)
		case !s.info.StartAt.Equal(first.info.StartAt):
			return nil, refuse("merge: %s started at %s but %s at %s (--start-at): shards of different runs", s.dir, fmtTime(s.info.StartAt), first.dir, fmtTime(first.info.StartAt))
		}
		if d, dup := byIndex[s.info.Index]; dup {
			return nil, refuse("merge: shard %s is given twice: %s and %s", s.info.Shard, d, s.dir)
		}
		byIndex[s.info.Index] = s.dir
	}
	var missing []string
	for i := range first.info.Count {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, first.info.Count))
		}
	}
	if len(missing) > 0 {
		return nil, refuse("merge: shard %s missing (the run had %d shards; %d given)", strings.Join(missing, ", "), first.info.Count, len(out))
	}
	slices.SortFunc(out, func(a, b shard) int { return a.info.Index - b.info.Index })
	return out, nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "no --start-at"
	}
	return t.Format(time.RFC3339Nano)
}

// Merge merges the shard folders dirs into out (which must exist and be
// empty: the caller claims it) and returns the merged run's summary, also
// written to out/summary.json. Errors are *InputError for refused inputs.
func Merge(dirs []string, out string) (*loadgen.Summary, error) {
	in, err := Check(dirs)
	if err != nil {
		return nil, err
	}
	return in.Write(out)
}

// Inputs are shard folders Check accepted: the shards of one run, every
// one present once and undamaged.
type Inputs struct {
	shards []shard
}

// Check checks the shard folders dirs, reading them and writing nothing:
// the refusals of Merge (an *InputError naming the folder or the shard
// missing), so that a caller can refuse bad inputs before it claims the
// merged run's folder.
func Check(dirs []string) (*Inputs, error) {
	shards, err := check(dirs)
	if err != nil {
		return nil, err
	}
	// A damaged shard would spread its damage unnamed: each is checked
	// as harness report checks a run.
	for _, s := range shards {
		sum, err := loadgen.Replay(s.dir)
		if err != nil {
			return nil, refuse("merge: %s (shard %s): %w", s.dir, s.info.Shard, err)
		}
		if len(sum.Damage) > 0 {
			return nil, refuse("merge: %s (shard %s) is damaged (%s): not merged", s.dir, s.info.Shard, strings.Join(sum.Damage, "; "))
		}
	}
	return &Inputs{shards: shards}, nil
}

// Dirs are the accepted shard folders, in shard order.
func (in *Inputs) Dirs() []string {
	out := make([]string, len(in.shards))
	for i, s := range in.shards {
		out[i] = s.dir
	}
	return out
}

// Write merges the checked shards into the folder out (claimed by the
// caller) and returns the merged summary, also written to
// out/summary.json.
func (in *Inputs) Write(out string) (*loadgen.Summary, error) {
	shards := in.shards
	first := shards[0].info
	if err := writeProfile(out, shards); err != nil {
		return nil, err
	}
	if err := mergeResults(out, shards); err != nil {
		return nil, err
	}
	for _, f := range []string{loadgen.FileAttempts, loadgen.FileJournal} {
		if err := concatLines(out, f, shards); err != nil {
			return nil, err
		}
	}
	seriesNote, err := mergeSeries(out, shards)
	if err != nil {
		return nil, err
	}
	pre := presummary(shards)
	if seriesNote != "" {
		pre.Notes = append(pre.Notes, seriesNote)
	}
	if err := writeJSON(out, loadgen.FileSummary, pre); err != nil {
		return nil, err
	}
	rec := Record{Schema: "harness.merge/v1", Count: first.Count, ProfileHash: first.ProfileHash, StartAt: first.StartAt}
	for _, s := range shards {
		rec.Shards = append(rec.Shards, Source{Index: s.info.Index, Dir: s.dir})
	}
	if err := writeJSON(out, FileMerged, rec); err != nil {
		return nil, err
	}
	sum, err := loadgen.Replay(out)
	if err != nil {
		return nil, fmt.Errorf("merge: re-read the merged run: %w", err)
	}
	if err := writeJSON(out, loadgen.FileSummary, sum); err != nil {
		return nil, err
	}
	return sum, nil
}

// writeProfile writes the whole run's effective profile (from shard.json)
// as the merged run's profile.yaml, and shard 0's profile source.
func writeProfile(out string, shards []shard) error {
	info := shards[0].info
	if _, err := loadgen.ParseProfile("shard.json of "+shards[0].dir, []byte(info.Profile)); err != nil {
		return refuse("merge: %s: the profile in %s: %w", shards[0].dir, loadgen.FileShard, err)
	}
	hdr := fmt.Sprintf("# Effective profile of this run (merged from %d shards; from %s)\n", info.Count, info.ProfileFile)
	if err := os.WriteFile(filepath.Join(out, loadgen.FileProfile), []byte(hdr+info.Profile), 0o644); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(shards[0].dir, loadgen.FileSource)); err == nil {
		if err := os.WriteFile(filepath.Join(out, loadgen.FileSource), b, 0o644); err != nil {
			return fmt.Errorf("merge: %w", err)
		}
	}
	return nil
}

// mergeResults writes every shard's results into one results.bin, each hit
// renumbered to the whole run's schedule index and its client to the whole
// run's client (loadgen.Shard.Global, Client).
func mergeResults(out string, shards []shard) error {
	f, err := os.Create(filepath.Join(out, loadgen.FileResults))
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	enc := vegeta.NewEncoder(w)
	var werr error
	for _, s := range shards {
		in, err := os.Open(filepath.Join(s.dir, loadgen.FileResults))
		if err != nil {
			f.Close()
			return refuse("merge: %s (shard %s): %w", s.dir, s.info.Shard, err)
		}
		_, dmg := loadgen.DecodeResults(in, func(r *vegeta.Result) {
			r.Seq = s.info.Global(r.Seq)
			r.URL = globalClient(r.URL, s.info.Shard)
			if werr == nil {
				werr = enc.Encode(r)
			}
		})
		in.Close()
		if dmg != nil {
			f.Close()
			return refuse("merge: %s (shard %s): %s damaged at byte %d: %v", s.dir, s.info.Shard, loadgen.FileResults, dmg.Offset, dmg.Err)
		}
	}
	if werr == nil {
		werr = w.Flush()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("merge: write %s: %w", loadgen.FileResults, werr)
	}
	return nil
}

// globalClient rewrites the fragment's client (c=) of a hit's URL to the
// whole run's index.
func globalClient(u string, sh loadgen.Shard) string {
	i := strings.LastIndexByte(u, '#')
	if i < 0 {
		return u
	}
	hi := loadgen.ParseHit("", u)
	if hi.Client < 0 {
		return u
	}
	return u[:i] + "#op=" + hi.Op + "&c=" + strconv.Itoa(sh.Client(hi.Client))
}

// concatLines writes the shards' JSON Lines files one after another (every
// line whole: a file not ending in a newline gets one).
func concatLines(out, name string, shards []shard) error {
	var present []string
	for _, s := range shards {
		if _, err := os.Stat(filepath.Join(s.dir, name)); err == nil {
			present = append(present, s.dir)
		}
	}
	if len(present) == 0 {
		return nil
	}
	f, err := os.Create(filepath.Join(out, name))
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	for _, d := range present {
		in, err := os.Open(filepath.Join(d, name))
		if err != nil {
			f.Close()
			return fmt.Errorf("merge: %w", err)
		}
		last := byte('\n')
		_, err = io.Copy(w, &lastByte{r: in, last: &last})
		in.Close()
		if err == nil && last != '\n' {
			err = w.WriteByte('\n')
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("merge: %s: %w", name, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("merge: %s: %w", name, err)
	}
	return f.Close()
}

// lastByte remembers the last byte read through it.
type lastByte struct {
	r    io.Reader
	last *byte
}

func (l *lastByte) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		*l.last = p[n-1]
	}
	return n, err
}

// presummary is the merged run's summary.json before Replay: what Replay
// takes from a saved summary (times, interruption, notes, the accounting
// and the generator's health, which results.bin cannot give) and the
// counts it checks the union against.
func presummary(shards []shard) *loadgen.Summary {
	s0 := shards[0].saved
	sum := &loadgen.Summary{Profile: s0.Profile, Description: s0.Description, Target: s0.Target, Policy: s0.Policy,
		Started: s0.Started, Ended: s0.Ended, LatencyFrom: s0.LatencyFrom}
	var accs []loadgen.Accounting
	attempts := map[string]*loadgen.AttemptStats{}
	var order []string
	for _, s := range shards {
		v := s.saved
		if v.Started.Before(sum.Started) {
			sum.Started = v.Started
		}
		if v.Ended.After(sum.Ended) {
			sum.Ended = v.Ended
		}
		sum.Elapsed = max(sum.Elapsed, v.Elapsed)
		sum.Interrupted = sum.Interrupted || v.Interrupted
		for _, n := range v.Notes {
			sum.Notes = append(sum.Notes, "shard "+s.info.Shard.String()+": "+n)
		}
		accs = append(accs, v.Accounting)
		sum.All.Requests += v.All.Requests
		sum.All.Cancelled += v.All.Cancelled
		for _, a := range v.Attempts {
			t := attempts[a.Operation]
			if t == nil {
				t = &loadgen.AttemptStats{Operation: a.Operation}
				attempts[a.Operation] = t
				order = append(order, a.Operation)
			}
			t.Attempts += a.Attempts
			t.Retries += a.Retries
			t.Throttled += a.Throttled
			t.ServerErrors += a.ServerErrors
			t.TransportErrors += a.TransportErrors
		}
	}
	for _, op := range order {
		sum.Attempts = append(sum.Attempts, *attempts[op])
	}
	sum.Accounting = loadgen.SumAccounting(accs...)
	sum.Generator = mergeHealth(shards)
	sum.Notes = append(sum.Notes, fmt.Sprintf("merged from %d shards (harness merge): latency percentiles from the union of their results; accounting summed; back-off graded over the union of their attempt logs", len(shards)))
	return sum
}

// mergeHealth is the shards' generator health together: saturated when
// any was (each reason and warning named by its shard), the hits in flight
// summed, CPU and schedule lag the worst shard's.
func mergeHealth(shards []shard) *loadgen.GeneratorHealth {
	var out *loadgen.GeneratorHealth
	var peak int64
	var capN int
	var reasons, warnings []string
	for _, s := range shards {
		g := s.saved.Generator
		if g == nil {
			continue
		}
		if out == nil || (g.Lag != nil && (out.Lag == nil || g.Lag.P99 > out.Lag.P99)) {
			c := *g
			out = &c
		}
		peak += g.PeakInFlight
		capN += g.MaxInFlight
		for _, r := range g.Reasons {
			reasons = append(reasons, "shard "+s.info.Shard.String()+": "+r)
		}
		for _, w := range g.Warnings {
			warnings = append(warnings, "shard "+s.info.Shard.String()+": "+w)
		}
	}
	if out == nil {
		return nil
	}
	for _, s := range shards {
		if g := s.saved.Generator; g != nil {
			out.CPU, out.CPUPeak, out.MachineCPU = max(out.CPU, g.CPU), max(out.CPUPeak, g.CPUPeak), max(out.MachineCPU, g.MachineCPU)
		}
	}
	out.PeakInFlight, out.MaxInFlight = peak, capN
	out.Reasons, out.Warnings = reasons, warnings
	out.Saturated = len(reasons) > 0
	return out
}

// writeJSON writes v to dir/name (temp file, then rename).
func writeJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("merge: %s: %w", name, err)
	}
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("merge: %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("merge: %s: %w", name, err)
	}
	return nil
}
