package loadgen

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/clients"
)

// The per-hit overhead of the load generator's own parts, each apart from
// the network: what one hit costs the dispatcher, the attempt log and the
// aggregator (its HDR histograms). bench/loadgen.sh measures the whole
// generator against vegeta on loopback.

// answerRT answers every request 200 with an empty body at once, so that
// BenchmarkDispatcher measures the dispatcher alone (fragment, gate,
// context, in-flight accounting), not a server.
type answerRT struct{}

func (answerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// BenchmarkDispatcher: one hit through the dispatcher (in-flight cap, gate,
// context and body hook), over a transport that answers at once.
func BenchmarkDispatcher(b *testing.B) {
	sims := make([]*simClient, 8)
	for i := range sims {
		sims[i] = &simClient{locker: answerRT{}, smapi: answerRT{}, lwa: answerRT{}}
	}
	d := &dispatcher{clients: sims, stop: context.Background(), gate: newGate(false), timeout: 30 * time.Second, maxInFlight: 1000}
	tg := NewTargeter(TargeterConfig{Mix: map[string]int{MixGet: 1}, Clients: len(sims), Seed: 1, PageSize: 2, Preload: 1,
		Endpoints: Endpoints{Locker: "http://127.0.0.1:1", SMAPI: "http://127.0.0.1:1", LWA: "http://127.0.0.1:1"}})
	var tgt vegeta.Target
	b.ReportAllocs()
	for b.Loop() {
		if err := tg.Next(&tgt); err != nil {
			b.Fatal(err)
		}
		req, err := tgt.Request()
		if err != nil {
			b.Fatal(err)
		}
		resp, err := d.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if n := d.inFlight.Load(); n != 0 {
		b.Fatalf("%d hits still counted in flight", n)
	}
}

// BenchmarkAttemptLog: one attempt observed (counted, kept for the
// back-off checker, encoded to attempts.jsonl).
func BenchmarkAttemptLog(b *testing.B) {
	l, err := newAttemptLog(b.TempDir(), true, 1<<20)
	if err != nil {
		b.Fatal(err)
	}
	defer l.close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := clients.Attempt{Operation: "getThreadNetworks", Client: "client-e2cef1aa", Key: "GET /credentiallocker/v2/threadNetworks?maxResults=2",
		Number: 1, Sent: t0, Received: t0.Add(time.Millisecond), Status: 200}
	b.ReportAllocs()
	for b.Loop() {
		l.ObserveAttempt(a)
	}
}

// BenchmarkRecord: one result recorded by the aggregator: status, error
// set, latency and schedule-lag HDR histograms for all hits, its operation
// and its step.
func BenchmarkRecord(b *testing.B) {
	p := (&Profile{}).WithDefaults()
	sp := &StepPacer{Start: 1000, Step: 1000, Every: 5 * time.Second}
	agg := newAggregator(p, sp)
	res := hit(0, MixGet, time.Millisecond, 3*time.Millisecond, 200, "")
	b.ReportAllocs()
	n := uint64(0)
	for b.Loop() {
		res.Seq = n % 100000
		agg.add(res, 200*time.Microsecond)
		n++
	}
	if agg.all.requests == 0 || !strings.Contains(agg.all.summary("all", 0).Name, "all") {
		b.Fatal("nothing recorded")
	}
}
