#!/usr/bin/env bash
# The bytes a browser receives for the JSON the UI loads, as sent before JSON compression
# (identity, which is what a client that accepts no encoding still gets) and after it (what
# Chromium's `Accept-Encoding: gzip, deflate, br, zstd` gets).
#
#   scripts/measure/json-bytes.sh            the release server (built if needed)
#   MEASURE_BIN=target/debug/bedrock-binder scripts/measure/json-bytes.sh
#
# The file has 150 bindings, as in the other measurements.
set -euo pipefail
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ -n "${MEASURE_BIN:-}" ] || build_release
bindings_file 150 "$MEASURE_TMP/inference.txt"
start_server "$MEASURE_TMP/inference.txt"

# bytes PATH ENCODING: the body's size on the wire and its Content-Encoding.
bytes() {
    curl -fsS -o "$MEASURE_TMP/body" -D "$MEASURE_TMP/headers" ${2:+-H "Accept-Encoding: $2"} \
        "http://$SERVER_ADDR$1"
    local encoding
    encoding="$(tr -d '\r' <"$MEASURE_TMP/headers" | sed -n 's/^content-encoding: //Ip')"
    printf '%s (%s)' "$(wc -c <"$MEASURE_TMP/body")" "${encoding:-identity}"
}

printf '| route | uncompressed | br (Chromium) | gzip |\n|---|---|---|---|\n'
for path in /api/v1/bindings /api/v1/catalog /api/v1/aws/status; do
    # shellcheck disable=SC2016 # the backquotes are Markdown
    printf '| `GET %s` | %s | %s | %s |\n' "$path" "$(bytes "$path" "")" \
        "$(bytes "$path" "gzip, deflate, br, zstd")" "$(bytes "$path" "gzip")"
done
