#!/usr/bin/env bash
# bench/loadgen.sh: the load generator against plain vegeta, and its memory.
#
# One run, one standalone mock (harness mock on loopback), same duration and
# same workers/connections for both load generators:
#
#   1. maximum sustainable rate, closed model ($WORKERS concurrent requests,
#      as fast as they go, $DURATION each), GET /credentiallocker/v2/threadNetworks:
#      plain `vegeta attack -rate=0` vs `harness load` (pacer type max, one
#      simulated client, its retrying clients.Transport, attempt log, results
#      stream). Reported as harness ÷ vegeta successful req/s (target >= 0.9).
#   2. open model at that maximum rate: `harness load` paced at a constant
#      rate equal to vegeta's best req/s ($DURATION): the share of the
#      planned hits it sent and its schedule lag (actual - intended send
#      time, p99 and max), from summary.json's accounting and generator
#      health (target: >= 99 % sent);
#   3. memory: peak RSS of `harness load` at a constant $MEM_RATE req/s for
#      $MEM_SHORT and for $MEM_LONG (target: under 300 MB, and no growth from
#      the short run to the long one: ratio <= 1.15).
#
# The mock runs in its own process, so RSS is the load generator's alone.
# Needs go, curl, python3, /usr/bin/time and vegeta
# (go install github.com/tsenart/vegeta/v12@v12.13.0; installed if missing).
# Env overrides: DURATION (30s), WORKERS (64), ROUNDS (2: vegeta and harness
# alternate, best of each), MEM_RATE (5000), MEM_SHORT (30s), MEM_LONG (60s),
# MOCK_PORT (18580), SKIP_MEMORY (unset).
# Figures are only comparable within one run: the machine may be shared.
set -euo pipefail

DURATION=${DURATION:-30s}
WORKERS=${WORKERS:-64}
MEM_RATE=${MEM_RATE:-5000}
MEM_SHORT=${MEM_SHORT:-30s}
MEM_LONG=${MEM_LONG:-60s}
MOCK_PORT=${MOCK_PORT:-18580}
ROUNDS=${ROUNDS:-2}

cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH)/bin"
if ! command -v vegeta >/dev/null; then
	echo "installing vegeta v12.13.0 ..." >&2
	go install github.com/tsenart/vegeta/v12@v12.13.0
fi
for tool in curl python3 vegeta; do
	command -v "$tool" >/dev/null || { echo "bench/loadgen.sh: $tool is not installed" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench/loadgen.sh: /usr/bin/time is not installed (apt-get install -y time)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building harness ..." >&2
go build -o "$work/harness" ./cmd/harness

url="http://127.0.0.1:$MOCK_PORT"
"$work/harness" mock --addr "127.0.0.1:$MOCK_PORT" --log-level warn --journal-size 10000 >"$work/mock.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	curl -fsS "$url/__harness/health" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "$url/__harness/health" >/dev/null || { echo "mock did not start:" >&2; cat "$work/mock.log" >&2; exit 3; }

# The well-known mock identities (../shared/contract.md): public test values.
export HARNESS_LOCKER_URL=$url HARNESS_SMAPI_URL=$url HARNESS_LWA_URL=$url
export HARNESS_LWA_CLIENT_ID=amzn1.application-oa2-client.harness
export HARNESS_LWA_CLIENT_SECRET=harness-client-secret
export HARNESS_CUSTOMER_REFRESH_TOKEN='Atzr|harness-customer-a'

token=$(curl -fsS -X POST "$url/auth/o2/token" \
	--data-urlencode grant_type=refresh_token \
	--data-urlencode "client_id=$HARNESS_LWA_CLIENT_ID" \
	--data-urlencode "client_secret=$HARNESS_LWA_CLIENT_SECRET" \
	--data-urlencode "refresh_token=$HARNESS_CUSTOMER_REFRESH_TOKEN" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# 1. Maximum sustainable rate.
cat >"$work/targets.txt" <<EOF
GET $url/credentiallocker/v2/threadNetworks?extendedPanId=00000000000000aa&maxResults=10
Authorization: Bearer $token
EOF
cat >"$work/max.yaml" <<EOF
name: bench-max
target: env
duration: $DURATION
pacer: {type: max, workers: $WORKERS}
mix: {get: 1}
data: {seed: 1, preload: 0}
clients: {count: 1, retry: {policy: standard}}
thresholds: {backoff: off}
EOF
# Alternate the two, $ROUNDS rounds, and keep each one's best: on a shared
# machine a neighbour's burst then cannot favour one side.
for r in $(seq 1 "$ROUNDS"); do
	echo "round $r: vegeta attack, $WORKERS workers, $DURATION, as fast as possible ..." >&2
	vegeta attack -targets="$work/targets.txt" -rate=0 -workers="$WORKERS" -max-workers="$WORKERS" \
		-duration="$DURATION" >"$work/vegeta-$r.bin"
	vegeta report -type=json "$work/vegeta-$r.bin" >"$work/vegeta-$r.json"
	rm -f "$work/vegeta-$r.bin"
	echo "round $r: harness load, $WORKERS workers, $DURATION, as fast as possible ..." >&2
	"$work/harness" load --profile "$work/max.yaml" --out "$work/run-max-$r" >"$work/max-$r.txt" 2>"$work/max-$r.err" || true
done

# 2. Open model at vegeta's maximum rate: what share of the planned hits is
# sent, and how late.
vmax=$(python3 -c 'import json,sys; print(int(max(json.load(open(f))["throughput"] for f in sys.argv[1:])))' "$work"/vegeta-*.json)
cat >"$work/open.yaml" <<EOF
name: bench-open
target: env
duration: $DURATION
pacer: {type: constant, rate: $vmax}
mix: {get: 1}
data: {seed: 1, preload: 0}
clients: {count: 8, retry: {policy: standard}}
generator: {maxInFlight: $((WORKERS * 16))}
thresholds: {backoff: off}
EOF
echo "harness load, open model at vegeta's maximum rate $vmax/s, $DURATION ..." >&2
"$work/harness" load --profile "$work/open.yaml" --out "$work/run-open" >"$work/open.txt" 2>"$work/open.err" || true

# 3. Memory at a constant rate, short and long.
rss() { # profile-duration out-dir -> peak RSS in kB
	/usr/bin/time -v "$work/harness" load --profile "$work/rate.yaml" --duration "$1" --out "$2" \
		>"$2.txt" 2>"$2.err" || true
	awk -F': ' '/Maximum resident set size/ {print $2}' "$2.err"
}
cat >"$work/rate.yaml" <<EOF
name: bench-rate
target: env
duration: 10s
pacer: {type: constant, rate: $MEM_RATE}
mix: {get: 1}
data: {seed: 1, preload: 0}
clients: {count: 8, retry: {policy: standard}}
thresholds: {backoff: off}
EOF
short_kb="" long_kb=""
if [ -z "${SKIP_MEMORY:-}" ]; then
	echo "harness load: $MEM_RATE req/s for $MEM_SHORT, then $MEM_LONG (peak RSS) ..." >&2
	short_kb=$(rss "$MEM_SHORT" "$work/run-short")
	long_kb=$(rss "$MEM_LONG" "$work/run-long")
fi

python3 - "$work" "$WORKERS" "$DURATION" "$MEM_RATE" "$MEM_SHORT" "$MEM_LONG" "$short_kb" "$long_kb" "$ROUNDS" <<'EOF'
import json, sys
work, workers, duration, rate, ms, ml, short_kb, long_kb, rounds = sys.argv[1:]
vs = [json.load(open(f"{work}/vegeta-{r}.json")) for r in range(1, int(rounds) + 1)]
hs = [json.load(open(f"{work}/run-max-{r}/summary.json")) for r in range(1, int(rounds) + 1)]
tput = lambda h: h["all"]["successes"] / (h["elapsed"] / 1e9)
print("rounds (vegeta, harness req/s): " + ", ".join(f"({v['throughput']:.0f}, {tput(h):.0f})" for v, h in zip(vs, hs)))
v = max(vs, key=lambda v: v["throughput"])
h = max(hs, key=tput)
vt, ht = v["throughput"], tput(h)
ok = True
print(f"maximum sustainable rate ({workers} workers, {duration}, same mock, best of {rounds}):")
print(f"  vegeta attack : {vt:9.0f} req/s  (success {v['success']*100:.1f}%, p99 {v['latencies']['99th']/1e6:.2f} ms)")
print(f"  harness load  : {ht:9.0f} req/s  (success {h['all']['successRatio']*100:.1f}%, p99 {h['all']['latency']['p99']/1e6:.2f} ms)")
ratio = ht / vt if vt else 0
print(f"  ratio harness/vegeta: {ratio:.2f}  (target >= 0.90) {'PASS' if ratio >= 0.9 else 'FAIL'}")
ok &= ratio >= 0.9
o = json.load(open(f"{work}/run-open/summary.json"))
a, g = o["accounting"], o.get("generator") or {}
lag = g.get("lag") or {}
share = a["sent"] / a["planned"] if a["planned"] else 0
reasons = ", ".join(f"{k} {v}" for k, v in sorted((a.get("notSentReasons") or {}).items())) or "none"
print(f"open model at vegeta's maximum rate ({o['pacer']}, {duration}):")
print(f"  sent {a['sent']} of {a['planned']} planned = {share*100:.2f}%  (not sent: {reasons})  (target >= 99%) {'PASS' if share >= 0.99 else 'FAIL'}")
print(f"  schedule lag p99 {lag.get('p99', 0)/1e6:.2f} ms, max {lag.get('max', 0)/1e6:.2f} ms; CPU {g.get('cpu', 0)*100:.0f}% of {g.get('gomaxprocs')} cores, machine {g.get('machineCpu', 0)*100:.0f}%; verdict {o.get('verdict')}")
ok &= share >= 0.99
if short_kb and long_kb:
    s, l = int(short_kb) / 1024, int(long_kb) / 1024
    def achieved(d):
        x = json.load(open(f"{work}/{d}/summary.json"))
        return x["all"]["rate"], x["all"]["latency"]["p99"] / 1e6
    (sr, sp), (lr, lp) = achieved("run-short"), achieved("run-long")
    print(f"memory at {rate} req/s offered:")
    print(f"  {ms:>5}: peak RSS {s:6.1f} MB  (achieved {sr:.0f} req/s, p99 {sp:.1f} ms)")
    print(f"  {ml:>5}: peak RSS {l:6.1f} MB  (achieved {lr:.0f} req/s, p99 {lp:.1f} ms)  (target < 300 MB) {'PASS' if l < 300 else 'FAIL'}")
    growth = l / s if s else 0
    print(f"  growth {ml}/{ms}: {growth:.2f}  (target <= 1.15) {'PASS' if growth <= 1.15 else 'FAIL'}")
    ok &= l < 300 and growth <= 1.15
sys.exit(0 if ok else 1)
EOF
