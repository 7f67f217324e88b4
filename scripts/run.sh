#!/usr/bin/env bash
# THE run command: builds what the app needs (the browser bundle, when there is a
# frontend, then the release server binary) and runs it.
#
#   scripts/run.sh [--FLAG...]        ->  bedrock-binder serve --FLAG...   (the web app)
#   scripts/run.sh COMMAND [ARGS...]  ->  bedrock-binder COMMAND ARGS...   (the CLI)
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
    bash scripts/build-ui.sh "${LOCKED[@]}" >&2
fi
cargo build "${LOCKED[@]}" --release -p bedrock-binder >&2

BIN="${CARGO_TARGET_DIR:-target}/release/bedrock-binder"
case "${1:-}" in
    "" | -*) exec "$BIN" serve "$@" ;;
    *) exec "$BIN" "$@" ;;
esac
