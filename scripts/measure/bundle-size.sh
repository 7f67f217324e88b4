#!/usr/bin/env bash
# Budget: everything the browser downloads to show the bindings page (index.html, then every
# script, wasm module and stylesheet it references, as served with `Accept-Encoding: br, gzip`)
# is at most 300 KB (300,000 bytes), headers included, on the wire.
#
#   scripts/measure/bundle-size.sh          build the release server, measure, print a table
#
# Exits 1 over budget. The same check runs in every test run as the e2e test
# `browser::bundle` (on the debug binary, whose brotli is quality 9 rather than 11).
set -euo pipefail
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BUDGET=300000
ACCEPT='Accept-Encoding: br, gzip'

build_release
printf '# machine: %s\n' "$(machine_note)"
printf 'amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n' >"$MEASURE_TMP/inference.txt"
start_server "$MEASURE_TMP/inference.txt"
base="http://$SERVER_ADDR"

mapfile -t queue < <(page_paths "$base")

total=0
printf '%-58s %-9s %-26s %8s %9s\n' path coding type headers body
for path in "${queue[@]}"; do
    read -r code head body coding type < <(curl -sS -o /dev/null -H "$ACCEPT" \
        -w '%{http_code} %{size_header} %{size_download} %header{content-encoding} %{content_type}\n' "$base$path" |
        awk '{ if (NF == 4) { $5 = $4; $4 = "identity" } print }')
    [ "$code" = 200 ] || die "GET $path answered $code"
    if [ "$path" != / ] && [[ "$type" == text/html* ]]; then continue; fi
    printf '%-58s %-9s %-26s %8d %9d\n' "$path" "$coding" "${type%%;*}" "$head" "$body"
    total=$((total + head + body))
done
printf '%-58s %-9s %-26s %8s %9d  budget %d: %s\n' "total on the wire" "" "" "" "$total" "$BUDGET" \
    "$([ "$total" -le "$BUDGET" ] && echo PASS || echo FAIL)"
[ "$total" -le "$BUDGET" ]
