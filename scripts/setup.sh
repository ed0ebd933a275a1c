#!/usr/bin/env bash
# Idempotent set-up for building and testing Orgdesk on a fresh machine.
# Installs: a Rust toolchain with the wasm32 target, orgdesk-wasm-build (scripts/wasm-build:
# wasm-bindgen, matching Cargo.lock),
# mold, brotli, the Node packages of end2end/ (Playwright, wasm-opt), and for the tests
# (unless ORGDESK_SETUP_FOR=run) Chromium, PostgreSQL, sqlite3, clippy and rustfmt.
# cargo-leptos and wasm-bindgen-cli too with ORGDESK_CARGO_LEPTOS=1 (for `cargo leptos watch`).
# A second run only checks and takes seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# shellcheck source=scripts/env.sh
source scripts/env.sh

CARGO_LEPTOS_VERSION=0.3.11
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

have_apt() { command -v apt-get >/dev/null 2>&1; }
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  sudo_if_needed apt-get -o DPkg::Lock::Timeout=300 update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
}

wasm_std_present() {
  local sysroot
  sysroot=$(rustc +"$ORGDESK_TOOLCHAIN" --print sysroot 2>/dev/null) || return 1
  ls "$sysroot"/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib >/dev/null 2>&1
}

# --- 1. System packages, in one apt transaction ---------------------------------------------
# Browser and database for the tests (sqlite3 lets the security suite compare database
# snapshots), mold as the host linker (scripts/env.sh), brotli to precompress the site
# (scripts/build-site.sh), and on the Debian route the toolchain.
# The run command (ORGDESK_SETUP_FOR=run) needs only what builds and serves: no browser, no
# PostgreSQL, no linters, which are most of the download on a fresh machine.
if have_apt; then
  pkgs=(mold brotli)
  [ "$ORGDESK_TOOLCHAIN" = web ] && pkgs+=(rustc-web cargo-web rust-web-src lld-19)
  if [ "${ORGDESK_SETUP_FOR:-test}" != run ]; then
    pkgs+=(chromium postgresql sqlite3)
    [ "$ORGDESK_TOOLCHAIN" = web ] && pkgs+=(rust-web-clippy rustfmt-web)
  fi
  apt_install "${pkgs[@]}"
fi

# --- 2. Rust toolchain with wasm32 ----------------------------------------------------------
if [ "$ORGDESK_TOOLCHAIN" = web ]; then
  # Debian route (see docs/toolchain.md): rustup's dist server is unreachable here, Debian's
  # rustc-web ships the std sources (rust-web-src). The site's wasm build compiles its standard
  # library from them itself (-Zbuild-std, scripts/build-site.sh), so the run and test commands
  # need only rustc's wasm linker. A prebuilt wasm32 std in the sysroot is for builds without
  # -Zbuild-std: cargo-leptos' watch loop (ORGDESK_CARGO_LEPTOS=1).
  rustup toolchain list | grep -q '^web' || rustup toolchain link web /usr
  lld=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld
  [ -e "$lld" ] || sudo_if_needed ln -sf /usr/lib/llvm-19/bin/lld "$lld"
  if [ "${ORGDESK_CARGO_LEPTOS:-0}" = 1 ] && ! wasm_std_present; then
    log "building the wasm32 standard library from Debian's sources (~30 s)"
    tmp=$(mktemp -d)
    mkdir -p "$tmp/src"
    printf '[package]\nname = "wasmstd"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n' >"$tmp/Cargo.toml"
    echo '' >"$tmp/src/lib.rs"
    (cd "$tmp" && CARGO_TARGET_DIR="$tmp/target" RUSTC_BOOTSTRAP=1 \
      cargo +web build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
    sudo_if_needed mkdir -p /usr/lib/rustlib/wasm32-unknown-unknown/lib
    for f in "$tmp"/target/wasm32-unknown-unknown/release/deps/lib*.rlib; do
      case "$(basename "$f")" in libwasmstd*) ;; *) sudo_if_needed cp "$f" /usr/lib/rustlib/wasm32-unknown-unknown/lib/ ;; esac
    done
    rm -rf "$tmp"
  fi
else
  # rustup route: the target for cargo-leptos' watch loop, the std sources for the site's build.
  wasm_std_present || rustup target add --toolchain "$ORGDESK_TOOLCHAIN" wasm32-unknown-unknown
  rustup component list --toolchain "$ORGDESK_TOOLCHAIN" --installed | grep -q '^rust-src' \
    || rustup component add --toolchain "$ORGDESK_TOOLCHAIN" rust-src
fi

# Fast builds of the tools themselves. cargo-leptos and wasm-bindgen-cli mostly spawn other
# programs and copy files: optimising them (their release profile is LTO + 1 codegen unit at
# opt-level 3) costs ~25 minutes on 2 cores and buys nothing we can measure. opt-level 1 keeps
# wasm-bindgen's own pass over the module and cargo-leptos' brotli quick enough.
tool_env() {
  env CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false CARGO_TARGET_DIR="$HOME/.cache/orgdesk/tools-target" "$@"
}

# --- 3. The wasm tools ------------------------------------------------------------------------
# orgdesk-wasm-build (scripts/wasm-build) runs wasm-bindgen's library on each of the front end's
# modules; it is reinstalled when
# its source changes. That library must be exactly the version of the `wasm-bindgen` crate in
# Cargo.lock, or the module and its JS glue won't match: both are pinned with `=`, and a
# mismatch stops here.
# cargo-leptos (only with ORGDESK_CARGO_LEPTOS=1, for `cargo leptos watch`; ~15 minutes to
# compile on 2 cores) takes wasm-bindgen from PATH, so wasm-bindgen-cli comes with it.
# With ORGDESK_TOOLS_IN_BACKGROUND=1 (the run and test commands) the installs compile beside the
# project's own build, filling the cores while that build is in its serial tails, and
# scripts/build-site.sh waits for them (scripts/await-tools.sh) just before they are needed.
tools_state="$HOME/.cache/orgdesk/tools"
background_tools=0
if [ -f Cargo.lock ]; then
  wb=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
  tool_wb=$(sed -n 's/^wasm-bindgen-cli-support = "=\(.*\)"$/\1/p' scripts/wasm-build/Cargo.toml)
  if [ "$wb" != "$tool_wb" ]; then
    echo "Cargo.lock has wasm-bindgen $wb but scripts/wasm-build pins wasm-bindgen-cli-support $tool_wb:" >&2
    echo "set both to the same version (and update scripts/wasm-build/Cargo.lock)." >&2
    exit 1
  fi
  need_bindgen=0
  if [ "${ORGDESK_CARGO_LEPTOS:-0}" = 1 ] && ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
    need_bindgen=1
  fi
  need_leptos=0
  if [ "${ORGDESK_CARGO_LEPTOS:-0}" = 1 ] && ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    need_leptos=1
  fi
  build_sum=$(cat scripts/wasm-build/Cargo.toml scripts/wasm-build/Cargo.lock scripts/wasm-build/src/*.rs | sha256sum | cut -c1-16)
  need_build_tool=0
  if ! command -v orgdesk-wasm-build >/dev/null 2>&1 || [ "$(cat "$tools_state/wasm-build.sum" 2>/dev/null)" != "$build_sum" ]; then
    need_build_tool=1
  fi
  install_tools() {
    # Unoptimised: measured on 2 cores, the tool compiles in ~50 s (96 CPU-s) and takes ~2 s
    # on our modules. (wasm-bindgen-cli alone took ~210 CPU-s.)
    if [ "$need_build_tool" = 1 ]; then
      tool_env env CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
        cargo +"$ORGDESK_TOOLCHAIN" install -q --locked --force --path scripts/wasm-build
      mkdir -p "$tools_state"
      echo "$build_sum" >"$tools_state/wasm-build.sum"
    fi
    # For cargo-leptos only; without its default TLS stack (the test runner's downloads).
    if [ "$need_bindgen" = 1 ]; then
      tool_env env CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
        cargo +"$ORGDESK_TOOLCHAIN" install -q wasm-bindgen-cli --version "$wb" --no-default-features
    fi
    if [ "$need_leptos" = 1 ]; then
      tool_env cargo +"$ORGDESK_TOOLCHAIN" install -q --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION"
    fi
  }
  if [ "$need_build_tool" = 1 ] || [ "$need_bindgen" = 1 ] || [ "$need_leptos" = 1 ]; then
    if [ "${ORGDESK_TOOLS_IN_BACKGROUND:-0}" = 1 ]; then
      mkdir -p "$tools_state"
      rm -f "$tools_state/tools.status"
      log "installing the wasm tools in the background (log: $tools_state/tools.log)"
      # At a low priority: the server's and the front end's builds are the critical path;
      # this install only has to be done by the time the front end is.
      (
        renice -n 10 -p $BASHPID >/dev/null 2>&1 || true
        status=0
        install_tools || status=$?
        rm -rf "$HOME/.cache/orgdesk/tools-target"
        echo "$status" >"$tools_state/tools.status"
      ) >"$tools_state/tools.log" 2>&1 &
      echo $! >"$tools_state/tools.pid"
      background_tools=1
    else
      log "installing the wasm tools (orgdesk-wasm-build$([ "$need_bindgen" = 1 ] && echo ", wasm-bindgen-cli $wb")$([ "$need_leptos" = 1 ] && echo ", cargo-leptos $CARGO_LEPTOS_VERSION"))"
      install_tools
    fi
  fi
fi

if [ -f end2end/package-lock.json ]; then
  if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.installed ]; then
    log "npm ci in end2end/"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed)
  fi
fi

[ "$background_tools" = 1 ] || rm -rf "$HOME/.cache/orgdesk/tools-target"
log "ready"
