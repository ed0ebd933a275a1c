#!/usr/bin/env bash
# Waits for the wasm tools scripts/setup.sh installs in the background
# (ORGDESK_TOOLS_IN_BACKGROUND=1), and fails with the install's log if it failed. Returns at
# once when nothing is installing.
set -euo pipefail
state="$HOME/.cache/orgdesk/tools"
pidfile="$state/tools.pid"
# Without them (a checkout set up by hand, or never), say what to run rather than fail in silence
# inside the build (a missing wasm-opt used to end the site build with status 127 and no word).
missing() {
  local tool
  for tool in orgdesk-wasm-build wasm-opt; do
    command -v "$tool" >/dev/null 2>&1 || echo "$tool"
  done
}
if [ ! -f "$pidfile" ]; then
  if [ -n "$(missing)" ]; then
    echo "not found on PATH: $(missing | tr '\n' ' ')- run 'bash scripts/setup.sh' (and 'source scripts/env.sh')" >&2
    exit 1
  fi
  exit 0
fi
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  printf '\033[1;34m[tools]\033[0m waiting for the wasm tools (orgdesk-wasm-build) to install\n'
  while kill -0 "$pid" 2>/dev/null; do sleep 1; done
fi
status=$(cat "$state/tools.status" 2>/dev/null || echo "unknown")
rm -f "$pidfile"
if [ "$status" != 0 ]; then
  echo "installing the wasm tools failed (status $status):" >&2
  cat "$state/tools.log" >&2 || true
  exit 1
fi
