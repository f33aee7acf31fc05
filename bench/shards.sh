#!/usr/bin/env bash
# bench/shards.sh: N shard processes (harness load --shard I/N) against ONE
# "harness mock" on loopback, merged with "harness merge", compared with one
# process at the same total rate.
#
# Builds the binary once, starts the mock, writes a profile (target: env,
# constant RATE hits/s in total, get and create over CLIENTS clients, DURATION),
# runs it once as a single process, then as N shards started together
# (--start-at a few seconds ahead), each offering RATE/N, and merges them.
# Prints, for both: planned, sent, achieved rate (requests over their send
# span), p50/p99/max, and checks that the merged request count equals the sum
# of the shards'. The two achieved rates should agree within noise (a few
# per cent on a shared two-core machine).
#
# Env: N (2), RATE (400), DURATION (10s), CLIENTS (8), PORT (18480).
set -euo pipefail
N=${N:-2}
RATE=${RATE:-400}
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-8}
PORT=${PORT:-18480}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
mockpid=""
cleanup() {
	[ -n "$mockpid" ] && kill "$mockpid" 2>/dev/null || true
	[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/harness" ./cmd/harness
H="$work/harness"

"$H" mock --addr "127.0.0.1:$PORT" >"$work/mock.log" 2>&1 &
mockpid=$!
for _ in $(seq 50); do
	curl -fsS "http://127.0.0.1:$PORT/__harness/health" >/dev/null 2>&1 && break
	sleep 0.1
done

cat >"$work/profile.yaml" <<P
name: shards-bench
target: env
duration: $DURATION
pacer: {type: constant, rate: $RATE}
mix: {get: 3, create: 1}
data: {seed: 3, preload: 2}
clients: {count: $CLIENTS, retry: {policy: standard}}
thresholds: {errorRate: 0.01}
P
export HARNESS_LOCKER_URL="http://127.0.0.1:$PORT" HARNESS_SMAPI_URL="http://127.0.0.1:$PORT" HARNESS_LWA_URL="http://127.0.0.1:$PORT"
export HARNESS_LWA_CLIENT_ID="amzn1.application-oa2-client.harness" HARNESS_LWA_CLIENT_SECRET="harness-client-secret"
export HARNESS_CUSTOMER_REFRESH_TOKEN="Atzr|harness-customer-a" HARNESS_VENDOR_REFRESH_TOKEN="Atzr|harness-vendor"
export HARNESS_SKILL_ID="amzn1.ask.skill.00000000-0000-4000-8000-000000000001"

line() { # name summary.json
	jq -r --arg n "$1" '"\($n): planned \(.accounting.planned)  sent \(.accounting.sent)  requests \(.all.requests)  achieved \(.all.rate*10|round/10)/s  p50 \(.all.latency.p50/1e6)ms  p99 \(.all.latency.p99/1e6)ms  max \(.all.latency.max/1e6)ms  verdict \(.verdict)"' "$2"
}

set +e
"$H" load --profile "$work/profile.yaml" --out "$work/single" >"$work/single.log" 2>&1
echo "single exit $?"
# The single run created networks the shards would create again: start afresh.
curl -fsS -X POST "http://127.0.0.1:$PORT/__harness/reset" >/dev/null
start=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)
pids=()
for i in $(seq 0 $((N - 1))); do
	"$H" load --profile "$work/profile.yaml" --shard "$i/$N" --start-at "$start" --out "$work/shard-$i" >"$work/shard-$i.log" 2>&1 &
	pids+=($!)
done
for i in "${!pids[@]}"; do
	wait "${pids[$i]}"
	echo "shard $i/$N exit $?"
done
shards=()
for i in $(seq 0 $((N - 1))); do shards+=("$work/shard-$i"); done
"$H" merge "${shards[@]}" --out "$work/merged" >"$work/merge.log" 2>&1
echo "merge exit $?"
set -e

echo "rate $RATE/s total, $DURATION, $CLIENTS clients, $N shards, start-at $start"
line "single process at $RATE/s " "$work/single/summary.json"
for i in $(seq 0 $((N - 1))); do line "  shard $i/$N" "$work/shard-$i/summary.json"; done
line "merged $N shards           " "$work/merged/summary.json"
sum=$(for i in $(seq 0 $((N - 1))); do jq '.all.requests' "$work/shard-$i/summary.json"; done | paste -sd+ | bc)
merged=$(jq '.all.requests' "$work/merged/summary.json")
echo "requests: shards sum $sum, merged $merged: $([ "$sum" = "$merged" ] && echo equal || echo DIFFERENT)"
jq -r '"merged achieved / single achieved = \(.[1].all.rate / .[0].all.rate * 1000 | round / 1000)"' -s "$work/single/summary.json" "$work/merged/summary.json"
set +e
"$H" report "$work/merged" >/dev/null 2>&1
echo "harness report on the merged folder: exit $?"
