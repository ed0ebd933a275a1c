#!/usr/bin/env bash
# Waits for the wasm tools scripts/setup.sh installs in the background
# (ORGDESK_TOOLS_IN_BACKGROUND=1), and fails with the install's log if it failed. Returns at
# once when nothing is installing.
set -euo pipefail
state="$HOME/.cache/orgdesk/tools"
pidfile="$state/tools.pid"
[ -f "$pidfile" ] || exit 0
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
