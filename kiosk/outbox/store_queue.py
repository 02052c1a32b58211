"""The queue itself: enqueue (a receipt only once durable), and the sender's side —
atomic claims under a lease, settlements in one transaction, reclaiming a stopped
sender's items. A part of `kiosk.outbox.store.OutboxStore`."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Sequence

from kiosk.crypto_at_rest import SealedDataError
from kiosk.domain.citizen_id import mask_cid
from kiosk.outbox.ids import new_item_id
from kiosk.outbox.model import EnqueueReceipt, ItemKind, ItemState, OutgoingItem
from kiosk.outbox.store_core import (
    InvalidIdempotencyKey,
    Settlement,
    StoreCore,
    StoreError,
    log,
)

IDEMPOTENCY_KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""The only Idempotency-Key the Linkage API takes (docs/linkage-api.yaml): a lowercase UUID."""
MAX_PAYLOAD_BYTES = 1024 * 1024


class StoreQueue(StoreCore):
    # -- enqueue -------------------------------------------------------------------------

    def enqueue(
        self, kind: ItemKind, payload: bytes, idempotency_key: str | None = None
    ) -> EnqueueReceipt:
        """Store an item durably (fsynced on return) and give back its reference number.

        ``idempotency_key`` lets a caller repeat an enqueue safely: the same key returns the
        first item's receipt; the same key with a different payload is refused. It must be
        a lowercase UUID (`InvalidIdempotencyKey` otherwise); None makes a fresh one.
        """
        kind = ItemKind(kind)
        if not isinstance(payload, bytes | bytearray) or len(payload) > MAX_PAYLOAD_BYTES:
            raise StoreError(f"payload must be bytes of at most {MAX_PAYLOAD_BYTES}")
        key = idempotency_key if idempotency_key is not None else str(uuid.uuid4())
        if not isinstance(key, str) or not IDEMPOTENCY_KEY.fullmatch(key):
            # Stored, it would be refused with a 400 at every delivery and end dead.
            raise InvalidIdempotencyKey(
                "idempotency key must be a lowercase UUID (8-4-4-4-12 hex digits, as the "
                f"Linkage API requires), not {key!r:.60}")
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

