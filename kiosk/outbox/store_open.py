"""Opening the outbox store: the file's locks, WAL and integrity check, a corrupt file
moved aside (never deleted), and the accepted-items ledger opened, reconciled and counted
(`kiosk.outbox.ledger`). A part of `kiosk.outbox.store.OutboxStore`."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from kiosk.outbox.health import StoreHealth, TechnicianAlert
from kiosk.outbox.ledger import Ledger, LedgerCorrupt, LossCount, ledger_path
from kiosk.outbox.store_core import (
    BUSY_TIMEOUT_S,
    CACHE_KIB,
    StoreCore,
    _fsync_dir,
    _is_corruption,
    _now_stamp,
    log,
)


class StoreOpening(StoreCore):
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
            # Numbers up to the receipt purge's floor left the outbox before their
            # receipts were deleted (`OutboxStore.purge_receipts`): closed, not lost.
            through = self._get_meta("receipts_purged_through")
            through = through if isinstance(through, int) else 0
            if through > 0:
                ledger.close_through(through)
            ledger.close_seqs(r[0] for r in self._conn.execute(
                "SELECT seq FROM receipts WHERE seq > ? ORDER BY seq", (through,)))
            ledger.raise_accepted(self._seq_last())
        if problem:
            self._alerts(TechnicianAlert(
                "outbox", StoreHealth.OK,
                f"outbox ledger {path}: {problem}; rebuilt from the store, so items lost "
                "before now cannot be counted"))
        return ledger


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

