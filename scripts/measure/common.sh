# shellcheck shell=bash
# Shared by the scripts in scripts/measure/ (source it; it sets no shell options):
#   build_release            the release server, with the UI built into it
#                            (MEASURE_NO_BUILD=1: use target/release as it is)
#   bindings_file N PATH     a realistic inference.txt with N bindings (from `init`)
#   binder ARGS...           the CLI, without the caller's environment (HOME in the temp dir)
#   start_server FILE        the release server on 127.0.0.1:0 serving FILE; sets SERVER_ADDR
#   start_store_server DIR   the same, serving the store DIR (`serve --store`)
#   start_hello              the bare axum hello server (backend/examples/hello.rs); sets HELLO_ADDR
#                            (each start also sets LAST_PID, the server's process id)
#   stop_server PID          stops a server started here, and waits for it
#   conditional_etag URL     the ETag URL sends, once a request with it answered 304
#   compare_with_hello LABEL URL ETAG SECONDS ROUNDS
#                            the 304 throughput budget: wrk rounds alternating hello / URL
#   page_paths BASE          the paths a browser loads for the UI page at BASE: /, its assets
#   machine_note             one line about the machine and what else is running
# Servers started here are stopped when the sourcing script exits.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/env.sh
. "$REPO/scripts/env.sh"

# MEASURE_BIN: another build of the server (a debug one, say) for the byte counts, which do
# not depend on the build.
# CARGO_TARGET_DIR is honoured as cargo honours it.
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="${MEASURE_BIN:-$TARGET_DIR/release/bedrock-binder}"
HELLO_BIN="$TARGET_DIR/release/examples/hello"
MEASURE_TMP="$(mktemp -d)"
MEASURE_PIDS=()

measure_cleanup() {
    local pid
    for pid in "${MEASURE_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$MEASURE_TMP"
}
trap measure_cleanup EXIT

die() { printf '%s: ERROR: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

# The release server, built from the current sources. The UI is embedded only if
# frontend/dist exists when the backend builds, so it must be built first. Arguments are more
# cargo target options (`--example hello`).
# shellcheck disable=SC2120 # the arguments are optional
build_release() {
    if [ "${MEASURE_NO_BUILD:-}" = 1 ] && [ -x "$BIN" ]; then
        note "MEASURE_NO_BUILD=1: using the release binaries as they are"
        return
    fi
    [ -f "$REPO/frontend/dist/index.html" ] ||
        die "no frontend/dist: build the UI first (scripts/build-ui.sh), or run scripts/test.sh"
    note "cargo build --release -p bedrock-binder $*"
    (cd "$REPO" && cargo build --quiet --release -p bedrock-binder "$@")
}

# binder ARGS...: the CLI under test, with none of the caller's BEDROCK_* variables (a
# BEDROCK_BINDER_STORE or _ENV in the shell would redirect it) and HOME in the temp dir.
binder() {
    env -i HOME="$MEASURE_TMP" PATH="$PATH" "$BIN" "$@"
}

# bindings_file N PATH: `bedrock-binder init`'s default file (the catalog grouped by provider,
# with its comments) cut after the N-th binding line. The catalog gives about 230; past them
# the file goes on with copies of its binding lines under derived ids
# (`amazon.nova-pro-v1:0` -> `amazon.nova-pro-v1-s2:0`, as scripts/measure/browser.cjs derives
# a larger catalog), which the catalog does not know, so they are validated as unknown models.
bindings_file() {
    local n="$1" path="$2" full="$MEASURE_TMP/init.txt"
    rm -f "$full"
    binder --file "$full" init >/dev/null
    awk -v n="$n" '
        { print }
        /^[^#[:space:]]/ { line[++bound] = $0; if (bound == n) exit }
        END {
            total = bound
            for (copy = 2; bound < n && total > 0; copy++) {
                printf "\n# Copy %d: ids the catalog does not know\n", copy
                for (i = 1; i <= total && bound < n; i++) {
                    eq = index(line[i], "=")
                    key = substr(line[i], 1, eq - 1)
                    colon = match(key, /:[^:]*$/)
                    key = colon ? substr(key, 1, colon - 1) "-s" copy substr(key, colon) : key "-s" copy
                    print key substr(line[i], eq)
                    bound++
                }
            }
        }' "$full" >"$path"
    local got
    got="$(grep -c '^[^#[:space:]]' "$path")"
    [ "$got" -eq "$n" ] || die "the file has $got bindings, not $n"
}

# run_listening VAR CMD...: starts CMD, whose first stdout line is `... listening on
# http://ADDR`, and sets VAR=ADDR once that line arrives: the servers bind before they print,
# so they are ready then. No sleeps. Sets LAST_PID to CMD's process id (`env` execs the
# server, so for start_server it is the server's).
run_listening() {
    local var="$1" fifo line
    shift
    fifo="$MEASURE_TMP/out.$RANDOM$RANDOM"
    mkfifo "$fifo"
    "$@" >"$fifo" 2>>"$MEASURE_TMP/server.log" &
    LAST_PID="$!"
    MEASURE_PIDS+=("$LAST_PID")
    # Keep the reading end open for the server's lifetime, so it never writes into a closed pipe.
    local fd
    exec {fd}<"$fifo"
    IFS= read -r line <&"$fd" || die "$1 exited before it listened: $(cat "$MEASURE_TMP/server.log")"
    case "$line" in
        *" listening on http://"*) printf -v "$var" '%s' "${line##*http://}" ;;
        *) die "unexpected first line from $1: $line" ;;
    esac
}

start_server() {
    run_listening SERVER_ADDR env -i HOME="$MEASURE_TMP" PATH="$PATH" RUST_LOG=warn \
        "$BIN" --file "$1" serve --listen 127.0.0.1:0
}

start_store_server() {
    run_listening SERVER_ADDR env -i HOME="$MEASURE_TMP" PATH="$PATH" RUST_LOG=warn \
        "$BIN" --store "$1" serve --listen 127.0.0.1:0
}

start_hello() {
    run_listening HELLO_ADDR "$HELLO_BIN"
}

# stop_server PID: SIGTERM (the server shuts down gracefully), then waits for it.
stop_server() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# conditional_etag URL: the ETag that GET URL sends, after checking that sending it back in
# If-None-Match gets a 304. Dies otherwise.
conditional_etag() {
    local url="$1" etag code
    etag="$(curl -fsS -o /dev/null -D - "$url" | tr -d '\r' | sed -n 's/^etag: //Ip')"
    [ -n "$etag" ] || die "GET $url sent no ETag"
    code="$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url")"
    [ "$code" = 304 ] || die "GET $url with If-None-Match: $etag answered $code, not 304"
    printf '%s\n' "$etag"
}

# compare_with_hello LABEL URL ETAG SECONDS ROUNDS: the budget both 304 paths have (the UI's
# `GET /api/v1/bindings`, the apps' `GET /v1/envs/{env}/inference.txt`). URL with
# `If-None-Match: ETAG` at 64 connections reaches at least 60 % of the bare axum hello's
# throughput measured in the same run, with a p99 of at most 5 ms. wrk (2 threads, 64
# connections) loads hello, then URL, ROUNDS times, for SECONDS each; the figures are the
# medians. Prints the table and the verdicts; returns 1 over budget (dies on socket errors
# or error statuses).
compare_with_hello() {
    local label="$1" url="$2" etag="$3" secs="$4" rounds="$5"
    local lua="$REPO/scripts/measure/if-none-match.lua" results="$MEASURE_TMP/results" round
    command -v wrk >/dev/null || die "wrk is missing: bash scripts/setup.sh wrk"
    : >"$results"
    for round in $(seq "$rounds"); do
        note "round $round/$rounds: hello, then $label, ${secs}s each"
        wrk_round hello "http://$HELLO_ADDR/" "" "$secs" "$lua" | tee -a "$results" >&2
        wrk_round 304 "$url" "$etag" "$secs" "$lua" | tee -a "$results" >&2
    done

    local hello_rps api_rps api_p99 hello_p99 errors ratio ok_ratio ok_p99
    hello_rps="$(median_of rps hello "$results")"
    api_rps="$(median_of rps 304 "$results")"
    api_p99="$(median_of p99_us 304 "$results")"
    hello_p99="$(median_of p99_us hello "$results")"
    errors="$(grep -oE '(errors|non2xx3xx)=[1-9][0-9]*' "$results" || true)"
    ratio="$(awk -v a="$api_rps" -v h="$hello_rps" 'BEGIN { printf "%.1f", 100 * a / h }')"
    ok_ratio="$(awk -v r="$ratio" 'BEGIN { print (r >= 60) ? "PASS" : "FAIL" }')"
    ok_p99="$(awk -v p="$api_p99" 'BEGIN { print (p <= 5000) ? "PASS" : "FAIL" }')"

    printf '%-40s %12s %10s\n' "median of $rounds x ${secs}s, 64 conns" "requests/s" "p99"
    printf '%-40s %12.0f %8.2fms\n' "bare axum hello" "$hello_rps" "$(awk -v p="$hello_p99" 'BEGIN { print p / 1000 }')"
    printf '%-40s %12.0f %8.2fms\n' "$label (304)" "$api_rps" "$(awk -v p="$api_p99" 'BEGIN { print p / 1000 }')"
    printf 'throughput ratio %s %% (budget >= 60 %%): %s\n' "$ratio" "$ok_ratio"
    printf 'p99 %.2f ms (budget <= 5 ms): %s\n' "$(awk -v p="$api_p99" 'BEGIN { print p / 1000 }')" "$ok_p99"
    [ -z "$errors" ] || die "socket errors or error statuses during the runs: $errors"
    [ "$ok_ratio" = PASS ] && [ "$ok_p99" = PASS ]
}

# wrk_round NAME URL ETAG SECONDS LUA: one wrk run; prints its RESULT line prefixed with NAME.
wrk_round() {
    local out
    out="$(ETAG="$3" wrk -t2 -c64 -d"${4}s" --latency -s "$5" "$2")"
    printf '%s %s\n' "$1" "$(grep '^RESULT' <<<"$out" | cut -d' ' -f2-)"
}

# median_of FIELD NAME RESULTS: the median of FIELD over NAME's rounds.
median_of() {
    grep "^$2 " "$3" | tr ' ' '\n' | sed -n "s/^$1=//p" | sort -n |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# page_paths BASE: `/`, then the page's same-origin references: absolute paths after `=`, `"`
# or `'` in trunk's minified HTML (attribute values are unquoted) and in its inline module
# script, plus any `./snippets/…` the JS glue imports. /api is data, not the page.
page_paths() {
    local base="$1" js more snippets
    printf '/\n'
    mapfile -t more < <(curl -fsS "$base/" | page_refs)
    [ "${#more[@]}" -eq 0 ] || printf '%s\n' "${more[@]}"
    for js in "${more[@]}"; do
        case "$js" in
            *.js) mapfile -t snippets < <(curl -fsS "$base$js" | page_refs | grep '^/snippets/' || true)
                  [ "${#snippets[@]}" -eq 0 ] || printf '%s\n' "${snippets[@]}" ;;
        esac
    done
}

page_refs() {
    grep -oE "[=\"'](\.?/[A-Za-z0-9._/-]+\.[A-Za-z0-9]+)" | cut -c2- | sed 's#^\./#/#' |
        grep -v '^/api/' | awk '!seen[$0]++'
}

# shellcheck disable=SC2009 # pgrep cannot match an alternation of names longer than 15 bytes
machine_note() {
    local load
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%s cores (%s), load average %s before the run; %s\n' "$(nproc)" \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" "$load" \
        "$(ps -eo comm= | grep -cxE 'rustc|cargo|trunk|chromium|wrk|node' || true) build/browser/load processes running"
}
