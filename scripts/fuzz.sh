#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (by hand, not in CI), each for FUZZ_SECONDS.
#
#   scripts/fuzz.sh [TARGET...]        every target (or those named), one after another
#   scripts/fuzz.sh replay TARGET FILE run one input through a target and show its panic
#   scripts/fuzz.sh list               the targets
#
# Targets (each checks the property in shared/tests/fuzz_properties/TARGET.rs):
#   roundtrip       parse -> print gives back the bytes
#   edit            parse -> bind/unbind -> parse keeps every other line
#   values          model-id, ARN, profile and region parsers agree with each other and the validator
#   import_preview  the import preview's diff, diagnostics and JSON
#   api_json        the API's JSON request bodies and the field parsing behind them
#
# Environment:
#   FUZZ_SECONDS     seconds per target (default 600)
#   FUZZ_SANITIZER   none (default) or address; see below
#   FUZZ_TARGET_DIR  the fuzz build's own target dir (default fuzz/target): sanitizer-coverage
#                    builds cannot share the workspace's, so CARGO_TARGET_DIR is not used.
#                    It is deleted first when it has grown past FUZZ_TARGET_MAX_MB (3072).
#   FUZZ_ARGS        more libFuzzer flags, e.g. "-max_len=16384"
#
# The corpus of each target grows in fuzz/corpus/TARGET (not committed), started from the
# committed fuzz/seeds/TARGET. A crash (or timeout, or out-of-memory) is copied into
# fuzz/regressions/TARGET/, which shared/tests/fuzz_regressions.rs replays in CI: fix the bug,
# keep the file, commit both. Exits non-zero when any target found one.
#
# Stable Rust: cargo-fuzz passes `-Z` flags (sanitizer coverage), so this sets RUSTC_BOOTSTRAP=1
# for its builds only. The sanitizer defaults to none: the code under test has no `unsafe`
# (the workspace forbids it), so AddressSanitizer finds nothing more and halves the speed;
# debug assertions (overflow checks) stay on either way.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$REPO/scripts/env.sh"

FUZZ_DIR="$REPO/fuzz"
FUZZ_SECONDS="${FUZZ_SECONDS:-600}"
FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}"
FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$FUZZ_DIR/target}"
FUZZ_TARGET_MAX_MB="${FUZZ_TARGET_MAX_MB:-3072}"
TARGETS=(roundtrip edit values import_preview api_json)

log() { printf 'fuzz: %s\n' "$*"; }
die() { printf 'fuzz: ERROR: %s\n' "$*" >&2; exit 1; }

is_target() {
    local t
    for t in "${TARGETS[@]}"; do [ "$t" = "$1" ] && return 0; done
    return 1
}

# cargo fuzz with what every call needs.
cargo_fuzz() {
    local command="$1"
    shift
    RUSTC_BOOTSTRAP=1 cargo fuzz "$command" --fuzz-dir "$FUZZ_DIR" --sanitizer "$FUZZ_SANITIZER" \
        --target-dir "$FUZZ_TARGET_DIR" "$@"
}

prepare() {
    bash "$REPO/scripts/setup.sh" cargo-fuzz
    if [ -d "$FUZZ_TARGET_DIR" ]; then
        local mb
        mb="$(du -sm "$FUZZ_TARGET_DIR" | cut -f1)"
        if [ "$mb" -gt "$FUZZ_TARGET_MAX_MB" ]; then
            log "$FUZZ_TARGET_DIR is ${mb} MB (over $FUZZ_TARGET_MAX_MB): deleting it"
            rm -rf "$FUZZ_TARGET_DIR"
        fi
    fi
    # fuzz/ has its own Cargo.lock; a stale one fails here instead of being rewritten.
    cargo fetch --locked --manifest-path "$FUZZ_DIR/Cargo.toml" ||
        die "fuzz/Cargo.lock is stale: run \`cargo update --manifest-path fuzz/Cargo.toml\` and commit it"
}

# replay TARGET FILE: one input through the target's libFuzzer binary, panic and backtrace shown.
replay() {
    [ "$#" -eq 2 ] || die "usage: scripts/fuzz.sh replay TARGET FILE"
    is_target "$1" || die "unknown target '$1' (scripts/fuzz.sh list)"
    [ -f "$2" ] || die "no such file: $2"
    prepare
    RUST_BACKTRACE=1 cargo_fuzz run "$1" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
}

# fuzz_one TARGET: run it for FUZZ_SECONDS; keep its findings. Returns 1 when it found one.
fuzz_one() {
    local target="$1"
    local corpus="$FUZZ_DIR/corpus/$target"
    local artifacts="$FUZZ_DIR/artifacts/$target"
    local log_file="$artifacts/last-run.log"
    mkdir -p "$corpus" "$artifacts" "$FUZZ_DIR/regressions/$target"
    local marker="$artifacts/.started"
    touch "$marker"

    log "$target: ${FUZZ_SECONDS}s (sanitizer $FUZZ_SANITIZER), corpus fuzz/corpus/$target"
    local -a args=(-max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$artifacts/" -dict="$FUZZ_DIR/bedrock.dict")
    # shellcheck disable=SC2206 # FUZZ_ARGS is a space-separated list of flags
    args+=(${FUZZ_ARGS:-})
    local rc=0
    # New inputs go to the first corpus directory; the seeds are only read.
    cargo_fuzz run "$target" "$corpus" "$FUZZ_DIR/seeds/$target" -- "${args[@]}" 2>&1 | tee "$log_file" || rc=$?

    # The numbers of the run, from libFuzzer's last status line and final stats.
    local done_line execs speed
    done_line="$(grep -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$log_file" | tail -n1 || true)"
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log_file" | tail -n1)"
    speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log_file" | tail -n1)"
    local summary
    summary="$(printf '%s execs, %s/s, %s' "${execs:-?}" "${speed:-?}" \
        "$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || echo 'no status line')")"

    local found=0 artifact
    while IFS= read -r -d '' artifact; do
        found=1
        local kept
        kept="$FUZZ_DIR/regressions/$target/$(basename "$artifact")"
        cp "$artifact" "$kept"
        log "$target: FOUND $(basename "$artifact"), kept as ${kept#"$REPO"/}"
        log "  replay:  scripts/fuzz.sh replay $target ${kept#"$REPO"/}"
        log "  in CI:   cargo test -p bedrock-binder-shared --test fuzz_regressions"
    done < <(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
        -newer "$marker" -print0)
    rm -f "$marker"
    if [ "$found" = 1 ] || [ "$rc" -ne 0 ]; then
        log "$target: FAILED (exit $rc): $summary"
        RESULTS+=("$target: FAILED: $summary")
        return 1
    fi
    log "$target: ok: $summary"
    RESULTS+=("$target: ok: $summary")
}

case "${1:-}" in
    list)
        printf '%s\n' "${TARGETS[@]}"
        exit 0
        ;;
    replay)
        shift
        replay "$@"
        exit
        ;;
    -h | --help | help)
        sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
        exit 0
        ;;
esac

declare -a chosen=("$@")
[ "${#chosen[@]}" -gt 0 ] || chosen=("${TARGETS[@]}")
for target in "${chosen[@]}"; do
    is_target "$target" || die "unknown target '$target' (scripts/fuzz.sh list)"
done

prepare
log "building ${chosen[*]} into $FUZZ_TARGET_DIR"
for target in "${chosen[@]}"; do cargo_fuzz build "$target"; done

declare -a RESULTS=()
failed=0
for target in "${chosen[@]}"; do
    fuzz_one "$target" || failed=1
done
log "summary (${FUZZ_SECONDS}s each):"
printf 'fuzz:   %s\n' "${RESULTS[@]}"
exit "$failed"
