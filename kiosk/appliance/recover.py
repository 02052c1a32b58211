"""Recovery of a unit that systemd gave up on: record it, tell, wait, try again.

``linkage-kiosk-recover@UNIT.service`` (every kiosk unit's ``OnFailure=``) runs

    python -m kiosk.appliance.recover failed UNIT STATE_DIR

as root when UNIT enters ``failed`` — in practice when it hit its start limit
(``StartLimitBurst=`` restarts within ``StartLimitIntervalSec=``), which its own
``ExecStopPost=`` never sees. It

1. counts the failure in ``STATE_DIR/unit-failures.json`` (the metric
   ``kiosk_unit_failures_total{unit}`` and the fleet alert ``KioskUnitGaveUp``),
2. marks the part down in ``STATE_DIR/parts-down/UNIT`` (the kiosk shows "out of service"
   and ``maintenance health`` says which part is down and since when),
3. logs the technician alert at priority ``crit`` to the journal,
4. waits a cool-down that doubles with each failure of the last hour
   (`cooldown_s`: 15 s, 30 s, 60 s … capped at 10 min), then ``systemctl reset-failed UNIT`` and
   ``systemctl start --no-block UNIT``. If UNIT fails again, systemd starts this again:
   no unit stays failed for good.

``python -m kiosk.appliance.recover up UNIT STATE_DIR`` is each unit's ``ExecStartPost=``:
the part is up again, its mark goes. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FAILURES_FILE = "unit-failures.json"
PARTS_DOWN_DIR = "parts-down"
COOLDOWN_BASE_S = 15.0
COOLDOWN_CAP_S = 600.0
RECENT_S = 3600.0
_UNIT = re.compile(r"^[A-Za-z0-9@._-]{1,200}\.service$")


class BadUnitName(ValueError):
    """Not a plain systemd service name (it becomes a file name here)."""


def _check_unit(unit: str) -> str:
    if not _UNIT.fullmatch(unit) or unit.startswith("."):
        raise BadUnitName(f"not a service unit name: {unit!r}")
    return unit


@dataclass(frozen=True)
class PartDown:
    unit: str
    since: float
    failures: int


def read_failures(state_dir: Path) -> dict[str, dict[str, object]]:
    """Per unit: ``count`` (ever) and ``recent`` (wall times within the last hour)."""
    try:
        stored = json.loads((state_dir / FAILURES_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def failure_counts(state_dir: Path) -> dict[str, int]:
    return {unit: int(v.get("count", 0)) for unit, v in read_failures(state_dir).items()
            if isinstance(v, dict) and _UNIT.fullmatch(unit)}


def cooldown_s(recent_failures: int) -> float:
    """15 s after the first failure of the hour, doubling, at most 10 min."""
    return min(COOLDOWN_CAP_S, COOLDOWN_BASE_S * 2.0 ** max(0, recent_failures - 1))


def record_failure(state_dir: Path, unit: str, now: float | None = None) -> int:
    """Count one failure; returns how many the unit had within the last hour."""
    _check_unit(unit)
    now = time.time() if now is None else now
    data = read_failures(state_dir)
    entry = data.get(unit) if isinstance(data.get(unit), dict) else None
    count = int(entry.get("count", 0)) if entry else 0
    recent = [t for t in (entry.get("recent", []) if entry else [])
              if isinstance(t, int | float) and now - t < RECENT_S]
    recent.append(now)
    data[unit] = {"count": count + 1, "recent": recent, "last_at": now}
    _write_json(state_dir, state_dir / FAILURES_FILE, data)
    marks = state_dir / PARTS_DOWN_DIR
    if not marks.is_dir():
        marks.mkdir(mode=0o700)
        _own_like(state_dir, marks)
    mark = marks / unit
    if not mark.exists():  # "since" is when it first went down
        _write_json(state_dir, mark, {"since": now})
    return len(recent)


def mark_up(state_dir: Path, unit: str) -> bool:
    """The unit is serving again: its mark goes. True when there was one."""
    try:
        (state_dir / PARTS_DOWN_DIR / _check_unit(unit)).unlink()
    except FileNotFoundError:
        return False
    return True


def parts_down(state_dir: Path) -> tuple[PartDown, ...]:
    """Units marked down (failed, waiting for their retry), oldest first."""
    marks = state_dir / PARTS_DOWN_DIR
    counts = failure_counts(state_dir)
    found = []
    try:
        entries = sorted(marks.iterdir())
    except OSError:
        return ()
    for mark in entries:
        if not _UNIT.fullmatch(mark.name):
            continue
        try:
            since = float(json.loads(mark.read_text())["since"])
        except (OSError, ValueError, KeyError, TypeError):
            since = mark.stat().st_mtime if mark.exists() else 0.0
        found.append(PartDown(mark.name, since, counts.get(mark.name, 0)))
    return tuple(sorted(found, key=lambda p: p.since))


def _write_json(state_dir: Path, path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data))
    _own_like(state_dir, tmp)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _own_like(state_dir: Path, path: Path) -> None:
    """Run as root by systemd: leave the files to the kiosk user who owns the state dir."""
    if os.geteuid() == 0:
        st = state_dir.stat()
        os.chown(path, st.st_uid, st.st_gid)


def _systemctl(*args: str) -> int:
    return subprocess.run(["systemctl", *args], check=False).returncode


def recover(unit: str, state_dir: Path, *, base_cooldown_s: float | None = None) -> int:
    recent = record_failure(state_dir, unit)
    wait = cooldown_s(recent)
    if base_cooldown_s is not None:
        wait = min(COOLDOWN_CAP_S, base_cooldown_s * 2.0 ** max(0, recent - 1))
    # "<2>": journald's priority prefix, crit: the technician alert in the journal.
    print(f"<2>{unit} failed ({recent} time(s) in the last hour) and is out of service; "
          f"retrying in {wait:g} s. See `python -m kiosk maintenance health` and "
          f"`journalctl -u {unit}`.", flush=True)
    time.sleep(wait)  # the cool-down; this oneshot has no start timeout
    _systemctl("reset-failed", unit)
    code = _systemctl("start", "--no-block", unit)
    print(f"<5>{unit}: restart requested after the cool-down (systemctl exit {code})",
          flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.appliance.recover",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("failed", "up"))
    parser.add_argument("unit")
    parser.add_argument("state_dir", type=Path)
    args = parser.parse_args(argv)
    env_cooldown = os.environ.get("KIOSK_RECOVER_COOLDOWN_S")
    try:
        if args.action == "up":
            mark_up(args.state_dir, args.unit)
            return 0
        base = float(env_cooldown) if env_cooldown else None
        return recover(args.unit, args.state_dir, base_cooldown_s=base)
    except (OSError, ValueError) as exc:
        # Never fail the unit that called us; say why in the journal.
        print(f"<3>recover {args.action} {args.unit}: {exc}", file=sys.stderr)
        if args.action == "failed":  # still try to bring it back
            _systemctl("reset-failed", args.unit)
            _systemctl("start", "--no-block", args.unit)
        return 0


if __name__ == "__main__":
    sys.exit(main())
