#!/usr/bin/env bash
# Builds the release site the way `cargo leptos build --release` lays it out, with cargo,
# wasm-bindgen and wasm-opt directly:
#
#   $CARGO_TARGET_DIR/release/orgdesk             the server (release profile)
#   target/site/pkg/orgdesk.{js,wasm,css}        the front end (wasm-release profile), the style
#   target/site/*                                  app/public
#
# Why not cargo-leptos here: compiling it takes ~15 of a cold run's minutes on 2 cores, and on
# these paths it only runs these same steps. It stays the tool for the watch loop
# (`cargo leptos watch`, see docs/decisions.md 19). Usage: scripts/build-site.sh [SERVER_FEATURES]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

features=${1:-}
site=target/site
pkg=$site/pkg
front_target="$CARGO_TARGET_DIR/front"
wasm_in="$front_target/wasm32-unknown-unknown/wasm-release/orgdesk_frontend.wasm"
log() { printf '\033[1;34m[site]\033[0m %s\n' "$*"; }

# The server and the front end build side by side: different target dirs, so no lock between
# them, and one's serial tail (linking, the wasm's LTO) overlaps the other's work.
log "cargo build --release -p orgdesk-server ${features:+--features $features}"
cargo build --release -p orgdesk-server ${features:+--features "$features"} &
server=$!
log "cargo build -p orgdesk-frontend --target wasm32-unknown-unknown --profile wasm-release"
# (The test command lints the server's crates through RUSTC_WORKSPACE_WRAPPER; the wasm build
# is its own graph and goes without.)
env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS CARGO_TARGET_DIR="$front_target" \
  cargo build -p orgdesk-frontend --lib --target wasm32-unknown-unknown --profile wasm-release
wait "$server"

mkdir -p "$pkg"
# wasm-bindgen and wasm-opt take most of a minute: skip them when the module is unchanged.
stamp="$pkg/.orgdesk-wasm.sha256"
sum=$(sha256sum "$wasm_in" | cut -d' ' -f1)
if [ -f "$pkg/orgdesk.wasm" ] && [ -f "$pkg/orgdesk.js" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
  log "front end unchanged: keeping $pkg/orgdesk.{js,wasm}"
else
  bash scripts/await-tools.sh
  log "wasm-bindgen"
  rm -f "$stamp"
  wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name orgdesk "$wasm_in"
  mv "$pkg/orgdesk_bg.wasm" "$pkg/orgdesk.wasm"
  log "wasm-opt -Oz ($(du -k "$pkg/orgdesk.wasm" | cut -f1) KiB before)"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$pkg/orgdesk.wasm" -o "$pkg/orgdesk.wasm"
  echo "$sum" >"$stamp"
fi
cp style/main.css "$pkg/orgdesk.css"
cp -R app/public/. "$site/"
log "site ready: $(du -k "$pkg/orgdesk.wasm" | cut -f1) KiB wasm, server at $CARGO_TARGET_DIR/release/orgdesk"
