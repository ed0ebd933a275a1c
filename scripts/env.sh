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
# mold links the host binaries (server, tests) in a fraction of ld's time. Only for the host:
# the wasm target keeps its own linker.
if [ "$(uname -m)" = x86_64 ] && command -v mold >/dev/null 2>&1 && [ -z "${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS:-}" ]; then
  export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-fuse-ld=mold"
fi
