package compliance

import (
	"testing"
	"time"
)

// benchEvents builds n events: 100 clients making chains of one to five
// attempts against a mix of answers, with full-jitter gaps.
func benchEvents(n int) []Event {
	for calls := n / 150; ; calls *= 2 {
		if cv, _ := generate(bCompliant, 1, 100, calls+1); len(cv) >= n {
			return cv[:n]
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	evs := benchEvents(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v := Check(evs, Options{})
		if len(v.Rules) != 7 {
			b.Fatal("rules")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")
}

// BenchmarkCheckMillion is the "a million events in a few seconds" target.
func BenchmarkCheckMillion(b *testing.B) {
	evs := benchEvents(1_000_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Check(evs, Options{SustainedWindow: 10 * time.Second})
	}
}
