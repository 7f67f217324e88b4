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
# Exits 1 over budget. scripts/measure/read-api.sh measures the apps' read API the same way.
set -euo pipefail
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECS="${1:-10}"
ROUNDS=3
command -v wrk >/dev/null || die "wrk is missing: bash scripts/setup.sh wrk"

build_release --example hello --bin bedrock-binder
note "machine: $(machine_note)"
bindings_file 150 "$MEASURE_TMP/inference.txt"
start_server "$MEASURE_TMP/inference.txt"
start_hello

api="http://$SERVER_ADDR/api/v1/bindings"
etag="$(conditional_etag "$api")"
compare_with_hello "GET /api/v1/bindings" "$api" "$etag" "$SECS" "$ROUNDS"
