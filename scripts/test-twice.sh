#!/usr/bin/env bash
# The flakiness gate: the whole suite twice, back to back, each in another random order
# (pytest-randomly, two different seeds), while a busy loop runs on every core. A test
# that passes only on a quiet machine or in one order fails here. The hogs are killed
# on exit, also when a run fails or the script is interrupted.
# Usage: scripts/test-twice.sh [extra pytest args]   (make test-twice PYTEST_ARGS=...)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_hogs EXIT INT TERM
for _ in $(seq "$(nproc)"); do
  python3 -c 'while True: pass' &
  hogs+=("$!")
done
echo "test-twice: CPU hogs on $(nproc) core(s): ${hogs[*]}"

first=${TEST_TWICE_SEED:-$(( (RANDOM << 15) | RANDOM ))}
for seed in "$first" "$((first + 1))"; do
  echo "== test-twice: pytest -p randomly --randomly-seed=$seed"
  scripts/with-display.sh "$PY" -m pytest -m "not container" -p randomly -p no:cacheprovider \
    --randomly-seed="$seed" "$@"
done
echo "test-twice: both runs passed (seeds $first and $((first + 1))) under load"
