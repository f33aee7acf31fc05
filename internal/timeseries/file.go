package timeseries

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the time series' file in a run folder.
const FileName = "timeseries.jsonl"

// Schema and SchemaVersion identify the file format in its Header. A
// reader rejects a newer version rather than guess at it.
const (
	Schema        = "harness.timeseries"
	SchemaVersion = 1
)

// Limits of what Read accepts.
const (
	// MaxLine is the longest line Read accepts, in bytes.
	MaxLine = 64 << 10
	// MaxFile is the largest file Read accepts (a day of one-second
	// intervals for a dozen operations fits).
	MaxFile = 512 << 20
	// maxMapKeys bounds each map of a line read back.
	maxMapKeys = 256
	// maxSeconds bounds an interval's length (one day).
	maxSeconds = 86400
)

// Header is the first line of the file.
type Header struct {
	Schema        string `json:"schema"`
	SchemaVersion int    `json:"schemaVersion"`
	// DurationUnit is "seconds": every duration in the file is a number of
	// seconds.
	DurationUnit string `json:"durationUnit"`
	// Started is when the run's first interval began.
	Started time.Time `json:"started"`
}

// Writer streams intervals to a JSON lines file. It is not safe for
// concurrent use: one goroutine cuts the Aggregator and writes.
type Writer struct {
	f   *os.File
	buf *bufio.Writer
	enc *json.Encoder
}

// Create creates dir/timeseries.jsonl and writes its header.
func Create(dir string, started time.Time) (*Writer, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("timeseries: %w", err)
	}
	w := &Writer{f: f, buf: bufio.NewWriter(f)}
	w.enc = json.NewEncoder(w.buf)
	if err := w.enc.Encode(Header{Schema: Schema, SchemaVersion: SchemaVersion, DurationUnit: "seconds", Started: started}); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("timeseries: write %s header: %w", path, err)
	}
	if err := w.buf.Flush(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("timeseries: write %s header: %w", path, err)
	}
	return w, nil
}

// Write appends the intervals of one cut, one line each, and flushes them
// to the file, so that a run interrupted later still has them.
func (w *Writer) Write(ivs []Interval) error {
	for i := range ivs {
		if err := w.enc.Encode(&ivs[i]); err != nil {
			return fmt.Errorf("timeseries: write %s: %w", w.f.Name(), err)
		}
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("timeseries: write %s: %w", w.f.Name(), err)
	}
	return nil
}

// Close flushes and closes the file.
func (w *Writer) Close() error {
	ferr := w.buf.Flush()
	cerr := w.f.Close()
	if err := errors.Join(ferr, cerr); err != nil {
		return fmt.Errorf("timeseries: close %s: %w", w.f.Name(), err)
	}
	return nil
}

// LineError is one damaged line of a time series file.
type LineError struct {
	File   string
	Line   int // 1-based
	Damage string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Damage)
}

// DamageError lists the damaged lines Read found (at most maxReported, and
// how many more). Read returns it with the intervals it could read.
type DamageError struct {
	Lines []*LineError
	More  int
}

const maxReported = 10

func (e *DamageError) Error() string {
	parts := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		parts[i] = l.Error()
	}
	s := strings.Join(parts, "; ")
	if e.More > 0 {
		s += fmt.Sprintf("; and %d more damaged lines", e.More)
	}
	return "timeseries: damaged file: " + s
}

// Unwrap lets errors.As find each LineError.
func (e *DamageError) Unwrap() []error {
	out := make([]error, len(e.Lines))
	for i, l := range e.Lines {
		out[i] = l
	}
	return out
}

// Read reads a time series file. It returns every interval it could read;
// the error (a *DamageError, unless the file could not be opened or has no
// valid header) names the file, line and damage of each bad line: a line
// too long, not JSON, with unknown fields, negative counts, non-finite or
// out-of-order percentiles, a truncated last line (a run cut short while
// writing), or a file beyond MaxFile.
func Read(path string) (Header, []Interval, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, nil, fmt.Errorf("timeseries: %w", err)
	}
	defer f.Close()
	return Decode(f, path)
}

// Decode reads a time series from r; name is the file name used in errors.
func Decode(r io.Reader, name string) (Header, []Interval, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxFile+1), 64<<10)
	var (
		hdr     Header
		out     []Interval
		dmg     DamageError
		total   int64
		lineNo  int
		haveHdr bool
	)
	damage := func(line int, format string, args ...any) {
		if len(dmg.Lines) < maxReported {
			dmg.Lines = append(dmg.Lines, &LineError{File: name, Line: line, Damage: fmt.Sprintf(format, args...)})
		} else {
			dmg.More++
		}
	}
	for {
		line, tooLong, complete, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return hdr, out, fmt.Errorf("timeseries: read %s: %w", name, err)
		}
		if len(line) == 0 && !tooLong && err != nil {
			break
		}
		lineNo++
		total += int64(len(line)) + 1
		if total > MaxFile {
			damage(lineNo, "file larger than %d MiB: the rest is not read", MaxFile>>20)
			break
		}
		switch {
		case tooLong:
			damage(lineNo, "line longer than %d KiB", MaxLine>>10)
		case !complete:
			damage(lineNo, "truncated last line (no newline): the run was probably cut short while writing it")
		case !haveHdr:
			h, herr := parseHeader(line)
			if herr != nil {
				return Header{}, nil, &LineError{File: name, Line: lineNo, Damage: herr.Error()}
			}
			hdr, haveHdr = h, true
		case len(bytes.TrimSpace(line)) == 0:
			damage(lineNo, "empty line")
		default:
			iv, perr := parseInterval(line)
			if perr != nil {
				damage(lineNo, "%v", perr)
			} else {
				out = append(out, iv)
			}
		}
		if err != nil {
			break
		}
	}
	if !haveHdr && len(dmg.Lines) == 0 {
		return Header{}, nil, &LineError{File: name, Line: 1, Damage: "empty file: no header line"}
	}
	if len(dmg.Lines) > 0 {
		return hdr, out, &dmg
	}
	return hdr, out, nil
}

// readLine reads one line of at most MaxLine bytes (newline excluded); a
// longer line is consumed and reported as tooLong. complete says it ended
// with a newline; err is the read error that ended an incomplete line.
func readLine(br *bufio.Reader) (line []byte, tooLong, complete bool, err error) {
	for {
		chunk, rerr := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > MaxLine+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(rerr, bufio.ErrBufferFull) {
			continue
		}
		if rerr != nil {
			return line, tooLong, false, rerr
		}
		return bytes.TrimRight(line, "\r\n"), tooLong, true, nil
	}
}

func parseHeader(line []byte) (Header, error) {
	var h Header
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return h, fmt.Errorf("header is not a %s header: %v", Schema, err)
	}
	switch {
	case h.Schema != Schema:
		return h, fmt.Errorf("header schema is %q, want %q", h.Schema, Schema)
	case h.SchemaVersion < 1:
		return h, fmt.Errorf("header schemaVersion %d is not valid (want %d)", h.SchemaVersion, SchemaVersion)
	case h.SchemaVersion > SchemaVersion:
		return h, fmt.Errorf("header schemaVersion %d is newer than this harness reads (%d): use a newer harness", h.SchemaVersion, SchemaVersion)
	case h.DurationUnit != "seconds":
		return h, fmt.Errorf("header durationUnit is %q, want \"seconds\"", h.DurationUnit)
	}
	return h, nil
}

func parseInterval(line []byte) (Interval, error) {
	var iv Interval
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&iv); err != nil {
		return iv, fmt.Errorf("not an interval: %v", err)
	}
	if dec.More() {
		return iv, errors.New("trailing data after the interval")
	}
	return iv, iv.Validate()
}

// Validate checks an interval read back: counts not negative, answered ≤
// sent, seconds in (0, 1 day], latencies and lag finite, not negative and
// in order (p50 ≤ p90 ≤ p99 ≤ max), maps bounded.
func (iv Interval) Validate() error {
	switch {
	case iv.Operation == "" || len(iv.Operation) > 200:
		return errors.New("operation: empty or longer than 200 bytes")
	case iv.Start.IsZero():
		return errors.New("start: missing")
	case !(iv.Seconds >= 0 && iv.Seconds <= maxSeconds):
		return fmt.Errorf("seconds: %v is outside [0, %d]", iv.Seconds, maxSeconds)
	}
	for _, c := range []struct {
		name string
		v    int64
	}{{"offered", iv.Offered}, {"sent", iv.Sent}, {"answered", iv.Answered}, {"notSent", iv.NotSent}, {"throttled", iv.Throttled}, {"retries", iv.Retries}} {
		if c.v < 0 {
			return fmt.Errorf("%s: %d is negative", c.name, c.v)
		}
	}
	if iv.Answered > iv.Sent {
		return fmt.Errorf("answered: %d is more than sent (%d)", iv.Answered, iv.Sent)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"achievedRate", iv.AchievedRate}, {"p50", iv.P50}, {"p90", iv.P90}, {"p99", iv.P99}, {"max", iv.Max}, {"lagP99", iv.LagP99}, {"lagMax", iv.LagMax}} {
		if !(c.v >= 0 && c.v <= 1e9) {
			return fmt.Errorf("%s: %v is not a finite number in [0, 1e9]", c.name, c.v)
		}
	}
	if !(iv.P50 <= iv.P90 && iv.P90 <= iv.P99 && iv.P99 <= iv.Max) {
		return fmt.Errorf("percentiles out of order: p50 %v, p90 %v, p99 %v, max %v", iv.P50, iv.P90, iv.P99, iv.Max)
	}
	if iv.LagP99 > iv.LagMax {
		return fmt.Errorf("lagP99 %v is above lagMax %v", iv.LagP99, iv.LagMax)
	}
	for _, m := range []struct {
		name string
		m    map[string]int64
	}{{"statuses", iv.Statuses}, {"errors", iv.Errors}, {"notSentReasons", iv.NotSentReasons}} {
		if len(m.m) > maxMapKeys {
			return fmt.Errorf("%s: %d keys, at most %d", m.name, len(m.m), maxMapKeys)
		}
		for k, v := range m.m {
			if v < 0 {
				return fmt.Errorf("%s[%q]: %d is negative", m.name, k, v)
			}
		}
	}
	return nil
}
