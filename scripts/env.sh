# Shared environment for the project's scripts (sourced, not run).
# On Debian machines without rustup's wasm32 target we use Debian's rustc-web, linked into
# rustup as the "web" toolchain; elsewhere the default rustup toolchain.
if [ -z "${ORGDESK_TOOLCHAIN:-}" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ -f /etc/debian_version ]; then
    ORGDESK_TOOLCHAIN=web
  else
    ORGDESK_TOOLCHAIN=stable
  fi
fi
export ORGDESK_TOOLCHAIN
export RUSTUP_TOOLCHAIN="$ORGDESK_TOOLCHAIN"
# A target dir outside the work tree survives a fresh checkout on the same machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orgdesk/target}"
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
# Leptos reads the output name when it is compiled (as under cargo-leptos) to name the wasm it
# loads: `/pkg/orgdesk.wasm`. Every build sets it, so no build sees another's choice.
export LEPTOS_OUTPUT_NAME=orgdesk
# Flags for every build, host and wasm alike (per target: a plain RUSTFLAGS would override the
# per-target ones, and with --target it skips the host's), so every script and the dev loop
# share one set and never recompile the workspace for a mismatch:
# - `--cfg erase_components`: Leptos' components return type-erased views. The app's view
#   types stop nesting hundreds deep, which took a third of the server's cold build (the app
#   crate 133 s → 80 s, the server binary 110 s → 35 s; docs/performance.md).
# - mold links the host binaries (server, tests) in a fraction of ld's time; host only, the
#   wasm target keeps its own linker.
# Before set-up has linked the `web` toolchain, its rustc fails: ask the default one, and never
# let a sourcing script with `set -e -o pipefail` stop here.
host_triple=$({ rustc -vV 2>/dev/null || RUSTUP_TOOLCHAIN= rustc -vV 2>/dev/null || true; } | sed -n 's/^host: //p')
host_var="CARGO_TARGET_$(printf '%s' "${host_triple:-x86_64-unknown-linux-gnu}" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
if [ -z "${!host_var:-}" ]; then
  host_flags="--cfg erase_components"
  if command -v mold >/dev/null 2>&1 && [ "$(uname -s)" = Linux ]; then
    host_flags="-C link-arg=-fuse-ld=mold $host_flags"
  fi
  export "$host_var=$host_flags"
fi
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:---cfg erase_components}"
unset host_triple host_var host_flags
