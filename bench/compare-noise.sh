#!/usr/bin/env bash
# bench/compare-noise.sh: how often "harness compare" raises a false alarm on
# two unchanged load runs, and how often it flags a real 20 ms delay.
#
# Runs TestCompareNoise (internal/runs/proof_test.go) with PAIRS pairs of real
# 3-second load runs against the embedded mock (loopback, 80 hits/s of get and
# create, two clients; each pair's two runs at the same time, five pairs at a
# time), compares each pair with compare's defaults (α 0.01 Holm-adjusted,
# threshold 5 %, latency floor 1 ms) over per-interval samples cut every
# 125 ms from the runs' own results, and then PAIRS/4 pairs whose candidate
# has every getThreadNetworks answer delayed 20 ms (mock fault delayMs: 20,
# count: 0, probability: 1). Target: false alarms ≤ 1 in 100; the delay
# flagged every time. Takes about PAIRS × 1 s of wall clock and little CPU
# (0/100 and 25/25 in 83 s on 2026-12-01).
#
# Env: PAIRS (100).
set -euo pipefail
PAIRS=${PAIRS:-100}
cd "$(dirname "$0")/.."
HARNESS_NOISE_PAIRS="$PAIRS" go test -count=1 -timeout 30m -run '^TestCompareNoise$' -v ./internal/runs |
	grep -E '^compare-noise:|false alarms|unchanged pair|delay missed|^(ok|FAIL|---)'
