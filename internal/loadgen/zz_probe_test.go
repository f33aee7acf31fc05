package loadgen_test

import (
	"context"
	"testing"
)

func TestZZProbe(t *testing.T) {
	for _, y := range []string{`
duration: 1s
pacer: {type: max, workers: 2}
mix: {get: 1}
data: {preload: 1}
clients: {count: 1}
mock:
  faults: [{operation: getThreadNetworks, delayMs: 20, probability: 1, count: 100000}]
thresholds: {backoff: off}
`, `
duration: 2s
pacer: {type: step, start: 10, step: 30, every: 600ms, max: 70}
mix: {get: 1}
data: {preload: 1}
clients: {count: 1, retry: {policy: no-retry}}
mock:
  rateLimit: {operation: "*", rate: 45, burst: 8, retryAfter: 1}
slo: {p99: 5s, errorRate: 0.05, minAchieved: 0.3}
generator: {maxLag: 1s, maxCpu: 1}
thresholds: {backoff: off, maxNotSent: 0.5}
`} {
		sum, _ := run(t, context.Background(), profile(t, y), nil)
		g := sum.Generator
		var lag any
		if g.Lag != nil { lag = g.Lag.P99 }
		t.Logf("req %d p50 %s cpu %.2f peak %.2f machine %.2f sat %v reasons %q lag %v acct %+v knee %+v", sum.All.Requests, sum.All.Latency.P50, g.CPU, g.CPUPeak, g.MachineCPU, g.Saturated, g.Reasons, lag, sum.Accounting, sum.Knee)
		for _, s := range sum.Steps { t.Logf("  step %d complete %v gen %q cpu %.2f mach %.2f", s.Index, s.Complete, s.Generator, s.CPU, s.MachineCPU) }
	}
}
