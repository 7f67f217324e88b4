# shellcheck shell=bash
# Shared by the scripts in scripts/measure/ (source it; it sets no shell options):
#   build_release            the release server, with the UI built into it
#                            (MEASURE_NO_BUILD=1: use target/release as it is)
#   bindings_file N PATH     a realistic inference.txt with N bindings (from `init`)
#   start_server FILE        the release server on 127.0.0.1:0 serving FILE; sets SERVER_ADDR
#   start_hello              the bare axum hello server (backend/examples/hello.rs); sets HELLO_ADDR
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

# bindings_file N PATH: `bedrock-binder init`'s default file (the catalog grouped by provider,
# with its comments) cut after the N-th binding line.
bindings_file() {
    local n="$1" path="$2" full="$MEASURE_TMP/init.txt"
    rm -f "$full"
    "$BIN" --file "$full" init >/dev/null
    awk -v n="$n" '{ print } /^[^#[:space:]]/ { if (++count == n) exit }' "$full" >"$path"
    local got
    got="$(grep -c '^[^#[:space:]]' "$path")"
    [ "$got" -eq "$n" ] || die "the catalog gives only $got bindings, not $n"
}

# run_listening VAR CMD...: starts CMD, whose first stdout line is `... listening on
# http://ADDR`, and sets VAR=ADDR once that line arrives: the servers bind before they print,
# so they are ready then. No sleeps.
run_listening() {
    local var="$1" fifo line
    shift
    fifo="$MEASURE_TMP/out.$RANDOM$RANDOM"
    mkfifo "$fifo"
    "$@" >"$fifo" 2>>"$MEASURE_TMP/server.log" &
    MEASURE_PIDS+=("$!")
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

start_hello() {
    run_listening HELLO_ADDR "$HELLO_BIN"
}

# shellcheck disable=SC2009 # pgrep cannot match an alternation of names longer than 15 bytes
machine_note() {
    local load
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%s cores (%s), load average %s before the run; %s\n' "$(nproc)" \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" "$load" \
        "$(ps -eo comm= | grep -cxE 'rustc|cargo|trunk|chromium|wrk|node' || true) build/browser/load processes running"
}
