"""Print journal: every receipt job, its session and its outcome, in SQLite.

A job counts as printed only when the printer said so after the job (`JobState.PRINTED`);
a failed job keeps its document so the maintenance menu can print it again. The
document (it carries a name, a masked ID, a reference number) is sealed with AES-256-GCM
(`kiosk.crypto_at_rest`; associated data = the job id, so a blob moved to another row
does not open). Rows older than ``retention_days`` are deleted: at open, and after each
new job.

Key decision: the journal has its own key file (``printer.journal_key_file``, default
``<state_dir>/pki/print-journal.key``), created 0600 on first use, separate from the
outbox key so one can be rotated (or the journal wiped) without touching the other.
A replaced key makes old rows unreadable (reported per row), never a crash.

Thread-safe: one connection, used under a lock (the session worker prints, the
maintenance menu lists and reprints).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import sqlite_utils

from kiosk.crypto_at_rest import AtRestCipher, SealedDataError
from kiosk.receipts.model import Document


class JobState(Enum):
    PENDING = "pending"
    """Recorded, being sent: a kiosk that crashes here leaves it for the technician."""
    PRINTED = "printed"
    """The printer reported OK after processing the whole job."""
    FAILED = "failed"
    """Not started: nothing was sent (offline, paper out, cover open before the job)."""
    INTERRUPTED = "interrupted"
    """Started and not confirmed by a printer that reports status: the slip is incomplete
    (or, if the link broke after the cut, whole but unconfirmed); print it again."""
    UNCONFIRMED = "unconfirmed"
    """Sent, but not confirmed: a transport that cannot report status (file, CUPS), or the
    connection broke / the answers were unreadable after the whole job was written. Not
    counted as printed; the technician checks the slip before any reprint."""


@dataclass(frozen=True)
class JobRecord:
    job_id: str
    session_id: str
    kind: str
    state: JobState
    attempts: int
    created_at: float
    updated_at: float
    error_reason: str | None = None
    error_key: str | None = None


class JournalError(Exception):
    message_key = "printer.journal_unreadable"


class PrintJournal:
    TABLE = "print_jobs"

    def __init__(self, path: Path, cipher: AtRestCipher, *, retention_days: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._cipher = cipher
        self.retention_s = retention_days * 86400
        self._clock = clock
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = not self.path.exists()
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if fresh:
            os.chmod(self.path, 0o600)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # an outcome written is an outcome kept
        # Appends and reads by id need few pages: SQLite's default 2 MiB page cache filled
        # over a week of prints and stayed resident (bench/soak.py; docs/benchmarks.md).
        conn.execute("PRAGMA cache_size=-128")  # KiB
        self._db = sqlite_utils.Database(conn, execute_plugins=False)
        self._table = self._db.table(self.TABLE)
        if not self._table.exists():
            self._table.create(
                {"job_id": str, "session_id": str, "kind": str, "state": str, "attempts": int,
                 "created_at": float, "updated_at": float, "error_reason": str,
                 "error_key": str, "document": bytes},
                pk="job_id", not_null={"session_id", "state", "document"},
            )
            self._table.create_index(["state"])
            self._table.create_index(["created_at"])
        self.purge()

    # -- writing --------------------------------------------------------------------------

    def record(self, session_id: str, document: Document, *, kind: str = "receipt") -> str:
        job_id = uuid.uuid4().hex
        now = self._clock()
        sealed = self._cipher.seal(document.to_json(), job_id.encode())
        with self._lock:
            self._table.insert({
                "job_id": job_id, "session_id": session_id, "kind": kind,
                "state": JobState.PENDING.value, "attempts": 1, "created_at": now,
                "updated_at": now, "error_reason": None, "error_key": None, "document": sealed,
            })
        self.purge()
        return job_id

    def mark(self, job_id: str, state: JobState, *, error_reason: str | None = None,
             error_key: str | None = None) -> None:
        with self._lock:
            self._table.update(job_id, {
                "state": state.value, "updated_at": self._clock(),
                "error_reason": error_reason, "error_key": error_key,
            })

    def start_retry(self, job_id: str) -> None:
        with self._lock:
            row = self._table.get(job_id)
            self._table.update(job_id, {
                "state": JobState.PENDING.value, "attempts": row["attempts"] + 1,
                "updated_at": self._clock(), "error_reason": None, "error_key": None,
            })

    def purge(self) -> int:
        """Delete jobs older than the retention period; returns how many went."""
        cutoff = self._clock() - self.retention_s
        with self._lock:
            cursor = self._db.execute(
                f"DELETE FROM {self.TABLE} WHERE created_at < ?", [cutoff]
            )
            return cursor.rowcount

    # -- reading ------------------------------------------------------------------------------

    def get(self, job_id: str) -> JobRecord:
        with self._lock:
            try:
                row = self._table.get(job_id)
            except sqlite_utils.db.NotFoundError:
                raise KeyError(job_id) from None
        return _record(row)

    def document(self, job_id: str) -> Document:
        with self._lock:
            try:
                blob = self._table.get(job_id)["document"]
            except sqlite_utils.db.NotFoundError:
                raise KeyError(job_id) from None
        try:
            return Document.from_json(self._cipher.open(blob, job_id.encode()))
        except SealedDataError as exc:
            raise JournalError(f"job {job_id}: {exc}") from None

    def jobs(self, states: Iterable[JobState] | None = None, *, limit: int = 100
             ) -> list[JobRecord]:
        """Newest first."""
        where, args = None, []
        if states is not None:
            values = [s.value for s in states]
            where = f"state IN ({', '.join('?' for _ in values)})"
            args = values
        with self._lock:
            rows = list(self._table.rows_where(where, args, order_by="created_at DESC",
                                               limit=limit))
        return [_record(r) for r in rows]

    def reprintable(self) -> list[JobRecord]:
        """Jobs the maintenance menu may print again (failed or never confirmed)."""
        return self.jobs([JobState.FAILED, JobState.INTERRUPTED, JobState.UNCONFIRMED,
                          JobState.PENDING])

    def counts(self) -> dict[JobState, int]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT state, COUNT(*) FROM {self.TABLE} GROUP BY state"
            ).fetchall()
        counts = {state: 0 for state in JobState}
        for state, n in rows:
            counts[JobState(state)] = n
        return counts

    def raw_document_blob(self, job_id: str) -> bytes:
        """The sealed bytes as stored (tests check nothing readable is at rest)."""
        with self._lock:
            return self._table.get(job_id)["document"]

    def close(self) -> None:
        with self._lock:
            self._db.conn.close()


def _record(row: dict) -> JobRecord:
    return JobRecord(
        job_id=row["job_id"], session_id=row["session_id"], kind=row["kind"],
        state=JobState(row["state"]), attempts=row["attempts"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        error_reason=row["error_reason"], error_key=row["error_key"],
    )
