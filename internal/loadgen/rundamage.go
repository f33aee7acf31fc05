package loadgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/humanfmt"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/userfile"
)

// This file holds the checked readers of a saved run's files (Replay): each
// reads its whole file, names what it found damaged, missing or cut short,
// and never drops a record silently. A RunCheck collects those findings;
// Replay turns them into Summary.Damage and Summary.Partial so that a run
// whose data is damaged or incomplete is never a plain PASS.

// Bounds of the checked readers.
const (
	// MaxSummaryBytes bounds summary.json wherever it is read (a summary
	// is a few kB; its per-step and per-status maps stay far below this).
	MaxSummaryBytes = 16 << 20
	// maxLineBytes bounds one line of attempts.jsonl or journal.jsonl (a
	// line is a few hundred bytes).
	maxLineBytes = 1 << 20
	// maxNamedLines is how many damaged line numbers a finding names.
	maxNamedLines = 10
)

// Finding is one problem with one file of a saved run.
type Finding struct {
	File string `json:"file"` // base name, e.g. results.bin
	// Partial: the file is missing or cut short the way a run killed or
	// crashed mid-way leaves it; otherwise the file is damaged (its data
	// is wrong, not just incomplete).
	Partial bool   `json:"partial,omitempty"`
	Problem string `json:"problem"`
}

func (f Finding) String() string { return f.File + ": " + f.Problem }

// RunCheck collects the findings of one Replay.
type RunCheck struct {
	Dir      string
	Findings []Finding
}

func (c *RunCheck) partial(file, format string, a ...any) {
	c.Findings = append(c.Findings, Finding{File: file, Partial: true, Problem: fmt.Sprintf(format, a...)})
}

func (c *RunCheck) damaged(file, format string, a ...any) {
	c.Findings = append(c.Findings, Finding{File: file, Problem: fmt.Sprintf(format, a...)})
}

// Damaged reports whether a finding is more than a run cut short.
func (c *RunCheck) Damaged() bool {
	for _, f := range c.Findings {
		if !f.Partial {
			return true
		}
	}
	return false
}

// has reports whether a finding concerns file.
func (c *RunCheck) has(file string) bool {
	for _, f := range c.Findings {
		if f.File == file {
			return true
		}
	}
	return false
}

// openRunFile opens a file of the run for streaming. A missing file is
// (nil, nil) and recorded by the caller; anything but a regular file is
// refused before it is opened (a FIFO would block, a device never ends).
func openRunFile(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("is not a regular file (%s): %w", fi.Mode().Type(), userfile.ErrNotRegular)
	}
	return os.Open(path)
}

// readSavedSummary reads summary.json: nil when it is missing (the run did
// not finish: partial) or damaged (named as such, never taken for a run that
// did not finish).
func (c *RunCheck) readSavedSummary() *Summary {
	path := filepath.Join(c.Dir, FileSummary)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		c.partial(FileSummary, "missing: the run did not finish (killed or crashed?); figures are from the records saved so far")
		return nil
	}
	b, err := userfile.Read(path, MaxSummaryBytes)
	if err != nil {
		c.damaged(FileSummary, "unreadable: %v", err)
		return nil
	}
	s, err := ParseSavedSummary(b)
	if err != nil {
		c.damaged(FileSummary, "damaged, not used: %v", err)
		return nil
	}
	return s
}

// ParseSavedSummary parses a run's summary.json, refusing what a finished
// run never writes: anything but one JSON object, or one without its
// profile, start or end.
func ParseSavedSummary(b []byte) (*Summary, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var s Summary
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("not a summary: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a summary: text after the JSON object")
	}
	switch {
	case s.Profile == "":
		return nil, errors.New("no profile name")
	case s.Started.IsZero() || s.Ended.IsZero():
		return nil, errors.New("no start or end time")
	case s.Elapsed < 0 || s.All.Requests < 0 || s.All.Cancelled < 0:
		return nil, errors.New("negative figures")
	}
	return &s, nil
}

// countingReader counts the bytes its reader gave out; it is an
// io.ByteReader so that gob reads through it byte-exact (gob wraps any
// other reader in a bufio.Reader of its own).
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// ResultsDamage is what DecodeResults found wrong with a results stream.
type ResultsDamage struct {
	Truncated bool  // the stream ends inside a record
	Offset    int64 // bytes consumed when decoding stopped
	Err       error // the decoder's error
}

// DecodeResults decodes a results.bin stream (vegeta's gob encoding) to its
// end, calling add for every record. It returns how many records it
// decoded and, when the stream did not end cleanly after a whole record,
// what went wrong and where.
func DecodeResults(r io.Reader, add func(*vegeta.Result)) (int, *ResultsDamage) {
	cr := &countingReader{r: bufio.NewReaderSize(r, 64<<10)}
	dec := vegeta.NewDecoder(cr)
	n := 0
	for {
		var res vegeta.Result
		err := dec.Decode(&res)
		switch {
		case err == nil:
			add(&res)
			n++
		case errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
			return n, nil
		default:
			return n, &ResultsDamage{Truncated: errors.Is(err, io.ErrUnexpectedEOF), Offset: cr.n, Err: err}
		}
	}
}

// ValidateResult refuses a decoded record that no run writes: a gob stream
// with bytes overwritten inside a string or a number still decodes, so each
// record is checked for what the run always records (a known operation, a
// method, a status, a send time within the run's window when one is known).
func ValidateResult(r *vegeta.Result, from, to time.Time) error {
	switch r.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		return fmt.Errorf("method %.20q", r.Method)
	}
	// The targeter writes printable ASCII URLs that name their operation
	// and client in the fragment (#op=get&c=3).
	for i := 0; i < len(r.URL); i++ {
		if c := r.URL[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("byte %#x in the URL %.80q", c, r.URL)
		}
	}
	i := strings.LastIndexByte(r.URL, '#')
	if i < 0 {
		return fmt.Errorf("no #op= fragment in the URL %.80q", r.URL)
	}
	if hi := parseFragment(r.URL[i+1:]); hi.Client < 0 || (!slices.Contains(MixOperations(), hi.Op) && !slices.Contains(contract.Operations(), hi.Op)) {
		return fmt.Errorf("no known operation and client in the URL %.80q", r.URL)
	}
	switch {
	case r.Code != 0 && (r.Code < 100 || r.Code > 599):
		return fmt.Errorf("status %d", r.Code)
	case r.Latency < 0 || r.Latency > maxRecordLatency:
		return fmt.Errorf("latency %s", r.Latency)
	case r.Timestamp.IsZero():
		return errors.New("no send time")
	case !from.IsZero() && (r.Timestamp.Before(from.Add(-time.Minute)) || r.Timestamp.After(to.Add(time.Minute))):
		return fmt.Errorf("send time %s outside the run (%s to %s)", r.Timestamp.Format(time.RFC3339), from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return nil
}

// maxRecordLatency bounds a record's latency (from the intended send time):
// no run is that long.
const maxRecordLatency = 7 * 24 * time.Hour

// readResults decodes all of results.bin through add and records what is
// missing, cut short or damaged. finished: summary.json says the run ended,
// so a cut-short file is damage, not a crash.
func (c *RunCheck) readResults(add func(*vegeta.Result), saved *Summary) int {
	finished := saved != nil
	path := filepath.Join(c.Dir, FileResults)
	f, err := openRunFile(path)
	if err != nil {
		c.damaged(FileResults, "unreadable: %v", err)
		return 0
	}
	if f == nil {
		c.partial(FileResults, "missing: no hit of this run is on record")
		return 0
	}
	defer f.Close()
	var size int64 = -1
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	var from, to time.Time
	if saved != nil {
		from, to = saved.Started, saved.Ended
	}
	var bad lineFindings
	index := 0
	n, d := DecodeResults(f, func(r *vegeta.Result) {
		index++
		if err := ValidateResult(r, from, to); err != nil {
			bad.add(index, err.Error())
			return
		}
		add(r)
	})
	if bad.count > 0 {
		c.damaged(FileResults, "%s not used (%s); %s", humanfmt.Plural(bad.count, "damaged record"), bad.named("record"), strings.Replace(bad.first, "line", "record", 1))
	}
	switch {
	case d == nil:
	case d.Truncated && !finished:
		c.partial(FileResults, "ends in a record cut short (the run was killed while writing it); %d complete records read", n)
	case d.Truncated:
		c.damaged(FileResults, "ends in a record cut short although summary.json says the run finished; %d complete records read", n)
	default:
		rest := ""
		if size >= 0 {
			rest = fmt.Sprintf(", %d bytes after it not read", max(0, size-d.Offset))
		}
		c.damaged(FileResults, "damaged at byte %d, after %s (%v)%s", d.Offset, humanfmt.Plural(n, "complete record"), d.Err, rest)
	}
	return n
}

// sentTotal is how many hits a summary counts as sent (completed or
// cancelled): one record each in results.bin.
func sentTotal(o OpSummary) int { return o.Requests + o.Cancelled }

// compareCounts checks the replayed figures against summary.json's.
func (c *RunCheck) compareCounts(saved *Summary, replayed OpSummary) {
	if saved == nil {
		return
	}
	want, got := sentTotal(saved.All), sentTotal(replayed)
	if want != got {
		c.damaged(FileResults, "holds %s but summary.json counts %s sent: records are missing, or the two files are not of the same run",
			humanfmt.Plural(got, "hit"), humanfmt.Plural(want, "hit"))
	}
}

// compareAttempts checks the attempts read against summary.json's count
// (not for an interrupted run, whose last attempts may land after its
// summary was taken).
func (c *RunCheck) compareAttempts(saved *Summary, read map[string]*AttemptStats) {
	if saved == nil || saved.Interrupted || c.has(FileAttempts) {
		return
	}
	want, got := 0, 0
	for _, a := range saved.Attempts {
		want += a.Attempts
	}
	for _, a := range read {
		got += a.Attempts
	}
	if want != got {
		c.damaged(FileAttempts, "holds %s but summary.json counts %s: attempts are missing, or the two files are not of the same run",
			humanfmt.Plural(got, "attempt"), humanfmt.Plural(want, "attempt"))
	}
}

// lineFindings collects the damaged lines of one JSON Lines file.
type lineFindings struct {
	lines   []int
	count   int
	first   string // the first damaged line's problem
	cutLast bool   // the last line has no newline and did not parse
}

func (lf *lineFindings) add(line int, problem string) {
	lf.count++
	if len(lf.lines) < maxNamedLines {
		lf.lines = append(lf.lines, line)
	}
	if lf.first == "" {
		lf.first = fmt.Sprintf("line %d: %s", line, problem)
	}
}

// scanJSONLines calls parse on every line of r (without its newline) and
// collects the line numbers of those it rejects; a line longer than
// maxLineBytes is rejected without being held in memory. It returns the
// number of lines and the read error, if any.
func scanJSONLines(r io.Reader, parse func([]byte) error) (int, *lineFindings, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	lf := &lineFindings{}
	var buf []byte
	line := 0
	for {
		buf = buf[:0]
		tooLong := false
		var err error
		for {
			var frag []byte
			frag, err = br.ReadSlice('\n')
			if !tooLong && len(buf)+len(frag) <= maxLineBytes {
				buf = append(buf, frag...)
			} else {
				tooLong = true
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return line, lf, err
		}
		if len(buf) == 0 && !tooLong && errors.Is(err, io.EOF) {
			return line, lf, nil
		}
		line++
		terminated := err == nil
		text := buf
		if terminated {
			text = buf[:len(buf)-1]
		}
		switch {
		case tooLong:
			lf.add(line, fmt.Sprintf("longer than %d bytes", maxLineBytes))
		default:
			if perr := parse(text); perr != nil {
				lf.add(line, perr.Error())
				if !terminated {
					lf.cutLast = true
				}
			}
		}
		if !terminated {
			return line, lf, nil
		}
	}
}

// describe turns the damaged lines into a finding, partial when the only
// damaged line is the last one, cut short by a run that did not finish.
func (c *RunCheck) describeLines(file string, lf *lineFindings, finished bool) {
	if lf.count == 0 {
		return
	}
	if lf.count == 1 && lf.cutLast && !finished {
		c.partial(file, "its last line (%d) is cut short (the run was killed while writing it); it was not used", lf.lines[0])
		return
	}
	c.damaged(file, "%s not used (%s); %s", humanfmt.Plural(lf.count, "damaged line"), lf.named("line"), lf.first)
}

// named lists the damaged line (or record) numbers: "line 3", "lines 3, 9, …".
func (lf *lineFindings) named(what string) string {
	nums := make([]string, len(lf.lines))
	for i, l := range lf.lines {
		nums[i] = strconv.Itoa(l)
	}
	if lf.count > 1 {
		what += "s"
	}
	more := ""
	if lf.count > len(lf.lines) {
		more = ", …"
	}
	return what + " " + strings.Join(nums, ", ") + more
}

// ParseAttemptLine parses one line of attempts.jsonl, refusing a line that
// is not an attempt.
func ParseAttemptLine(b []byte) (clients.Attempt, error) {
	var a clients.Attempt
	if err := json.Unmarshal(b, &a); err != nil {
		return a, err
	}
	switch {
	case a.Operation == "":
		return a, errors.New("no operation")
	case a.Number < 1:
		return a, fmt.Errorf("attempt number %d, want 1 or more", a.Number)
	case a.Sent.IsZero():
		return a, errors.New("no send time")
	case a.Status < 0 || a.Status > 999:
		return a, fmt.Errorf("status %d out of range", a.Status)
	case a.RetryAfter < 0 || a.Delay < 0:
		return a, errors.New("negative Retry-After or delay")
	}
	return a, nil
}

// ParseJournalLine parses one line of journal.jsonl, refusing a line that
// is not a journal entry.
func ParseJournalLine(b []byte) (mockcontrol.JournalEntry, error) {
	var j mockcontrol.JournalEntry
	if err := json.Unmarshal(b, &j); err != nil {
		return j, err
	}
	switch {
	case j.Time.IsZero():
		return j, errors.New("no time")
	case j.Method == "" && j.Path == "" && j.Operation == "":
		return j, errors.New("no request")
	case j.Status < 100 || j.Status > 999:
		return j, fmt.Errorf("status %d out of range", j.Status)
	case j.RetryAfter < 0:
		return j, errors.New("negative Retry-After")
	}
	return j, nil
}

// readJSONLines reads one JSON Lines file of the run through parse. It
// reports whether the file was there.
func (c *RunCheck) readJSONLines(file string, finished bool, parse func([]byte) error) bool {
	f, err := openRunFile(filepath.Join(c.Dir, file))
	if err != nil {
		c.damaged(file, "unreadable: %v", err)
		return false
	}
	if f == nil {
		return false
	}
	defer f.Close()
	lines, lf, err := scanJSONLines(f, parse)
	c.describeLines(file, lf, finished)
	if err != nil {
		c.damaged(file, "read error after line %d: %v", lines, err)
	}
	return true
}

// readAttempts reads attempts.jsonl: its statistics and, when keep, its
// events for the back-off checker (at most maxReplayEvents).
func (c *RunCheck) readAttempts(keep, finished bool) ([]compliance.Event, map[string]*AttemptStats) {
	stats := map[string]*AttemptStats{}
	var events []compliance.Event
	ok := c.readJSONLines(FileAttempts, finished, func(b []byte) error {
		a, err := ParseAttemptLine(b)
		if err != nil {
			return err
		}
		countAttempt(stats, a)
		if keep && len(events) < maxReplayEvents {
			events = append(events, a.Event())
		}
		return nil
	})
	if !ok && !c.has(FileAttempts) {
		c.partial(FileAttempts, "missing: no attempt of this run is on record (the client view is empty)")
	}
	return events, stats
}

// readJournal reads journal.jsonl when the run's target is the embedded
// mock (the only run that writes one). A journal beside a run against
// another target is not this run's: it is named and not used.
func (c *RunCheck) readJournal(target string, finished bool) ([]mockcontrol.JournalEntry, bool) {
	if target != TargetMock {
		if _, err := os.Stat(filepath.Join(c.Dir, FileJournal)); err == nil {
			c.damaged(FileJournal, "present, but this run's target is %q, which keeps no journal: it is another run's file and was not used", target)
		}
		return nil, false
	}
	var out []mockcontrol.JournalEntry
	ok := c.readJSONLines(FileJournal, finished, func(b []byte) error {
		j, err := ParseJournalLine(b)
		if err != nil {
			return err
		}
		out = append(out, j)
		return nil
	})
	if !ok && !c.has(FileJournal) {
		c.partial(FileJournal, "missing: the run ended before the mock's journal was saved (killed?), so the server view is missing")
	}
	return out, ok
}

// gradeViews withdraws a back-off verdict built on damaged or missing
// views: the checker saw only part of the attempts or of the journal.
func (c *RunCheck) gradeViews(cs *ComplianceSummary) {
	if cs == nil {
		return
	}
	for _, f := range c.Findings {
		switch f.File {
		case FileAttempts:
			cs.Reasons = append(cs.Reasons, "the client view is incomplete: "+f.String())
		case FileJournal:
			if !strings.HasPrefix(f.Problem, "missing") { // gradeCompliance already names a missing journal
				cs.Reasons = append(cs.Reasons, "the server view is incomplete: "+f.String())
			}
			cs.Agree = false
		}
	}
	cs.Pass = len(cs.Reasons) == 0
}

// apply records the findings in the summary: every finding is a note, any
// finding makes the run partial, and damage is listed in Summary.Damage.
func (c *RunCheck) apply(sum *Summary) {
	for _, f := range c.Findings {
		sum.Partial = true
		if f.Partial {
			sum.Notes = append(sum.Notes, f.String())
		} else {
			sum.Damage = append(sum.Damage, f.String())
		}
	}
}
