# shellcheck shell=bash
# Source this (`. scripts/env.sh`) to put the tools scripts/setup.sh installs on PATH:
#   $TOOLS/bin                      trunk, wasm-bindgen (cargo install --root "$TOOLS")
#   $TOOLS/node/node_modules/.bin   wasm-opt (npm binaryen@132)
#   $TOOLS/venv/bin                 moto_server, python with boto3
# TOOLS defaults to <repo>/.tools. Safe to source more than once; sets no shell options.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO
export TOOLS="${TOOLS:-$REPO/.tools}"

_bb_path_prepend() {
    case ":$PATH:" in
        *":$1:"*) ;;
        *) PATH="$1:$PATH" ;;
    esac
}
# rustup's cargo, in case a non-login shell lacks it.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    _bb_path_prepend "$HOME/.cargo/bin"
fi
# Appended last = searched first: the venv, then binaryen's wasm-opt, then $TOOLS/bin.
_bb_path_prepend "$TOOLS/venv/bin"
_bb_path_prepend "$TOOLS/node/node_modules/.bin"
_bb_path_prepend "$TOOLS/bin"
unset -f _bb_path_prepend
export PATH
