#!/usr/bin/env bash
# bench/memory.sh: peak RSS of `harness load` at any offered rate and any
# target slowness (issue 10, item 3). Two runs against the embedded mock
# (so the figure is the generator and its mock together, the worst case):
#
#   1. $FAST_DURATION offered at $FAST_RATE/s (far beyond what one process
#      sends): the in-flight cap and the schedule hold hits back, memory
#      must not grow with the offered rate;
#   2. $SLOW_DURATION at $SLOW_RATE/s against a mock whose every answer is
#      delayed $DELAY_MS ms (fault delayMs, count 0 = forever): hits pile up
#      in flight, memory must not grow with the target's slowness.
#
# Peak RSS is the kernel's high-water mark (VmHWM of /proc/PID/status),
# read while the process runs. Target: under 300 MB for both. Each run's
# accounting (planned, sent, not sent by reason) and verdict are printed
# from its summary.json: a run that did not send what it planned says so.
# Needs go and python3. Env overrides: FAST_RATE (1000000), FAST_DURATION
# (10s), SLOW_RATE (5000), SLOW_DURATION (30s), DELAY_MS (2000),
# LIMIT_MB (300). Exit 1 when a run is over the limit.
set -euo pipefail

FAST_RATE=${FAST_RATE:-1000000}
FAST_DURATION=${FAST_DURATION:-10s}
SLOW_RATE=${SLOW_RATE:-5000}
SLOW_DURATION=${SLOW_DURATION:-30s}
DELAY_MS=${DELAY_MS:-2000}
LIMIT_MB=${LIMIT_MB:-300}

cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { echo "bench/memory.sh: python3 is not installed" >&2; exit 2; }
[ -r /proc/self/status ] || { echo "bench/memory.sh: needs /proc (Linux)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building harness ..." >&2
go build -o "$work/harness" ./cmd/harness

cat >"$work/fast.yaml" <<YAML
name: memory-fast
duration: $FAST_DURATION
pacer: {type: constant, rate: $FAST_RATE}
mix: {get: 1}
YAML
cat >"$work/slow.yaml" <<YAML
name: memory-slow
duration: $SLOW_DURATION
pacer: {type: constant, rate: $SLOW_RATE}
mix: {get: 1}
mock:
  faults:
    - {operation: "*", delayMs: $DELAY_MS, probability: 1, count: 0}
thresholds: {backoff: off}
YAML

# peak PROFILE OUT: runs harness load, polling VmHWM; prints the peak in kB.
peak() {
	"$work/harness" load --profile "$1" --out "$2" >"$2.txt" 2>"$2.err" &
	local pid=$! hwm=0 v
	while kill -0 "$pid" 2>/dev/null; do
		v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		[ -n "$v" ] && hwm=$v
		sleep 0.2
	done
	wait "$pid" || true
	echo "$hwm"
}

echo "run 1: $FAST_RATE/s offered for $FAST_DURATION ..." >&2
fast_kb=$(peak "$work/fast.yaml" "$work/run-fast")
echo "run 2: $SLOW_RATE/s for $SLOW_DURATION, every answer delayed ${DELAY_MS} ms ..." >&2
slow_kb=$(peak "$work/slow.yaml" "$work/run-slow")

python3 - "$work" "$fast_kb" "$slow_kb" "$LIMIT_MB" "$FAST_RATE" "$FAST_DURATION" "$SLOW_RATE" "$SLOW_DURATION" "$DELAY_MS" <<'PY'
import json, sys
work, fast_kb, slow_kb, limit, fr, fd, sr, sd, delay = sys.argv[1:]
limit = float(limit)
ok = True
for name, kb, what in (("run-fast", fast_kb, f"{fr}/s offered for {fd}"),
                       ("run-slow", slow_kb, f"{sr}/s for {sd}, answers delayed {delay} ms")):
    mb = int(kb) / 1024
    try:
        s = json.load(open(f"{work}/{name}/summary.json"))
    except OSError:
        print(f"{what}: no summary.json (see {work}/{name}.err)")
        ok = False
        continue
    a, g = s["accounting"], s.get("generator") or {}
    reasons = ", ".join(f"{k} {v}" for k, v in sorted((a.get("notSentReasons") or {}).items()))
    verdict = "PASS" if mb < limit else "FAIL"
    ok &= mb < limit
    print(f"{what}:")
    print(f"  peak RSS (VmHWM) {mb:6.1f} MB  (limit {limit:.0f} MB) {verdict}")
    print(f"  planned {a['planned']}, sent {a['sent']}, answered {a['answered']}, not sent {a['notSent']} ({reasons or 'none'})")
    print(f"  in flight peak {g.get('peakInFlight')} of cap {g.get('maxInFlight')}; run verdict: {s.get('verdict')}")
sys.exit(0 if ok else 1)
PY
