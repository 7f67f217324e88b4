#!/usr/bin/env bash
# Budgets measured in headless Chromium (details in scripts/measure/browser.cjs):
#   - navigation to a rendered table of 150 bindings: at most 2x a static HTML page with the
#     same table (medians of 5, cold cache, loopback);
#   - filtering a 2,000-model catalog: at most 16 ms per keystroke, measured in the browser.
#
#   scripts/measure/browser.sh                     both
#   MEASURE=navigation scripts/measure/browser.sh  one of them (or MEASURE=filtering)
#   UI_DIST=DIR scripts/measure/browser.sh         the UI from a trunk dist DIR instead of the
#                                                  server's embedded copy (compare UI builds)
#   MEASURE_NO_BUILD=1 ...                         use target/release as it is
#
# Installs playwright-core and Chromium if needed (scripts/setup.sh npm-playwright chromium),
# builds the release server, serves a 150-binding file. Exits 1 over budget.
set -euo pipefail
# shellcheck source=scripts/measure/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$REPO/scripts/setup.sh" npm-playwright chromium >&2
build_release
note "machine: $(machine_note)"
bindings_file 150 "$MEASURE_TMP/inference.txt"
start_server "$MEASURE_TMP/inference.txt"
node "$REPO/scripts/measure/browser.cjs" "http://$SERVER_ADDR"
