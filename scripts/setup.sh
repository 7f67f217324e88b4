#!/usr/bin/env bash
# Idempotent installer for the tools this project's build, tests and e2e need.
#
#   scripts/setup.sh COMPONENT...      e.g.  scripts/setup.sh wasm trunk wasm-bindgen
#
# Components:
#   - wasm          rustup target wasm32-unknown-unknown
#   - trunk         trunk 0.21.14 (0.22 needs a newer rustc than 1.95)
#   - wasm-bindgen  wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock
#   - wasm-opt      npm binaryen@132 (Debian's binaryen 108 emits broken wasm: never use it)
#   - chromium      Debian chromium + chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)
#   - moto          moto[server] (S3 fake: moto_server) in a venv at $TOOLS/venv
#   - boto3         boto3 and pytest in the same venv (the conformance tests)
#   - schemathesis  schemathesis 4.32.5 in the same venv: scripts/schemathesis.sh fuzzes the API from
#                   its OpenAPI description
#   - wrk           a load generator: reuses oha or wrk if present, else Debian's wrk
#   - shellcheck    the shell linter, from Debian (for these scripts)
#   - npm-playwright  npm playwright-core (no browser of its own; drives /usr/bin/chromium)
#                   for the by-hand measurements in scripts/measure/
#   - cargo-fuzz    cargo-fuzz 0.13.2 (libFuzzer targets in fuzz/; scripts/fuzz.sh runs them)
#   - cargo-deny    cargo-deny 0.20.2 (deny.toml: licenses, bans, sources; scripts/deny.sh adds advisories)
#   - parliament    parliament 1.6.4 (an IAM policy linter) in $TOOLS/venv: checks `export --format iam-policy`
#   - litellm       litellm[proxy] 1.108.7 in its own venv, $TOOLS/litellm-venv (its pins must not move
#                   moto's): its proxy's config loader reads `export --format litellm`
#   - asl-validator npm asl-validator 4.0.0 (Amazon States Language): checks `export --format step-functions`
#   - librechat-schema  npm librechat-data-provider 0.8.524 (LibreChat's own config schema) and js-yaml 4.1.0
#                   (the YAML loader LibreChat uses): checks `export --format librechat`
#   - exports       parliament litellm asl-validator librechat-schema (the export tests' consumers;
#                   cfn-lint comes with moto)
#   - frontend      wasm trunk wasm-bindgen wasm-opt (what `trunk build` needs)
#   - all           wasm trunk wasm-bindgen wasm-opt chromium moto boto3 wrk
#
# Everything that is not a system package goes under $TOOLS (default: <repo>/.tools,
# gitignored). Source scripts/env.sh to get those tools on PATH.
# Nothing here downloads from anywhere but crates.io, npm, PyPI and Debian's apt.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$REPO/scripts/env.sh"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
PLAYWRIGHT_VERSION=1.65.1
SCHEMATHESIS_VERSION=4.32.5
CARGO_FUZZ_VERSION=0.13.2
CARGO_DENY_VERSION=0.20.2
PARLIAMENT_VERSION=1.6.4
LITELLM_VERSION=1.108.7
ASL_VALIDATOR_VERSION=4.0.0
LIBRECHAT_DATA_PROVIDER_VERSION=0.8.524
JS_YAML_VERSION=4.1.0

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# "installed in 12s" / "reused" suffix helper.
since() { echo "$((SECONDS - $1))s"; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# apt-get update at most once per run, and only when an install needs it (no package
# lists yet, or an install failed, e.g. on stale lists).
APT_UPDATED=0
apt_get() {
    if [ -n "$SUDO" ]; then
        "$SUDO" env DEBIAN_FRONTEND=noninteractive apt-get "$@"
    else
        env DEBIAN_FRONTEND=noninteractive apt-get "$@"
    fi
}
apt_update() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        apt_get update -qq
        APT_UPDATED=1
    fi
}
apt_install() {
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then apt_update; fi
    if ! apt_get install -y -qq "$@"; then
        [ "$APT_UPDATED" -eq 0 ] || die "apt-get install $* failed"
        log "apt-get install $* failed; refreshing package lists and retrying"
        apt_update
        apt_get install -y -qq "$@"
    fi
}

# The first line of `CMD --version`, or nothing if CMD is missing or fails.
version_of() { "$@" --version 2>/dev/null | head -n1 || true; }

# ---------------------------------------------------------------------------------------
setup_wasm() {
    if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        log "wasm32-unknown-unknown target: reused ($(rustc --version))"
    else
        local t=$SECONDS
        rustup target add wasm32-unknown-unknown
        log "wasm32-unknown-unknown target: installed in $(since "$t") ($(rustc --version))"
    fi
}

setup_trunk() {
    local cand v
    for cand in "$TOOLS/bin/trunk" "$(command -v trunk || true)"; do
        if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
        v="$(version_of "$cand")"
        if [ "$v" = "trunk $TRUNK_VERSION" ]; then
            log "trunk $TRUNK_VERSION: reused ($cand)"
            return
        fi
    done
    local t=$SECONDS
    # A debug build runs as fast as a release one here and installs in ~2 min instead of ~6.
    CARGO_PROFILE_DEV_DEBUG=0 cargo install --locked --debug --force \
        "trunk@$TRUNK_VERSION" --root "$TOOLS"
    v="$(version_of "$TOOLS/bin/trunk")"
    [ "$v" = "trunk $TRUNK_VERSION" ] || die "installed trunk reports '$v'"
    log "trunk $TRUNK_VERSION: installed in $(since "$t") ($TOOLS/bin/trunk)"
}

# The version of the `wasm-bindgen` package in Cargo.lock (empty if there is none).
lock_wasm_bindgen_version() {
    [ -f "$REPO/Cargo.lock" ] || return 0
    awk '
        /^\[\[package\]\]/ { in_wb = 0; next }
        /^name = "wasm-bindgen"$/ { in_wb = 1; next }
        in_wb && /^version = / { gsub(/"/, "", $3); print $3; exit }
    ' "$REPO/Cargo.lock"
}

setup_wasm_bindgen() {
    local want cand v
    want="$(lock_wasm_bindgen_version)"
    if [ -z "$want" ]; then
        log "wasm-bindgen-cli: skipped (Cargo.lock has no wasm-bindgen package yet)"
        return
    fi
    for cand in "$TOOLS/bin/wasm-bindgen" "$(command -v wasm-bindgen || true)"; do
        if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
        v="$(version_of "$cand")"
        if [ "$v" = "wasm-bindgen $want" ]; then
            log "wasm-bindgen-cli $want: reused ($cand)"
            return
        fi
    done
    local t=$SECONDS
    # No --locked: its own lock pins a webpki-roots version the registry mirror lacks.
    CARGO_PROFILE_DEV_DEBUG=0 cargo install --debug --force \
        "wasm-bindgen-cli@$want" --root "$TOOLS"
    v="$(version_of "$TOOLS/bin/wasm-bindgen")"
    [ "$v" = "wasm-bindgen $want" ] || die "installed wasm-bindgen reports '$v', Cargo.lock wants $want"
    log "wasm-bindgen-cli $want: installed in $(since "$t") ($TOOLS/bin/wasm-bindgen)"
}

wasm_opt_ok() { version_of "$1" | grep -Eq "version ${BINARYEN_VERSION}([^0-9]|$)"; }

setup_wasm_opt() {
    local bin="$TOOLS/node/node_modules/.bin/wasm-opt"
    if [ -x "$bin" ] && wasm_opt_ok "$bin"; then
        log "wasm-opt (npm binaryen@$BINARYEN_VERSION): reused ($(version_of "$bin"))"
        return
    fi
    # Deliberately not reusing a wasm-opt found elsewhere on PATH: Debian's is 108 and broken.
    local t=$SECONDS
    mkdir -p "$TOOLS/node"
    npm install --prefix "$TOOLS/node" --no-audit --no-fund --loglevel=error \
        "binaryen@$BINARYEN_VERSION"
    wasm_opt_ok "$bin" || die "npm binaryen's wasm-opt reports '$(version_of "$bin")', want $BINARYEN_VERSION"
    log "wasm-opt (npm binaryen@$BINARYEN_VERSION): installed in $(since "$t") ($(version_of "$bin"))"
}

setup_chromium() {
    if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
        log "chromium: reused ($(version_of /usr/bin/chromium); $(version_of /usr/bin/chromedriver))"
        return
    fi
    local t=$SECONDS
    apt_install chromium chromium-driver
    log "chromium: installed in $(since "$t") ($(version_of /usr/bin/chromium); $(version_of /usr/bin/chromedriver))"
}

ensure_venv() {
    if [ ! -x "$TOOLS/venv/bin/python" ]; then
        python3 -m venv "$TOOLS/venv"
        "$TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    fi
}
py_version() { "$TOOLS/venv/bin/python" -c "import $1; print($1.__version__)" 2>/dev/null; }

setup_moto() {
    if [ -x "$TOOLS/venv/bin/moto_server" ] && py_version moto >/dev/null; then
        log "moto[server] $(py_version moto): reused ($TOOLS/venv/bin/moto_server)"
        return
    fi
    local t=$SECONDS
    ensure_venv
    "$TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check "moto[server]"
    log "moto[server] $(py_version moto): installed in $(since "$t") ($TOOLS/venv/bin/moto_server)"
}

setup_boto3() {
    if [ -x "$TOOLS/venv/bin/python" ] && py_version boto3 >/dev/null && py_version pytest >/dev/null; then
        log "boto3 $(py_version boto3), pytest $(py_version pytest): reused ($TOOLS/venv)"
        return
    fi
    local t=$SECONDS
    ensure_venv
    "$TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check boto3 pytest
    log "boto3 $(py_version boto3), pytest $(py_version pytest): installed in $(since "$t") ($TOOLS/venv)"
}

# Pinned: its CLI's options and checks are what scripts/schemathesis.sh passes. It only adds
# packages to the venv (hypothesis, jsonschema-rs, rich, …); `pip check` stays clean with moto's.
setup_schemathesis() {
    local v
    v="$("$TOOLS/venv/bin/schemathesis" --version 2>/dev/null || true)"
    if [ "$v" = "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
        log "schemathesis $SCHEMATHESIS_VERSION: reused ($TOOLS/venv/bin/schemathesis)"
        return
    fi
    local t=$SECONDS
    ensure_venv
    "$TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
    v="$("$TOOLS/venv/bin/schemathesis" --version 2>/dev/null || true)"
    [ "$v" = "schemathesis, version $SCHEMATHESIS_VERSION" ] || die "installed schemathesis reports '$v'"
    log "schemathesis $SCHEMATHESIS_VERSION: installed in $(since "$t") ($TOOLS/venv/bin/schemathesis)"
}

setup_wrk() {
    if command -v oha >/dev/null 2>&1; then
        log "oha: reused ($(command -v oha); $(version_of oha))"
        return
    fi
    # `wrk -v` prints its version (and usage) and exits 1.
    if command -v wrk >/dev/null 2>&1; then
        log "wrk: reused ($(command -v wrk); $({ wrk -v || true; } 2>&1 | head -n1))"
        return
    fi
    local t=$SECONDS
    apt_install wrk
    log "wrk: installed in $(since "$t") ($({ wrk -v || true; } 2>&1 | head -n1))"
}

setup_shellcheck() {
    if command -v shellcheck >/dev/null 2>&1; then
        log "shellcheck: reused ($(shellcheck --version | sed -n 's/^version: //p'))"
        return
    fi
    local t=$SECONDS
    apt_install shellcheck
    log "shellcheck: installed in $(since "$t") ($(shellcheck --version | sed -n 's/^version: //p'))"
}

# playwright-core only: plain `playwright` and `puppeteer` download a browser of their own,
# which fails here. The measurement scripts launch Debian's /usr/bin/chromium.
setup_npm_playwright() {
    local pkg="$TOOLS/node/node_modules/playwright-core/package.json" v
    v="$(node -p "require('$pkg').version" 2>/dev/null || true)"
    if [ "$v" = "$PLAYWRIGHT_VERSION" ]; then
        log "playwright-core $PLAYWRIGHT_VERSION: reused ($TOOLS/node)"
        return
    fi
    local t=$SECONDS
    mkdir -p "$TOOLS/node"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$TOOLS/node" --no-audit --no-fund \
        --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION"
    v="$(node -p "require('$pkg').version" 2>/dev/null || true)"
    [ "$v" = "$PLAYWRIGHT_VERSION" ] || die "installed playwright-core reports '$v', want $PLAYWRIGHT_VERSION"
    log "playwright-core $PLAYWRIGHT_VERSION: installed in $(since "$t") ($TOOLS/node)"
}

# Only the CLI: it runs on stable (scripts/fuzz.sh sets RUSTC_BOOTSTRAP for the -Z flags it
# passes), and a debug build of it is as quick in use as a release one.
setup_cargo_fuzz() {
    local cand v
    for cand in "$TOOLS/bin/cargo-fuzz" "$(command -v cargo-fuzz || true)"; do
        if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
        v="$(version_of "$cand")"
        if [ "$v" = "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
            log "cargo-fuzz $CARGO_FUZZ_VERSION: reused ($cand)"
            return
        fi
    done
    local t=$SECONDS
    CARGO_PROFILE_DEV_DEBUG=0 cargo install --locked --debug --force \
        "cargo-fuzz@$CARGO_FUZZ_VERSION" --root "$TOOLS"
    v="$(version_of "$TOOLS/bin/cargo-fuzz")"
    [ "$v" = "cargo-fuzz $CARGO_FUZZ_VERSION" ] || die "installed cargo-fuzz reports '$v'"
    log "cargo-fuzz $CARGO_FUZZ_VERSION: installed in $(since "$t") ($TOOLS/bin/cargo-fuzz)"
}

# A release build, as cargo install makes by default: about 3.5 minutes on 2 cores, once per
# machine (reused after that).
setup_cargo_deny() {
    local cand v
    for cand in "$TOOLS/bin/cargo-deny" "$(command -v cargo-deny || true)"; do
        if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
        v="$(version_of "$cand")"
        if [ "$v" = "cargo-deny $CARGO_DENY_VERSION" ]; then
            log "cargo-deny $CARGO_DENY_VERSION: reused ($cand)"
            return
        fi
    done
    local t=$SECONDS
    cargo install --locked --force "cargo-deny@$CARGO_DENY_VERSION" --root "$TOOLS"
    v="$(version_of "$TOOLS/bin/cargo-deny")"
    [ "$v" = "cargo-deny $CARGO_DENY_VERSION" ] || die "installed cargo-deny reports '$v'"
    log "cargo-deny $CARGO_DENY_VERSION: installed in $(since "$t") ($TOOLS/bin/cargo-deny)"
}

# The IAM policy linter the iam-policy export is checked with (tests/e2e/exports.rs).
setup_parliament() {
    if py_version parliament >/dev/null && [ "$(py_version parliament)" = "$PARLIAMENT_VERSION" ]; then
        log "parliament $PARLIAMENT_VERSION: reused ($TOOLS/venv/bin/parliament)"
        return
    fi
    local t=$SECONDS
    ensure_venv
    "$TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check "parliament==$PARLIAMENT_VERSION"
    [ "$(py_version parliament)" = "$PARLIAMENT_VERSION" ] || die "installed parliament reports '$(py_version parliament)'"
    log "parliament $PARLIAMENT_VERSION: installed in $(since "$t") ($TOOLS/venv/bin/parliament)"
}

# LiteLLM's proxy (the `[proxy]` extra: its config loader lives there) in a venv of its own:
# it pins cryptography, starlette, pydantic and boto3 ranges that must not move moto's.
# About 750 MB; the litellm export test reads the fragment with it.
setup_litellm() {
    local venv="$TOOLS/litellm-venv" v
    v="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))' 2>/dev/null || true)"
    if [ "$v" = "$LITELLM_VERSION" ] && "$venv/bin/python" -c 'import fastapi, websockets' 2>/dev/null; then
        log "litellm[proxy] $LITELLM_VERSION: reused ($venv)"
        return
    fi
    local t=$SECONDS
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    fi
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION"
    v="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))' 2>/dev/null || true)"
    [ "$v" = "$LITELLM_VERSION" ] || die "installed litellm reports '$v'"
    log "litellm[proxy] $LITELLM_VERSION: installed in $(since "$t") ($venv)"
}

# The Amazon States Language validator the step-functions export is checked with.
setup_asl_validator() {
    local pkg="$TOOLS/node/node_modules/asl-validator/package.json" v
    v="$(node -p "require('$pkg').version" 2>/dev/null || true)"
    if [ "$v" = "$ASL_VALIDATOR_VERSION" ]; then
        log "asl-validator $ASL_VALIDATOR_VERSION: reused ($TOOLS/node)"
        return
    fi
    local t=$SECONDS
    mkdir -p "$TOOLS/node"
    npm install --prefix "$TOOLS/node" --no-audit --no-fund --loglevel=error "asl-validator@$ASL_VALIDATOR_VERSION"
    v="$(node -p "require('$pkg').version" 2>/dev/null || true)"
    [ "$v" = "$ASL_VALIDATOR_VERSION" ] || die "installed asl-validator reports '$v', want $ASL_VALIDATOR_VERSION"
    log "asl-validator $ASL_VALIDATOR_VERSION: installed in $(since "$t") ($TOOLS/node)"
}

# LibreChat's config schema (zod, from its own data-provider package) and the YAML loader
# LibreChat reads librechat.yaml with: the librechat export is checked against both.
setup_librechat_schema() {
    local dir="$TOOLS/node/node_modules" v y
    v="$(node -p "require('$dir/librechat-data-provider/package.json').version" 2>/dev/null || true)"
    y="$(node -p "require('$dir/js-yaml/package.json').version" 2>/dev/null || true)"
    if [ "$v" = "$LIBRECHAT_DATA_PROVIDER_VERSION" ] && [ "$y" = "$JS_YAML_VERSION" ]; then
        log "librechat-data-provider $v, js-yaml $y: reused ($TOOLS/node)"
        return
    fi
    local t=$SECONDS
    mkdir -p "$TOOLS/node"
    npm install --prefix "$TOOLS/node" --no-audit --no-fund --loglevel=error \
        "librechat-data-provider@$LIBRECHAT_DATA_PROVIDER_VERSION" "js-yaml@$JS_YAML_VERSION"
    v="$(node -p "require('$dir/librechat-data-provider/package.json').version" 2>/dev/null || true)"
    [ "$v" = "$LIBRECHAT_DATA_PROVIDER_VERSION" ] || die "installed librechat-data-provider reports '$v'"
    log "librechat-data-provider $v, js-yaml $JS_YAML_VERSION: installed in $(since "$t") ($TOOLS/node)"
}

# ---------------------------------------------------------------------------------------
usage() {
    sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

[ "$#" -gt 0 ] || usage

# Expand groups first, so `all frontend` does not install things twice.
declare -a todo=()
for arg in "$@"; do
    case "$arg" in
        all) todo+=(wasm trunk wasm-bindgen wasm-opt chromium moto boto3 wrk) ;;
        frontend) todo+=(wasm trunk wasm-bindgen wasm-opt) ;;
        oha | load) todo+=(wrk) ;;
        exports) todo+=(parliament litellm asl-validator librechat-schema) ;;
        wasm | trunk | wasm-bindgen | wasm-opt | chromium | moto | boto3 | schemathesis | wrk | shellcheck | npm-playwright | cargo-fuzz | cargo-deny | parliament | litellm | asl-validator | librechat-schema) todo+=("$arg") ;;
        -h | --help | help) usage ;;
        *) printf 'setup: unknown component %q\n' "$arg" >&2; usage ;;
    esac
done

mkdir -p "$TOOLS"
# Serialise concurrent setups (e.g. test.sh and run.sh at once) sharing one $TOOLS.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS/.setup.lock"
    flock 9
fi

declare -A done_=()
for c in "${todo[@]}"; do
    [ -z "${done_[$c]:-}" ] || continue
    done_[$c]=1
    "setup_${c//-/_}"
done
