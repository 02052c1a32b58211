"""The accepted-items ledger: what the outbox promised, counted outside the outbox file.

Every accepted item gets a sequence number (``items.seq``, 1, 2, 3, … without gaps, from
the store's ``meta.seq_last``). This second, tiny SQLite database beside the store
(``outbox.sqlite3.ledger``; persistent rollback journal, ``synchronous=FULL``) keeps

- ``accepted``: the highest sequence number ever accepted, raised after each enqueue
  commits (a crash just after the commit is caught up at the next open: the store's own
  counter is the other witness);
- ``closed``: every sequence number that left the outbox for good (delivered, discarded,
  purged), as ranges ``[lo, hi]`` — items leave roughly in order, so few rows. A close is
  written while the store's write lock is held, before the store commits: every process
  sees a consistent pair, and a crash in between leaves an item both closed here and
  waiting there, which is sent again (the server deduplicates) — never counted lost;
- ``resurrected``: sequence numbers closed before that came back as waiting (a deleted or
  damaged WAL rolls the store back past deliveries): sent again, absorbed by idempotency.

So for any store, whatever happened to its file:
``lost = accepted - |closed ∪ waiting|`` — exact, because neither counter lives in the
file that was damaged. A damaged ledger is set aside and rebuilt from the store (losses
before that moment can no longer be counted; the technician is told).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kiosk.config.loader import ConfigError

LEDGER_VERSION = 1
BUSY_TIMEOUT_S = 30.0

_SCHEMA = (
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE closed (lo INTEGER PRIMARY KEY, hi INTEGER NOT NULL CHECK (hi >= lo))",
    "CREATE TABLE resurrected (seq INTEGER PRIMARY KEY)",
)


class LedgerTooNew(ConfigError):
    """The ledger was written by a newer kiosk version: refuse rather than guess."""


class LedgerCorrupt(Exception):
    """The ledger failed its integrity check (the store sets it aside and rebuilds it)."""


@dataclass(frozen=True, slots=True)
class LossCount:
    """What the ledger says about a store: nothing personal, safe for health and metrics."""

    accepted: int
    closed: int
    waiting: int
    """Items in the store (pending, in flight, dead) that are not closed."""
    lost: int
    resurrected: int

    def summary(self) -> str:
        text = f"{self.lost} items lost" if self.lost else "no items lost"
        if self.resurrected:
            text += (f"; {self.resurrected} delivered item(s) came back and are sent again "
                     "(the centre deduplicates them)")
        return text


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """One ``BEGIN IMMEDIATE`` transaction (a deferred one that turns into a write gets
    SQLITE_BUSY at once, without waiting); rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


def ledger_path(database: Path) -> Path:
    return database.with_name(database.name + ".ledger")


class Ledger:
    """One connection per process, owned by the `OutboxStore` of the same file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.created = not path.exists()
        self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                     check_same_thread=True)
        try:
            # PERSIST: the journal file keeps its blocks, so a full disk still takes the
            # ledger's small in-place updates.
            self._conn.execute("PRAGMA journal_mode=PERSIST")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            os.chmod(path, 0o600)
            with self.write():
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                if version > LEDGER_VERSION:
                    raise LedgerTooNew(
                        f"outbox ledger {path} has version {version}; this kiosk knows up "
                        f"to {LEDGER_VERSION} (was it written by a newer version?)")
                if version == 0:
                    for statement in _SCHEMA:
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version={LEDGER_VERSION}")
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
            if rows != [("ok",)]:
                raise LedgerCorrupt(f"integrity check: {rows[:3]}")
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        self._conn.close()

    def write(self) -> contextlib.AbstractContextManager[None]:
        return immediate(self._conn)

    # -- counters ---------------------------------------------------------------------

    def _counter(self, name: str) -> int:
        row = self._conn.execute("SELECT value FROM counters WHERE name = ?",
                                 (name,)).fetchone()
        return 0 if row is None else int(row[0])

    def accepted(self) -> int:
        return self._counter("accepted")

    def raise_accepted(self, seq: int) -> None:
        """Accepted is a high-water mark: raising it is safe in any order, from any process."""
        with self.write():
            self._conn.execute(
                "INSERT INTO counters (name, value) VALUES ('accepted', ?) ON CONFLICT (name) "
                "DO UPDATE SET value = max(value, excluded.value)", (seq,))

    # -- closed ranges ----------------------------------------------------------------

    def _containing(self, seq: int) -> bool:
        return self._conn.execute("SELECT 1 FROM closed WHERE lo <= ? AND hi >= ?",
                                  (seq, seq)).fetchone() is not None

    def close_seqs(self, seqs: Iterable[int]) -> int:
        """Record items that left the outbox. Returns how many were closed already
        (resurrections: delivered before, delivered again)."""
        again = 0
        with self.write():
            for seq in seqs:
                if self._containing(seq):
                    again += 1
                    self._conn.execute("INSERT OR IGNORE INTO resurrected (seq) VALUES (?)",
                                       (seq,))
                    continue
                lo, hi = seq, seq
                left = self._conn.execute("SELECT lo FROM closed WHERE hi = ?",
                                          (seq - 1,)).fetchone()
                if left is not None:
                    lo = int(left[0])
                    self._conn.execute("DELETE FROM closed WHERE lo = ?", (lo,))
                right = self._conn.execute("SELECT hi FROM closed WHERE lo = ?",
                                           (seq + 1,)).fetchone()
                if right is not None:
                    hi = int(right[0])
                    self._conn.execute("DELETE FROM closed WHERE lo = ?", (seq + 1,))
                self._conn.execute("INSERT INTO closed (lo, hi) VALUES (?, ?)", (lo, hi))
        return again

    def close_through(self, hi: int) -> None:
        """A new ledger only: every number 1..hi left the outbox (one range)."""
        with self.write():
            if self._conn.execute("SELECT 1 FROM closed").fetchone() is not None:
                raise ValueError("close_through is for a ledger that closed nothing yet")
            self._conn.execute("INSERT INTO closed (lo, hi) VALUES (1, ?)", (hi,))

    def closed_among(self, seqs: Iterable[int]) -> set[int]:
        ranges = self._conn.execute("SELECT lo, hi FROM closed ORDER BY lo").fetchall()
        out: set[int] = set()
        for seq in seqs:
            # Few ranges (one per gap): a linear scan is cheaper than a query per item.
            if any(lo <= seq <= hi for lo, hi in ranges):
                out.add(seq)
        return out

    def mark_resurrected(self, seqs: Iterable[int]) -> None:
        with self.write():
            self._conn.executemany("INSERT OR IGNORE INTO resurrected (seq) VALUES (?)",
                                   [(s,) for s in seqs])

    def resurrected(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM resurrected").fetchone()[0])

    # -- the technician's audit trail -------------------------------------------------

    def unreported(self, count: LossCount) -> bool:
        """Whether ``count.lost`` differs from what the audit trail was last told.
        Resurrections alone are not audited (a kill -9 between a settle's two commits
        makes one too); status, health and metrics show them."""
        return self._counter("reported_lost") != count.lost

    def take_unreported(self, count: LossCount) -> bool:
        """True (once, in one process) when ``count.lost`` changed since last reported."""
        with self.write():
            if not self.unreported(count):
                return False
            self._conn.execute(
                "INSERT INTO counters (name, value) VALUES ('reported_lost', ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (count.lost,))
        return True

    def count(self, waiting_seqs: Iterable[int], store_seq_last: int, accepted_before: int
              ) -> LossCount:
        """``accepted_before`` is `accepted` read BEFORE the store was read: an enqueue that
        commits in between raises the ledger only after its commit, so reading it later
        could count an item the store read did not see yet as lost."""
        waiting = set(waiting_seqs)
        accepted = max(accepted_before, store_seq_last, max(waiting, default=0))
        ranges = self._conn.execute("SELECT lo, hi FROM closed").fetchall()  # one snapshot
        closed = sum(min(hi, accepted) - lo + 1 for lo, hi in ranges if lo <= accepted)
        # Few ranges (one per gap): a linear scan per item is cheap.
        closed_waiting = {s for s in waiting if any(lo <= s <= hi for lo, hi in ranges)}
        open_waiting = len(waiting) - len(closed_waiting)
        return LossCount(accepted=accepted, closed=closed, waiting=open_waiting,
                         lost=max(0, accepted - closed - open_waiting),
                         resurrected=self.resurrected())
