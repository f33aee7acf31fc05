package runs

import (
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// The metrics of a load run's samples. Their names also tell
// regress.DefaultDirection which way is worse.
const (
	MetricP50 = "p50" // latency, seconds
	MetricP90 = "p90"
	MetricP99 = "p99"
	// MetricAchievedRate is the answers per second of the interval.
	MetricAchievedRate = "achieved_rate"
	// MetricErrorRatio is the share of the hits sent that got no answer or
	// a 5xx answer.
	MetricErrorRatio = "error_ratio"
	// MetricThrottledRatio is the share of the hits sent whose final answer
	// was 429.
	MetricThrottledRatio = "throttled_ratio"
	// MetricLagP99 is the generator's p99 schedule lag, seconds.
	MetricLagP99 = "lag_p99"
)

// Metrics lists the metrics Samples produces, in display order.
func Metrics() []string {
	return []string{MetricP50, MetricP90, MetricP99, MetricAchievedRate, MetricErrorRatio, MetricThrottledRatio, MetricLagP99}
}

// Unit is a metric's unit: "seconds", "perSecond" or "fraction" ("" for a
// metric this package does not produce).
func Unit(metric string) string {
	switch metric {
	case MetricP50, MetricP90, MetricP99, MetricLagP99:
		return "seconds"
	case MetricAchievedRate:
		return "perSecond"
	case MetricErrorRatio, MetricThrottledRatio:
		return "fraction"
	}
	return ""
}

// Floors below which a change does not count (regress.WithMinShift).
const (
	// DefaultLatencyFloor is the smallest latency or lag change that counts:
	// on loopback, sub-millisecond latencies move by tens of percent from
	// one run to the next with the machine's scheduling (bench/compare-noise.sh),
	// which per-interval samples of one run cannot show.
	DefaultLatencyFloor = time.Millisecond
	// RatioFloor is the smallest change of error_ratio or throttled_ratio
	// that counts: half a percentage point.
	RatioFloor = 0.005
)

// MinShift returns the per-metric floors for regress.WithMinShift:
// latencyFloor for the latency and lag metrics, RatioFloor for the ratios,
// none for the rate (its relative threshold is enough).
func MinShift(latencyFloor time.Duration) func(metric string) float64 {
	return func(metric string) float64 {
		switch Unit(metric) {
		case "seconds":
			return latencyFloor.Seconds()
		case "fraction":
			return RatioFloor
		}
		return 0
	}
}

// Samples maps time series intervals to per-interval samples, one per
// (operation, metric) that the interval measured: latency percentiles only
// when something was answered, the rate only when hits were offered or
// sent and the interval was long enough for a rate (timeseries.RateFloor:
// not a closing remainder of a few milliseconds), the ratios and lag only when hits were sent. An idle interval (a
// quiet period, an operation that got no hits) gives no samples rather than
// zeros that would read as a change.
func Samples(ivs []timeseries.Interval) []history.Sample {
	out := make([]history.Sample, 0, len(ivs)*len(Metrics()))
	floor := timeseries.RateFloor(ivs)
	for _, iv := range ivs {
		add := func(metric string, v float64) {
			out = append(out, history.Sample{IntervalStart: iv.Start, Operation: iv.Operation, Metric: metric, Value: v})
		}
		if iv.Answered > 0 {
			add(MetricP50, iv.P50)
			add(MetricP90, iv.P90)
			add(MetricP99, iv.P99)
		}
		if rate, ok := iv.Rate(floor); ok && (iv.Offered > 0 || iv.Sent > 0) {
			add(MetricAchievedRate, rate)
		}
		if iv.Sent > 0 {
			sent := float64(iv.Sent)
			add(MetricErrorRatio, clamp01(float64(iv.Sent-iv.Answered+serverErrors(iv.Statuses))/sent))
			add(MetricThrottledRatio, clamp01(float64(iv.Throttled)/sent))
			add(MetricLagP99, iv.LagP99)
		}
	}
	return out
}

// serverErrors counts the 5xx answers of a status map.
func serverErrors(statuses map[string]int64) int64 {
	var n int64
	for k, c := range statuses {
		if code, err := strconv.Atoi(k); err == nil && code >= 500 && code <= 599 {
			n += c
		}
	}
	return n
}

func clamp01(v float64) float64 {
	switch {
	case !(v >= 0):
		return 0
	case v > 1:
		return 1
	}
	return v
}

// EnvRevisionVar is the environment variable that, when set, is recorded as
// the run's git revision instead of the harness build's own: CI sets it to
// the revision under test.
const EnvRevisionVar = "HARNESS_GIT_REVISION"

// BuildEnv is where a run ran: host, the harness version (the main
// module's version from the build info, "(devel)" for a build from a work
// tree) and the git revision — $HARNESS_GIT_REVISION when set, else the
// vcs.revision the Go toolchain stamped into the binary ("-dirty" added
// when the tree had changes), else "" (go run and go test stamp none).
// info is debug.ReadBuildInfo's (nil when unavailable); lookupEnv is
// injected by main.
func BuildEnv(info *debug.BuildInfo, host string, lookupEnv func(string) (string, bool)) history.Env {
	env := history.Env{Host: trim(host)}
	if info != nil {
		env.HarnessVersion = info.Main.Version
		rev, dirty := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" && dirty {
			rev += "-dirty"
		}
		env.GitRevision = rev
	}
	if lookupEnv != nil {
		if v, ok := lookupEnv(EnvRevisionVar); ok && strings.TrimSpace(v) != "" {
			env.GitRevision = strings.TrimSpace(v)
		}
	}
	env.GitRevision, env.HarnessVersion = trim(env.GitRevision), trim(env.HarnessVersion)
	return env
}

// trim bounds an environment field to what the history accepts.
func trim(s string) string {
	if len(s) > history.MaxEnvField {
		s = s[:history.MaxEnvField]
	}
	return s
}
