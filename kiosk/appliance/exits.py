"""``python -m kiosk.appliance.exits STATE_DIR``: count why the kiosk service stopped.

systemd runs this as the unit's ``ExecStopPost=`` with ``$SERVICE_RESULT`` set
(``success``, ``exit-code``, ``signal``, ``core-dump``, ``watchdog``, ``timeout`` …). The
counts persist in ``STATE_DIR/appliance-exits.json``; the next start publishes them as
``kiosk_service_exits_total{result}``, so a watchdog kill is counted as what it is.
Standard library only, and it never fails the unit: it always exits 0.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

RESULTS = ("success", "protocol", "timeout", "exit-code", "signal", "core-dump", "watchdog",
           "start-limit-hit", "resources", "oom-kill", "other")
"""systemd's $SERVICE_RESULT values (systemd.exec(5)); anything else counts as "other"."""
EXITS_FILE = "appliance-exits.json"


def read_exits(state_dir: Path) -> dict[str, int]:
    """Counts per result, every result present (0 if never seen); a damaged file reads as 0."""
    counts = dict.fromkeys(RESULTS, 0)
    try:
        stored = json.loads((state_dir / EXITS_FILE).read_text())
    except (OSError, ValueError):
        return counts
    if isinstance(stored, dict):
        for result, count in stored.items():
            if result in counts and isinstance(count, int) and count >= 0:
                counts[result] = count
    return counts


def record_exit(state_dir: Path, result: str) -> dict[str, int]:
    counts = read_exits(state_dir)
    counts[result if result in counts else "other"] += 1
    path = state_dir / EXITS_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(counts))
    os.replace(tmp, path)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m kiosk.appliance.exits STATE_DIR", file=sys.stderr)
        return 0
    result = os.environ.get("SERVICE_RESULT")
    if not result:
        print("SERVICE_RESULT is not set (not run by systemd's ExecStopPost=): nothing counted",
              file=sys.stderr)
        return 0
    try:
        record_exit(Path(args[0]), result)
    except OSError as exc:
        print(f"cannot record the service result {result!r}: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
