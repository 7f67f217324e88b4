#!/usr/bin/env bash
# The apps' read API on the S3 store against the local-directory store, in the same run:
# `GET /v1/envs/{env}/inference.txt` with `If-None-Match` (answered 304) at 64 connections,
# throughput and p99 for each, and how many S3 requests the S3-backed server made per 1,000
# client requests (from moto's request log).
#
#   scripts/measure/read-api-s3.sh [SECONDS] [READ_TTL_MS]   default 10 s per run, 1000 ms
#
# Both servers are release builds of `serve --store`, one on a directory and one on
# `s3://bench/team` in moto (the project's venv, `bash scripts/setup.sh moto`), each with the
# same 10 environments of 150 bindings made by the CLI; the load is on one of them. wrk
# (2 threads, 64 connections) runs on the same 2 cores as the servers and moto, rounds
# alternating local / S3 three times; medians. Records figures only: the issue sets no budget
# for S3 beyond recording them.
set -euo pipefail
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECS="${1:-10}"
TTL_MS="${2:-1000}"
ROUNDS=3
ENVS=10
BINDINGS=150
LOADED=e05
BUCKET=bench
command -v wrk >/dev/null || die "wrk is missing: bash scripts/setup.sh wrk"
command -v moto_server >/dev/null || die "moto_server is missing: bash scripts/setup.sh moto"

build_release --bin bedrock-binder
note "machine: $(machine_note)"

# moto on a free port; it logs one line per request it serves.
moto_log="$MEASURE_TMP/moto.log"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>"$moto_log" &
MEASURE_PIDS+=("$!")
endpoint="http://127.0.0.1:$port"
for _ in $(seq 200); do
    curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "$endpoint/moto-api/" || die "moto did not start: $(cat "$moto_log")"
curl -fsS -o /dev/null -X PUT "$endpoint/$BUCKET" || die "cannot create the bucket"

s3_env=(AWS_ENDPOINT_URL_S3="$endpoint" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
    AWS_EC2_METADATA_DISABLED=true)
s3_store="s3://$BUCKET/team"
local_store="$MEASURE_TMP/store"
bindings_file "$BINDINGS" "$MEASURE_TMP/inference.txt"
for i in $(seq -w "$ENVS"); do
    binder --store "$local_store" env create "e$i" --file "$MEASURE_TMP/inference.txt" >/dev/null
    env -i HOME="$MEASURE_TMP" PATH="$PATH" "${s3_env[@]}" "$BIN" --store "$s3_store" \
        env create "e$i" --file "$MEASURE_TMP/inference.txt" >/dev/null
done
# As in read-api.sh: a store in use has files older than the 2 s "racy clean" window.
find "$local_store" -type f -exec touch -d "@$(($(date +%s) - 60))" {} +

start_store_server "$local_store"
local_addr="$SERVER_ADDR"
run_listening S3_ADDR env -i HOME="$MEASURE_TMP" PATH="$PATH" RUST_LOG=warn "${s3_env[@]}" \
    "$BIN" --store "$s3_store" --s3-read-ttl-ms "$TTL_MS" serve --listen 127.0.0.1:0

path="/v1/envs/$LOADED/inference.txt"
curl -fsS -o "$MEASURE_TMP/local.txt" "http://$local_addr$path"
curl -fsS -o "$MEASURE_TMP/s3.txt" "http://$S3_ADDR$path"
cmp -s "$MEASURE_TMP/local.txt" "$MEASURE_TMP/s3.txt" || die "the two stores do not serve the same bytes"
etag_local="$(conditional_etag "http://$local_addr$path")"
etag_s3="$(conditional_etag "http://$S3_ADDR$path")"
[ "$etag_local" = "$etag_s3" ] || die "the two stores' ETags differ: $etag_local, $etag_s3"

lua="$REPO/scripts/measure/if-none-match.lua"
results="$MEASURE_TMP/results"
: >"$results"
for round in $(seq "$ROUNDS"); do
    note "round $round/$ROUNDS: local directory, then S3 (read cache ${TTL_MS} ms), ${SECS}s each"
    wrk_round local "http://$local_addr$path" "$etag_local" "$SECS" "$lua" | tee -a "$results" >&2
    before="$(grep -c '" [0-9][0-9][0-9] ' "$moto_log" || true)"
    line="$(wrk_round s3 "http://$S3_ADDR$path" "$etag_s3" "$SECS" "$lua")"
    after="$(grep -c '" [0-9][0-9][0-9] ' "$moto_log" || true)"
    printf '%s s3_requests=%d\n' "$line" "$((after - before))" | tee -a "$results" >&2
done

errors="$(grep -oE '(errors|non2xx3xx)=[1-9][0-9]*' "$results" || true)"
ms() { awk -v p="$1" 'BEGIN { printf "%.2f", p / 1000 }'; }
local_rps="$(median_of rps local "$results")"
local_p99="$(median_of p99_us local "$results")"
s3_rps="$(median_of rps s3 "$results")"
s3_p99="$(median_of p99_us s3 "$results")"
per_1000="$(grep '^s3 ' "$results" | awk '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    requests += v["requests"]; s3 += v["s3_requests"]
} END { printf "%.2f", 1000 * s3 / requests }')"
printf '%-44s %12s %10s\n' "median of $ROUNDS x ${SECS}s, 64 conns, 304 path" "requests/s" "p99"
printf '%-44s %12.0f %8sms\n' "local directory store" "$local_rps" "$(ms "$local_p99")"
printf '%-44s %12.0f %8sms\n' "S3 store (moto), read cache ${TTL_MS} ms" "$s3_rps" "$(ms "$s3_p99")"
printf 'S3 requests per 1,000 client requests: %s\n' "$per_1000"
[ -z "$errors" ] || die "socket errors or error statuses during the runs: $errors"
