#!/usr/bin/env bash
# Builds the browser UI into frontend/dist, which the backend embeds: one trunk build per
# bundle (frontend/src/state/route.rs says why there are several).
#   index.html -> frontend/dist/          the main bundle, at /
#   aws.html   -> frontend/dist/aws.html  the AWS page's bundle, at /aws
#   envs.html  -> frontend/dist/envs.html the environments, promote, history and requests pages
#                                        and the raw editor and import/export, at /envs
# trunk replaces its whole output folder on each build, so the other bundles are built into
# frontend/dist-NAME and then copied beside the main one (the stylesheet is the same file).
# Extra arguments go to every `trunk build` call (scripts/test.sh passes --locked in CI).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
cd frontend
# The target comes first: trunk's flags take an optional value, so `--locked index.html`
# would read the file name as the flag's value.
trunk build index.html --release=true "$@"
trunk build aws.html --release=true --dist dist-aws "$@"
trunk build envs.html --release=true --dist dist-envs "$@"
for bundle in aws envs; do
    for file in "dist-$bundle"/*; do
        case "$file" in
            "dist-$bundle/index.html") cp "$file" "dist/$bundle.html" ;;
            *) cp "$file" dist/ ;;
        esac
    done
done
