package conform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/testrun"
)

// TestInterruptedRun interrupts real runs against the embedded mock and
// checks that the result says so: Interrupted, the aborted scenarios
// counted apart from the skipped ones, no pass, a verdict that says it
// covers part of the suite, and conform.json keeping all of it.
func TestInterruptedRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		tags        string
		concurrency int
		after       int  // console writes before the interruption
		selected    bool // some scenarios are skipped by choice (--tags)
	}{
		{name: "at the first step", concurrency: 1, after: 1},
		{name: "mid-run, concurrent", concurrency: 8, after: 30},
		{name: "tag subset", tags: "@op:token", concurrency: 1, after: 2, selected: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res, err := Run(ctx, Options{Tags: tt.tags, Concurrency: tt.concurrency, Format: "progress",
				Output: &testrun.CancelAfter{N: tt.after, Cancel: cancel}})
			if !errors.Is(err, context.Canceled) || res == nil {
				t.Fatalf("Run = %v, %v; want the partial result and context.Canceled", res, err)
			}
			p, f, s := res.Counts()
			aborted := len(res.AbortedScenarios())
			switch {
			case !res.Interrupted || !res.Partial() || res.OK():
				t.Errorf("interrupted %v, partial %v, OK %v; want true, true, false", res.Interrupted, res.Partial(), res.OK())
			case aborted == 0 || res.Aborted != aborted:
				t.Errorf("aborted field %d, scenarios aborted %d; want the same, above 0", res.Aborted, aborted)
			case p+f+s+aborted != len(res.Scenarios):
				t.Errorf("%d passed + %d failed + %d skipped + %d aborted != %d scenarios", p, f, s, aborted, len(res.Scenarios))
			case f != 0:
				t.Errorf("%d failed: an interruption is no failure of the target: %v", f, res.Failed())
			case tt.selected != (s > 0):
				t.Errorf("%d skipped by choice; want some: %v", s, tt.selected)
			}
			for _, sc := range res.AbortedScenarios() {
				if sc.Reason != ReasonInterrupted {
					t.Errorf("%s: reason %q", sc.Name, sc.Reason)
				}
			}
			want := fmt.Sprintf("%s: %d scenarios: %d passed, 0 failed, %d skipped, %d aborted (%s)", PartialNote, len(res.Scenarios), p, s, aborted, ReasonInterrupted)
			if v := res.Verdict(); !strings.HasPrefix(v, want) {
				t.Errorf("verdict %q\nwant prefix %q", v, want)
			}
			// conform.json keeps it (harness report reads it back).
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseResult(b)
			if err != nil {
				t.Fatalf("ParseResult: %v", err)
			}
			if !back.Interrupted || back.Aborted != aborted || back.OK() || back.Verdict() != res.Verdict() {
				t.Errorf("read back: interrupted %v, aborted %d, OK %v, verdict %q", back.Interrupted, back.Aborted, back.OK(), back.Verdict())
			}
		})
	}
}

// TestParseResultAborted: conform.json's interrupted and aborted agree with
// its scenarios, and one from before those fields is still read as partial.
func TestParseResultAborted(t *testing.T) {
	t.Parallel()
	sc := func(o Outcome, reason string) string {
		return fmt.Sprintf(`{"feature":"F","uri":"f.feature","name":"s %s %s","tags":[],"outcome":%q,"reason":%q,"duration":1}`, o, reason, o, reason)
	}
	doc := func(head string, scenarios ...string) []byte {
		return []byte(`{"target":"mock","started":"2026-12-01T00:00:00Z","duration":1,"requests":1,` + head +
			`"scenarios":[` + strings.Join(scenarios, ",") + `],"coverage":{"operations":null,"statuses":null,"cells":null}}`)
	}
	tests := []struct {
		name    string
		b       []byte
		err     string // "" = parses
		partial bool
	}{
		{"finished", doc(``, sc(Passed, "")), "", false},
		{"interrupted", doc(`"interrupted":true,"aborted":1,`, sc(Passed, ""), sc(Skipped, ReasonInterrupted)), "", true},
		{"interrupted, none aborted", doc(`"interrupted":true,`, sc(Passed, "")), "", true},
		{"before the fields", doc(``, sc(Skipped, ReasonInterrupted)), "", true},
		{"aborted undercounted", doc(`"interrupted":true,"aborted":1,`, sc(Skipped, ReasonInterrupted), sc(Skipped, ReasonInterrupted)), "aborted 1: 2 scenarios", false},
		{"aborted without interrupted", doc(`"aborted":1,`, sc(Skipped, ReasonInterrupted)), "interrupted is not set", false},
		{"aborted hiding", doc(`"interrupted":true,"aborted":0,`, sc(Skipped, ReasonInterrupted)), "aborted 0: 1 scenarios", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := ParseResult(tt.b)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Partial() != tt.partial || (tt.partial && res.OK()) {
				t.Errorf("partial %v OK %v, want partial %v", res.Partial(), res.OK(), tt.partial)
			}
		})
	}
}

// TestSelects: the tag filter agrees with godog's on the grammar
// ValidateTags accepts.
func TestSelects(t *testing.T) {
	t.Parallel()
	tags := []string{"@op:token", "@status:200", "@mock-only"}
	tests := []struct {
		expr string
		want bool
	}{
		{"", true},
		{"  ", true},
		{"@op:token", true},
		{"@op:getThreadNetworks", false},
		{"~@op:token", false},
		{"~@writes", true},
		{"@op:getThreadNetworks,@op:token", true},
		{"@op:token && ~@mock-only", false},
		{"@op:token && @status:200", true},
		{"@op:token && @status:400,@status:200", true},
		{"@op:token && @status:400", false},
		{"~@mock-only,@status:200 && @op:token", true},
	}
	for _, tt := range tests {
		if got := Selects(tt.expr, tags); got != tt.want {
			t.Errorf("Selects(%q, %v) = %v, want %v", tt.expr, tags, got, tt.want)
		}
	}
}
