#!/usr/bin/env bash
# Builds the release app and runs it on this machine only: SQLite under data/, migrated on
# start, with the first-run experience switched on explicitly (the binary's defaults are
# production-safe): the demo organization, with a random password printed once, and the dev
# mailbox on 127.0.0.1. The banner lists every development surface that is on.
set -euo pipefail
cd "$(dirname "$0")/.."
ORGDESK_SETUP_FOR=run ORGDESK_TOOLS_IN_BACKGROUND=1 bash scripts/setup.sh
source scripts/env.sh
# Every crate of both graphs in one go, before the two builds (and the tool install) would take
# turns at the package cache's lock to download theirs.
cargo fetch -q
bash scripts/build-site.sh
mkdir -p data
export ORGDESK_SEED_DEMO="${ORGDESK_SEED_DEMO:-1}"
export ORGDESK_DEV_MAILBOX="${ORGDESK_DEV_MAILBOX:-1}"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_OUTPUT_NAME=orgdesk LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
exec "$CARGO_TARGET_DIR/release/orgdesk"
