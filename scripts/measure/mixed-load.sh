#!/usr/bin/env bash
# A mixed load at 64 connections for 60 s: 95 % reads (the apps' read API: the 304 path,
# `GET /v1/envs/{env}/inference.txt` with `If-None-Match`, and `GET /v1/envs/{env}/resolve`)
# and 5 % edits (`POST /api/v1/envs/{env}/bindings/bind` with `If-Match` of a possibly stale
# version: 200 or the expected 412). The mix is scripts/measure/mixed.lua's.
#
#   scripts/measure/mixed-load.sh [SECONDS]    default 60
#   NO_EDITS=1 scripts/measure/mixed-load.sh   a 304 read in each edit's place
#
# The server is the release `bedrock-binder serve --store` on a store made by the CLI: 10
# environments of 150 bindings, reads going to one of them, and one of 10 bindings, `edits`,
# that takes the edits (each written edit adds a history entry). wrk (2 threads, 64
# connections) runs on the same 2 cores as the server. Records throughput, p50,
# p99, the answers by kind, and the server's VmRSS, VmHWM, open file descriptors and threads
# before and after (idle both times). Exits 1 on any socket error or any status other than
# 200, 304 and 412. scripts/measure/soak.sh holds half this rate for 10 minutes.
set -euo pipefail
# shellcheck source=scripts/measure/mixed-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/mixed-common.sh"

SECS="${1:-60}"

build_release --bin bedrock-binder
note "machine: $(machine_note)"
mixed_setup

rows="$MEASURE_TMP/rows"
proc_header >"$rows"
proc_row "before (idle, after setup)" >>"$rows"
before_fds="$ROW_FDS"
before_threads="$ROW_THREADS"
note "${SECS}s of mixed load at $MIXED_CONNECTIONS connections"
line="$(mixed_run "$SECS")"
[ -n "$line" ] || die "wrk printed no RESULT line"
proc_row "right after the run" >>"$rows"
settle "$before_fds" "$before_threads"
proc_row "after (idle, load stopped)" >>"$rows"

report_run "mixed load, ${SECS}s at $MIXED_CONNECTIONS connections" "$line"
cat "$rows"
history_note
printf 'RESULT %s\n' "$line"
errors="$(run_errors "$line")"
[ "$errors" -eq 0 ] || die "$errors socket errors or unexpected statuses"
