"""The outbox store's shared core: its errors, `Settlement`, and what every part of
`kiosk.outbox.store.OutboxStore` uses — the write transaction, the meta table, the day's
reference counter and the ledger's closing of sequence numbers.

`OutboxStore` is put together from `StoreOpening` (opening, integrity, recovery, the
ledger's counts), `StoreSalvage` (importing a damaged file), `StoreQueue` (enqueue, claim,
settle) and its own technician and reading side; each is a part of one class on one
connection (see `kiosk.outbox.store` for the threading rules), not a separate object.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from kiosk.config.loader import ConfigError
from kiosk.outbox.crypto import ItemSealer
from kiosk.outbox.health import AlertSink, StoreHealth, classify
from kiosk.outbox.ids import format_reference, reference_day
from kiosk.outbox.ledger import Ledger, immediate
from kiosk.outbox.model import ItemState
from kiosk.outbox.salvage import SalvageResult

log = logging.getLogger("kiosk.outbox.store")

BUSY_TIMEOUT_S = 30.0
CACHE_KIB = 512  # the outbox connection's SQLite page cache


class StoreError(Exception):
    """A request the outbox refuses (unknown item, reused key, ...)."""


class InvalidIdempotencyKey(StoreError, ValueError):
    """An enqueue with a key the Linkage API would refuse (400) at every delivery."""


class CorruptDatabase(StoreError):
    pass


class PurgeFailed(StoreError):
    """A housekeeping purge could not run (database busy, locked or damaged): rolled back."""


class SchemaTooNew(ConfigError):
    """The database was written by a newer kiosk version; refuse rather than guess."""


class KeyMismatch(ConfigError):
    """The key file is not the key this database's items were sealed with."""


@dataclass(frozen=True, slots=True)
class Settlement:
    """How one claimed item ends its delivery attempt."""

    item_id: str
    state: ItemState
    """DELIVERED, PENDING (retry at ``next_attempt_at``) or DEAD."""
    confirmation: str = ""
    error: str = ""
    next_attempt_at: float = 0.0


def _now_stamp(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%S%fZ")



class StoreCore:
    """The state every part of the store shares (set by `OutboxStore.__init__`)."""

    path: Path
    kiosk_id: str
    recovered_from: Path | None
    salvage: SalvageResult | None
    _sealer: ItemSealer
    _clock: Callable[[], float]
    _alerts: AlertSink
    _problem: str
    _ledger_expected: bool
    _ledger: Ledger | None
    _conn: sqlite3.Connection
    _db: sqlite_utils.Database

    # -- transactions ----------------------------------------------------------------------

    def _write(self) -> contextlib.AbstractContextManager[None]:
        return immediate(self._conn)

    def _set_meta(self, key: str, value: object) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _get_meta(self, key: str) -> object:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str | int | float) -> None:
        with self._write():
            self._set_meta(key, value)

    def get_meta(self, key: str) -> object:
        return self._get_meta(key)

    def heartbeat(self) -> None:
        """A small durable write: proves the store takes writes again (health re-check)."""
        with self._write():
            self._set_meta("heartbeat", self._clock())

    def _seq_last(self) -> int:
        value = self._get_meta("seq_last")
        return int(value) if isinstance(value, int) else 0

    def _next_reference(self, now: float) -> str:
        day = reference_day(now)
        row = self._conn.execute(
            "SELECT last FROM reference_counters WHERE day = ?", (day,)
        ).fetchone()
        if row is not None:
            number = int(row[0]) + 1
        elif self._get_meta("created_day") == day:
            number = int(self._get_meta("created_floor") or 0) + 1  # type: ignore[call-overload]
        else:
            number = 1
        self._conn.execute(
            "INSERT INTO reference_counters (day, last) VALUES (?, ?) "
            "ON CONFLICT (day) DO UPDATE SET last = excluded.last",
            (day, number),
        )
        return format_reference(self.kiosk_id, day, number)

    def _close_in_ledger(self, seqs: list[int]) -> None:
        """Inside the store's write transaction, before it commits (see `ledger`)."""
        if seqs:
            assert self._ledger is not None
            again = self._ledger.close_seqs(seqs)
            if again:
                log.warning("outbox: %d item(s) delivered again after the store lost their "
                            "receipts (the centre deduplicates them)", again)



def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    return classify(exc) is StoreHealth.CORRUPT


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
