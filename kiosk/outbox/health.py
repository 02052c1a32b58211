"""Health of the outbox's storage, and the alerts a technician gets when it fails.

When the store cannot take writes (disk full, read-only file system) or is corrupt, the kiosk
stops offering services that need to be queued, shows a clear message, and alerts a
technician; it never crashes the UI, and nothing already stored is thrown away.
"""

from __future__ import annotations

import enum
import errno
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


class StoreHealth(enum.StrEnum):
    OK = "ok"
    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"
    CORRUPT = "corrupt"
    UNAVAILABLE = "unavailable"
    """Any other I/O failure (file missing, permissions, I/O error)."""

    @property
    def message_key(self) -> str:
        """Key of the citizen-facing message (the UI owns the Thai/English texts)."""
        return f"outbox.unavailable.{self.value}"

    @property
    def technician_message(self) -> str:
        return _TECHNICIAN_MESSAGES[self]


_TECHNICIAN_MESSAGES = {
    StoreHealth.OK: "outbox store is healthy",
    StoreHealth.DISK_FULL: "outbox store: disk full; free space on the state volume",
    StoreHealth.READ_ONLY: "outbox store: file system is read-only; check the state volume",
    StoreHealth.CORRUPT: "outbox store: database is corrupt; the file was set aside",
    StoreHealth.UNAVAILABLE: "outbox store: cannot open or write the database",
}


class OutboxUnavailable(Exception):
    """The outbox cannot accept items now; the citizen sees `health.message_key`."""

    def __init__(self, health: StoreHealth, detail: str = "") -> None:
        super().__init__(f"{health.technician_message}{f' ({detail})' if detail else ''}")
        self.health = health
        self.message_key = health.message_key


@dataclass(frozen=True, slots=True)
class TechnicianAlert:
    source: str
    health: StoreHealth
    message: str


AlertSink = Callable[[TechnicianAlert], None]


def log_alert(alert: TechnicianAlert) -> None:
    """Default sink: an ERROR log line (journald), which the fleet monitoring picks up."""
    log.error("TECHNICIAN ALERT [%s] %s: %s", alert.source, alert.health, alert.message)


# SQLite primary result codes (sqlite3.h); extended codes carry them in the low byte.
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL = 10, 11, 13
_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 8, 14, 26


def classify(exc: BaseException) -> StoreHealth | None:
    """Which storage failure an exception means; None if it is not a storage failure."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
            return StoreHealth.DISK_FULL
        if exc.errno == errno.EROFS:
            return StoreHealth.READ_ONLY
        return StoreHealth.UNAVAILABLE
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == _SQLITE_FULL:
            return StoreHealth.DISK_FULL
        if primary == _SQLITE_READONLY:
            return StoreHealth.READ_ONLY
        if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return StoreHealth.CORRUPT
        if primary in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
            # A full disk often surfaces as an I/O error on write or fsync.
            text = str(exc).lower()
            if "full" in text:
                return StoreHealth.DISK_FULL
            return StoreHealth.UNAVAILABLE
        return None
    return None


def refine(health: StoreHealth, database: Path) -> StoreHealth:
    """Sharpen a vague failure with what the file system says about the database's volume."""
    if health is not StoreHealth.UNAVAILABLE:
        return health
    directory = database.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    try:
        st = os.statvfs(directory)
    except OSError:
        return health
    if st.f_flag & os.ST_RDONLY:
        return StoreHealth.READ_ONLY
    if st.f_bavail == 0:
        return StoreHealth.DISK_FULL
    return health
