#!/usr/bin/env bash
# A soak: scripts/measure/mixed-load.sh's mix held at half its throughput for 10 minutes.
# Budgets: the server's resident size grows by at most 10 %, and it leaks no file descriptor.
#
#   scripts/measure/soak.sh [MINUTES] [RATE]    default 10 minutes; RATE in requests/s
#   NO_EDITS=1 scripts/measure/soak.sh ...      the same with a 304 read in each edit's place
#
# RATE: the target, by default half of what a 30 s unpaced run of the same mix reaches at the
# start of this script (or give half of mixed-load.sh's figure). wrk has no rate option, so the
# 64 connections are paced: each waits PACE_MS before each request (mixed.lua's delay()), with
# PACE_MS = 64 / RATE - (the time a request itself takes). That time comes from a 60 s
# warm-up paced at 64 / RATE: it ran at 64 / (PACE_MS + that time) requests/s.
#
# Order: setup; (the unpaced run); the warm-up; then, idle, the baseline ("before": VmRSS,
# VmHWM, open fds, threads); the soak, sampled every minute; idle again, "after". Idle means
# the run's sockets closed and tokio's blocking threads gone (mixed-common.sh's settle). The
# verdicts: VmRSS after <= 1.10 x before (the warm-up has already grown the allocator's pools,
# as any server's first minute does), and likewise the last sample under load <= 1.10 x the
# first; open fds after <= before. Also exits 1 on any socket error or any status other than
# 200, 304 and 412.
set -euo pipefail
# shellcheck source=scripts/measure/mixed-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/mixed-common.sh"

MINUTES="${1:-10}"
RATE="${2:-}"
WARMUP_SECS=60
SAMPLE_SECS=60
RSS_GROWTH_PERCENT=10

build_release --bin bedrock-binder
note "machine: $(machine_note)"
mixed_setup
rows="$MEASURE_TMP/rows"
samples="$MEASURE_TMP/samples"
proc_header | tee "$samples" >"$rows"
proc_row "fresh (idle, after setup)" >>"$rows"
fresh_fds="$ROW_FDS"
fresh_threads="$ROW_THREADS"

if [ -z "$RATE" ]; then
    note "30s unpaced, to find the rate to halve"
    line="$(mixed_run 30)"
    report_run "unpaced" "$line" >&2
    RATE="$(awk -v r="$(field rps "$line")" 'BEGIN { printf "%.0f", r / 2 }')"
    settle "$fresh_fds" "$fresh_threads"
fi

# pace ms: the wait before each request for MIXED_CONNECTIONS connections to make RATE.
pace0="$(awk -v c="$MIXED_CONNECTIONS" -v r="$RATE" 'BEGIN { printf "%.3f", 1000 * c / r }')"
note "warm-up: ${WARMUP_SECS}s paced at ${pace0} ms per request and connection (target $RATE requests/s)"
line="$(mixed_run "$WARMUP_SECS" "$pace0")"
report_run "warm-up" "$line" >&2
warm_errors="$(run_errors "$line")"
pace="$(awk -v c="$MIXED_CONNECTIONS" -v r="$RATE" -v p="$pace0" -v got="$(field rps "$line")" \
    'BEGIN { own = 1000 * c / got - p; p = 1000 * c / r - own; printf "%.3f", (p > 0) ? p : 0 }')"
settle "$fresh_fds" "$fresh_threads"
proc_row "before (idle, after the warm-up)" >>"$rows"
before_kb="$ROW_RSS_KB"
before_fds="$ROW_FDS"

note "soak: ${MINUTES} min paced at ${pace} ms per request and connection (target $RATE requests/s)"
PACE_MS="$pace" "${MIXED_WRK[@]}" -d"$((MINUTES * 60))s" "http://$SERVER_ADDR" >"$MEASURE_TMP/soak.out" &
wrk_pid="$!"
MEASURE_PIDS+=("$wrk_pid")
started=$SECONDS
loaded_kb=()
while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep "$SAMPLE_SECS" &
    wait "$!" || true
    kill -0 "$wrk_pid" 2>/dev/null || break
    proc_row "under load, at $((SECONDS - started))s" >>"$samples"
    note "$(tail -n1 "$samples")"
    loaded_kb+=("$ROW_RSS_KB")
done
wait "$wrk_pid" || die "wrk failed"
line="$(mixed_result <"$MEASURE_TMP/soak.out")"
[ -n "$line" ] || die "wrk printed no RESULT line"
settle "$fresh_fds" "$fresh_threads"
proc_row "after (idle, soak stopped)" >>"$rows"
after_kb="$ROW_RSS_KB"
after_fds="$ROW_FDS"

report_run "soak, ${MINUTES} min at $MIXED_CONNECTIONS paced connections (target $RATE requests/s)" "$line"
cat "$samples" "$rows"
history_note
printf 'RESULT %s\n' "$line"
# growth FROM TO: percent.
growth() { awk -v a="$2" -v b="$1" 'BEGIN { printf "%.1f", 100 * (a - b) / b }'; }
within() { awk -v g="$1" -v max="$RSS_GROWTH_PERCENT" 'BEGIN { print (g <= max) ? "PASS" : "FAIL" }'; }
idle_growth="$(growth "$before_kb" "$after_kb")"
ok_rss="$(within "$idle_growth")"
printf 'VmRSS %s %% from before to after, both idle (budget <= %s %%): %s\n' "$idle_growth" \
    "$RSS_GROWTH_PERCENT" "$ok_rss"
# The same under load, from the first sample to the last, when there are two.
if [ "${#loaded_kb[@]}" -ge 2 ]; then
    loaded_growth="$(growth "${loaded_kb[0]}" "${loaded_kb[-1]}")"
    ok_loaded="$(within "$loaded_growth")"
    printf 'VmRSS %s %% from the first sample under load to the last (budget <= %s %%): %s\n' \
        "$loaded_growth" "$RSS_GROWTH_PERCENT" "$ok_loaded"
    [ "$ok_loaded" = PASS ] || ok_rss=FAIL
fi
ok_fds="$([ "$after_fds" -le "$before_fds" ] && echo PASS || echo FAIL)"
printf 'open fds %s before, %s after (budget: no more after): %s\n' "$before_fds" "$after_fds" "$ok_fds"
errors="$(($(run_errors "$line") + warm_errors))"
[ "$errors" -eq 0 ] || die "$errors socket errors or unexpected statuses"
[ "$ok_rss" = PASS ] && [ "$ok_fds" = PASS ]
