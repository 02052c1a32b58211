"""Is the kiosk busy? (the updater installs only when it is not)

Busy means a citizen's session is open, or the outbox is delivering an item right now
(in flight under a live sender). Queued items waiting for the network are not busy: an
offline kiosk must still update, and its queue survives the upgrade.

Session: while a session is open the UI process holds an exclusive flock on
``<state_dir>/session-open.lock`` (`SessionLock`). The kernel drops it when the process
dies, so a crashed UI never leaves the kiosk "busy" forever, and nothing is written per
session (no personal data, no wear). The outbox side reads the store read-only and asks
the sender leases (kiosk.outbox.leases) who is alive.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from kiosk.locks import flock_held
from kiosk.outbox.leases import lease_is_alive

SESSION_LOCK = "session-open.lock"


class _Views(Protocol):
    def subscribe(self, callback: Callable[..., None]) -> Callable[[], None]: ...


class SessionLock:
    """Held while the session engine shows anything but the idle screen."""

    def __init__(self, state_dir: Path) -> None:
        self._path = state_dir / SESSION_LOCK
        self._fd: int | None = None
        self._guard = threading.Lock()

    def attach(self, engine: _Views) -> Callable[[], None]:
        unsubscribe = engine.subscribe(self.on_view)

        def close() -> None:
            unsubscribe()
            self.set_open(False)
        return close

    def on_view(self, view: object) -> None:
        screen = getattr(view, "screen", None)
        self.set_open(getattr(screen, "value", screen) != "idle")

    def set_open(self, is_open: bool) -> None:
        with self._guard:
            if is_open and self._fd is None:
                fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._fd = fd
            elif not is_open and self._fd is not None:
                os.close(self._fd)  # drops the flock
                self._fd = None


def session_open(state_dir: Path) -> bool:
    return flock_held(state_dir / SESSION_LOCK, shared=True) is True


def outbox_in_flight(database: Path) -> int:
    """Items claimed by a sender that is still alive (read-only; no migration, no writes)."""
    if not database.exists():
        return 0
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "SELECT claimed_by, count(*) FROM items WHERE state = 'in_flight' "
            "GROUP BY claimed_by").fetchall()
    finally:
        conn.close()
    return sum(n for lease, n in rows if lease and lease_is_alive(database, lease))


def busy_reasons(state_dir: Path, outbox_database: Path) -> list[str]:
    reasons = []
    if session_open(state_dir):
        reasons.append("a citizen's session is open")
    with contextlib.suppress(sqlite3.DatabaseError):
        n = outbox_in_flight(outbox_database)
        if n:
            reasons.append(f"the outbox is delivering {n} item(s)")
    return reasons
