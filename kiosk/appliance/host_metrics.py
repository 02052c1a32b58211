"""Host facts for the fleet metrics: certificate expiry, disk free for the store, starts.

Read-only and cheap: certificates are parsed only when their file changes, the disk figure
is one ``statvfs``. The start counter is one small file in the state dir, so a service that
restarts in a loop (crash, watchdog kill) shows as a counter that keeps rising; why it
stopped each time is counted by `kiosk.appliance.exits`.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from kiosk.appliance.exits import read_exits
from kiosk.appliance.metrics import KioskMetrics
from kiosk.appliance.recover import failure_counts
from kiosk.linkage.cert_expiry import certificate_not_after

log = logging.getLogger(__name__)
STARTS_FILE = "appliance-starts"


class HostFacts:
    """Feeds certificate expiry and store disk figures into ``metrics`` on each `refresh`."""

    def __init__(self, metrics: KioskMetrics, state_dir: Path,
                 certificates: dict[str, Path]) -> None:
        self._m = metrics
        self._state_dir = state_dir
        self._certificates = certificates
        self._parsed: dict[str, tuple[float, float]] = {}  # name -> (mtime, not_after)

    def refresh(self) -> None:
        self._m.set_unit_failures(failure_counts(self._state_dir))
        for name, path in self._certificates.items():
            not_after = self._not_after(name, path)
            if not_after is not None:
                self._m.set_certificate_expiry(name, not_after)
        try:
            usage = shutil.disk_usage(self._state_dir)
        except OSError as exc:
            log.warning("metrics: cannot read disk usage of the state dir: %s", exc)
        else:
            self._m.set_store_disk(usage.free, usage.total)

    def _not_after(self, name: str, path: Path) -> float | None:
        try:
            mtime = path.stat().st_mtime
            cached = self._parsed.get(name)
            if cached and cached[0] == mtime:
                return cached[1]
            not_after = certificate_not_after(path).timestamp()
        except (OSError, ValueError) as exc:
            log.warning("metrics: cannot read the %s certificate %s: %s", name, path, exc)
            return None
        self._parsed[name] = (mtime, not_after)
        return not_after


def count_start(metrics: KioskMetrics, state_dir: Path, *, now: float | None = None) -> int:
    """Add one to the persisted start count and publish it with the persisted stop results
    (`kiosk.appliance.exits`, written by the unit's ExecStopPost=); returns the new count."""
    path = state_dir / STARTS_FILE
    try:
        starts = int(path.read_text().strip() or 0)
    except (OSError, ValueError):
        starts = 0  # first start, or a damaged file: counting again from here is harmless
    starts += 1
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(f"{starts}\n")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("metrics: cannot persist the start count: %s", exc)
    metrics.set_starts(starts, time.time() if now is None else now)
    metrics.set_service_exits(read_exits(state_dir))
    return starts
