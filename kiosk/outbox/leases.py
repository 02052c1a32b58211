"""Who holds in-flight items, and whether that sender is still alive.

Every sender (in the kiosk process, or ``python -m kiosk outbox run``) takes a lease: an
exclusive ``flock`` on its own file in ``<database>.senders/``. Items it claims carry the
lease id. The kernel drops the flock when the process dies, even on SIGKILL, so another
sender can tell "crashed" from "busy" without guessing from timestamps: a lease whose file
it can lock is dead, and its in-flight items go back to pending.

flock locks are separate from the POSIX locks SQLite uses on the database file, and live on
other files, so they cannot disturb SQLite's locking.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from pathlib import Path

from kiosk.locks import flock_held
from kiosk.outbox.ids import new_item_id

_LEASE_ID = re.compile(r"^[0-9a-f-]{36}$")
STAGING_STALE_S = 300.0
"""A staging file this old belongs to a sender killed between creating and renaming it."""


def lease_dir(database: Path) -> Path:
    return database.with_name(database.name + ".senders")


class SenderLease:
    """An exclusive flock held for as long as this sender lives."""

    def __init__(self, database: Path, now_s: float) -> None:
        self.lease_id = new_item_id(now_s)
        directory = lease_dir(database)
        directory.mkdir(mode=0o700, exist_ok=True)
        self._path = directory / f"{self.lease_id}.lock"
        # Lock under a temporary name, then rename: a prober never sees an unlocked file
        # of a live sender (and would otherwise declare it dead and remove it).
        staging = directory / f".{self.lease_id}.new"
        self._fd: int | None = os.open(staging, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(staging, self._path)

    def release(self) -> None:
        """Give the lease up (a clean stop). Its items must have been settled first."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def lease_is_alive(database: Path, lease_id: str) -> bool:
    """True while the sender that took ``lease_id`` is running (its flock is held)."""
    if not _LEASE_ID.match(lease_id):
        return False
    path = lease_dir(database) / f"{lease_id}.lock"
    held = flock_held(path)
    if held is None:
        return False  # no lock file: already cleaned up
    if held:
        return True
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # the sender is gone; its lock file is litter
    return False


def sweep_dead_leases(database: Path, *, now: float | None = None) -> int:
    """Remove the lock files of senders that are gone (killed, so never released them).

    A lease file we can lock has no live owner. Staging files (``.<id>.new``) are only
    removed when old: a sender holds its staging file unlocked for an instant after
    creating it. Returns how many files were removed.
    """
    directory = lease_dir(database)
    now = time.time() if now is None else now
    removed = 0
    try:
        entries = list(directory.iterdir())
    except FileNotFoundError:
        return 0
    for path in entries:
        name = path.name
        if name.endswith(".lock") and _LEASE_ID.match(name[:-5]):
            if not lease_is_alive(database, name[:-5]):
                removed += not path.exists()
        elif name.startswith(".") and name.endswith(".new"):
            try:
                if now - path.stat().st_mtime > STAGING_STALE_S:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
    return removed
