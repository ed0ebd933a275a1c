#!/usr/bin/env bash
# Every test: formatting, lints, unit and integration tests on SQLite and PostgreSQL (a real
# server on 127.0.0.1:5432), the mail tests against an SMTP server on loopback, then the
# release build and the Playwright end-to-end tests in Debian's Chromium.
#
# One build serves it all: the tests run in the release profile with the server's features, so
# `cargo leptos build --release` afterwards only adds the wasm front end and links the server
# (docs/performance.md, "Cold start"). Lints use the same toolchain as the build.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
last=$started
step() {
  local now
  now=$(date +%s)
  printf '\n\033[1;34m== %s\033[0m (at %ss, previous step %ss)\n' "$*" "$((now - started))" "$((now - last))"
  last=$now
}

step "setup"
bash scripts/setup.sh
source scripts/env.sh

step "PostgreSQL"
ORGDESK_TEST_PG_URL=$(bash scripts/postgres.sh | tail -1)
export ORGDESK_TEST_PG_URL

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (server side, all targets)"
cargo clippy --workspace --exclude orgdesk-frontend --all-targets --features orgdesk-app/ssr -- -D warnings

step "cargo test --release (SQLite + PostgreSQL + SMTP on loopback)"
cargo test --release --workspace --exclude orgdesk-frontend --features orgdesk-app/ssr

step "cargo leptos build --release (wasm front end; the server reuses the tests' build)"
cargo leptos build --release

step "end-to-end against the release build (Playwright + Chromium)"
(cd end2end && npx playwright test)

step "all tests passed"
