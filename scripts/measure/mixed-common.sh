# shellcheck shell=bash
# Shared by scripts/measure/mixed-load.sh and soak.sh (source it; it sources common.sh and
# sets no shell options):
#   mixed_setup                 a store of 10 environments of 150 bindings (read) and one of 10
#                               (edited), made by the CLI; the release server on it
#                               (SERVER_ADDR, SERVER_PID); a check that each kind of request in
#                               mixed.lua gets the answer it expects; the variables mixed.lua
#                               reads, exported
#   mixed_run SECONDS [PACE_MS] one wrk run of mixed.lua (2 threads, 64 connections); prints its
#                               RESULT line without the word RESULT (mixed_result)
#   field NAME LINE             NAME's value in a RESULT line
#   proc_row LABEL              a row of the server's figures now: VmRSS, VmHWM, open file
#                               descriptors, threads, load average; also sets ROW_RSS_KB,
#                               ROW_FDS, ROW_THREADS (call it outside $(...) for those)
#   settle FDS THREADS          after a run: waits up to 20 s for the server to be idle again
#   report_run LABEL LINE       the run's figures as a few readable lines
#   history_note                the edited environment's history: entries and disk used
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MIXED_CONNECTIONS=64
MIXED_ENVS=10
MIXED_BINDINGS=150
MIXED_EDIT_BINDINGS=10
export READ_ENV=e05 EDIT_ENV=edits EDIT_MODEL=amazon.nova-pro-v1:0
# wrk with mixed.lua, less the duration and the URL (soak.sh runs it in the background).
MIXED_WRK=(wrk -t2 -c"$MIXED_CONNECTIONS" --latency -s "$REPO/scripts/measure/mixed.lua")

# bind_status VERSION PROFILE: the status of one bind of EDIT_MODEL in EDIT_ENV; its ETag (the
# new version) goes to $MEASURE_TMP/bind.etag.
bind_status() {
    curl -sS -o "$MEASURE_TMP/bind.body" -D "$MEASURE_TMP/bind.headers" -w '%{http_code}' \
        -X POST "http://$SERVER_ADDR/api/v1/envs/$EDIT_ENV/bindings/bind" \
        -H "If-Match: \"$1\"" -H 'Content-Type: application/json' \
        --data "{\"model\":\"$EDIT_MODEL\",\"profile\":\"$2\"}"
    tr -d '\r' <"$MEASURE_TMP/bind.headers" | sed -n 's/^etag: "\(.*\)"$/\1/Ip' >"$MEASURE_TMP/bind.etag"
}

mixed_setup() {
    local store="$MEASURE_TMP/store" i code before
    command -v wrk >/dev/null || die "wrk is missing: bash scripts/setup.sh wrk"
    bindings_file "$MIXED_BINDINGS" "$MEASURE_TMP/inference.txt"
    for i in $(seq -w "$MIXED_ENVS"); do
        binder --store "$store" env create "e$i" --file "$MEASURE_TMP/inference.txt" >/dev/null
    done
    # Every written edit leaves a history entry holding the text before and after: on a
    # small environment, a few KB each rather than 20, which over a soak's 100,000 writes is
    # the difference between 0.4 and 2 GB of disk.
    bindings_file "$MIXED_EDIT_BINDINGS" "$MEASURE_TMP/edits.txt"
    binder --store "$store" env create "$EDIT_ENV" --file "$MEASURE_TMP/edits.txt" >/dev/null
    # As in read-api.sh: files older than the 2 s "racy clean" window, so a 304 costs one stat.
    find "$store" -type f -exec touch -d "@$(($(date +%s) - 60))" {} +
    start_store_server "$store"
    SERVER_PID="$LAST_PID"
    MIXED_STORE="$store"

    READ_ETAG="$(conditional_etag "http://$SERVER_ADDR/v1/envs/$READ_ENV/inference.txt")"
    # Three bound models from the file and one it does not bind.
    MODELS="$(grep -m3 -o '^[^#[:space:]=]*' "$MEASURE_TMP/inference.txt" | tr '\n' ,)example.unbound-v1:0"
    code="$(curl -sS -o /dev/null -w '%{http_code}' "http://$SERVER_ADDR/v1/envs/$READ_ENV/resolve?model=${MODELS%%,*}")"
    [ "$code" = 200 ] || die "GET resolve answered $code"

    # Both edits the load makes must be writes (200) and a stale one a 412.
    before="$(curl -fsS -o /dev/null -D - "http://$SERVER_ADDR/api/v1/envs/$EDIT_ENV/bindings" |
        tr -d '\r' | sed -n 's/^etag: "\(.*\)"$/\1/Ip')"
    [ -n "$before" ] || die "GET /api/v1/envs/$EDIT_ENV/bindings sent no ETag"
    code="$(bind_status "$before" "us.$EDIT_MODEL")"
    [ "$code" = 200 ] || die "a bind answered $code: $(head -c 300 "$MEASURE_TMP/bind.body")"
    code="$(bind_status "$(cat "$MEASURE_TMP/bind.etag")" "eu.$EDIT_MODEL")"
    [ "$code" = 200 ] || die "a bind answered $code: $(head -c 300 "$MEASURE_TMP/bind.body")"
    EDIT_VERSION="$(cat "$MEASURE_TMP/bind.etag")"
    code="$(bind_status "$before" "us.$EDIT_MODEL")"
    [ "$code" = 412 ] || die "a bind with a stale version answered $code, not 412"
    export READ_ETAG MODELS EDIT_VERSION
}

mixed_run() {
    PACE_MS="${2:-0}" "${MIXED_WRK[@]}" -d"${1}s" "http://$SERVER_ADDR" | mixed_result
}

# mixed_result: wrk's output on stdin; its RESULT line on stdout (without the word), its
# list of unexpected answers, if any, on stderr.
mixed_result() {
    local out
    out="$(cat)"
    grep '^OTHER ' <<<"$out" >&2 || true
    grep '^RESULT ' <<<"$out" | cut -d' ' -f2-
}

field() {
    tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

# status_kb FIELD: a field of the server's /proc/PID/status, in kB (KiB).
status_kb() {
    awk -v field="$1:" '$1 == field { print $2 }' "/proc/$SERVER_PID/status"
}

open_fds() {
    find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 | wc -l
}

proc_row() {
    ROW_RSS_KB="$(status_kb VmRSS)"
    ROW_FDS="$(open_fds)"
    ROW_THREADS="$(status_kb Threads)"
    printf '%-40s %8.1f %8.1f %5d %7d   %s\n' "$1" "$(awk -v k="$ROW_RSS_KB" 'BEGIN { print k * 1024 / 1e6 }')" \
        "$(awk -v k="$(status_kb VmHWM)" 'BEGIN { print k * 1024 / 1e6 }')" "$ROW_FDS" "$ROW_THREADS" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
}

proc_header() {
    printf '%-40s %8s %8s %5s %7s   %s\n' "server (MB = 10^6 bytes)" VmRSS VmHWM fds threads "load average"
}

# Idle means: the finished run's sockets closed (the server closes each as it reads its EOF)
# and the threads tokio started for blocking work (file I/O) gone, which they are after 10 s
# without work. Both readings of a before/after pair are taken idle, so they compare.
settle() {
    local _
    for _ in $(seq 200); do
        if [ "$(open_fds)" -le "$1" ] && [ "$(status_kb Threads)" -le "$2" ]; then return 0; fi
        sleep 0.1
    done
    note "not idle after 20 s: $(open_fds) fds (idle: $1), $(status_kb Threads) threads (idle: $2)"
}

# ms_of NAME LINE: a RESULT line's microseconds NAME, in milliseconds.
ms_of() {
    awk -v u="$(field "$1" "$2")" 'BEGIN { printf "%.2f ms", u / 1000 }'
}

report_run() {
    local line="$2"
    printf '%s: %s requests, %s requests/s; latency p50 %s, p99 %s, max %s\n' "$1" \
        "$(field requests "$line")" "$(field rps "$line")" "$(ms_of p50_us "$line")" "$(ms_of p99_us "$line")" \
        "$(ms_of max_us "$line")"
    printf '  reads:   %s sent, %s answered 304, %s answered 200 (a missed 304)\n' \
        "$(field sent_read "$line")" "$(field read_304 "$line")" "$(field read_200 "$line")"
    printf '  resolve: %s sent, %s answered 200\n' "$(field sent_resolve "$line")" "$(field resolve_200 "$line")"
    printf '  edits:   %s sent, %s answered 200, %s answered 412 (stale version, expected)\n' \
        "$(field sent_edit "$line")" "$(field edit_200 "$line")" "$(field edit_412 "$line")"
    printf '  errors:  %s socket errors, %s other statuses\n' "$(field socket_errors "$line")" "$(field other "$line")"
}

history_note() {
    local dir="$MIXED_STORE/envs/$EDIT_ENV/history"
    # A 200 that repeats the current text writes nothing; each write adds one entry.
    printf 'the edited environment: %s history entries (one per write), %s on disk\n' \
        "$(find "$dir" -mindepth 1 -maxdepth 1 -name '*.json' | wc -l)" "$(du -sh "$dir" | cut -f1)"
}

# run_errors LINE: the run's socket errors plus statuses other than 200, 304 and 412.
run_errors() {
    echo $(($(field socket_errors "$1") + $(field other "$1")))
}
