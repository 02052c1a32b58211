"""The durable outbox: one SQLite file (through sqlite-utils), WAL, ``synchronous=FULL``.

`OutboxStore` owns one connection and is NOT thread-safe: exactly one thread per process
uses it (SQLite's own ``check_same_thread`` enforces that). Closing a second handle on the
same file would drop the POSIX locks of the first, so a process never opens two; other
threads go through `kiosk.outbox.service.Outbox`, which runs calls on the owner thread.

Every write is one ``BEGIN IMMEDIATE`` transaction (a deferred one that turns into a write
gets SQLITE_BUSY at once, without waiting). Several processes may use the same file:
claims are a single UPDATE … RETURNING inside such a transaction, so an item is in flight
for at most one sender at a time.

The class is put together from its parts along the seams of the work: `store_open`
(opening, integrity, recovery, ledger counts), `store_salvage`, `store_queue` (enqueue and
the sender's side), and here the technician's side, reading, migration and closing;
`store_core` holds the errors and the shared transaction helpers.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from kiosk.outbox.crypto import ItemSealer
from kiosk.outbox.health import AlertSink, classify, log_alert
from kiosk.outbox.ids import day_floor, reference_day
from kiosk.outbox.ledger import Ledger
from kiosk.outbox.model import DeadItem, ItemKind, ItemState, OutboxStatus
from kiosk.outbox.salvage import SalvageResult
from kiosk.outbox.schema import MIGRATIONS, SCHEMA_VERSION
from kiosk.outbox.store_core import (
    BUSY_TIMEOUT_S,
    CorruptDatabase,
    InvalidIdempotencyKey,
    KeyMismatch,
    PurgeFailed,
    SchemaTooNew,
    Settlement,
    StoreError,
)
from kiosk.outbox.store_open import StoreOpening
from kiosk.outbox.store_queue import IDEMPOTENCY_KEY, MAX_PAYLOAD_BYTES, StoreQueue
from kiosk.outbox.store_salvage import StoreSalvage

__all__ = [
    "BUSY_TIMEOUT_S",
    "IDEMPOTENCY_KEY",
    "MAX_PAYLOAD_BYTES",
    "CorruptDatabase",
    "InvalidIdempotencyKey",
    "KeyMismatch",
    "OutboxStore",
    "PurgeFailed",
    "SchemaTooNew",
    "Settlement",
    "StoreError",
]

_open_in_process: set[str] = set()
_open_lock = threading.Lock()

class OutboxStore(StoreOpening, StoreSalvage, StoreQueue):
    def __init__(
        self,
        path: Path,
        sealer: ItemSealer,
        kiosk_id: str,
        *,
        clock: Callable[[], float] = time.time,
        alerts: AlertSink = log_alert,
    ) -> None:
        self.path = Path(path)
        self.kiosk_id = kiosk_id
        self._sealer = sealer
        self._clock = clock
        self._alerts = alerts
        self.recovered_from: Path | None = None
        """Where a corrupt database found at start was moved (None if it was fine)."""
        self._problem = ""
        self.salvage: SalvageResult | None = None
        """What was salvaged from ``recovered_from`` ("N salvaged, M lost"; for metrics)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._key = str(self.path.resolve())
        self._closed = False
        self._ledger_expected = False
        self._ledger: Ledger | None = None
        with _open_lock:
            # Closing a second handle on the file would drop this process's POSIX locks
            # on it, silently breaking SQLite's locking: refuse the second handle instead.
            if self._key in _open_in_process:
                raise StoreError(
                    f"{self.path} is already open in this process; share its Outbox")
            _open_in_process.add(self._key)
        try:
            with self._open_lock():
                self._conn = self._open_checked()
            self._db = sqlite_utils.Database(self._conn, execute_plugins=False)
            try:
                self._migrate()
                with self._open_lock():
                    self._ledger = self._open_ledger()
                    self._reconcile()
                if self.recovered_from is not None:
                    self._salvage_at_start(self.recovered_from)
                self._report_loss_at_open()
            except BaseException:
                if self._ledger is not None:
                    self._ledger.close()
                self._conn.close()
                raise
        except BaseException:
            self._release()
            raise

    def _migrate(self) -> None:
        with self._write():
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"outbox database {self.path} has schema version {version}; this kiosk "
                    f"knows up to {SCHEMA_VERSION} (was it written by a newer version?)"
                )
            self._ledger_expected = version >= 2  # v2 made the ledger; before, none
            for step in MIGRATIONS[version:]:
                step(self._conn)
            if version != SCHEMA_VERSION:
                self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            if version == 0:
                now = self._clock()
                self._set_meta("created_at", now)
                self._set_meta("created_day", reference_day(now))
                self._set_meta("created_floor", day_floor(now))
                self._set_meta("key_check", self._sealer.key_check())
        check = self._get_meta("key_check")
        if not isinstance(check, bytes) or not self._sealer.matches(check):
            raise KeyMismatch(
                f"outbox key file does not match the database {self.path}: its items were "
                "sealed with another key (restore the original key file)"
            )

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._conn.close()
        if self._ledger is not None:
            self._ledger.close()
        self._release()

    def _release(self) -> None:
        with _open_lock:
            _open_in_process.discard(self._key)

    # -- the technician's side -----------------------------------------------------------

    def retry_dead(self, item_id: str) -> None:
        """Give a dead item a fresh start: attempts and age count from now."""
        now = self._clock()
        with self._write():
            cur = self._conn.execute(
                "UPDATE items SET state = 'pending', attempts = 0, age_from = ?, "
                "next_attempt_at = ?, dead_at = NULL WHERE id = ? AND state = 'dead'",
                (now, now, item_id),
            )
            if not cur.rowcount:
                raise StoreError(f"no dead item {item_id}")

    def discard_dead(self, item_id: str) -> None:
        """Drop a dead item's payload; a non-personal receipt (outcome discarded) remains."""
        with self._write():
            if not self._close_items("discarded", "id = ? AND state = 'dead'", (item_id,)):
                raise StoreError(f"no dead item {item_id}")

    def purge_dead(self, retention_s: float) -> int:
        """Remove dead items older than the retention; a receipt (outcome purged) remains."""
        cutoff = self._clock() - retention_s
        with self._write():
            return self._close_items("purged", "state = 'dead' AND dead_at < ?", (cutoff,))

    def purge_receipts(self, retention_s: float) -> int:
        """Delete receipts closed longer ago than the retention; returns how many.

        Only receipts below the lowest sequence number still waiting go, and the store
        remembers that floor (``meta.receipts_purged_through``): a ledger rebuilt later
        counts every number up to it as closed instead of lost (`_open_ledger`). Freed
        pages go to SQLite's freelist and the next receipts reuse them (no auto-vacuum:
        the file stays at its high-water mark instead of growing).
        A busy or locked database raises `PurgeFailed` (a damaged one the storage error
        `Outbox` classifies); the transaction rolls back, so
        nothing is deleted and nothing is lost (the next housekeeping tries again).
        """
        cutoff = self._clock() - retention_s
        try:
            with self._write():
                low = self._conn.execute("SELECT min(seq) FROM items").fetchone()[0]
                through = (self._seq_last() if low is None else int(low) - 1)
                deleted = self._conn.execute(
                    "DELETE FROM receipts WHERE closed_at < ? AND (seq IS NULL OR seq <= ?)",
                    (cutoff, through)).rowcount
                if deleted:
                    done = self._get_meta("receipts_purged_through")
                    self._set_meta("receipts_purged_through",
                                   max(through, done if isinstance(done, int) else 0))
                    self._set_meta("receipts_purged", self._receipts_purged() + deleted)
                return deleted
        except sqlite3.Error as exc:
            if classify(exc) is not None:
                raise  # a storage failure: `Outbox` turns it into health + OutboxUnavailable
            raise PurgeFailed(f"receipt purge rolled back: {exc}") from exc

    def _close_items(self, outcome: str, where: str, params: tuple[object, ...]) -> int:
        now = self._clock()
        seqs = [r[0] for r in self._conn.execute(
            "INSERT INTO receipts (item_id, reference, idempotency_key, kind, outcome, "
            "created_at, closed_at, attempts, confirmation, seq) "
            f"SELECT id, reference, idempotency_key, kind, ?, created_at, ?, attempts, NULL, "
            f"seq FROM items WHERE {where} RETURNING seq",
            (outcome, now, *params),
        ).fetchall() if r[0] is not None]
        deleted = self._conn.execute(f"DELETE FROM items WHERE {where}", params).rowcount
        self._close_in_ledger(seqs)
        return deleted

    # -- reading -------------------------------------------------------------------------

    def status(self, *, dead_limit: int = 100) -> OutboxStatus:
        counts = {state: 0 for state in ItemState}
        for row in self._db.query("SELECT state, count(*) AS n FROM items GROUP BY state"):
            counts[ItemState(row["state"])] = row["n"]
        counts[ItemState.DELIVERED] = self._conn.execute(
            "SELECT count(*) FROM receipts WHERE outcome = 'delivered'"
        ).fetchone()[0]
        oldest, next_at = self._conn.execute(
            "SELECT min(created_at), min(next_attempt_at) FROM items WHERE state = 'pending'"
        ).fetchone()
        dead = tuple(
            DeadItem(
                r["id"], r["reference"], ItemKind(r["kind"]), r["attempts"], r["created_at"],
                r["dead_at"], r["last_error"] or "",
            )
            for r in self._db.query(
                "SELECT id, reference, kind, attempts, created_at, dead_at, last_error "
                "FROM items WHERE state = 'dead' ORDER BY id LIMIT ?",
                [dead_limit],
            )
        )
        return OutboxStatus(
            counts=counts,
            oldest_pending_at=oldest,
            next_attempt_at=next_at,
            dead=dead,
            connectivity=str(self._get_meta("connectivity") or "unknown"),
            schema_version=self.schema_version,
            loss=self.loss(),
            receipts_purged=self._receipts_purged(),
        )

    def _receipts_purged(self) -> int:
        value = self._get_meta("receipts_purged")
        return value if isinstance(value, int) else 0

    def item_state(self, item_id: str) -> ItemState | None:
        row = self._conn.execute("SELECT state FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is not None:
            return ItemState(row[0])
        row = self._conn.execute(
            "SELECT outcome FROM receipts WHERE item_id = ?", (item_id,)
        ).fetchone()
        if row is not None and row[0] == "delivered":
            return ItemState.DELIVERED
        return None

    def receipts(self) -> list[dict[str, object]]:
        """All receipt records (for tests and audits; nothing personal in them)."""
        return list(self._db.query("SELECT * FROM receipts ORDER BY item_id"))


