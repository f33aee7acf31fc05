package conform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
)

// Outcome is the result of one scenario.
type Outcome string

// Scenario outcomes.
const (
	Passed  Outcome = "passed"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped"
)

// ScenarioResult is what happened to one scenario (one pickle: an outline
// contributes one per Examples row).
type ScenarioResult struct {
	Feature  string        `json:"feature"`
	URI      string        `json:"uri"`
	Name     string        `json:"name"`
	Tags     []string      `json:"tags"`
	Outcome  Outcome       `json:"outcome"`
	Reason   string        `json:"reason,omitempty"`  // why it was skipped
	Failure  string        `json:"failure,omitempty"` // why it failed (secrets redacted)
	Duration time.Duration `json:"duration"`
}

// Interrupted reports whether the scenario was aborted by an interruption
// of the run (cancelled while running or never started; outcome skipped,
// reason ReasonInterrupted): not a skip by choice, and no verdict on the
// target.
func (r ScenarioResult) Interrupted() bool {
	return r.Outcome == Skipped && r.Reason == ReasonInterrupted
}

// HasTag reports whether the scenario carries tag (with its "@").
func (r ScenarioResult) HasTag(tag string) bool { return slices.Contains(r.Tags, tag) }

// Pairs returns the (operation, status) pairs the scenario covers: every
// combination of its @op:<name> and @status:<code> tags.
func (r ScenarioResult) Pairs() []Pair { return PairsOf(r.Tags) }

// Pair is one (operation, status code) cell of the coverage matrix.
type Pair struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"`
}

func (p Pair) String() string { return p.Operation + " " + strconv.Itoa(p.Status) }

// PairsOf returns the pairs a tag set covers.
func PairsOf(tags []string) []Pair {
	var ops []string
	var statuses []int
	for _, t := range tags {
		switch {
		case strings.HasPrefix(t, "@op:"):
			ops = append(ops, strings.TrimPrefix(t, "@op:"))
		case strings.HasPrefix(t, "@status:"):
			if n, err := strconv.Atoi(strings.TrimPrefix(t, "@status:")); err == nil {
				statuses = append(statuses, n)
			}
		}
	}
	var out []Pair
	for _, o := range ops {
		for _, s := range statuses {
			out = append(out, Pair{o, s})
		}
	}
	return out
}

// CellState is the state of one coverage matrix cell.
type CellState string

// Cell states, from best to worst for the exit decision.
const (
	CellPassed     CellState = "passed"      // at least one scenario passed, none failed
	CellSkipped    CellState = "skipped"     // every covering scenario was skipped
	CellFailed     CellState = "failed"      // a covering scenario failed
	CellNotCovered CellState = "not covered" // no scenario carries the pair at all
)

// Cell is one (operation, documented status) cell.
type Cell struct {
	Pair
	State   CellState `json:"state"`
	Passed  int       `json:"passed"`
	Failed  int       `json:"failed"`
	Skipped int       `json:"skipped"`
	// Reasons lists the distinct skip reasons of a skipped cell.
	Reasons []string `json:"reasons,omitempty"`
	// Scenarios names the covering scenarios.
	Scenarios []string `json:"scenarios,omitempty"`
}

// Coverage is the matrix operation × documented status.
type Coverage struct {
	Operations []string `json:"operations"`
	Statuses   []int    `json:"statuses"`
	Cells      []Cell   `json:"cells"` // documented pairs only, operation-major
	// Undocumented lists pairs the features tag that contract.Documented does
	// not list (a tagging mistake or a contract gap).
	Undocumented []Pair `json:"undocumented,omitempty"`
}

// Cell returns the cell of a documented pair.
func (c Coverage) Cell(op string, status int) (Cell, bool) {
	for _, cell := range c.Cells {
		if cell.Operation == op && cell.Status == status {
			return cell, true
		}
	}
	return Cell{}, false
}

// Uncovered returns the documented pairs no scenario covers.
func (c Coverage) Uncovered() []Pair {
	var out []Pair
	for _, cell := range c.Cells {
		if cell.State == CellNotCovered {
			out = append(out, cell.Pair)
		}
	}
	return out
}

// BuildCoverage computes the matrix from the results of every scenario of
// the feature set (skipped ones included) against documented, which maps an
// operation to its documented statuses (contract.Documented()).
func BuildCoverage(results []ScenarioResult, documented map[string][]int) Coverage {
	cov := Coverage{}
	for _, op := range contract.Operations() {
		if _, ok := documented[op]; ok {
			cov.Operations = append(cov.Operations, op)
		}
	}
	var extra []string
	for op := range documented {
		if !slices.Contains(cov.Operations, op) {
			extra = append(extra, op)
		}
	}
	sort.Strings(extra)
	cov.Operations = append(cov.Operations, extra...)

	seen := map[int]bool{}
	for _, ss := range documented {
		for _, s := range ss {
			seen[s] = true
		}
	}
	for s := range seen {
		cov.Statuses = append(cov.Statuses, s)
	}
	sort.Ints(cov.Statuses)

	index := map[Pair]int{}
	for _, op := range cov.Operations {
		ss := slices.Clone(documented[op])
		sort.Ints(ss)
		for _, s := range ss {
			index[Pair{op, s}] = len(cov.Cells)
			cov.Cells = append(cov.Cells, Cell{Pair: Pair{op, s}, State: CellNotCovered})
		}
	}
	undoc := map[Pair]bool{}
	for _, r := range results {
		for _, p := range r.Pairs() {
			i, ok := index[p]
			if !ok {
				if !undoc[p] {
					undoc[p] = true
					cov.Undocumented = append(cov.Undocumented, p)
				}
				continue
			}
			cell := &cov.Cells[i]
			cell.Scenarios = append(cell.Scenarios, r.Name)
			switch r.Outcome {
			case Passed:
				cell.Passed++
			case Failed:
				cell.Failed++
			default:
				cell.Skipped++
				if r.Reason != "" && !slices.Contains(cell.Reasons, r.Reason) {
					cell.Reasons = append(cell.Reasons, r.Reason)
				}
			}
		}
	}
	for i := range cov.Cells {
		cell := &cov.Cells[i]
		switch {
		case cell.Failed > 0:
			cell.State = CellFailed
		case cell.Passed > 0:
			cell.State = CellPassed
		case cell.Skipped > 0:
			cell.State = CellSkipped
		}
		sort.Strings(cell.Reasons)
	}
	sort.Slice(cov.Undocumented, func(i, j int) bool {
		a, b := cov.Undocumented[i], cov.Undocumented[j]
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return a.Status < b.Status
	})
	return cov
}

// Result is the outcome of one conformance run.
type Result struct {
	Target   string        `json:"target"`
	Tags     string        `json:"tags,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration"`
	Requests int64         `json:"requests"` // HTTP requests sent to the target
	// Host is the machine that ran the suite (JUnit's hostname), set by the
	// caller from its process state; "" reads as localhost.
	Host string `json:"host,omitempty"`
	// Interrupted: the run was stopped (SIGINT) before it finished, so its
	// result covers only the scenarios that did finish.
	Interrupted bool `json:"interrupted,omitempty"`
	// Aborted counts the scenarios the interruption cancelled or did not
	// let start (ScenarioResult.Interrupted), which Counts does not count
	// as skipped.
	Aborted   int              `json:"aborted,omitempty"`
	Scenarios []ScenarioResult `json:"scenarios"`
	Coverage  Coverage         `json:"coverage"`
}

// Partial reports whether the run did not finish: it was interrupted, or
// some scenario was aborted by an interruption. A partial run is never a
// pass (OK is false) and gets no verdict on the whole suite.
func (r Result) Partial() bool { return r.Interrupted || r.abortedCount() > 0 }

// AbortedScenarios returns the scenarios an interruption aborted.
func (r Result) AbortedScenarios() []ScenarioResult {
	var out []ScenarioResult
	for _, s := range r.Scenarios {
		if s.Interrupted() {
			out = append(out, s)
		}
	}
	return out
}

func (r Result) abortedCount() int {
	n := 0
	for _, s := range r.Scenarios {
		if s.Interrupted() {
			n++
		}
	}
	return n
}

// Counts returns how many scenarios passed, failed and were skipped; the
// scenarios an interruption aborted are not counted as skipped (see
// AbortedScenarios).
func (r Result) Counts() (passed, failed, skipped int) {
	for _, s := range r.Scenarios {
		switch {
		case s.Outcome == Passed:
			passed++
		case s.Outcome == Failed:
			failed++
		case !s.Interrupted():
			skipped++
		}
	}
	return
}

// Failed returns the failed scenarios.
func (r Result) Failed() []ScenarioResult { return r.filter(Failed) }

// Skipped returns the skipped scenarios, those an interruption aborted
// included (their reason says so).
func (r Result) Skipped() []ScenarioResult { return r.filter(Skipped) }

func (r Result) filter(o Outcome) []ScenarioResult {
	var out []ScenarioResult
	for _, s := range r.Scenarios {
		if s.Outcome == o {
			out = append(out, s)
		}
	}
	return out
}

// OK reports whether the run passes: it finished (not Partial), no
// scenario failed and no documented pair is left uncovered.
func (r Result) OK() bool {
	_, failed, _ := r.Counts()
	return !r.Partial() && failed == 0 && len(r.Coverage.Uncovered()) == 0
}

// PartialNote is the part of a partial run's verdict that says why it
// is no verdict on the whole suite.
const PartialNote = "the run was interrupted before it finished, so no verdict on the whole suite"

// Verdict explains the exit decision in one line; a partial run's starts
// with PartialNote and counts its aborted scenarios apart from the skipped.
func (r Result) Verdict() string {
	p, f, s := r.Counts()
	msg := fmt.Sprintf("%d scenarios: %d passed, %d failed, %d skipped", len(r.Scenarios), p, f, s)
	if r.Partial() {
		msg = fmt.Sprintf("%s: %s, %d aborted (%s)", PartialNote, msg, r.abortedCount(), ReasonInterrupted)
	}
	if u := r.Coverage.Uncovered(); len(u) > 0 {
		names := make([]string, len(u))
		for i, pr := range u {
			names[i] = pr.String()
		}
		msg += fmt.Sprintf("; %d documented pairs not covered: %s", len(u), strings.Join(names, ", "))
	}
	if f > 0 {
		names := make([]string, 0, f)
		for _, s := range r.Failed() {
			names = append(names, fmt.Sprintf("%q", s.Name))
		}
		msg += "; failed: " + strings.Join(names, ", ")
	}
	return msg
}

// ParseResult parses a conform.json as the harness writes it (the one
// reader of that file: harness report, compare and history call it),
// strictly: one JSON object with no unknown field and nothing after it, a
// start time, a duration and request count that are not negative, and
// scenarios whose outcome is one conform knows.
func ParseResult(b []byte) (*Result, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var res Result
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("not a conformance result: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not a conformance result: data after the JSON object")
	}
	switch {
	case res.Started.IsZero():
		return nil, errors.New("no start time (started)")
	case res.Duration < 0:
		return nil, fmt.Errorf("duration %d is negative", res.Duration)
	case res.Requests < 0:
		return nil, fmt.Errorf("requests %d is negative", res.Requests)
	}
	// A conform.json from before these fields has neither; its aborted
	// scenarios still make it Partial.
	if n := res.abortedCount(); (res.Interrupted || res.Aborted != 0) && res.Aborted != n {
		return nil, fmt.Errorf("aborted %d: %d scenarios say %q", res.Aborted, n, ReasonInterrupted)
	}
	if res.Aborted > 0 && !res.Interrupted {
		return nil, fmt.Errorf("aborted %d but interrupted is not set", res.Aborted)
	}
	for i, s := range res.Scenarios {
		switch s.Outcome {
		case Passed, Failed, Skipped:
		default:
			return nil, fmt.Errorf("scenarios[%d]: unknown outcome %q", i, s.Outcome)
		}
		if d := s.Duration; d < 0 {
			return nil, fmt.Errorf("scenarios[%d]: duration %d is negative", i, d)
		}
		if strings.TrimSpace(s.Name) == "" {
			return nil, fmt.Errorf("scenarios[%d]: no name", i)
		}
	}
	return &res, nil
}
