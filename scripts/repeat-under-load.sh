#!/usr/bin/env bash
# Run one test (or any pytest selection) N times in a row, each in a fresh pytest process,
# while a busy loop runs on every core; stops at the first failure. For proving a fix of
# a flaky test at its cause (never for retrying one).
# Usage: scripts/repeat-under-load.sh 50 tests/outbox/test_linkage_delivery.py::test_x
set -euo pipefail
cd "$(dirname "$0")/.."
count=$1; shift
PY=${PY:-.venv/bin/python}
hogs=()
stop_hogs() { for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_hogs EXIT INT TERM
for _ in $(seq "$(nproc)"); do python3 -c 'while True: pass' & hogs+=("$!"); done
for i in $(seq "$count"); do
  if ! "$PY" -m pytest -q -p no:cacheprovider "$@" > /dev/null 2>&1; then
    echo "run $i of $count FAILED: $*"; "$PY" -m pytest -q -p no:cacheprovider "$@" | tail -30
    exit 1
  fi
done
echo "$count of $count runs passed under a CPU hog on $(nproc) core(s): $*"
