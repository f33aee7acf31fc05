package conform

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
)

// startHanging serves the mock's LWA (so identities log in; with
// hangTokens, not even that) and holds every other request until the client
// gives up; arrived is closed on the first held request.
func startHanging(t *testing.T, hangTokens bool) (url string, arrived <-chan struct{}) {
	t.Helper()
	m, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	ch := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == contract.TokenPath && !hangTokens {
			m.ServeHTTP(w, r)
			return
		}
		once.Do(func() { close(ch) })
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv.URL, ch
}

// TestRunDeadlines: against a server that never answers, real mode ends at
// its deadlines and reports the scenarios as aborted, naming the deadline.
func TestRunDeadlines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		hangTokens        bool
		timeout, scenario time.Duration
		want              string
	}{
		{"run timeout", false, 300 * time.Millisecond, time.Hour, "aborted: the run exceeded its --timeout of 300ms"},
		{"scenario timeout", false, time.Hour, 100 * time.Millisecond, "aborted: the scenario exceeded its --scenario-timeout of 100ms"},
		{"scenario timeout, LWA hangs too", true, time.Hour, 100 * time.Millisecond, "aborted: the scenario exceeded its --scenario-timeout of 100ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, _ := startHanging(t, tc.hangTokens)
			opt := realOptions(url)
			opt.Tags = "@op:getThreadNetworks && ~@mock-only && ~@writes && ~@needs:customer-b && ~@needs:noscope"
			opt.Concurrency = 2
			opt.Timeout, opt.ScenarioTimeout = tc.timeout, tc.scenario
			done := make(chan struct{})
			var res *Result
			var err error
			go func() {
				defer close(done)
				res, err = Run(context.Background(), opt)
			}()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("the run did not end at its deadline")
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() {
				t.Fatalf("the run passed against a server that never answers: %s", res.Verdict())
			}
			p, f, _ := res.Counts()
			if p != 0 || f == 0 {
				t.Errorf("passed %d, failed %d: want 0 and > 0", p, f)
			}
			for _, s := range res.Failed() {
				if !strings.HasPrefix(s.Failure, tc.want) {
					t.Errorf("%s failed with %q, want it to start with %q", s.Name, s.Failure, tc.want)
				}
			}
		})
	}
}

// TestRunInterrupted: scenarios cancelled by an interrupt are skipped as
// "aborted: interrupted", not failed, and the partial result comes back.
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	url, arrived := startHanging(t, false)
	opt := realOptions(url)
	opt.Tags = "@op:getThreadNetworks && ~@mock-only && ~@writes && ~@needs:customer-b && ~@needs:noscope"
	opt.Concurrency = 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	res, err := Run(ctx, opt)
	if err == nil || res == nil {
		t.Fatalf("Run = %v, %v: want the partial result and an error", res, err)
	}
	if _, f, _ := res.Counts(); f != 0 {
		for _, s := range res.Failed() {
			t.Errorf("%s failed: %s", s.Name, s.Failure)
		}
	}
	var aborted int
	for _, s := range res.Skipped() {
		if s.Reason == ReasonInterrupted {
			aborted++
		}
	}
	if aborted == 0 {
		t.Errorf("no scenario is skipped as %q", ReasonInterrupted)
	}
}
