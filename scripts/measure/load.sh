#!/usr/bin/env bash
# Budget: `GET /api/v1/bindings` with `If-None-Match` (answered 304) at 64 connections reaches
# at least 60 % of a bare axum hello handler's throughput measured in the same run, with a p99
# of at most 5 ms.
#
#   scripts/measure/load.sh [SECONDS]       default 10 s per run
#
# Both servers are release builds (backend/examples/hello.rs is the baseline), loaded in turn
# by wrk (2 threads, 64 connections) on the same 2 cores as the servers; the bindings file has
# 150 bindings. Rounds alternate hello / bindings three times; the figures are the medians.
# Exits 1 over budget.
set -euo pipefail
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECS="${1:-10}"
ROUNDS=3
command -v wrk >/dev/null || die "wrk is missing: bash scripts/setup.sh wrk"
LUA="$REPO/scripts/measure/if-none-match.lua"

build_release --example hello --bin bedrock-binder
note "machine: $(machine_note)"
bindings_file 150 "$MEASURE_TMP/inference.txt"
start_server "$MEASURE_TMP/inference.txt"
start_hello

api="http://$SERVER_ADDR/api/v1/bindings"
etag="$(curl -fsS -o /dev/null -D - "$api" | tr -d '\r' | sed -n 's/^etag: //Ip')"
[ -n "$etag" ] || die "GET /api/v1/bindings sent no ETag"
code="$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$api")"
[ "$code" = 304 ] || die "GET /api/v1/bindings with If-None-Match: $etag answered $code, not 304"

# run NAME URL [ETAG]: one wrk run; prints its RESULT line prefixed with NAME.
run() {
    local out
    out="$(ETAG="${3:-}" wrk -t2 -c64 -d"${SECS}s" --latency -s "$LUA" "$2")"
    printf '%s %s\n' "$1" "$(grep '^RESULT' <<<"$out" | cut -d' ' -f2-)"
}

results="$MEASURE_TMP/results"
for round in $(seq "$ROUNDS"); do
    note "round $round/$ROUNDS: hello, then bindings (304), ${SECS}s each"
    run hello "http://$HELLO_ADDR/" | tee -a "$results" >&2
    run bindings304 "$api" "$etag" | tee -a "$results" >&2
done

# median FIELD NAME: the median of FIELD over NAME's rounds.
median() {
    grep "^$2 " "$results" | tr ' ' '\n' | sed -n "s/^$1=//p" | sort -n |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
hello_rps="$(median rps hello)"
api_rps="$(median rps bindings304)"
api_p99="$(median p99_us bindings304)"
hello_p99="$(median p99_us hello)"
errors="$(grep -oE '(errors|non2xx3xx)=[1-9][0-9]*' "$results" || true)"
ratio="$(awk -v a="$api_rps" -v h="$hello_rps" 'BEGIN { printf "%.1f", 100 * a / h }')"
ok_ratio="$(awk -v r="$ratio" 'BEGIN { print (r >= 60) ? "PASS" : "FAIL" }')"
ok_p99="$(awk -v p="$api_p99" 'BEGIN { print (p <= 5000) ? "PASS" : "FAIL" }')"

printf '%-34s %12s %10s\n' "median of $ROUNDS x ${SECS}s, 64 conns" "requests/s" "p99"
printf '%-34s %12.0f %8.2fms\n' "bare axum hello" "$hello_rps" "$(awk -v p="$hello_p99" 'BEGIN { print p / 1000 }')"
printf '%-34s %12.0f %8.2fms\n' "GET /api/v1/bindings (304)" "$api_rps" "$(awk -v p="$api_p99" 'BEGIN { print p / 1000 }')"
printf 'throughput ratio %s %% (budget >= 60 %%): %s\n' "$ratio" "$ok_ratio"
printf 'p99 %.2f ms (budget <= 5 ms): %s\n' "$(awk -v p="$api_p99" 'BEGIN { print p / 1000 }')" "$ok_p99"
[ -z "$errors" ] || die "socket errors or error statuses during the runs: $errors"
[ "$ok_ratio" = PASS ] && [ "$ok_p99" = PASS ]
