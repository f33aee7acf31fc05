package loadgen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// Files of a run directory.
const (
	FileProfile  = "profile.yaml" // the effective profile (overrides applied)
	FileSource   = "profile.source.yaml"
	FileResults  = "results.bin"    // vegeta gob results, one per hit, as they arrive
	FileAttempts = "attempts.jsonl" // clients.Attempt per line, as they happen
	FileJournal  = "journal.jsonl"  // the mock's journal (target mock), at the end
	FileSummary  = "summary.json"   // Summary, at the end (also after Ctrl-C)
	// timeseries.FileName (timeseries.jsonl): one interval a second, as
	// each closes (see series.go).
)

// resultWriter streams results to results.bin.
type resultWriter struct {
	f   *os.File
	w   *bufio.Writer
	enc vegeta.Encoder
}

func newResultWriter(dir string) (*resultWriter, error) {
	f, err := os.OpenFile(filepath.Join(dir, FileResults), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	return &resultWriter{f: f, w: w, enc: vegeta.NewEncoder(w)}, nil
}

// keepHeaders keeps only the harness's own response headers.
func keepHeaders(h http.Header) http.Header {
	var out http.Header
	for _, k := range [...]string{HeaderPages} { // canonical keys
		if v := h[k]; len(v) > 0 {
			if out == nil {
				out = http.Header{}
			}
			out[k] = v[:1]
		}
	}
	return out
}

func (rw *resultWriter) write(r *vegeta.Result) error { return rw.enc.Encode(r) }
func (rw *resultWriter) flush() error                 { return rw.w.Flush() }

func (rw *resultWriter) close() error {
	err := rw.w.Flush()
	if cerr := rw.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// attemptLog is the clients.Observer of a run: it streams every attempt to
// attempts.jsonl, counts them per operation, and keeps a bounded buffer of
// compliance events for the back-off checker.
type attemptLog struct {
	mu        sync.Mutex
	f         *os.File
	w         *bufio.Writer
	buf       []byte
	err       error
	keep      bool
	limit     int
	events    []compliance.Event
	dropped   int
	stats     map[string]*AttemptStats
	throttled int64
}

func newAttemptLog(dir string, keep bool, limit int) (*attemptLog, error) {
	f, err := os.OpenFile(filepath.Join(dir, FileAttempts), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	return &attemptLog{f: f, w: w, keep: keep, limit: limit,
		stats: map[string]*AttemptStats{}}, nil
}

// ObserveAttempt implements clients.Observer.
func (l *attemptLog) ObserveAttempt(a clients.Attempt) {
	// Token attempts already carry the journal's client id
	// (redact.TokenRequestClientID, set by clients.Transport), so the two
	// views join without any relabelling here.
	l.mu.Lock()
	defer l.mu.Unlock()
	countAttempt(l.stats, a)
	if a.Status == http.StatusTooManyRequests {
		l.throttled++
	}
	if l.err == nil {
		l.buf = appendAttempt(l.buf[:0], &a)
		_, l.err = l.w.Write(l.buf)
	}
	if l.keep {
		if len(l.events) < l.limit {
			l.events = append(l.events, a.Event())
		} else {
			l.dropped++
		}
	}
}

func countAttempt(m map[string]*AttemptStats, a clients.Attempt) {
	s := m[a.Operation]
	if s == nil {
		s = &AttemptStats{Operation: a.Operation}
		m[a.Operation] = s
	}
	s.Attempts++
	if a.Number > 1 {
		s.Retries++
	}
	switch {
	case a.Status == http.StatusTooManyRequests:
		s.Throttled++
	case a.Status >= 500:
		s.ServerErrors++
	case a.Status == 0:
		s.TransportErrors++
	}
}

func (l *attemptLog) throttledCount() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.throttled
}

func (l *attemptLog) flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = err
	}
	return l.err
}

func (l *attemptLog) close() error {
	err := l.flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (l *attemptLog) snapshot() ([]compliance.Event, int, []AttemptStats) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.events, l.dropped, sortedAttemptStats(l.stats)
}

func sortedAttemptStats(m map[string]*AttemptStats) []AttemptStats {
	var out []AttemptStats
	for _, op := range contract.Operations() {
		if s := m[op]; s != nil {
			out = append(out, *s)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(contract.Operations(), op) {
			out = append(out, *m[op])
		}
	}
	return out
}

// writeJournal writes the mock's journal, one entry per line.
func writeJournal(dir string, js []mockcontrol.JournalEntry) error {
	f, err := os.OpenFile(filepath.Join(dir, FileJournal), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range js {
		if err := enc.Encode(&js[i]); err != nil {
			f.Close()
			return fmt.Errorf("journal: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("journal: %w", err)
	}
	return f.Close()
}

// writeJSON writes v to dir/name atomically (temp file, then rename).
func writeJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// appendAttempt appends a as one JSON line, exactly as encoding/json would
// encode clients.Attempt (its field tags), without reflection: the attempt
// log is on the load generator's hot path.
func appendAttempt(b []byte, a *clients.Attempt) []byte {
	b = append(b, `{"operation":`...)
	b = appendJSONString(b, a.Operation)
	b = append(b, `,"client":`...)
	b = appendJSONString(b, a.Client)
	b = append(b, `,"key":`...)
	b = appendJSONString(b, a.Key)
	b = append(b, `,"attempt":`...)
	b = strconv.AppendInt(b, int64(a.Number), 10)
	b = append(b, `,"sent":"`...)
	b = a.Sent.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","received":"`...)
	b = a.Received.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(a.Status), 10)
	if a.Err != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, a.Err)
	}
	if a.RetryAfter != 0 {
		b = append(b, `,"retryAfter":`...)
		b = strconv.AppendInt(b, int64(a.RetryAfter), 10)
	}
	if a.RetryAfterDate {
		b = append(b, `,"retryAfterDate":true`...)
	}
	if a.Delay != 0 {
		b = append(b, `,"delay":`...)
		b = strconv.AppendInt(b, int64(a.Delay), 10)
	}
	b = append(b, `,"retry":`...)
	b = strconv.AppendBool(b, a.Retry)
	if a.Reauth {
		b = append(b, `,"reauth":true`...)
	}
	return append(b, "}\n"...)
}

// appendJSONString quotes s; plain ASCII directly, anything else through
// encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
