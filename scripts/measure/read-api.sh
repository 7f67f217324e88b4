#!/usr/bin/env bash
# Budget: the apps' read API, `GET /v1/envs/{env}/inference.txt` with `If-None-Match`
# (answered 304) at 64 connections, reaches at least 60 % of a bare axum hello handler's
# throughput measured in the same run, with a p99 of at most 5 ms.
#
#   scripts/measure/read-api.sh [SECONDS]   default 10 s per run
#
# The server is `bedrock-binder serve --store` on a store of 10 environments of 150 bindings
# each, made with the CLI (`env create NAME --file`), so each has its settings and a history
# entry as a real one does; the load is on one of them. Otherwise as scripts/measure/load.sh:
# release builds, wrk (2 threads, 64 connections) on the same 2 cores as the servers, rounds
# alternating hello / read API three times, medians. Exits 1 over budget.
set -euo pipefail
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECS="${1:-10}"
ROUNDS=3
ENVS=10
BINDINGS=150
LOADED=e05
command -v wrk >/dev/null || die "wrk is missing: bash scripts/setup.sh wrk"

build_release --example hello --bin bedrock-binder
note "machine: $(machine_note)"
store="$MEASURE_TMP/store"
bindings_file "$BINDINGS" "$MEASURE_TMP/inference.txt"
for i in $(seq -w "$ENVS"); do
    binder --store "$store" env create "e$i" --file "$MEASURE_TMP/inference.txt" >/dev/null
done
# As a store in use: the server answers a 304 from one `stat` only once the file's mtime is
# more than 2 s in the past (a write within the same clock tick could hide behind a fresh
# one: git's "racy clean" rule), and until then reads and hashes the file. A store's files
# are normally far older than that; a minute back stands for it without a sleep.
find "$store" -type f -exec touch -d "@$(($(date +%s) - 60))" {} +
start_store_server "$store"
start_hello

api="http://$SERVER_ADDR/v1/envs/$LOADED/inference.txt"
curl -fsS -o "$MEASURE_TMP/served.txt" "$api"
cmp -s "$MEASURE_TMP/served.txt" "$store/envs/$LOADED/inference.txt" ||
    die "GET /v1/envs/$LOADED/inference.txt is not the stored file byte for byte"
etag="$(conditional_etag "$api")"
compare_with_hello "GET /v1/envs/$LOADED/inference.txt" "$api" "$etag" "$SECS" "$ROUNDS"
