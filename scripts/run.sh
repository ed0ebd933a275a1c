#!/usr/bin/env bash
# Builds the release app and runs it: SQLite under data/, migrated on start, seeded with the
# demo organization; prints where to sign in.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
mkdir -p data
exec cargo leptos serve --release
