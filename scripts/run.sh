#!/usr/bin/env bash
# THE run command: builds what the app needs (the browser bundle, when there is a
# frontend, then the release server binary) and runs it.
#
#   scripts/run.sh [ARGS...]   ->  bedrock-binder serve ARGS...
#
# Until the binary has a `serve` subcommand, ARGS go to the CLI as they are.
# Build output goes to stderr, so the program's stdout stays clean for pipes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

LOCKED=()
if [ "${CI:-}" = true ]; then LOCKED=(--locked); fi

if [ -f frontend/Trunk.toml ]; then
    bash scripts/setup.sh wasm trunk wasm-bindgen wasm-opt >&2
    # trunk's `offline = true` passes --offline to its cargo build: download crates first.
    cargo fetch "${LOCKED[@]}" >&2
    (cd frontend && trunk build --release "${LOCKED[@]}") >&2
fi
cargo build "${LOCKED[@]}" --release -p bedrock-binder >&2

BIN="${CARGO_TARGET_DIR:-target}/release/bedrock-binder"
if "$BIN" serve --help >/dev/null 2>&1; then
    exec "$BIN" serve "$@"
fi
exec "$BIN" "$@"
