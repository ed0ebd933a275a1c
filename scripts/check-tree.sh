#!/usr/bin/env bash
# Checks of the tree that need no compiler, run by the test command:
# - app/src/components/ is a leaf: no primitive imports a page;
# - every e2e spec imports the shared fixture (which fails a test on page errors);
# - no crate declares a dependency its code never names, and every workspace dependency is
#   used by some member (what `cargo machete` checks, without installing it);
# - every crate inherits the workspace's license;
# - the README's configuration table names what the code reads;
# - every BEM element or modifier class the app writes is styled.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
fail() { echo "check-tree: $*" >&2; status=1; }

if grep -rn 'crate::pages' app/src/components/ | grep -v ':[0-9]*: *//'; then
  fail "app/src/components/ must not import pages (move the shared piece into components/ or format.rs)"
fi

for spec in end2end/tests/*.spec.ts; do
  grep -q "from '../support/fixtures'" "$spec" || fail "$spec must import { test, expect } from '../support/fixtures'"
done

# The [dependencies], [dev-dependencies] and [build-dependencies] names of a manifest, with
# those for one target only ([target.'cfg(…)'.dependencies]).
dependencies() {
  awk '/^\[(target\..*\.)?(dev-|build-)?dependencies\]/ { on = 1; next } /^\[/ { on = 0 } on && /^[a-zA-Z0-9_-]+ *=/ { sub(/ *=.*/, ""); print }' "$1"
}

members=$(awk '/^members/ { on = 1; next } on && /\]/ { on = 0 } on { gsub(/[",[:space:]]/, ""); print }' Cargo.toml)
for member in $members; do
  manifest="$member/Cargo.toml"
  # The member's own code only (server/ holds other members too).
  code=$(for dir in src tests benches examples build.rs; do if [ -e "$member/$dir" ]; then echo "$member/$dir"; fi; done)
  for dep in $(dependencies "$manifest"); do
    ident=${dep//-/_}
    # Named in the member's code (paths, `use`, macros, `extern crate`), or one of its features
    # switched on through a feature of ours (`"leptos/ssr"`); a bare `"dep:x"` doesn't count,
    # it only makes the dependency optional.
    # shellcheck disable=SC2086 # $code is a list of paths
    if ! grep -rqE "(^|[^:[:alnum:]_])$ident(::|!| as |;)" $code --include=*.rs \
      && ! grep -qE "\"$dep\?*/[a-z0-9_-]+\"" "$manifest"; then
      fail "$manifest declares '$dep' but no code in $member names it"
    fi
  done
  grep -q '^license.workspace = true' "$manifest" || fail "$manifest: add license.workspace = true"
done

used=$(for member in $members; do dependencies "$member/Cargo.toml"; done | sort -u)
for dep in $(awk '/^\[workspace.dependencies\]/ { on = 1; next } /^\[/ { on = 0 } on && /^[a-zA-Z0-9_-]+ *=/ { sub(/ *=.*/, ""); print }' Cargo.toml); do
  grep -qx "$dep" <<<"$used" || fail "Cargo.toml: workspace dependency '$dep' is used by no member"
done

# The README's configuration table names every variable the code reads, and only those
# (LEPTOS_* are read by Leptos itself).
in_code=$(grep -rhoE '"(ORGDESK_[A-Z_]+|DATABASE_URL)"' server/src server/core/src server/mail/src | tr -d '"' | sort -u)
in_readme=$(sed -n '/^## Configuration/,/^## /p' README.md | grep -oE '`(ORGDESK_[A-Z_]+|DATABASE_URL)`' | tr -d '`' | sort -u)
for var in $(comm -23 <(echo "$in_code") <(echo "$in_readme")); do
  fail "README.md's configuration table misses $var"
done
for var in $(comm -13 <(echo "$in_code") <(echo "$in_readme")); do
  fail "README.md's configuration table lists $var, which no code reads"
done

# Every BEM element or modifier class the app writes out (`block__element`, `block--modifier`)
# is styled by style/main.css: `dialog__icon--ok`, only named, left the bulk summary's icon in
# the danger colours.
written=$(grep -rhoE '"[a-z][a-z0-9 _-]*"' app/src | tr -d '"' | tr ' ' '\n' |
  grep -E '^[a-z][a-z0-9-]*(__|--)[a-z0-9_-]+$' | sort -u)
for class in $written; do
  grep -qE -- "\.$class([^a-zA-Z0-9_-]|$)" style/main.css ||
    fail "app/src writes the class $class, which style/main.css never styles"
done

exit $status
