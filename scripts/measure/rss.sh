#!/usr/bin/env bash
# Budgets: the release server's resident memory is at most 30 MB idle, and at most 60 MB
# serving a store of 10 environments of 1,000 bindings each. MB is read strictly, as
# 1,000,000 bytes; the verdict is on the peak (VmHWM), not only on what is resident at the end.
#
#   scripts/measure/rss.sh [PASSES]         default 10 passes over the routes of (b)
#   MEASURE_ACCEPT_ENCODING=gzip scripts/measure/rss.sh     what a client that asks only for gzip costs
#
# (a) Idle: `serve --store` on an empty store (it creates `default`, empty), read once it has
#     answered GET /api/v1/health, then again after one page load: index.html and its assets,
#     the catalog, the bindings and the environments, as a browser asks for them.
# (b) 10 environments of 1,000 bindings (scripts/measure/common.sh's bindings_file: the
#     catalog's ids, then derived ones it does not know), each with a history of three changes
#     (created, two models bound). PASSES passes, 8 requests at a time, each pass asking
#     GET /api/v1/envs and, for every environment, GET /v1/envs/E/inference.txt,
#     /api/v1/envs/E, /api/v1/envs/E/bindings and /api/v1/envs/E/history, with Chromium's
#     Accept-Encoding (the server answers JSON gzipped: it has no brotli); every answer must be a 200. The
#     resident size grows over the first passes and then levels off (the allocator keeps what
#     it was given); 10 passes reach the plateau.
# The figures are /proc/PID/status's, read after the requests: VmRSS (resident now), VmHWM
# (the peak), RssAnon (heap and stacks), RssFile (pages of the binary and its libraries, the
# embedded UI among them) and the thread count. Exits 1 over budget.
set -euo pipefail
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PASSES="${1:-10}"
PARALLEL=8
ENVS=10
BINDINGS=1000
IDLE_BUDGET=30000000
LOADED_BUDGET=60000000
ACCEPT="Accept-Encoding: ${MEASURE_ACCEPT_ENCODING:-gzip, deflate, br, zstd}"

build_release --bin bedrock-binder
note "machine: $(machine_note)"
note "requests send $ACCEPT"

# fetch_all PATHS_FILE: GET every path in the file from the server at SERVER_ADDR, PARALLEL at
# a time; dies unless every answer is a 200.
fetch_all() {
    local config="$MEASURE_TMP/curl.conf" path bad
    {
        printf 'header = "%s"\n' "$ACCEPT"
        while IFS= read -r path; do
            printf 'url = "http://%s%s"\noutput = "/dev/null"\n' "$SERVER_ADDR" "$path"
        done <"$1"
    } >"$config"
    curl -sS --no-progress-meter --parallel --parallel-max "$PARALLEL" -K "$config" -w '%{http_code} %{url_effective}\n' \
        >"$MEASURE_TMP/codes" || true
    [ "$(wc -l <"$MEASURE_TMP/codes")" -eq "$(wc -l <"$1")" ] || die "some requests got no answer"
    bad="$(grep -v '^200 ' "$MEASURE_TMP/codes" | head -n3 || true)"
    [ -z "$bad" ] || die "not every answer was a 200: $bad"
}

# status_kb PID FIELD: a field of /proc/PID/status, in kB (KiB).
status_kb() {
    awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"
}

rows="$MEASURE_TMP/rows"
: >"$rows"
# measure LABEL PID: one row of the table, from the server's /proc/PID/status now.
measure() {
    local mb=() field
    for field in VmRSS VmHWM RssAnon RssFile; do
        mb+=("$(awk -v kb="$(status_kb "$2" "$field")" 'BEGIN { printf "%.1f", kb * 1024 / 1e6 }')")
    done
    printf '%-44s %8s %8s %8s %8s %7s\n' "$1" "${mb[@]}" "$(status_kb "$2" Threads)" | tee -a "$rows" >&2
}
# hwm_bytes PID: the peak resident size, in bytes.
hwm_bytes() {
    echo $(($(status_kb "$1" VmHWM) * 1024))
}

# (a) Idle.
mkdir -p "$MEASURE_TMP/empty"
start_store_server "$MEASURE_TMP/empty"
idle_pid="$LAST_PID"
curl -fsS -o /dev/null "http://$SERVER_ADDR/api/v1/health"
measure "(a) idle, empty store, after GET health" "$idle_pid"
page_paths "http://$SERVER_ADDR" >"$MEASURE_TMP/paths"
printf '%s\n' /api/v1/catalog /api/v1/bindings /api/v1/envs >>"$MEASURE_TMP/paths"
fetch_all "$MEASURE_TMP/paths"
measure "(a) idle, after one page load ($(wc -l <"$MEASURE_TMP/paths") GETs)" "$idle_pid"
idle_hwm="$(hwm_bytes "$idle_pid")"
stop_server "$idle_pid"

# (b) 10 environments of 1,000 bindings. The first is made from the file (validated, as
# `env create --file` does); the others are copies of it, and each then binds two models, one
# change at a time, as a person would.
store="$MEASURE_TMP/store"
bindings_file "$BINDINGS" "$MEASURE_TMP/inference.txt"
mapfile -t names < <(seq -f 'e%02g' "$ENVS")
note "making $ENVS environments of $BINDINGS bindings (each bind validates the whole file)"
# change ARGS...: one CLI change to the store, its output (hundreds of warnings about the
# derived ids) shown only if it fails.
change() {
    binder --store "$store" "$@" >"$MEASURE_TMP/change.log" 2>&1 ||
        die "bedrock-binder $* failed: $(tail -n5 "$MEASURE_TMP/change.log")"
}
for name in "${names[@]}"; do
    if [ "$name" = "${names[0]}" ]; then
        change env create "$name" --file "$MEASURE_TMP/inference.txt"
    else
        change env create "$name" --from "${names[0]}"
    fi
    for model in amazon.nova-pro-v1:0 amazon.nova-lite-v1:0; do
        change --env "$name" bind "$model" "us.$model"
    done
done
start_store_server "$store"
loaded_pid="$LAST_PID"
measure "(b) $ENVS x $BINDINGS bindings, at start" "$loaded_pid"
: >"$MEASURE_TMP/paths"
for _ in $(seq "$PASSES"); do
    printf '/api/v1/envs\n' >>"$MEASURE_TMP/paths"
    for name in "${names[@]}"; do
        printf '%s\n' "/v1/envs/$name/inference.txt" "/api/v1/envs/$name" "/api/v1/envs/$name/bindings" \
            "/api/v1/envs/$name/history" >>"$MEASURE_TMP/paths"
    done
done
note "(b): $(wc -l <"$MEASURE_TMP/paths") requests, $PARALLEL at a time"
started="$(date +%s.%N)"
fetch_all "$MEASURE_TMP/paths"
took="$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')"
measure "(b) after $(wc -l <"$MEASURE_TMP/paths") GETs (${took} s), $PARALLEL at a time" "$loaded_pid"
loaded_hwm="$(hwm_bytes "$loaded_pid")"

printf '%-44s %8s %8s %8s %8s %7s\n' "MB (10^6 bytes)" VmRSS "VmHWM" RssAnon RssFile threads
cat "$rows"
verdict() {
    [ "$1" -le "$2" ] && echo PASS || echo FAIL
}
ok_idle="$(verdict "$idle_hwm" "$IDLE_BUDGET")"
ok_loaded="$(verdict "$loaded_hwm" "$LOADED_BUDGET")"
printf 'idle peak %.1f MB (budget <= 30 MB): %s\n' "$(awk -v b="$idle_hwm" 'BEGIN { print b / 1e6 }')" "$ok_idle"
printf '%s x %s bindings peak %.1f MB (budget <= 60 MB): %s\n' "$ENVS" "$BINDINGS" \
    "$(awk -v b="$loaded_hwm" 'BEGIN { print b / 1e6 }')" "$ok_loaded"
[ "$ok_idle" = PASS ] && [ "$ok_loaded" = PASS ]
