#!/usr/bin/env bash
# Builds the release site the way `cargo leptos build --release` lays it out, with cargo, our
# orgdesk-wasm-build (wasm-bindgen) and wasm-opt directly, one module per entry crate:
#
#   $CARGO_TARGET_DIR/release/orgdesk            the server (release profile)
#   $CARGO_TARGET_DIR/release/hash.txt           `build: <hash>`, the folder below, for the server
#   target/site/pkg/<hash>/                      the front end (wasm-release profile) and the
#                                                style, named by content, each + .br and .gz:
#     sign-in.{js,wasm}, reset-password.{js,wasm}    the public pages' modules (frontend/sign-in/,
#     account.{js,wasm}                          frontend/reset-password/, frontend/account/:
#                                                decisions 43, 73)
#     orgdesk.{js,wasm}                          the console's module (frontend/, decision 45)
#     orgdesk.css, public.css                  the style, and the public pages' part of it
#   target/site/pkg/orgdesk.css                  the style under its plain name (dev mailbox)
#   target/site/*                                app/public
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
public_modules="sign-in reset-password account"
public_in() { echo "$front_target/wasm32-unknown-unknown/wasm-release/orgdesk_frontend_${1//-/_}.wasm"; }
wasm_size_flags="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zmerge-functions=disabled"
log() { printf '\033[1;34m[site]\033[0m %s\n' "$*"; }

# The front end, start to finish: the wasm build of the four entry points (the console's,
# frontend/, and the public pages', frontend/sign-in/, frontend/reset-password/ and
# frontend/account/: decisions 43, 45 and 73), in one cargo run; orgdesk-wasm-build, which runs wasm-bindgen on each module; wasm-opt
# on every module (skipped when the build is unchanged: they take most of a minute).
# The result goes into a folder named by its content, pkg/<hash>/, with brotli and gzip twins of
# each file (made once: a folder's content never changes), which the server serves as immutable
# and names in its pages. The files refer to each other by relative names, so naming the folder
# is enough. Folders of earlier builds go.
front_end() {
  log "cargo build -p orgdesk-frontend -p orgdesk-frontend-sign-in -p orgdesk-frontend-reset-password -p orgdesk-frontend-account --target wasm32-unknown-unknown --profile wasm-release"
  # (The test command lints the server's crates through RUSTC_WORKSPACE_WRAPPER; the wasm build
  # is its own graph and goes without.)
  # Built for size with the standard library compiled in, from the toolchain's sources
  # (decision 35): panics trap at once (`immediate-abort`: no panic machinery, no messages, no
  # locations; app/src/crash_report.js tells the user), and std picks its smaller code paths.
  # LLVM doesn't merge identical functions, so each keeps its own name for orgdesk-wasm-build's
  # snip of the asynchronous hydration (decision 80); wasm-opt merges them after it.
  # These are unstable options, hence RUSTC_BOOTSTRAP, for this one build only. Each entry
  # crate links its own module: the app's code is compiled once, and each module keeps only
  # what its app reaches.
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS CARGO_TARGET_DIR="$front_target" RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS $wasm_size_flags" \
    cargo build -p orgdesk-frontend -p orgdesk-frontend-sign-in -p orgdesk-frontend-reset-password -p orgdesk-frontend-account \
    --lib --target wasm32-unknown-unknown --profile wasm-release \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
  mkdir -p "$pkg"
  local out="$pkg/.front" stamp="$pkg/.front/.wasm.sha256" sum module
  # shellcheck disable=SC2046 # one file per module
  sum=$(cat "$wasm_in" $(for module in $public_modules; do public_in "$module"; done) | sha256sum | cut -d' ' -f1)
  if [ -f "$out/orgdesk.wasm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
    log "front end unchanged: keeping $out"
  else
    bash scripts/await-tools.sh
    rm -rf "$out" && mkdir -p "$out"
    log "orgdesk-wasm-build (wasm-bindgen): orgdesk $public_modules"
    orgdesk-wasm-build "$wasm_in" "$out" orgdesk
    for module in $public_modules; do
      orgdesk-wasm-build "$(public_in "$module")" "$out" "$module"
    done
    log "wasm-opt -Oz: $(cd "$out" && du -kc ./*.wasm | tail -1 | cut -f1) KiB before"
    local f pids=()
    for f in "$out"/*.wasm; do
      wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$f" -o "$f" 2>/dev/null &
      pids+=($!)
    done
    for f in "${pids[@]}"; do wait "$f"; done
    echo "$sum" >"$stamp"
  fi
  # The style goes out without its comments (a fifth of its compressed size). The public pages'
  # style is the same without the console's regions (decision 44).
  strip_comments() { perl -0pe 's{/\*.*?\*/}{}gs; s{\n\s*\n+}{\n}g'; }
  strip_comments <style/main.css >"$out/orgdesk.css"
  sed '/console-only: begin/,/console-only: end/d' style/main.css | strip_comments >"$out/public.css"
  local opened closed
  opened=$(tr -cd '{' <"$out/public.css" | wc -c)
  closed=$(tr -cd '}' <"$out/public.css" | wc -c)
  if [ "$opened" != "$closed" ] || [ "$(grep -c 'console-only: begin' style/main.css)" != "$(grep -c 'console-only: end' style/main.css)" ]; then
    echo "style/main.css: its console-only regions don't pair up, or cut a rule in two" >&2
    exit 1
  fi
  # Under its plain name too, for the dev mailbox's page (served with no-cache).
  cp "$out/orgdesk.css" "$pkg/orgdesk.css"

  local build dir
  build=$(cd "$out" && sha256sum -- * | sha256sum | cut -c1-16)
  dir="$pkg/$build"
  if [ ! -d "$dir" ]; then
    rm -rf "$dir.tmp" && cp -R "$out" "$dir.tmp" && rm -f "$dir.tmp/.wasm.sha256"
    for f in "$dir.tmp"/*; do
      gzip -9 -k -f "$f"
      brotli -q 11 -k -f "$f"
    done
    mv "$dir.tmp" "$dir"
  fi
  for f in "$pkg"/*; do
    case "$(basename "$f")" in
      "$build" | orgdesk.css) ;;
      *) rm -rf "$f" ;;
    esac
  done
  printf 'build: %s\n' "$build" >"$pkg/.build"
}

# The front end builds beside the server, in its own target dir (no lock between them), at the
# same priority: it ends in a long single-threaded step (fat LTO), which must not start late,
# and since it compiles its own std (decision 35) it is as long as the server's graph. Measured
# cold on 2 cores (docs/performance.md): at nice 10 the server was built at 11.5 min and the
# wasm at 13.9; at nice 5, with std, at 12.9 and 13.8. On a warm build this changes nothing.
front_end &
front=$!
log "cargo build --release -p orgdesk-server ${features:+--features $features}"
cargo build --release -p orgdesk-server ${features:+--features "$features"}
wait "$front"

cp -R app/public/. "$site/"
# The hashes go beside the server binary, where the server (and Leptos' HydrationScripts) look.
cp "$pkg/.build" "$CARGO_TARGET_DIR/release/hash.txt"
build_dir="$pkg/$(sed -n 's/^build: //p' "$pkg/.build")"
br_kb() { cat "$@" | wc -c | awk '{printf "%.0f", $1 / 1000}'; }
log "site ready in $build_dir: sign-in module $(br_kb "$build_dir/sign-in.wasm.br") KB brotli, reset-password module $(br_kb "$build_dir/reset-password.wasm.br") KB brotli, account module $(br_kb "$build_dir/account.wasm.br") KB brotli, console module $(br_kb "$build_dir/orgdesk.wasm.br") KB brotli; server at $CARGO_TARGET_DIR/release/orgdesk"
