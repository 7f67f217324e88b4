#!/usr/bin/env bash
# THE test command (what CI runs through .ci/run): installs what the checks need, then
# formatting, lints, the browser-clean build of `shared`, and every test.
# Fails fast; each step prints a banner and its elapsed seconds. The last lines printed are
# the test runner's own summary lines, repeated from its output.
#
# With CI=true, cargo and trunk run with --locked (a stale Cargo.lock fails the run) and
# incremental compilation is off.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

LOCKED=()
if [ "${CI:-}" = true ]; then
    LOCKED=(--locked)
    export CARGO_INCREMENTAL=0
fi
HAVE_FRONTEND=0
if [ -f frontend/Trunk.toml ]; then HAVE_FRONTEND=1; fi

# --- what to install (scripts/setup.sh components) --------------------------------------
# Extend here when a suite needs more, e.g. `moto boto3` once tests start moto_server,
# `wrk` for load tests. SETUP_EXTRA="..." adds components for one run.
# moto (moto_server) for the S3 store's tests (backend/src/storage/s3.rs), which fail rather
# than skip without it; boto3 (with pytest) for the fake Bedrock's conformance tests.
COMPONENTS=(wasm moto boto3)
# schemathesis for the short fuzzing run of the API (scripts/schemathesis.sh --short).
COMPONENTS+=(schemathesis)
# cargo-deny for the dependency policy (deny.toml).
COMPONENTS+=(cargo-deny)
# The tools the export tests read each artefact back with (tests/e2e/exports.rs): parliament,
# LiteLLM's proxy, asl-validator, LibreChat's schema (cfn-lint comes with moto). Under CI=true
# those tests fail rather than skip without them.
COMPONENTS+=(exports)
if [ "$HAVE_FRONTEND" = 1 ]; then COMPONENTS+=(trunk wasm-bindgen wasm-opt chromium); fi
# shellcheck disable=SC2206 # word-splitting a space-separated list is intended
COMPONENTS+=(${SETUP_EXTRA:-})

# --- step machinery ---------------------------------------------------------------------
T0=$SECONDS
STEP=""
STEP_T0=$SECONDS
NSTEPS=0
LOGDIR="$(mktemp -d)"

on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "$STEP" ]; then
        printf '\n!!! FAILED: %s (exit %s) after %ss; %ss in all\n' \
            "$STEP" "$rc" "$((SECONDS - STEP_T0))" "$((SECONDS - T0))" >&2
    fi
    rm -rf "$LOGDIR"
}
trap on_exit EXIT

# step NAME CMD...: run CMD with a banner before and its elapsed time after.
step() {
    STEP="$1"
    shift
    NSTEPS=$((NSTEPS + 1))
    STEP_T0=$SECONDS
    printf '\n==> [%s] %s   (at %ss)\n' "$NSTEPS" "$STEP" "$((SECONDS - T0))"
    "$@"
    printf '<== [%s] %s: ok in %ss\n' "$NSTEPS" "$STEP" "$((SECONDS - STEP_T0))"
}
skip() { printf '\n--- skipped: %s\n' "$*"; }

# logged LOG CMD...: run CMD with stdout+stderr also copied to $LOGDIR/LOG.
logged() {
    local log="$LOGDIR/$1"
    shift
    "$@" 2>&1 | tee -a "$log"
}

# --- the steps --------------------------------------------------------------------------
step "setup: ${COMPONENTS[*]}" bash scripts/setup.sh "${COMPONENTS[@]}"

if cargo fmt --version >/dev/null 2>&1; then
    step "cargo fmt --check" cargo fmt --all -- --check
else
    skip "cargo fmt (rustfmt is not installed)"
fi

step "no module imports a module that imports it back" python3 scripts/check-module-cycles.py

# Download every crate up front, as its own timed step. (trunk's `offline = true` also
# passes --offline to its `cargo build`; its own `cargo metadata` call downloads too.)
step "cargo fetch" cargo fetch "${LOCKED[@]}"

# The dependency policy in deny.toml, offline. Advisories are not checked here: their database
# is a git repository on GitHub, which CI cannot reach; scripts/deny.sh checks them where it
# can. Duplicate versions print as one-line warnings (`cargo deny check bans` shows why).
step "cargo deny: licenses, bans, sources (offline)" \
    cargo deny --offline "${LOCKED[@]}" check --hide-inclusion-graph licenses bans sources

if [ "$HAVE_FRONTEND" = 1 ]; then
    step "frontend: every bundle (scripts/build-ui.sh)" bash scripts/build-ui.sh "${LOCKED[@]}"
else
    skip "frontend build (no frontend/Trunk.toml yet)"
fi

step "shared builds for the browser (wasm32-unknown-unknown)" \
    cargo build "${LOCKED[@]}" -p bedrock-binder-shared --target wasm32-unknown-unknown

if cargo clippy --version >/dev/null 2>&1; then
    # Default members: shared, backend, the fake Bedrock, and the frontend's host half (its
    # UI logic; Leptos is a wasm32-only dependency). The whole frontend is linted for its real
    # target below.
    step "cargo clippy (default members)" cargo clippy "${LOCKED[@]}" --all-targets -- -D warnings
    if [ "$HAVE_FRONTEND" = 1 ] && [ "${FRONTEND_CLIPPY:-1}" = 1 ]; then
        step "cargo clippy (frontend, wasm32)" cargo clippy "${LOCKED[@]}" \
            -p bedrock-binder-frontend --target wasm32-unknown-unknown -- -D warnings
    fi
else
    skip "cargo clippy (clippy is not installed)"
fi

# Tests: default members (for the frontend, its UI logic). nextest does not run doctests, so
# they run first through cargo test; the main runner goes last so its summary closes the output.
if cargo nextest --version >/dev/null 2>&1; then
    step "doctests: cargo test --doc" logged doc.log cargo test "${LOCKED[@]}" --doc
    step "tests: cargo nextest run" logged tests.log cargo nextest run "${LOCKED[@]}"
else
    step "doctests: cargo test --doc" logged doc.log cargo test "${LOCKED[@]}" --doc
    step "tests: cargo test" logged tests.log cargo test "${LOCKED[@]}" --lib --bins --tests
fi

# The fake Bedrock against boto3, an independent client (tests/conformance).
fake_bedrock_conformance() {
    cargo build "${LOCKED[@]}" -p fake-bedrock
    local target_dir="${CARGO_TARGET_DIR:-target}"
    case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
    FAKE_BEDROCK_BIN="$target_dir/debug/fake-bedrock" PYTHONDONTWRITEBYTECODE=1 \
        "$TOOLS/venv/bin/python" -m pytest -q -p no:cacheprovider tests/conformance
}
step "conformance: fake Bedrock vs boto3 (pytest)" logged conformance.log fake_bedrock_conformance

# The API fuzzed from its own OpenAPI description: no 5xx, every 4xx the shared error body. The
# short run (a fixed seed, about 20 s); `scripts/schemathesis.sh` alone is the long one.
# The server and the fake are the binaries the tests and the conformance step just built.
step "fuzzing: the API from /api/v1/openapi.json (scripts/schemathesis.sh --short)" \
    env SCHEMATHESIS_BUILD=0 bash scripts/schemathesis.sh --short

STEP=""
printf '\n==> all %s steps passed in %ss. Test runner summary (repeated from above):\n' \
    "$NSTEPS" "$((SECONDS - T0))"
# Strip colour codes, keep pytest's, cargo test's and nextest's own summary lines: the
# conformance line first, then doctests, so the main runner's summary is the last line.
sed -E 's/\x1b\[[0-9;]*m//g' "$LOGDIR/conformance.log" "$LOGDIR/doc.log" "$LOGDIR/tests.log" |
    grep -E '^test result: |^[[:space:]]*Summary \[|^=* ?[0-9]+ (passed|failed)' || true
