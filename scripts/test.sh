#!/usr/bin/env bash
# Every test: formatting, lints, unit and integration tests on SQLite and PostgreSQL (a real
# server on 127.0.0.1:5432), the mail tests against an SMTP server on loopback, then the
# release build and the Playwright end-to-end tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash scripts/setup.sh
source scripts/env.sh

step() { printf '\n\033[1;34m== %s\033[0m (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

step "PostgreSQL"
ORGDESK_TEST_PG_URL=$(bash scripts/postgres.sh | tail -1)
export ORGDESK_TEST_PG_URL

# Debian's rustc-web ships neither rustfmt nor clippy: those run on rustup's stable toolchain.
LINT_TOOLCHAIN=${ORGDESK_LINT_TOOLCHAIN:-stable}

step "cargo fmt --check"
RUSTUP_TOOLCHAIN=$LINT_TOOLCHAIN cargo fmt --all -- --check

step "cargo clippy (server side, all targets)"
RUSTUP_TOOLCHAIN=$LINT_TOOLCHAIN cargo clippy --ignore-rust-version --workspace --exclude orgdesk-frontend \
  --all-targets --features orgdesk-app/ssr -- -D warnings

step "cargo test (SQLite + PostgreSQL + SMTP on loopback)"
cargo test --workspace --exclude orgdesk-frontend --features orgdesk-app/ssr

# The e2e run uses the debug build: it reuses most of what the tests above compiled, where a
# release build (LTO, opt-level z, wasm-opt) would add minutes. `scripts/run.sh` builds release.
step "build (server + wasm)"
cargo leptos build

step "end-to-end (Playwright + Chromium)"
(cd end2end && E2E_PROFILE=debug npx playwright test)

step "all tests passed"
