package loadgen

import (
	"time"

	"github.com/alexa-harness/harness/internal/timeseries"
)

// noOperation names, in the time series, planned hits that were never given
// an operation: skipped by the in-flight cap, still due when the run ended,
// or no longer due once it stopped (the operation is drawn when a hit is
// issued).
const noOperation = "(no operation)"

// series streams the run's time series (timeseries.jsonl): one interval a
// second, per operation and for all, written a cut after each closes, so an
// interrupted run keeps every interval but the last it finished. A nil *series does
// nothing (the file could not be created: the run notes it and goes on).
type series struct {
	agg *timeseries.Aggregator
	w   *timeseries.Writer
	err error
}

func newSeries(dir string, start time.Time, secrets []string) (*series, error) {
	w, err := timeseries.Create(dir, start)
	if err != nil {
		return nil, err
	}
	return &series{agg: timeseries.NewAggregator(start, timeseries.WithSecrets(secrets...)), w: w}, nil
}

// offer counts a hit issued for op (sent or held back), when it is issued.
func (s *series) offer(op string, n int64) {
	if s != nil {
		s.agg.Offer(op, n)
	}
}

// notSent counts n hits of op not sent, and why.
func (s *series) notSent(op, reason string, n int64) {
	if s != nil {
		s.agg.NotSent(op, reason, n)
	}
}

// record counts one hit sent to the target, when its outcome is known. Its
// retries are counted by retried, from the dispatcher, which knows them.
func (s *series) record(op string, intended, sent time.Time, latency time.Duration, status int, errText string) {
	if s != nil {
		s.agg.Record(op, intended, sent, latency, status, errText, 1)
	}
}

// retried counts n retries of a hit of op (attempts beyond its first).
func (s *series) retried(op string, n int64) {
	if s != nil {
		s.agg.Retried(op, n)
	}
}

// cut closes the interval at now and writes the one before it (the
// aggregator holds each back a cut, for close); the first write error is
// kept (and later ones skipped).
func (s *series) cut(now time.Time) {
	if s == nil || s.err != nil {
		return
	}
	s.err = s.w.Write(s.agg.Tick(now))
}

// close writes the last intervals (a closing remainder shorter than half
// the interval before it folded into that one: timeseries.TailFold) and
// closes the file.
func (s *series) close(now time.Time) error {
	if s == nil {
		return nil
	}
	if s.err == nil {
		s.err = s.w.Write(s.agg.Finish(now))
	}
	if err := s.w.Close(); s.err == nil {
		s.err = err
	}
	return s.err
}
