#!/usr/bin/env bash
# Builds the release site the way `cargo leptos build --release` lays it out, with cargo,
# wasm-bindgen and wasm-opt directly:
#
#   $CARGO_TARGET_DIR/release/orgdesk             the server (release profile)
#   $CARGO_TARGET_DIR/release/hash.txt            the hashes of the files below, for the server
#   target/site/pkg/orgdesk.{js,wasm,css}        the front end (wasm-release profile), the style
#   target/site/pkg/orgdesk.<hash>.{js,wasm,css}  the same, named by content, + .br and .gz
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

# The front end, start to finish: the wasm build, wasm-bindgen and wasm-opt (skipped when the
# module is unchanged: they take most of a minute), then content-named copies of the JS, wasm
# and CSS, orgdesk.<hash>.{js,wasm,css}, which the server serves as immutable, each with brotli
# and gzip twins (made once: a name's content never changes). Files of earlier builds go.
front_end() {
  log "cargo build -p orgdesk-frontend --target wasm32-unknown-unknown --profile wasm-release"
  # (The test command lints the server's crates through RUSTC_WORKSPACE_WRAPPER; the wasm build
  # is its own graph and goes without.)
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS CARGO_TARGET_DIR="$front_target" \
    cargo build -p orgdesk-frontend --lib --target wasm32-unknown-unknown --profile wasm-release
  mkdir -p "$pkg"
  local stamp="$pkg/.orgdesk-wasm.sha256" sum
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

  local hashes="" keep=() kind hash hashed f
  for kind in js wasm css; do
    hash=$(sha256sum "$pkg/orgdesk.$kind" | cut -c1-16)
    hashed="$pkg/orgdesk.$hash.$kind"
    if [ ! -f "$hashed.br" ] || [ ! -f "$hashed.gz" ]; then
      cp "$pkg/orgdesk.$kind" "$hashed"
      gzip -9 -k -f "$hashed"
      brotli -q 11 -k -f "$hashed"
    fi
    hashes+="$kind: $hash"$'\n'
    keep+=("$(basename "$hashed")" "$(basename "$hashed").br" "$(basename "$hashed").gz")
  done
  for f in "$pkg"/orgdesk.*.*; do
    case " ${keep[*]} " in *" $(basename "$f") "*) ;; *) rm -f "$f" ;; esac
  done
  printf '%s' "$hashes" >"$pkg/.hashes"
}

# The front end builds beside the server, in its own target dir (no lock between them), at a
# lower priority: the server graph is the longer one, so it gets the cores first, and the
# front end fills them while the server's build is in its serial tail (the app crate, then the
# binary). On a cold build that ordering saves minutes; on a warm one it changes nothing.
( renice -n 10 -p $BASHPID >/dev/null 2>&1 || true; front_end ) &
front=$!
log "cargo build --release -p orgdesk-server ${features:+--features $features}"
cargo build --release -p orgdesk-server ${features:+--features "$features"}
wait "$front"

cp -R app/public/. "$site/"
# The hashes go beside the server binary, where the server (and Leptos' HydrationScripts) look.
cp "$pkg/.hashes" "$CARGO_TARGET_DIR/release/hash.txt"
wasm_hashed=$(ls "$pkg"/orgdesk.*.wasm)
log "site ready: $(du -k "$wasm_hashed" | cut -f1) KiB wasm ($(du -k "$wasm_hashed.br" | cut -f1) KiB brotli, $(du -k "$wasm_hashed.gz" | cut -f1) KiB gzip), server at $CARGO_TARGET_DIR/release/orgdesk"
