#!/usr/bin/env bash
# The dependency checks, with cargo-deny and the policy in deny.toml:
#   licenses    every crate that ships has an allowed license
#   bans        duplicate versions, as warnings
#   sources     crates.io only
#   advisories  RustSec advisories and yanked crates
#
#   bash scripts/deny.sh                          all four
#   DENY_REQUIRE_ADVISORIES=1 bash scripts/deny.sh   exit 3, not 0, if advisories could not be checked
#
# The advisory database is a git repository on GitHub (RustSec/advisory-db), which cargo-deny
# clones into $CARGO_HOME/advisory-dbs. This script fetches it first; if that fails (no
# network, or GitHub unreachable, as in CI) it checks against a copy fetched earlier if there
# is one, saying how old it is, and otherwise says plainly that advisories were NOT checked.
# scripts/test.sh (CI) runs the other three only, offline, and never advisories.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
bash scripts/setup.sh cargo-deny >&2

say() { printf 'deny.sh: %s\n' "$*" >&2; }

# The three checks that need no network (cargo fetch has the crates; `--offline` makes
# cargo-deny touch nothing else). Duplicate versions print as one-line warnings; `cargo deny
# check bans` shows what pulls each one in.
cargo fetch --locked
say "licenses, bans, sources"
cargo deny --offline --locked check --hide-inclusion-graph licenses bans sources

db_root="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
say "advisories: fetching the advisory database"
if fetch_log="$(cargo deny fetch db 2>&1)"; then
    say "advisories: against the database just fetched"
    cargo deny --locked check advisories
    exit
fi

# Why the fetch failed, in one line: git's own `fatal:` line if it printed one.
reason="$(grep -m1 '^fatal:' <<<"$fetch_log" || tail -n1 <<<"$fetch_log")"
say "advisories: could not fetch the database: $reason"
cached=""
for dir in "$db_root"/*/; do
    if [ -d "$dir.git" ]; then cached="$dir"; fi
done
if [ -n "$cached" ]; then
    fetched="$(git -C "$cached" log -1 --format=%cs 2>/dev/null || echo "an unknown date")"
    say "advisories: against the copy already in $cached, last changed $fetched (newer advisories are not seen)"
    cargo deny --offline --locked check advisories
    exit
fi

say "advisories: NOT CHECKED (no copy of the database on this machine; licenses, bans and sources passed)"
if [ "${DENY_REQUIRE_ADVISORIES:-0}" = 1 ]; then exit 3; fi
