#!/usr/bin/env bash
# bench/mock.sh: the mock's throughput on GET /credentiallocker/v2/threadNetworks
# against a bare net/http handler returning the same bytes (bench/bare), on
# loopback, in one run, with the same load generators and connections:
#
#   1. maximum req/s: wrk, $CONNS connections, $DURATION each (target: mock >= 70% of bare);
#   2. latency at a fixed $RATE req/s: vegeta attack, $DURATION each (target: p99 < 5 ms).
#
# Needs go, curl, wrk (apt-get install -y wrk) and vegeta
# (go install github.com/tsenart/vegeta/v12@v12.13.0). Env overrides:
# DURATION (10s), CONNS (64), THREADS (2), RATE (5000), MOCK_PORT (18480), BARE_PORT (18490).
set -euo pipefail

DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
RATE=${RATE:-5000}
MOCK_PORT=${MOCK_PORT:-18480}
BARE_PORT=${BARE_PORT:-18490}

cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH)/bin"
for tool in curl wrk vegeta; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench/mock.sh: $tool is not installed (wrk: apt-get install -y wrk; vegeta: go install github.com/tsenart/vegeta/v12@v12.13.0)" >&2
		exit 2
	fi
done

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building harness and bench/bare ..."
go build -o "$work/harness" ./cmd/harness
go build -o "$work/bare" ./bench/bare

mock="http://127.0.0.1:$MOCK_PORT"
bare="http://127.0.0.1:$BARE_PORT"

start_mock() { # $1: log level
	"$work/harness" mock --addr "127.0.0.1:$MOCK_PORT" --log-level "$1" >"$work/mock.out" 2>/dev/null &
	mock_pid=$!
	pids+=("$mock_pid")
	for _ in $(seq 100); do
		curl -fsS "$mock/__harness/health" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "bench/mock.sh: the mock did not start" >&2
	exit 3
}

start_mock warn

# A customer token from the mock's LWA endpoint (customer A's well-known
# refresh token, a public test credential of the mock), and three networks.
token=$(curl -fsS -X POST "$mock/auth/o2/token" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode grant_type=refresh_token \
	--data-urlencode client_id=amzn1.application-oa2-client.harness \
	--data-urlencode client_secret=harness-client-secret \
	--data-urlencode 'refresh_token=Atzr|harness-customer-a' |
	sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "bench/mock.sh: no access token" >&2; exit 3; }
seed() {
	for i in 1 2 3; do
		curl -fsS -X PUT "$mock/credentiallocker/v2/threadNetworks" -H "Authorization: Bearer $token" \
			-H 'Content-Type: application/json' \
			-d "{\"threadNetwork\":{\"extendedPanId\":\"dead00beef00cafe\",\"networkName\":\"home-$i\",\"networkKey\":\"00112233445566778899aabbccddeeff\",\"channelNumber\":15}}"
	done
}
seed
path="/credentiallocker/v2/threadNetworks?extendedPanId=dead00beef00cafe&maxResults=10"
curl -fsS "$mock$path" -H "Authorization: Bearer $token" >"$work/body.json"

"$work/bare" --addr "127.0.0.1:$BARE_PORT" --body "$work/body.json" >/dev/null &
pids+=("$!")
for _ in $(seq 100); do curl -fsS "$bare/" >/dev/null 2>&1 && break; sleep 0.05; done
cmp -s "$work/body.json" <(curl -fsS "$bare$path") || { echo "bench/mock.sh: bare answers other bytes" >&2; exit 3; }

max_rps() { # $1 URL -> "req/s p99"
	wrk -t1 -c"$CONNS" -d2s -H "Authorization: Bearer $token" "$1$path" >/dev/null # warm-up
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$1$path" >"$work/wrk.txt"
	if grep -q 'Non-2xx' "$work/wrk.txt"; then
		echo "bench/mock.sh: non-2xx answers from $1:" >&2
		cat "$work/wrk.txt" >&2
		exit 3
	fi
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
	p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
	echo "$rps $p99"
}

fixed_rate() { # $1 URL -> "p50 p99 max success" (ms, ms, ms, ratio)
	printf 'GET %s\nAuthorization: Bearer %s\n' "$1$path" "$token" >"$work/target.txt"
	vegeta attack -targets "$work/target.txt" -rate "$RATE" -duration "$DURATION" -max-connections "$CONNS" >"$work/attack.bin"
	vegeta report -type=json <"$work/attack.bin" >"$work/report.json"
	ns() { grep -o "\"$1\":[0-9]*" "$work/report.json" | head -1 | cut -d: -f2; }
	success=$(grep -o '"success":[0-9.e+-]*' "$work/report.json" | cut -d: -f2)
	awk -v a="$(ns 50th)" -v b="$(ns 99th)" -v c="$(ns max)" -v s="$success" \
		'BEGIN { printf "%.3f %.3f %.3f %s\n", a/1e6, b/1e6, c/1e6, s }'
}

echo "max throughput: wrk -t$THREADS -c$CONNS -d$DURATION (after a 2 s warm-up) ..."
read -r bare_rps bare_wrk99 < <(max_rps "$bare")
read -r mock_rps mock_wrk99 < <(max_rps "$mock")

# The mock again, logging every request (slog text to /dev/null).
kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true
start_mock info
token=$(curl -fsS -X POST "$mock/auth/o2/token" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode grant_type=refresh_token --data-urlencode client_id=amzn1.application-oa2-client.harness \
	--data-urlencode client_secret=harness-client-secret --data-urlencode 'refresh_token=Atzr|harness-customer-a' |
	sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
seed
read -r logged_rps logged_wrk99 < <(max_rps "$mock")
kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true
start_mock warn
token=$(curl -fsS -X POST "$mock/auth/o2/token" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode grant_type=refresh_token --data-urlencode client_id=amzn1.application-oa2-client.harness \
	--data-urlencode client_secret=harness-client-secret --data-urlencode 'refresh_token=Atzr|harness-customer-a' |
	sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
seed

echo "fixed rate: vegeta attack -rate $RATE -duration $DURATION -max-connections $CONNS ..."
read -r bare_p50 bare_p99 bare_max bare_ok < <(fixed_rate "$bare")
read -r mock_p50 mock_p99 mock_max mock_ok < <(fixed_rate "$mock")

ratio=$(awk -v m="$mock_rps" -v b="$bare_rps" 'BEGIN { printf "%.1f", 100*m/b }')
logged_ratio=$(awk -v m="$logged_rps" -v b="$bare_rps" 'BEGIN { printf "%.1f", 100*m/b }')
echo
echo "GET threadNetworks on loopback, $(nproc) CPUs shared by server and load generator ($(date -u +%FT%TZ))"
printf '%-26s %12s %12s %10s %10s %10s %8s\n' target "max req/s" "wrk p99" "p50@$RATE" "p99@$RATE" "max@$RATE" success
printf '%-26s %12s %12s %10s %10s %10s %8s\n' "bare net/http" "$bare_rps" "$bare_wrk99" "${bare_p50}ms" "${bare_p99}ms" "${bare_max}ms" "$bare_ok"
printf '%-26s %12s %12s %10s %10s %10s %8s\n' "mock (--log-level warn)" "$mock_rps" "$mock_wrk99" "${mock_p50}ms" "${mock_p99}ms" "${mock_max}ms" "$mock_ok"
printf '%-26s %12s %12s %10s %10s %10s %8s\n' "mock (logging requests)" "$logged_rps" "$logged_wrk99" "-" "-" "-" "-"
echo
echo "mock/bare max req/s: ${ratio}% (target >= 70%); with request logging: ${logged_ratio}%"
pass=yes
awk -v r="$ratio" 'BEGIN { exit !(r >= 70) }' || pass=no
awk -v p="$mock_p99" 'BEGIN { exit !(p < 5) }' || pass=no
echo "mock p99 at $RATE req/s: ${mock_p99} ms (target < 5 ms); targets met: $pass"
