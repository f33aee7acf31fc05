package compliance

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCompare(t *testing.T) {
	ms := time.Millisecond
	// A client that waits 1.945 s after a Retry-After: 2 s: 5 ms short in
	// its own log, 1 ms over in the mock's (3 ms of network each way).
	marginal := func(view string) []Event {
		d := time.Duration(0)
		if view == "server" {
			d = 3 * ms
		}
		return []Event{
			ev("A", "k", 0+d, 10*ms-d, 429, 2*time.Second),
			ev("A", "k", 1955*ms+d, 2*time.Second-d, 200, 0),
		}
	}
	compliantC, compliantS := generate(bCompliant, 11, 2, 60)
	immC, immS := generate(bImmediate, 11, 2, 60)
	// The mock saw immediate retries the client's log lacks.
	extra := append([]Event(nil), compliantS...)
	extra = append(extra, ev("client-00", "client-00/1", 0, 1*ms, 429, time.Second), ev("client-00", "client-00/1", 2*ms, 3*ms, 200, 0))

	tests := []struct {
		name           string
		client, server []Event
		wantErr        []string // pieces of the error; nil: agree
	}{
		{"identical", compliantC, compliantC, nil},
		{"identical non-compliant", immC, immC, nil},
		{"network delay, compliant", compliantC, compliantS, nil},
		{"network delay, non-compliant", immC, immS, nil},
		{"marginal, explained by delay", marginal("client"), marginal("server"), nil},
		{"server sees more", compliantC, extra, []string{"C1 Retry-After floor fails in the mock's journal", "misses attempts"}},
		{"client fails, server passes, beyond delay", immC, compliantS, []string{"C1 Retry-After floor fails in the client's attempt log", "more than the 50ms network delay can explain", "C4 Back-off"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cv, sv := Check(tc.client, Options{}), Check(tc.server, Options{})
			err := Compare(cv, sv)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Compare: %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrDisagree) {
				t.Fatalf("Compare = %v, want an ErrDisagree", err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// The marginal case does fail the client view: the forgiveness is real.
	if r, _ := Check(marginal("client"), Options{}).Rule("C1"); r.Status != StatusFail {
		t.Errorf("marginal client view: C1 = %s", r.Status)
	}
	if r, _ := Check(marginal("server"), Options{}).Rule("C1"); r.Status != StatusPass {
		t.Errorf("marginal server view: C1 = %s", r.Status)
	}
	// Different options are a disagreement.
	if err := Compare(Check(compliantC, Options{}), Check(compliantS, Options{MaxAttempts: 3})); err == nil || !strings.Contains(err.Error(), "different options") {
		t.Errorf("different options: %v", err)
	}
	// A rule missing from one view is a disagreement.
	v := Check(compliantC, Options{})
	short := v
	short.Rules = v.Rules[:3]
	if err := Compare(v, short); err == nil || !strings.Contains(err.Error(), "C4 Back-off: missing from the server view") {
		t.Errorf("missing rule: %v", err)
	}
}
