package conform

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzParseResult: the json reader of harness report never
// panics, and what it accepts is a result it accepts again once written
// back (what writeConformFiles writes).
func FuzzParseResult(f *testing.F) {
	res := Result{Target: "mock", Started: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Duration: time.Second, Requests: 3,
		Scenarios: []ScenarioResult{{Feature: "f", Name: "s", Tags: []string{"@op:token", "@status:200"}, Outcome: Passed}}}
	seed, err := json.Marshal(res)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"started":"2026-12-01T00:00:00Z","duration":-1}`))
	f.Add([]byte(`{"started":"2026-12-01T00:00:00Z","scenarios":[{"name":"x","outcome":"maybe"}]}`))
	f.Add([]byte(`{"started":"2026-12-01T00:00:00Z"} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResult(b)
		if err != nil {
			if r != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("accepted result does not marshal: %v", err)
		}
		if _, err := ParseResult(again); err != nil {
			t.Fatalf("accepted %q, but not its re-encoding %q: %v", b, again, err)
		}
	})
}
