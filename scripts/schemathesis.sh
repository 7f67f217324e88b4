#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis, from the server's own OpenAPI description
# (GET /api/v1/openapi.json): a throwaway server on a temporary store, with an auth file and an
# admin token, AWS answered by the fake Bedrock. It fails on any 5xx (not_a_server_error), on an
# answer whose status, Content-Type or body the description does not document
# (status_code_conformance, content_type_conformance, response_schema_conformance), and on a 4xx
# or 5xx whose body is not the shared ErrorBody (error_body_is_shared, in
# scripts/schemathesis_hooks.py). It ends with a tally of the answers by status and error code.
#
#   scripts/schemathesis.sh            the long run: 200 examples per operation (about 2 min)
#   scripts/schemathesis.sh --short    CI's run (scripts/test.sh): 10 examples, a fixed seed (~20 s)
#
# Knobs (environment):
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase [long: 200, short: 10]
#   SCHEMATHESIS_MAX_TIME      seconds; the fuzzing phase then repeats until they are spent
#   SCHEMATHESIS_SEED          [short: 1; long: random, printed]
#   SCHEMATHESIS_PHASES        [examples,coverage,fuzzing]
#   SCHEMATHESIS_CHECKS        [the five above]
#   SCHEMATHESIS_WORKERS       [1: from two threads, hypothesis describing its strategies trips
#                              CPython 3.11's ast.parse ("AST constructor recursion depth mismatch")]
#   SCHEMATHESIS_REPORT_DIR    keep the JUnit and NDJSON reports and the servers' logs there
#   SCHEMATHESIS_BUILD=0       fuzz the binaries in the target dir as they are (scripts/test.sh,
#                              whose earlier steps built both; a build here would rebuild the
#                              server for its other feature set)
#
# Everything runs in a network namespace of its own (unshare --net) that has only loopback: the
# fuzzer writes AWS profiles, regions and whatever else the API takes, and nothing it makes the
# server do can reach beyond this machine. Needs `scripts/setup.sh schemathesis`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

MODE=long
case "${1:-}" in
    --short) MODE=short ;;
    --long | "") ;;
    *)
        sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
        exit 2
        ;;
esac

log() { printf 'schemathesis.sh: %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac
SERVER_BIN="$TARGET_DIR/debug/bedrock-binder"
FAKE_BIN="$TARGET_DIR/debug/fake-bedrock"

# --- outside the namespace: build, then enter it ---------------------------------------
if [ -z "${BB_SCHEMATHESIS_IN_NETNS:-}" ]; then
    [ -x "$TOOLS/venv/bin/schemathesis" ] || die "no schemathesis in $TOOLS/venv: run scripts/setup.sh schemathesis"
    if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
        die "needs unshare (util-linux) and ip (iproute2)"
    fi
    if [ "${SCHEMATHESIS_BUILD:-1}" = 1 ]; then
        LOCKED=()
        if [ "${CI:-}" = true ]; then LOCKED=(--locked); fi
        # The crates are fetched here: inside the namespace there is no network.
        cargo build "${LOCKED[@]}" -p bedrock-binder -p fake-bedrock --bins
    fi
    if [ ! -x "$SERVER_BIN" ] || [ ! -x "$FAKE_BIN" ]; then die "no $SERVER_BIN or $FAKE_BIN: build them"; fi
    BB_SCHEMATHESIS_IN_NETNS=1 exec unshare --net -- bash "${BASH_SOURCE[0]}" "$@"
fi

# --- inside: loopback only ---------------------------------------------------------------
ip link set lo up

if [ "$MODE" = short ]; then
    MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-10}"
    SEED="${SCHEMATHESIS_SEED:-1}"
else
    MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-200}"
    SEED="${SCHEMATHESIS_SEED:-$RANDOM$RANDOM}"
fi
PHASES="${SCHEMATHESIS_PHASES:-examples,coverage,fuzzing}"
CHECKS="${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,error_body_is_shared}"
WORKERS="${SCHEMATHESIS_WORKERS:-1}"
TIME_ARGS=()
if [ -n "${SCHEMATHESIS_MAX_TIME:-}" ]; then TIME_ARGS=(--max-time "$SCHEMATHESIS_MAX_TIME"); fi

WORK="$(mktemp -d)"
PIDS=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
        mkdir -p "$SCHEMATHESIS_REPORT_DIR"
        cp "$WORK"/*.log "$SCHEMATHESIS_REPORT_DIR"/ 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Waits for the first line of FILE (what a server prints once it listens) and prints it.
first_line() {
    local file="$1" tries=0 line=""
    while [ "$tries" -lt 300 ]; do
        line="$(head -n1 "$file" 2>/dev/null || true)"
        if [ -n "$line" ]; then
            printf '%s\n' "$line"
            return 0
        fi
        tries=$((tries + 1))
        sleep 0.1
    done
    return 1
}

# A clean environment for both servers: a home of their own, no AWS settings from the caller.
HOME_DIR="$WORK/home"
mkdir -p "$HOME_DIR"
clean_env=(env -i "PATH=$PATH" "HOME=$HOME_DIR" "RUST_LOG=${RUST_LOG:-warn}")

STORE="$WORK/store"
AUTH="$WORK/auth.json"
"${clean_env[@]}" "$SERVER_BIN" --store "$STORE" env create default >/dev/null
"${clean_env[@]}" "$SERVER_BIN" --store "$STORE" --env default bind amazon.nova-pro-v1:0 us.amazon.nova-pro-v1:0 >/dev/null
"${clean_env[@]}" "$SERVER_BIN" --store "$STORE" env create staging --from default >/dev/null
# Protected: with auth on, a change to it becomes a change request (202).
"${clean_env[@]}" "$SERVER_BIN" --store "$STORE" env set staging --protected true >/dev/null
TOKEN="$("${clean_env[@]}" "$SERVER_BIN" --store "$STORE" --json token create --name fuzzer --role admin \
    --auth-file "$AUTH" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

"${clean_env[@]}" "$FAKE_BIN" --listen 127.0.0.1:0 >"$WORK/fake.out" 2>"$WORK/fake-bedrock.log" &
PIDS+=("$!")
FAKE_URL="$(first_line "$WORK/fake.out")" || die "the fake Bedrock did not start: $(cat "$WORK/fake-bedrock.log")"
FAKE_URL="${FAKE_URL#fake-bedrock listening on }"

"${clean_env[@]}" \
    AWS_ACCESS_KEY_ID=AKIDFAKEBEDROCK00001 AWS_SECRET_ACCESS_KEY=fake-bedrock-secret AWS_REGION=us-east-1 \
    AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_BEDROCK="$FAKE_URL" \
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$FAKE_URL" AWS_ENDPOINT_URL_STS="$FAKE_URL" \
    "$SERVER_BIN" --store "$STORE" serve --listen 127.0.0.1:0 --auth-file "$AUTH" \
    --usage-file "$WORK/usage.json" >"$WORK/server.out" 2>"$WORK/server.log" &
PIDS+=("$!")
ADDR="$(first_line "$WORK/server.out")" || die "the server did not start: $(cat "$WORK/server.log")"
ADDR="${ADDR#bedrock-binder listening on }"

# One open change request, #1 on `staging`, so that `{id}` names one from the start.
python3 - "$ADDR" "$TOKEN" <<'PY' || die "could not propose change request #1 on staging"
import json, sys, urllib.request

addr, token = sys.argv[1:]
request = urllib.request.Request(
    f"{addr}/api/v1/envs/staging/bindings/bind",
    method="POST",
    data=json.dumps({"model": "amazon.nova-lite-v1:0"}).encode(),
    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "If-Match": "*"},
)
with urllib.request.urlopen(request) as response:
    assert response.status == 202, response.status
PY

log "$MODE run: $MAX_EXAMPLES examples per operation, seed $SEED, phases $PHASES, server $ADDR"
# The NDJSON events are always kept, for the tally of answers below.
REPORT_DIR="${SCHEMATHESIS_REPORT_DIR:-$WORK/report}"
REPORT_ARGS=(--report "junit,ndjson" --report-dir "$REPORT_DIR")
status=0
SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PWD/scripts" PYTHONDONTWRITEBYTECODE=1 \
    "$TOOLS/venv/bin/schemathesis" run "$ADDR/api/v1/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --checks "$CHECKS" \
    --phases "$PHASES" --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers "$WORKERS" \
    --generation-database none --generation-with-security-parameters false \
    --request-timeout 30 --no-color "${TIME_ARGS[@]}" "${REPORT_ARGS[@]}" || status=$?

# What the server answered, by status class and error code: the figures of docs/reliability.md.
python3 - "$REPORT_DIR"/ndjson-*.ndjson <<'PY' || true
import base64, collections, json, sys

classes, codes = collections.Counter(), collections.Counter()
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        finished = json.loads(line).get("ScenarioFinished")
        for interaction in (finished or {}).get("recorder", {}).get("interactions", {}).values():
            response = interaction.get("response")
            if not response:
                continue
            status = response["status_code"]
            classes[f"{status // 100}xx"] += 1
            if status >= 400:
                content = response.get("content")
                raw = base64.b64decode(content["$base64"]) if isinstance(content, dict) else (content or "").encode()
                try:
                    codes[f"{status} {json.loads(raw)['code']}"] += 1
                except (KeyError, TypeError, ValueError):
                    codes[f"{status} (not the error body)"] += 1
total = sum(classes.values())
print(f"answers: {total} ({', '.join(f'{n} {c}' for c, n in sorted(classes.items()))}); 5xx: {classes['5xx']}")
print("4xx/5xx by code: " + ", ".join(f"{code} x{n}" for code, n in codes.most_common()))
PY

if grep -qiE 'panicked|" 5[0-9][0-9] |status=5[0-9][0-9]' "$WORK/server.log"; then
    log "the server logged failures (last lines):"
    grep -iE 'panicked|5[0-9][0-9]|error' "$WORK/server.log" | tail -n 20 >&2 || true
fi
if [ "$status" -ne 0 ]; then
    log "FAILED (seed $SEED): rerun with SCHEMATHESIS_SEED=$SEED"
fi
exit "$status"
