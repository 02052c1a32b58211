"""The outbox sender's heartbeat: a small file it rewrites from its own loop.

systemd's watchdog restarts a stuck sender; the heartbeat lets every *other* process (the
maintenance health view, the UI's out-of-service check) see that it is stuck or gone,
without asking systemd. The sender calls `Heartbeat.beat()` wherever it pings
``WATCHDOG=1`` (`kiosk.outbox.sender.Sender`'s ``on_tick``): a frozen loop stops both.
Writes are rate-limited (`MIN_INTERVAL_S`) and atomic (temporary file + rename).
Standard library only; nothing personal in the file (pid, time, state).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HEARTBEAT_FILE = "outbox-sender.heartbeat"
MIN_INTERVAL_S = 5.0
STALE_AFTER_S = 40.0
"""Older than this, the sender counts as not running. A healthy loop beats at least every
``busy_timeout`` (30 s, the longest wait on an SQLite lock) plus a little; the unit's
``WatchdogSec=45`` restarts it a few seconds later."""


def heartbeat_path(state_dir: Path) -> Path:
    return state_dir / HEARTBEAT_FILE


class Heartbeat:
    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time,
                 min_interval_s: float = MIN_INTERVAL_S) -> None:
        self.path = path
        self._clock = clock
        self._min_interval_s = min_interval_s
        self._last = float("-inf")

    def beat(self, state: str = "running") -> bool:
        """Record "alive now"; returns True when the file was written."""
        now = self._clock()
        if now - self._last < self._min_interval_s:
            return False
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(json.dumps({"pid": os.getpid(), "at": now, "state": state}))
            os.replace(tmp, self.path)
        except OSError:
            return False  # a full disk must not stop deliveries; health shows it stale
        self._last = now
        return True

    def clear(self) -> None:
        """A clean stop: "not running" at once instead of after `STALE_AFTER_S`."""
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Beat:
    at: float | None
    """Wall time of the last beat; None when there is none (never started, or stopped)."""
    pid: int | None
    age_s: float | None

    def running(self, stale_after_s: float = STALE_AFTER_S) -> bool:
        return self.age_s is not None and self.age_s <= stale_after_s


def read_beat(path: Path, *, now: float | None = None) -> Beat:
    """The last beat; a missing or damaged file reads as no beat."""
    try:
        data = json.loads(path.read_text())
        at = float(data["at"])
        pid = int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return Beat(None, None, None)
    current = time.time() if now is None else now
    return Beat(at, pid, max(0.0, current - at))
