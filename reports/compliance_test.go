package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/redact"
)

// complianceEvents builds calls calls from one client (whose token is
// token): each answered 429 with Retry-After: 1, then retried after wait,
// then answered 200.
func complianceEvents(token string, calls int, wait time.Duration) []compliance.Event {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	client := redact.ClientID(token)
	var evs []compliance.Event
	for i := range calls {
		at := t0.Add(time.Duration(i) * 5 * time.Second)
		key := string(rune('a'+i%26)) + string(rune('a'+i/26))
		evs = append(evs,
			compliance.Event{Client: client, Operation: "createThreadNetwork", Key: key, Arrived: at, Answered: at.Add(5 * time.Millisecond), Status: 429, RetryAfter: time.Second},
			compliance.Event{Client: client, Operation: "createThreadNetwork", Key: key, Arrived: at.Add(5*time.Millisecond + wait), Answered: at.Add(10*time.Millisecond + wait), Status: 200})
	}
	return evs
}

func TestWriteCompliance(t *testing.T) {
	const token = "Atza|secret-access-token"
	tests := []struct {
		name    string
		events  []compliance.Event
		want    []string
		notWant []string
	}{
		{"compliant", complianceEvents(token, 10, 1100*time.Millisecond),
			[]string{"Back-off compliance: PASS", "C1", "Retry-After floor", "all 10 waited Retry-After − ε", "C7", "No violations."},
			[]string{"FAIL", "more"}},
		{"too soon", complianceEvents(token, 30, 100*time.Millisecond),
			[]string{"Back-off compliance: FAIL (C1)", "FAIL", "30 of 30 too early", "Violations (30):",
				"gap 100ms < Retry-After 1s − 50ms", "429 (Retry-After 1s)", "10:00:00.005", "10:00:00.105",
				redact.ClientID(token), "and 10 more"},
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCompliance(&buf, compliance.Check(tc.events, compliance.Options{})); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q:\n%s", w, out)
				}
			}
			for _, w := range append(tc.notWant, token, "secret-access-token") {
				if strings.Contains(out, w) {
					t.Errorf("report contains %q:\n%s", w, out)
				}
			}
			for _, id := range compliance.RuleIDs() {
				if !strings.Contains(out, id+" ") {
					t.Errorf("report lacks rule %s", id)
				}
			}
			if tc.name == "too soon" {
				// 20 violation rows, not 30.
				if n := strings.Count(out, "gap 100ms"); n != ComplianceViolationRows {
					t.Errorf("%d violation rows, want %d", n, ComplianceViolationRows)
				}
			}
		})
	}
}

func TestComplianceSampleSharesRows(t *testing.T) {
	mk := func(id string, n int) compliance.Rule {
		r := compliance.Rule{ID: id, Total: n}
		for range n {
			r.Violations = append(r.Violations, compliance.Violation{Rule: id})
		}
		return r
	}
	got := complianceSample([]compliance.Rule{mk("C1", 30), mk("C2", 2), mk("C3", 0), mk("C4", 30)}, 20)
	count := map[string]int{}
	for _, v := range got {
		count[v.Rule]++
	}
	if len(got) != 20 || count["C1"] != 9 || count["C2"] != 2 || count["C4"] != 9 || got[0].Rule != "C1" || got[19].Rule != "C4" {
		t.Errorf("sample: %v", count)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteComplianceError(t *testing.T) {
	err := WriteCompliance(failingWriter{}, compliance.Check(nil, compliance.Options{}))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v", err)
	}
}
