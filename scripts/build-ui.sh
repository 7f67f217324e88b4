#!/usr/bin/env bash
# Builds the browser UI into frontend/dist, which the backend embeds: two trunk builds, one
# per bundle (frontend/src/state/route.rs says why there are two).
#   index.html -> frontend/dist/         the main bundle, at /
#   aws.html   -> frontend/dist/aws.html the AWS page's bundle, at /aws
# trunk replaces its whole output folder on each build, so the AWS bundle is built into
# frontend/dist-aws and then copied beside the main one (the stylesheet is the same file).
# Extra arguments go to both `trunk build` calls (scripts/test.sh passes --locked in CI).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
cd frontend
# The target comes first: trunk's flags take an optional value, so `--locked index.html`
# would read the file name as the flag's value.
trunk build index.html --release=true "$@"
trunk build aws.html --release=true --dist dist-aws "$@"
for file in dist-aws/*; do
    case "$file" in
        dist-aws/index.html) cp "$file" dist/aws.html ;;
        *) cp "$file" dist/ ;;
    esac
done
