#!/usr/bin/env bash
# Every test: formatting, lints, unit and integration tests on SQLite and PostgreSQL (a real
# server on 127.0.0.1:5432), the mail tests against an SMTP server on loopback, then the
# release build and the Playwright end-to-end tests in Debian's Chromium.
#
# One build serves it all: the tests run in the release profile with the server's features, so
# the site build afterwards only adds the wasm front end and the server binary
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
ORGDESK_TOOLS_IN_BACKGROUND=1 bash scripts/setup.sh
source scripts/env.sh

step "PostgreSQL"
ORGDESK_TEST_PG_URL=$(bash scripts/postgres.sh | tail -1)
export ORGDESK_TEST_PG_URL

step "tree checks: components are leaves, e2e specs use the shared fixture, manifests and README tell the truth, classes are styled"
bash scripts/check-tree.sh

step "cargo fmt --check"
cargo fmt --all -- --check

# Clippy lints the workspace's crates while they compile for the tests: `cargo clippy` is a
# `cargo check` with clippy-driver wrapping rustc for workspace members, and the same wrapper on
# the release build lints every target without a second pass over the dependencies (which cost
# 6.5 of a cold run's minutes). Same lints, same `-D warnings`, as
# `cargo clippy --workspace --exclude orgdesk-frontend --exclude orgdesk-frontend-reset-password --exclude orgdesk-frontend-sign-in --exclude orgdesk-frontend-account --all-targets --features orgdesk-app/ssr`.
clippy_driver=$(rustup which --toolchain "$ORGDESK_TOOLCHAIN" clippy-driver 2>/dev/null || command -v clippy-driver)
export RUSTC_WORKSPACE_WRAPPER=$clippy_driver
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "build and clippy, every target (release profile, server features)"
cargo test --release --workspace --exclude orgdesk-frontend --exclude orgdesk-frontend-reset-password --exclude orgdesk-frontend-sign-in --exclude orgdesk-frontend-account --features orgdesk-app/ssr --all-targets --no-run

step "cargo test --release (SQLite + PostgreSQL + SMTP on loopback)"
cargo test --release --workspace --exclude orgdesk-frontend --exclude orgdesk-frontend-reset-password --exclude orgdesk-frontend-sign-in --exclude orgdesk-frontend-account --features orgdesk-app/ssr

step "release site: server + wasm front end (the server reuses the tests' build)"
# The e2e server needs the test clock, a cargo feature deployments leave out.
bash scripts/build-site.sh test-clock

step "end-to-end against the release build (Playwright + Chromium)"
(cd end2end && npx playwright test)

step "all tests passed"
