"""The durable outbox: one SQLite file (through sqlite-utils), WAL, ``synchronous=FULL``.

`OutboxStore` owns one connection and is NOT thread-safe: exactly one thread per process
uses it (SQLite's own ``check_same_thread`` enforces that). Closing a second handle on the
same file would drop the POSIX locks of the first, so a process never opens two; other
threads go through `kiosk.outbox.service.Outbox`, which runs calls on the owner thread.

Every write is one ``BEGIN IMMEDIATE`` transaction (a deferred one that turns into a write
gets SQLITE_BUSY at once, without waiting). Several processes may use the same file:
claims are a single UPDATE … RETURNING inside such a transaction, so an item is in flight
for at most one sender at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from kiosk.config.loader import ConfigError
from kiosk.crypto_at_rest import SealedDataError
from kiosk.domain.citizen_id import mask_cid
from kiosk.outbox.crypto import ItemSealer
from kiosk.outbox.health import AlertSink, StoreHealth, TechnicianAlert, classify, log_alert
from kiosk.outbox.ids import day_floor, format_reference, new_item_id, reference_day
from kiosk.outbox.ledger import Ledger, LedgerCorrupt, LossCount, immediate, ledger_path
from kiosk.outbox.model import (
    DeadItem,
    EnqueueReceipt,
    ItemKind,
    ItemState,
    OutboxStatus,
    OutgoingItem,
)
from kiosk.outbox.salvage import SalvageResult, read_damaged_outbox
from kiosk.outbox.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
CACHE_KIB = 512  # the outbox connection's SQLite page cache
MAX_KEY_LENGTH = 255
MAX_PAYLOAD_BYTES = 1024 * 1024


_open_in_process: set[str] = set()
_open_lock = threading.Lock()


class StoreError(Exception):
    """A request the outbox refuses (unknown item, reused key, ...)."""


class CorruptDatabase(StoreError):
    pass


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


class OutboxStore:
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

    # -- opening, integrity, recovery -----------------------------------------------------

    @contextlib.contextmanager
    def _open_lock(self) -> Iterator[None]:
        """Serialise open/check/move-aside between processes starting at the same time."""
        lock_path = self.path.with_name(self.path.name + ".open-lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=True
        )
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot switch to WAL (journal_mode={mode})")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            # Purged payloads are overwritten, not left in free pages (they are sealed too).
            conn.execute("PRAGMA secure_delete=ON")
            # A small page cache: the hot pages are the few waiting items and the receipts
            # index leaves an insert touches. SQLite's default (2 MiB a connection) filled
            # over a day's sessions as the receipts spread over more pages, and stayed
            # resident (bench/soak.py, docs/benchmarks.md "Soak").
            conn.execute(f"PRAGMA cache_size={-CACHE_KIB}")
        except BaseException:
            conn.close()
            raise
        os.chmod(self.path, 0o600)
        return conn

    def _open_checked(self) -> sqlite3.Connection:
        before = self._file_identity()
        try:
            conn = self._connect()
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                raise
            problem = str(exc)
        else:
            try:
                rows = conn.execute("PRAGMA integrity_check").fetchall()
            except sqlite3.DatabaseError as exc:
                conn.close()
                if not _is_corruption(exc):
                    raise
                problem = str(exc)
            else:
                if rows == [("ok",)]:
                    return conn
                conn.close()
                problem = "; ".join(str(r[0]) for r in rows[:3])
        if before is not None and self._file_identity() != before:
            # Another process already moved it aside while we looked: use the new file.
            return self._open_checked()
        self.recovered_from = self._move_aside()
        self._problem = problem[:200]
        return self._connect()

    # -- the accepted-items ledger (kiosk.outbox.ledger) ----------------------------------

    def _open_ledger(self) -> Ledger:
        path = ledger_path(self.path)
        existed = path.exists()
        problem = ""
        try:
            ledger = Ledger(path)
        except (sqlite3.DatabaseError, LedgerCorrupt) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and not _is_corruption(exc):
                raise  # busy, disk full, …: the open fails as a store failure would
            problem = f"the ledger failed its check ({exc}); set aside"
            target = path.with_name(f"{path.name}.corrupt-{_now_stamp(self._clock())}")
            for suffix in ("-journal", ""):
                if Path(f"{path}{suffix}").exists():
                    os.rename(f"{path}{suffix}", f"{target}{suffix}")
            _fsync_dir(path.parent)
            ledger = Ledger(path)
        if not existed and self._ledger_expected and self.recovered_from is None:
            problem = problem or "the ledger file was missing"
        if ledger.created:
            # Rebuilt from the store (or a store upgraded from v1): count from here on.
            ledger.close_seqs(r[0] for r in self._conn.execute(
                "SELECT seq FROM receipts WHERE seq IS NOT NULL ORDER BY seq"))
            ledger.raise_accepted(self._seq_last())
        if problem:
            self._alerts(TechnicianAlert(
                "outbox", StoreHealth.OK,
                f"outbox ledger {path}: {problem}; rebuilt from the store, so items lost "
                "before now cannot be counted"))
        return ledger

    def _seq_last(self) -> int:
        value = self._get_meta("seq_last")
        return int(value) if isinstance(value, int) else 0

    def _reconcile(self) -> None:
        """At open, under the store's write lock (no settle is half done): carry the
        ledger's count past a store that went back in time, note resurrections."""
        assert self._ledger is not None
        with self._write():
            seq_last = self._seq_last()
            accepted = self._ledger.accepted()
            if accepted > seq_last:
                self._set_meta("seq_last", accepted)  # new items never reuse a lost number
            elif accepted < seq_last:
                self._ledger.raise_accepted(seq_last)  # a crash right after an enqueue
            waiting = [r[0] for r in self._conn.execute(
                "SELECT seq FROM items WHERE seq IS NOT NULL")]
            back = self._ledger.closed_among(waiting)
            if back:
                self._ledger.mark_resurrected(back)

    def loss(self) -> LossCount:
        """Accepted minus closed minus waiting, from the ledger: what the store lost."""
        assert self._ledger is not None
        accepted_before = self._ledger.accepted()  # first: see `Ledger.count`
        self._conn.execute("BEGIN")
        try:
            seq_last = self._seq_last()
            waiting = [r[0] for r in self._conn.execute(
                "SELECT seq FROM items WHERE seq IS NOT NULL")]
        finally:
            self._conn.execute("COMMIT")
        return self._ledger.count(waiting, seq_last, accepted_before)

    def take_unreported_loss(self) -> LossCount | None:
        """The loss count if it changed since last reported (by any process), else None."""
        assert self._ledger is not None
        count = self.loss()
        return count if self._ledger.take_unreported(count) else None

    def _report_loss_at_open(self) -> None:
        count = self.loss()
        if count.lost or count.resurrected:
            log.warning("outbox ledger: %s (accepted %d, closed %d, waiting %d)",
                        count.summary(), count.accepted, count.closed, count.waiting)
        assert self._ledger is not None
        # Once per change (the audit trail's `take_unreported_loss` marks it told); a
        # salvage at this open has its own alert that carries the count.
        if count.lost and self.recovered_from is None and self._ledger.unreported(count):
            self._alerts(TechnicianAlert(
                "outbox", StoreHealth.CORRUPT,
                f"outbox {self.path}: {count.summary()} (accepted {count.accepted}, "
                f"delivered or closed {count.closed}, still queued {count.waiting}); export "
                "diagnostics and check the disk"))

    def _salvage_at_start(self, damaged: Path) -> None:
        """Copy every readable row of the file just set aside into this fresh store."""
        try:
            result = self.salvage_file(damaged)
            outcome = (f"{result.summary()} (copied into a fresh database; the damaged "
                       f"file is kept for inspection); counted by the ledger: "
                       f"{self.loss().summary()}")
        except Exception as exc:  # never let salvage stop the kiosk from starting
            log.exception("outbox salvage of %s failed", damaged)
            outcome = (f"salvage failed ({exc}); run `python -m kiosk outbox salvage "
                       f"{damaged}` after fixing the cause")
        self._alerts(
            TechnicianAlert(
                "outbox",
                StoreHealth.CORRUPT,
                f"outbox database failed its integrity check ({self._problem}); moved to "
                f"{damaged}; {outcome}",
            )
        )

    def salvage_file(self, damaged: Path) -> SalvageResult:
        """Import every readable item of a damaged outbox file; safe to run again.

        Items already here (by id or key), or already delivered from here, are skipped, so
        a second run over the same file delivers nothing twice. In-flight items come back
        as pending (the server deduplicates by idempotency key if one had reached it).
        """
        result = read_damaged_outbox(damaged, self._sealer)
        now = self._clock()
        assert self._ledger is not None
        with self._write():
            seq_last = self._seq_last()
            known = max(seq_last, self._ledger.accepted())
            back: list[int] = []
            for item in result.items:
                taken = self._conn.execute(
                    "SELECT 1 FROM items WHERE id = ? OR idempotency_key = ? UNION ALL "
                    "SELECT 1 FROM receipts WHERE item_id = ? OR idempotency_key = ?",
                    (item.item_id, item.idempotency_key, item.item_id, item.idempotency_key),
                ).fetchone()
                if taken is not None:
                    continue
                state = "dead" if item.state == "dead" else "pending"
                reference = self._salvaged_reference(item.reference, now)
                seq = item.seq
                if seq is None or seq > known or self._conn.execute(
                        "SELECT 1 FROM items WHERE seq = ?", (seq,)).fetchone():
                    # Not of this ledger's lineage (another file, or before v2): a new
                    # number, accepted and waiting at once, so it changes no loss count.
                    seq_last = seq = max(seq_last, known) + 1
                    known = seq
                else:
                    back.append(seq)
                self._conn.execute(
                    "INSERT INTO items (id, reference, idempotency_key, kind, payload, "
                    "created_at, age_from, attempts, next_attempt_at, last_error, state, "
                    "dead_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (item.item_id, reference, item.idempotency_key, item.kind,
                     item.payload, item.created_at, item.age_from, item.attempts,
                     now if state == "pending" else item.next_attempt_at, item.last_error,
                     state, item.dead_at if state == "dead" else None, seq),
                )
                result.imported += 1
            self._set_meta("seq_last", seq_last)
            self._set_meta("last_salvage", f"{damaged}: {result.summary()}")
            self._ledger.raise_accepted(seq_last)
            closed_before = self._ledger.closed_among(back)
            if closed_before:  # delivered once, its receipt lost with the file: sent again
                self._ledger.mark_resurrected(closed_before)
        self.salvage = result
        log.warning("outbox salvage of %s: %s (%d imported, %d already delivered)",
                    damaged, result.summary(), result.imported, result.already_delivered)
        return result

    def _salvaged_reference(self, reference: str, now: float) -> str:
        """Keep a salvaged item's reference (the citizen holds it) and move the day's
        counter past it, so no new item is ever given the same number."""
        prefix, _, rest = reference.rpartition("-")
        day = prefix.rpartition("-")[2]
        if rest.isdigit() and len(day) == 8 and day.isdigit():
            row = self._conn.execute(
                "SELECT last FROM reference_counters WHERE day = ?", (day,)).fetchone()
            if row is not None:
                last = int(row[0])
            elif self._get_meta("created_day") == day:
                last = int(self._get_meta("created_floor") or 0)  # type: ignore[call-overload]
            else:
                last = 0
            self._conn.execute(
                "INSERT INTO reference_counters (day, last) VALUES (?, ?) "
                "ON CONFLICT (day) DO UPDATE SET last = excluded.last",
                (day, max(last, int(rest))),
            )
        taken = self._conn.execute(
            "SELECT 1 FROM items WHERE reference = ? UNION ALL "
            "SELECT 1 FROM receipts WHERE reference = ?", (reference, reference)).fetchone()
        if taken is None:
            return reference
        fresh = self._next_reference(now)  # a clash with an item made after the damage
        log.warning("salvaged reference %s was already in use: now %s", reference, fresh)
        return fresh

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_dev, st.st_ino)

    def _move_aside(self) -> Path:
        """Rename the database and its WAL/SHM to ``*.corrupt-<UTC time>``; never delete."""
        target = self.path.with_name(f"{self.path.name}.corrupt-{_now_stamp(self._clock())}")
        for suffix in ("-wal", "-shm", ""):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                os.rename(source, f"{target}{suffix}")
        _fsync_dir(self.path.parent)
        return target

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

    # -- enqueue -------------------------------------------------------------------------

    def enqueue(
        self, kind: ItemKind, payload: bytes, idempotency_key: str | None = None
    ) -> EnqueueReceipt:
        """Store an item durably (fsynced on return) and give back its reference number.

        ``idempotency_key`` lets a caller repeat an enqueue safely: the same key returns the
        first item's receipt; the same key with a different payload is refused.
        """
        kind = ItemKind(kind)
        if not isinstance(payload, bytes | bytearray) or len(payload) > MAX_PAYLOAD_BYTES:
            raise StoreError(f"payload must be bytes of at most {MAX_PAYLOAD_BYTES}")
        key = idempotency_key if idempotency_key is not None else str(uuid.uuid4())
        if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
            raise StoreError("idempotency key must be 1-255 printable ASCII characters")
        now = self._clock()
        item_id = new_item_id(now)
        sealed = self._sealer.seal(item_id, key, bytes(payload))
        with self._write():
            existing = self._existing(key, bytes(payload))
            if existing is not None:
                return existing
            reference = self._next_reference(now)
            seq = self._seq_last() + 1
            self._set_meta("seq_last", seq)
            self._conn.execute(
                "INSERT INTO items (id, reference, idempotency_key, kind, payload, created_at, "
                "age_from, attempts, next_attempt_at, state, seq) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, 'pending', ?)",
                (item_id, reference, key, kind.value, sealed, now, now, now, seq),
            )
        # After the commit: the citizen holds a receipt only once it is durable here. If
        # this write fails (disk full) the item still counts: the store's own counter
        # (``seq_last``) is the other witness, and the next open catches the ledger up.
        assert self._ledger is not None
        try:
            self._ledger.raise_accepted(seq)
        except sqlite3.Error as exc:
            log.warning("outbox ledger not updated after an enqueue (%s); caught up later",
                        exc)
        return EnqueueReceipt(item_id, reference, key)

    def _existing(self, key: str, payload: bytes) -> EnqueueReceipt | None:
        row = self._conn.execute(
            "SELECT id, reference, payload FROM items WHERE idempotency_key = ?", (key,)
        ).fetchone()
        if row is not None:
            try:
                same = self._sealer.open(row[0], key, row[2]) == payload
            except SealedDataError:
                same = False
            if not same:
                raise StoreError("idempotency key reused with a different payload")
            return EnqueueReceipt(row[0], row[1], key)
        row = self._conn.execute(
            "SELECT item_id, reference FROM receipts WHERE idempotency_key = ?", (key,)
        ).fetchone()
        return None if row is None else EnqueueReceipt(row[0], row[1], key)

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

    # -- the sender's side ---------------------------------------------------------------

    def claim(
        self, lease_id: str, limit: int, *, max_age_s: float | None = None
    ) -> list[OutgoingItem]:
        """Atomically move up to ``limit`` due items to in-flight for ``lease_id``.

        Pending items older than ``max_age_s`` go to dead first. Counts the attempt now, so
        a sender that keeps crashing mid-delivery still reaches ``max_attempts``.
        """
        now = self._clock()
        with self._write():
            if max_age_s is not None:
                self._conn.execute(
                    "UPDATE items SET state = 'dead', dead_at = ?, "
                    "last_error = 'expired: not delivered within ' || ? || ' h' "
                    "|| coalesce(' (last error: ' || last_error || ')', '') "
                    "WHERE state = 'pending' AND age_from < ?",
                    (now, f"{max_age_s / 3600:g}", now - max_age_s),
                )
            rows = self._conn.execute(
                "UPDATE items SET state = 'in_flight', claimed_by = ?, claimed_at = ?, "
                "attempts = attempts + 1 WHERE id IN (SELECT id FROM items "
                "WHERE state = 'pending' AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at, id LIMIT ?) "
                "RETURNING id, reference, idempotency_key, kind, payload, created_at, attempts, "
                "age_from",
                (lease_id, now, now, limit),
            ).fetchall()
        claimed: list[OutgoingItem] = []
        unreadable: list[Settlement] = []
        for item_id, reference, key, kind, sealed, created_at, attempts, age_from in sorted(rows):
            try:
                payload = self._sealer.open(item_id, key, sealed)
            except SealedDataError as exc:
                unreadable.append(Settlement(item_id, ItemState.DEAD, error=f"payload: {exc}"))
                continue
            claimed.append(
                OutgoingItem(
                    item_id, reference, key, ItemKind(kind), payload, created_at, attempts,
                    age_from,
                )
            )
        if unreadable:
            self.settle(lease_id, unreadable)
        return claimed

    def settle(self, lease_id: str, settlements: Sequence[Settlement]) -> int:
        """Record the outcome of delivery attempts in one transaction.

        Only items still in flight under ``lease_id`` are touched (one that was reclaimed
        meanwhile belongs to someone else now). Returns how many were recorded.
        """
        now = self._clock()
        done = 0
        # Reasons and confirmations come from the server: stored unencrypted, so any
        # citizen-ID-looking number in them is masked first.
        closed: list[int] = []
        with self._write():
            for s in settlements:
                owned = "id = ? AND state = 'in_flight' AND claimed_by = ?"
                if s.state is ItemState.DELIVERED:
                    rows = self._conn.execute(
                        "INSERT INTO receipts (item_id, reference, idempotency_key, kind, "
                        "outcome, created_at, closed_at, attempts, confirmation, seq) "
                        "SELECT id, reference, idempotency_key, kind, 'delivered', created_at, "
                        f"?, attempts, ?, seq FROM items WHERE {owned} RETURNING seq",
                        (now, mask_cid(s.confirmation)[:200], s.item_id, lease_id),
                    ).fetchall()
                    if rows:
                        self._conn.execute("DELETE FROM items WHERE id = ?", (s.item_id,))
                        closed.extend(int(r[0]) for r in rows if r[0] is not None)
                    done += len(rows)
                    continue
                elif s.state is ItemState.PENDING:
                    cur = self._conn.execute(
                        "UPDATE items SET state = 'pending', claimed_by = NULL, "
                        f"claimed_at = NULL, next_attempt_at = ?, last_error = ? WHERE {owned}",
                        (s.next_attempt_at, mask_cid(s.error)[:500], s.item_id, lease_id),
                    )
                elif s.state is ItemState.DEAD:
                    cur = self._conn.execute(
                        "UPDATE items SET state = 'dead', claimed_by = NULL, claimed_at = NULL, "
                        f"dead_at = ?, last_error = ? WHERE {owned}",
                        (now, mask_cid(s.error)[:500], s.item_id, lease_id),
                    )
                else:
                    raise StoreError(f"cannot settle an item as {s.state}")
                done += cur.rowcount
            self._close_in_ledger(closed)
        return done

    def _close_in_ledger(self, seqs: list[int]) -> None:
        """Inside the store's write transaction, before it commits (see `ledger`)."""
        if seqs:
            assert self._ledger is not None
            again = self._ledger.close_seqs(seqs)
            if again:
                log.warning("outbox: %d item(s) delivered again after the store lost their "
                            "receipts (the centre deduplicates them)", again)

    def in_flight_leases(self) -> list[str]:
        rows = self._conn.execute(
            "SELECT DISTINCT claimed_by FROM items WHERE state = 'in_flight'"
        ).fetchall()
        return [r[0] for r in rows]

    def reclaim(self, lease_ids: Sequence[str], *, max_attempts: int) -> int:
        """Put the in-flight items of stopped senders back to pending (due now).

        An item that already used its last attempt goes to dead instead.
        """
        if not lease_ids:
            return 0
        now = self._clock()
        marks = ",".join("?" * len(lease_ids))
        with self._write():
            dead = self._conn.execute(
                "UPDATE items SET state = 'dead', claimed_by = NULL, claimed_at = NULL, "
                "dead_at = ?, last_error = 'gave up after ' || attempts || ' attempts; the "
                "sender stopped during the last one' "
                f"WHERE state = 'in_flight' AND attempts >= ? AND claimed_by IN ({marks})",
                (now, max_attempts, *lease_ids),
            ).rowcount
            back = self._conn.execute(
                "UPDATE items SET state = 'pending', claimed_by = NULL, claimed_at = NULL, "
                "next_attempt_at = ?, last_error = 'sender stopped during delivery' "
                f"WHERE state = 'in_flight' AND claimed_by IN ({marks})",
                (now, *lease_ids),
            ).rowcount
        return dead + back

    def make_due_now(self) -> int:
        """Connectivity came back: waiting items need not sit out their backoff."""
        now = self._clock()
        with self._write():
            return self._conn.execute(
                "UPDATE items SET next_attempt_at = ? "
                "WHERE state = 'pending' AND next_attempt_at > ?",
                (now, now),
            ).rowcount

    def next_due_at(self) -> float | None:
        row = self._conn.execute(
            "SELECT min(next_attempt_at) FROM items WHERE state = 'pending'"
        ).fetchone()
        return None if row[0] is None else float(row[0])

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
        )

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


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    return classify(exc) is StoreHealth.CORRUPT


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
