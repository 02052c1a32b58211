#!/usr/bin/env bash
# Run a command with an X display: the real one if DISPLAY works, else a private Xvfb.
set -euo pipefail
if [ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1; then exec "$@"; fi
exec xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24 +extension GLX" "$@"
